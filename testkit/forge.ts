/**
 * Forging datagrams in tests the way a probe does: with the wire codec for plaintext records,
 * and with the record layer's own cipher state (keys from the NSS key log line the endpoint wrote)
 * for protected ones.
 */
import type { CipherState } from '../reference/record/cipher-state.ts';
import { type SessionKeys, sessionKeys } from '../harness/decode/session-keys.ts';
import { ContentType } from '../reference/wire/enums.ts';
import { type HandshakeFragment, readHandshakeFragments, writeHandshakeFragment } from '../reference/wire/handshake-header.ts';
import { type ClientHello, readClientHello, writeClientHello } from '../reference/wire/hello.ts';
import { decode } from '../reference/wire/reader.ts';
import { type DtlsPlaintext, readDatagram, writeDatagram } from '../reference/wire/records.ts';
import { encode } from '../reference/wire/writer.ts';

function plaintextRecords(datagram: Uint8Array): DtlsPlaintext[] {
  return readDatagram(datagram).map((r) => {
    if (r.format !== 'plaintext') throw new Error('forge: only DTLS 1.2 records');
    return r;
  });
}

/** Rewrites the epoch-0 handshake fragments of a datagram; other records pass unchanged. */
export function mapFragments(datagram: Uint8Array, fn: (fragments: HandshakeFragment[]) => HandshakeFragment[]): Uint8Array {
  const records = plaintextRecords(datagram).map((r) => {
    if (r.type !== ContentType.handshake || r.epoch !== 0) return r;
    const fragments = fn(decode(r.fragment, 'fragment', readHandshakeFragments));
    return { ...r, fragment: encode((w) => fragments.forEach((f) => writeHandshakeFragment(w, f))) };
  });
  return writeDatagram(records.filter((r) => r.fragment.length > 0 || r.type !== ContentType.handshake));
}

/** Rewrites every whole ClientHello in a datagram. */
export function mapClientHello(datagram: Uint8Array, fn: (ch: ClientHello) => ClientHello): Uint8Array {
  return mapFragments(datagram, (fs) =>
    fs.map((f) => {
      if (f.msgType !== 1) return f;
      const body = encode((w) => writeClientHello(w, fn(decode(f.body, 'ClientHello', readClientHello))));
      return { ...f, length: body.length, body };
    }),
  );
}

/** Rewrites the records of a datagram (drop, reorder, renumber). */
export function mapRecords(datagram: Uint8Array, fn: (records: DtlsPlaintext[]) => DtlsPlaintext[]): Uint8Array {
  return writeDatagram(fn(plaintextRecords(datagram)));
}

export type { SessionKeys };

/** Parses the CLIENT_RANDOM line and derives both directions' epoch-1 protection. */
export function keysFromKeyLog(line: string, cipherSuite: number, serverRandom: Uint8Array): SessionKeys {
  const [label, cr, ms] = line.split(' ');
  if (label !== 'CLIENT_RANDOM') throw new Error(`forge: not a CLIENT_RANDOM line: ${label}`);
  const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
  return sessionKeys(cipherSuite, hex(ms), hex(cr), serverRandom);
}

/** Opens every epoch-1 record with `keys`, lets `fn` change the plaintext, and seals it again. */
export function resealEpoch1(datagram: Uint8Array, keys: CipherState, fn: (type: number, plaintext: Uint8Array) => Uint8Array): Uint8Array {
  return mapRecords(datagram, (records) =>
    records.map((r) => {
      if (r.epoch !== 1) return r;
      const opened = keys.open(r, r.fragment);
      if (!opened.ok) throw new Error(`forge: record ${r.sequenceNumber} does not open: ${opened.reason}`);
      return { ...r, fragment: keys.seal(r, fn(r.type, opened.content)) };
    }),
  );
}

/** A new protected record at epoch 1 with the given sequence number. */
export function sealRecord(keys: CipherState, type: number, sequenceNumber: number, plaintext: Uint8Array): Uint8Array {
  const header = { format: 'plaintext' as const, type, version: 0xfefd, epoch: 1, sequenceNumber, fragment: new Uint8Array(0) };
  return writeDatagram([{ ...header, fragment: keys.seal(header, plaintext) }]);
}
