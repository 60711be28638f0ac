/**
 * Cross-check against real captures: the golden OpenSSL <-> GnuTLS DTLS 1.2 transcripts in
 * vectors/transcripts/ (written by scripts/record-transcripts.ts). For each one: take the randoms
 * from the ClientHello and ServerHello in the datagrams, the master secret from the NSS key log's
 * CLIENT_RANDOM line, derive both directions' keys with the PRF, run every datagram of each
 * direction through a RecordLayer (installing the read epoch at the ChangeCipherSpec), and check
 * that the application data is the line the recording script sent. Where the sender's explicit
 * nonce is epoch || sequence_number (GnuTLS; OpenSSL with CCM, not with GCM where it runs its own
 * IV counter) or there is none (ChaCha20-Poly1305), re-sealing must give the captured bytes exactly.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { CipherSuite, ContentType, HandshakeType } from '../wire/enums.ts';
import { readClientHello, readServerHello } from '../wire/hello.ts';
import { decode } from '../wire/reader.ts';
import { handshakeFragmentsOf, readDatagram } from '../wire/records.ts';
import { bytesToHex, hexToBytes } from './_testing.ts';
import { CipherState, deriveKeys, sequenceBytes, type TrafficKeys } from './cipher-state.ts';
import { RecordLayer, type UnprotectResult } from './record-layer.ts';

const DIR = new URL('../../vectors/transcripts/', import.meta.url);

interface Transcript {
  name: string;
  cipher: { openssl: string; iana: string };
  datagrams: { dir: 'client' | 'server'; t: number; hex: string }[];
  keylog: string;
}

const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];

/** What scripts/record-transcripts.ts has each side send, by direction of the transcript. */
function expectedLines(tr: Transcript): { client: string[]; server: string[] } {
  const suite = tr.cipher.openssl;
  if (tr.name.startsWith('openssl-to-gnutls.')) {
    const line = `hello from openssl s_client over ${suite}\n`;
    return { client: [line], server: [line] }; // gnutls-serv --echo
  }
  if (tr.name.startsWith('gnutls-to-openssl.')) {
    return { client: [`hello from gnutls-cli over ${suite}\n`], server: [`answer from openssl s_server over ${suite}\n`] };
  }
  throw new Error(`${tr.name}: unknown direction`);
}

/** The body of the last whole handshake message of `msgType` sent by `dir` in epoch 0. */
function lastHandshakeBody(tr: Transcript, dir: 'client' | 'server', msgType: number): Uint8Array {
  let body: Uint8Array | undefined;
  for (const d of tr.datagrams.filter((x) => x.dir === dir)) {
    for (const r of readDatagram(hexToBytes(d.hex))) {
      if (r.format !== 'plaintext' || r.epoch !== 0 || r.type !== ContentType.handshake) continue;
      for (const f of handshakeFragmentsOf(r)) if (f.msgType === msgType && f.fragmentOffset === 0 && f.body.length === f.length) body = f.body;
    }
  }
  if (body === undefined) throw new Error(`${tr.name}: no ${HandshakeType.nameOf(msgType)} from the ${dir}`);
  return body;
}

function masterSecretFor(tr: Transcript, clientRandom: Uint8Array): Uint8Array {
  const wanted = bytesToHex(clientRandom);
  for (const line of tr.keylog.split('\n')) {
    const [label, random, secret] = line.trim().split(/\s+/);
    if (label === 'CLIENT_RANDOM' && random?.toLowerCase() === wanted) return hexToBytes(secret);
  }
  throw new Error(`${tr.name}: no CLIENT_RANDOM line for ${wanted}`);
}

/** Everything one side sent, as the other side's record layer sees it. */
function receiveAll(tr: Transcript, sender: 'client' | 'server', senderKeys: TrafficKeys, suite: number): UnprotectResult[] {
  const layer = new RecordLayer();
  const out: UnprotectResult[] = [];
  for (const d of tr.datagrams.filter((x) => x.dir === sender)) {
    for (const result of layer.unprotectDatagram(hexToBytes(d.hex))) {
      out.push(result);
      if (result.kind === 'ok' && result.type === ContentType.change_cipher_spec) {
        out.push(...layer.installReadEpoch(CipherState.forSuite(suite, senderKeys)).released);
      }
    }
  }
  return out;
}

test('the golden transcripts are present', (t) => {
  if (files.length === 0) t.log('vectors/transcripts/ has no transcripts yet');
  t.true(files.length >= 6, `found ${files.length} transcripts`);
});

for (const file of files) {
  test(`[RFC5246-6.2.3.3-aead-aad] [RFC5246-6.3-key-block] ${file}: application data decrypts to the sent line`, (t) => {
    const tr = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Transcript;
    const ch = decode(lastHandshakeBody(tr, 'client', HandshakeType.client_hello), 'ClientHello', readClientHello);
    const sh = decode(lastHandshakeBody(tr, 'server', HandshakeType.server_hello), 'ServerHello', readServerHello);
    t.is(CipherSuite.nameOf(sh.cipherSuite), tr.cipher.iana);
    const master = masterSecretFor(tr, ch.random);
    const client = deriveKeys(sh.cipherSuite, master, ch.random, sh.random, 'client');
    const expected = expectedLines(tr);
    const decoder = new TextDecoder();
    let resealed = 0;

    for (const sender of ['client', 'server'] as const) {
      const keys = sender === 'client' ? client.write : client.read;
      const results = receiveAll(tr, sender, keys, sh.cipherSuite);
      // A Finished behind the ChangeCipherSpec in one datagram waits for the epoch-1 keys, then comes back.
      t.deepEqual(results.filter((r) => r.kind !== 'ok' && r.kind !== 'buffered'), [], `${sender}: every record is accepted`);
      const ok = results.flatMap((r) => (r.kind === 'ok' ? [r] : []));
      const appData = ok.filter((r) => r.type === ContentType.application_data).map((r) => decoder.decode(r.payload));
      t.deepEqual(appData, expected[sender], `${sender}'s application data`);
      const finished = ok.find((r) => r.epoch === 1 && r.type === ContentType.handshake);
      t.is(finished?.payload[0], HandshakeType.finished, `${sender}'s first epoch-1 handshake record is Finished`);
      t.is(finished?.payload.length, 12 + 12, 'Finished: 12-byte header + 12-byte verify_data');
      const alerts = ok.filter((r) => r.type === ContentType.alert).map((r) => bytesToHex(r.payload));
      if (alerts.length > 0) t.deepEqual(alerts, ['0100'], `${sender}: close_notify`);

      // Re-sealing gives the captured bytes when the explicit nonce is ours too (or there is none).
      const sealer = CipherState.forSuite(sh.cipherSuite, keys);
      for (const d of tr.datagrams.filter((x) => x.dir === sender)) {
        for (const r of readDatagram(hexToBytes(d.hex))) {
          if (r.format !== 'plaintext' || r.epoch === 0) continue;
          const explicit = bytesToHex(r.fragment.subarray(0, sealer.profile.recordIvLength));
          if (explicit !== '' && explicit !== bytesToHex(sequenceBytes(r.epoch, r.sequenceNumber))) continue;
          const opened = sealer.open(r, r.fragment);
          if (!opened.ok) return t.fail(`${sender} seq ${r.sequenceNumber}: ${opened.reason}`);
          t.is(bytesToHex(sealer.seal(r, opened.content)), bytesToHex(r.fragment), `${sender} epoch 1 seq ${r.sequenceNumber} re-seals`);
          resealed++;
        }
      }
    }
    t.true(resealed > 0, 'at least one sender used epoch || sequence_number as its explicit nonce');
    t.log(`${resealed} protected records re-sealed byte for byte`);
  });
}
