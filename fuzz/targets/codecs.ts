/**
 * The reader targets, one per family of the wire codec: hellos, the DTLS 1.2 messages (with the
 * key exchanges, alerts and ChangeCipherSpec), the DTLS 1.3 messages, every (extension, context)
 * pair, and the handshake header / ACK. See `codecFamilyTarget` for the input layout.
 */
import { extensionCases } from '../arbitraries/wire/extensions.ts';
import { helloMessageCases } from '../arbitraries/wire/hello.ts';
import { messages12Cases } from '../arbitraries/wire/messages12.ts';
import { recordCases } from '../arbitraries/wire/records.ts';
import { HandshakeType } from '../../reference/wire/enums.ts';
import { readHandshakeFragments } from '../../reference/wire/handshake-header.ts';
import { Reader } from '../../reference/wire/reader.ts';
import { clientHelloCodec, serverHelloCodec } from '../../reference/wire/registry-hello.ts';
import { ackCodec } from '../../reference/wire/ack.ts';
import { handshakeFragmentCodec, handshakeFragmentsCodec } from '../../reference/wire/records.ts';
import { parseDatagram } from '../mutate.ts';
import type { FuzzTarget } from '../target.ts';
import { codecFamilyTarget, corpusDatagrams, transcriptDatagrams } from './support.ts';

const helloCases = helloMessageCases.filter((c) => c.codec === clientHelloCodec || c.codec === serverHelloCodec);
const tls13Cases = helloMessageCases.filter((c) => !helloCases.includes(c));

/** Whole ClientHello / ServerHello bodies seen in real datagrams. */
function* realHellos(): Iterable<[number, Uint8Array]> {
  const datagrams = [...transcriptDatagrams(), ...corpusDatagrams('from-client').slice(0, 400), ...corpusDatagrams('from-server').slice(0, 400)];
  const seen = new Set<string>();
  for (const d of datagrams) {
    for (const r of parseDatagram(d) ?? []) {
      if (r.format !== 'plaintext' || r.type !== 22 || r.epoch !== 0) continue;
      let fragments;
      try {
        fragments = readHandshakeFragments(Reader.from(r.fragment, 'Fragments'));
      } catch {
        continue;
      }
      for (const f of fragments) {
        if (f.fragmentOffset !== 0 || f.body.length !== f.length) continue;
        const index = f.msgType === HandshakeType.client_hello ? 0 : f.msgType === HandshakeType.server_hello ? 1 : -1;
        if (index < 0) continue;
        const key = `${index}:${Buffer.from(f.body).toString('hex')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        yield [index, f.body];
      }
    }
  }
}

export const helloTarget: FuzzTarget = codecFamilyTarget({
  name: 'hello',
  description: 'ClientHello and ServerHello / HelloRetryRequest readers (first byte picks the codec)',
  cases: helloCases,
  samplesPerCase: 16,
  extraSeeds: realHellos,
});

export const messages12Target: FuzzTarget = codecFamilyTarget({
  name: 'messages12',
  description: 'every DTLS 1.2 message reader: HelloVerifyRequest, Certificate, the key exchanges, CertificateRequest, Finished, ..., Alert, ChangeCipherSpec',
  cases: messages12Cases,
});

export const tls13MessagesTarget: FuzzTarget = codecFamilyTarget({
  name: 'tls13-messages',
  description: 'DTLS 1.3 message readers: EncryptedExtensions, Certificate, CertificateRequest, NewSessionTicket',
  cases: tls13Cases,
  samplesPerCase: 8,
});

export const extensionsTarget: FuzzTarget = codecFamilyTarget({
  name: 'extensions',
  description: 'every extension reader in every context that parses it (first byte picks the pair)',
  cases: extensionCases,
  samplesPerCase: 3,
});

export const handshakeHeaderTarget: FuzzTarget = codecFamilyTarget({
  name: 'handshake-header',
  description: 'the handshake header and fragment lists, and the DTLS 1.3 ACK',
  cases: recordCases.filter((c) => c.codec === handshakeFragmentCodec || c.codec === handshakeFragmentsCodec || c.codec === ackCodec),
  samplesPerCase: 8,
});
