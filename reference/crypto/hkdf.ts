/**
 * HKDF (RFC 5869) and the TLS 1.3 key-schedule helpers built on it (RFC 8446 §7.1), with the
 * DTLS 1.3 label prefix (RFC 9147 §5.9). A thin layer over @noble/hashes/hkdf.
 */
import { expand as nobleExpand, extract as nobleExtract } from '@noble/hashes/hkdf.js';
import { _checkBytes as checkBytes, _nobleHash, type Hash } from './hash.ts';

/**
 * The prefix put before every HKDF-Expand-Label label: "tls13 " for TLS 1.3 (RFC 8446 §7.1) and
 * "dtls13" for DTLS 1.3 (RFC 9147 §5.9: "Note that there is no trailing space").
 */
export type LabelPrefix = 'tls13 ' | 'dtls13';

const encoder = new TextEncoder();

/**
 * RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM). An empty salt means HashLen zero bytes, which
 * HMAC treats the same as an empty key; RFC 8446 §7.1 writes it as "0".
 */
export function hkdfExtract(hash: Hash, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  checkBytes(`HKDF-Extract-${hash.name}`, 'salt', salt);
  checkBytes(`HKDF-Extract-${hash.name}`, 'ikm', ikm);
  return nobleExtract(_nobleHash(hash), ikm, salt.length === 0 ? undefined : salt);
}

/**
 * RFC 5869 §2.3: OKM = first L bytes of T(1) || T(2) || ..., T(i) = HMAC-Hash(PRK, T(i-1) || info || i).
 * L is at most 255 * HashLen; PRK must be at least HashLen bytes.
 */
export function hkdfExpand(hash: Hash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const where = `HKDF-Expand-${hash.name}`;
  checkBytes(where, 'prk', prk);
  checkBytes(where, 'info', info);
  if (!Number.isSafeInteger(length) || length < 0 || length > 255 * hash.outputLength) {
    throw new Error(`${where}: length must be an integer in 0..${255 * hash.outputLength} (255 * HashLen), got ${length}`);
  }
  if (prk.length < hash.outputLength) {
    throw new Error(`${where}: prk must be at least ${hash.outputLength} bytes (HashLen), got ${prk.length}`);
  }
  return nobleExpand(_nobleHash(hash), prk, info, length);
}

/**
 * The serialized HkdfLabel (RFC 8446 §7.1):
 *   struct {
 *       uint16 length = Length;
 *       opaque label<7..255> = "tls13 " + Label;     // "dtls13" + Label in DTLS 1.3
 *       opaque context<0..255> = Context;
 *   } HkdfLabel;
 */
export function hkdfLabel(label: string, context: Uint8Array, length: number, prefix: LabelPrefix): Uint8Array {
  checkBytes('HkdfLabel', 'context', context);
  if (prefix !== 'tls13 ' && prefix !== 'dtls13') {
    throw new Error(`HkdfLabel: prefix must be "tls13 " or "dtls13", got ${JSON.stringify(prefix)}`);
  }
  const fullLabel = encoder.encode(prefix + label);
  if (fullLabel.length < 7 || fullLabel.length > 255) {
    throw new Error(`HkdfLabel: prefix + label must be 7..255 bytes, got ${fullLabel.length}`);
  }
  if (context.length > 255) {
    throw new Error(`HkdfLabel: context must be at most 255 bytes, got ${context.length}`);
  }
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) {
    throw new Error(`HkdfLabel: length must be a uint16, got ${length}`);
  }
  const out = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  out[0] = length >> 8;
  out[1] = length & 0xff;
  out[2] = fullLabel.length;
  out.set(fullLabel, 3);
  out[3 + fullLabel.length] = context.length;
  out.set(context, 4 + fullLabel.length);
  return out;
}

/** RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length). */
export function hkdfExpandLabel(
  hash: Hash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
  prefix: LabelPrefix,
): Uint8Array {
  return hkdfExpand(hash, secret, hkdfLabel(label, context, length, prefix), length);
}

/**
 * RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages) =
 *   HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length).
 * Takes the transcript hash already computed (for no messages, the hash of the empty string).
 */
export function deriveSecret(
  hash: Hash,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
  prefix: LabelPrefix,
): Uint8Array {
  checkBytes('Derive-Secret', 'transcriptHash', transcriptHash);
  if (transcriptHash.length !== hash.outputLength) {
    throw new Error(`Derive-Secret: transcriptHash must be ${hash.outputLength} bytes (${hash.name}), got ${transcriptHash.length}`);
  }
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hash.outputLength, prefix);
}
