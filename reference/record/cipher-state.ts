/**
 * DTLS 1.2 record protection with the AEAD suites: the keys a suite takes from the key block, and
 * one epoch's sealing and opening of records, with the nonce and the additional data laid out
 * byte for byte as the RFCs say:
 *
 * - AES-GCM (RFC 5288 §3) and AES-CCM / CCM-8 (RFC 6655 §3): nonce = salt(4) || nonce_explicit(8),
 *   the salt being the key block's write IV and nonce_explicit travelling at the head of the
 *   record's fragment. We send the record's own epoch || sequence_number as nonce_explicit, so a
 *   nonce never repeats under one key; on receipt we take whatever eight bytes the peer sent.
 * - ChaCha20-Poly1305 (RFC 7905 §2): nonce = write IV(12) xor (0^32 || the 64-bit sequence
 *   number), which in DTLS is epoch(16) || sequence_number(48); no explicit nonce on the wire.
 * - Additional data (RFC 5246 §6.2.3.3 with RFC 6347 §4.1.2.1's 64-bit DTLS sequence number):
 *   epoch || sequence_number || type || version || length, the length being the plaintext's.
 * - tls12_cid records (RFC 9146 §4, §5.3): see `cidAdditionalData` and `innerPlaintext`.
 *
 * Opening never throws for what a peer sent: a record that is too short or does not authenticate
 * is a value (`{ ok: false, reason }`) for the record layer to count and discard (RFC 6347
 * §4.1.2.7). Configuration mistakes (a CBC suite, a short key block) are DtlsErrors.
 */
import {
  AES_128_CCM,
  AES_128_CCM_8,
  AES_128_GCM,
  AES_256_CCM,
  AES_256_CCM_8,
  AES_256_GCM,
  CHACHA20_POLY1305,
  type Aead,
} from '../crypto/aead.ts';
import { hashByName } from '../crypto/hash.ts';
import { keyExpansion } from '../crypto/prf.ts';
import { DtlsError } from '../errors.ts';
import { ContentType } from '../wire/enums.ts';
import { type BulkCipher, type Tls12Suite, suiteInfo } from '../wire/suites.ts';

/** The AEAD bulk ciphers of DTLS 1.2 (RFC 5288, RFC 6655, RFC 7251, RFC 7905). */
export type AeadBulkCipher = Exclude<BulkCipher, 'aes_128_cbc' | 'aes_256_cbc'>;

/** What a DTLS 1.2 AEAD needs from the key block and adds to a record (RFC 5246 §6.2.3.3). */
export interface AeadProfile {
  readonly cipher: AeadBulkCipher;
  readonly aead: Aead;
  /** SecurityParameters.enc_key_length. */
  readonly keyLength: number;
  /** SecurityParameters.fixed_iv_length: the implicit part of the nonce from the key block. */
  readonly fixedIvLength: 4 | 12;
  /** SecurityParameters.record_iv_length: the explicit nonce carried in each record. */
  readonly recordIvLength: 0 | 8;
  readonly tagLength: number;
}

function profile(cipher: AeadBulkCipher, aead: Aead, fixedIvLength: 4 | 12, recordIvLength: 0 | 8): AeadProfile {
  return Object.freeze({ cipher, aead, keyLength: aead.keyLength, fixedIvLength, recordIvLength, tagLength: aead.tagLength });
}

/** RFC 5288 §3 (GCM), RFC 6655 §3 (CCM), RFC 7905 §2 (ChaCha20-Poly1305). */
export const AEAD_PROFILES: Readonly<Record<AeadBulkCipher, AeadProfile>> = Object.freeze({
  aes_128_gcm: profile('aes_128_gcm', AES_128_GCM, 4, 8),
  aes_256_gcm: profile('aes_256_gcm', AES_256_GCM, 4, 8),
  aes_128_ccm: profile('aes_128_ccm', AES_128_CCM, 4, 8),
  aes_256_ccm: profile('aes_256_ccm', AES_256_CCM, 4, 8),
  aes_128_ccm_8: profile('aes_128_ccm_8', AES_128_CCM_8, 4, 8),
  aes_256_ccm_8: profile('aes_256_ccm_8', AES_256_CCM_8, 4, 8),
  chacha20_poly1305: profile('chacha20_poly1305', CHACHA20_POLY1305, 12, 0),
});

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/** Whether a bulk cipher is one of the AEADs (the others are CBC, with a MAC of their own). */
export function isAeadBulkCipher(cipher: BulkCipher): cipher is AeadBulkCipher {
  return Object.hasOwn(AEAD_PROFILES, cipher);
}

/** A DTLS 1.2 AEAD suite's entry in suites.ts; a DtlsError for unknown, CBC and (D)TLS 1.3 suites. */
function aeadSuite(cipherSuite: number): Tls12Suite & { cipher: AeadBulkCipher } {
  const info = suiteInfo(cipherSuite);
  if (info === undefined) throw DtlsError.internal(`cipher suite ${hex4(cipherSuite)} is unknown`);
  if (info.tls13) throw DtlsError.internal(`cipher suite ${hex4(cipherSuite)} is a (D)TLS 1.3 suite, not a DTLS 1.2 one`);
  const { cipher } = info;
  if (info.mac !== 'aead' || !isAeadBulkCipher(cipher)) {
    throw DtlsError.internal(`cipher suite ${hex4(cipherSuite)} uses ${info.cipher}: only AEAD record protection is implemented`);
  }
  return { ...info, cipher };
}

/** The AEAD profile of a DTLS 1.2 suite; a DtlsError for unknown, CBC and (D)TLS 1.3 suites. */
export function aeadProfileOf(cipherSuite: number): AeadProfile {
  return AEAD_PROFILES[aeadSuite(cipherSuite).cipher];
}

export type Role = 'client' | 'server';

/** One direction's keys: the AEAD key and the fixed (implicit) IV. */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/** An endpoint's keys: what it writes with, and what its peer writes with (what it reads with). */
export interface EndpointKeys {
  readonly write: TrafficKeys;
  readonly read: TrafficKeys;
}

/** RFC 5246 §6.3: how many key block bytes a suite consumes (no MAC keys for an AEAD). */
export function keyBlockLength(cipherSuite: number): number {
  const p = aeadProfileOf(cipherSuite);
  return 2 * (p.keyLength + p.fixedIvLength);
}

/**
 * RFC 5246 §6.3: the key block is partitioned, in order, into client_write_MAC_key,
 * server_write_MAC_key (both empty for AEAD suites), client_write_key, server_write_key,
 * client_write_IV, server_write_IV. A client writes with the client_write_* values, a server with
 * the server_write_* ones. Bytes past `keyBlockLength(suite)` are not used.
 */
export function keysFromKeyBlock(cipherSuite: number, keyBlock: Uint8Array, role: Role): EndpointKeys {
  const p = aeadProfileOf(cipherSuite);
  const needed = 2 * (p.keyLength + p.fixedIvLength);
  if (keyBlock.length < needed) {
    throw DtlsError.internal(`key block for ${p.aead.name} must be at least ${needed} bytes, got ${keyBlock.length}`);
  }
  let at = 0;
  const take = (n: number): Uint8Array => keyBlock.slice(at, (at += n));
  const clientKey = take(p.keyLength);
  const serverKey = take(p.keyLength);
  const clientIv = take(p.fixedIvLength);
  const serverIv = take(p.fixedIvLength);
  const client = { key: clientKey, iv: clientIv };
  const server = { key: serverKey, iv: serverIv };
  return role === 'client' ? { write: client, read: server } : { write: server, read: client };
}

/** RFC 5246 §6.3: the key block from the master secret with the suite's PRF hash, cut into keys. */
export function deriveKeys(
  cipherSuite: number,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  role: Role,
): EndpointKeys {
  const hash = hashByName(aeadSuite(cipherSuite).prfHash); // throws for anything but a DTLS 1.2 AEAD suite
  const length = keyBlockLength(cipherSuite);
  return keysFromKeyBlock(cipherSuite, keyExpansion(hash, masterSecret, serverRandom, clientRandom, length), role);
}

// ---- the bytes that go into the AEAD

/** The header fields of a DTLSPlaintext/DTLSCiphertext record that protection depends on. */
export interface RecordHeader {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
}

/** The header fields of a tls12_cid record (RFC 9146 §4); the real content type is inside. */
export interface CidHeader {
  readonly version: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
  readonly cid: Uint8Array;
}

function putUint(out: Uint8Array, at: number, width: number, value: number): void {
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

function checkField(name: string, value: number, width: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * width)) {
    throw DtlsError.internal(`${name} ${value} does not fit ${8 * width} bits`);
  }
}

/** RFC 6347 §4.1.2.1: the 64-bit sequence number of DTLS, epoch(16) || sequence_number(48). */
export function sequenceBytes(epoch: number, sequenceNumber: number): Uint8Array {
  checkField('epoch', epoch, 2);
  checkField('sequence_number', sequenceNumber, 6);
  const out = new Uint8Array(8);
  putUint(out, 0, 2, epoch);
  putUint(out, 2, 6, sequenceNumber);
  return out;
}

/**
 * The 12-byte AEAD nonce. GCM/CCM (RFC 5288 §3, RFC 6655 §3): salt || explicit, `explicit` being
 * the record's eight-byte nonce_explicit. ChaCha20-Poly1305 (RFC 7905 §2): iv xor (0^4 || seq64).
 */
export function aeadNonce(p: AeadProfile, iv: Uint8Array, explicitOrSeq: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(12);
  if (p.fixedIvLength === 4) {
    nonce.set(iv.subarray(0, 4));
    nonce.set(explicitOrSeq.subarray(0, 8), 4);
  } else {
    nonce.set(iv.subarray(0, 12));
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= explicitOrSeq[i];
  }
  return nonce;
}

/**
 * RFC 5246 §6.2.3.3 as DTLS uses it (RFC 6347 §4.1.2.1):
 *   additional_data = seq_num(epoch || sequence_number) + type + version + length
 * with `length` the plaintext's length (13 bytes in all).
 */
export function additionalData(h: RecordHeader, plaintextLength: number): Uint8Array {
  checkField('type', h.type, 1);
  checkField('version', h.version, 2);
  checkField('length', plaintextLength, 2);
  const out = new Uint8Array(13);
  out.set(sequenceBytes(h.epoch, h.sequenceNumber));
  out[8] = h.type;
  putUint(out, 9, 2, h.version);
  putUint(out, 11, 2, plaintextLength);
  return out;
}

/** RFC 9146 §5: seq_num_placeholder, 8 bytes of 0xff. */
const SEQ_NUM_PLACEHOLDER = new Uint8Array(8).fill(0xff);

/**
 * RFC 9146 §5.3 (the final RFC, March 2022):
 *   additional_data = seq_num_placeholder(8 x 0xff) + tls12_cid + cid_length + tls12_cid +
 *                     DTLSCiphertext.version + epoch + sequence_number + cid +
 *                     length_of_DTLSInnerPlaintext
 * The draft-ietf-tls-dtls-connection-id-13 text in our rfc folder has the same AEAD form; the
 * earlier drafts (implemented by some stacks as a "legacy CID" mode) put seq_num first and the
 * cid_length after the cid. We follow RFC 9146 final.
 */
export function cidAdditionalData(h: CidHeader, innerPlaintextLength: number): Uint8Array {
  checkField('version', h.version, 2);
  checkField('cid_length', h.cid.length, 1);
  checkField('length_of_DTLSInnerPlaintext', innerPlaintextLength, 2);
  const out = new Uint8Array(8 + 1 + 1 + 1 + 2 + 8 + h.cid.length + 2);
  out.set(SEQ_NUM_PLACEHOLDER);
  out[8] = ContentType.tls12_cid;
  out[9] = h.cid.length;
  out[10] = ContentType.tls12_cid;
  putUint(out, 11, 2, h.version);
  out.set(sequenceBytes(h.epoch, h.sequenceNumber), 13);
  out.set(h.cid, 21);
  putUint(out, 21 + h.cid.length, 2, innerPlaintextLength);
  return out;
}

/** RFC 9146 §4: DTLSInnerPlaintext = content || real_type || zeros[padding]. */
export function innerPlaintext(type: number, content: Uint8Array, padding = 0): Uint8Array {
  checkField('real_type', type, 1);
  if (type === 0) throw DtlsError.internal('real_type 0 cannot be told apart from padding (RFC 9146 §4)');
  if (!Number.isInteger(padding) || padding < 0) throw DtlsError.internal(`padding must be a non-negative integer, got ${padding}`);
  const out = new Uint8Array(content.length + 1 + padding);
  out.set(content);
  out[content.length] = type;
  return out;
}

/**
 * RFC 9146 §4 (as RFC 8446 §5.4): the real type is the last non-zero byte; the zeros after it are
 * padding. Undefined when every byte is zero (there is no content type).
 */
export function parseInnerPlaintext(inner: Uint8Array): { type: number; content: Uint8Array } | undefined {
  let end = inner.length - 1;
  while (end >= 0 && inner[end] === 0) end--;
  if (end < 0) return undefined;
  return { type: inner[end], content: inner.subarray(0, end) };
}

// ---- one epoch's protection

/** Why opening failed: too short to hold an explicit nonce and a tag (or no inner type), or not authentic. */
export type OpenFailure = 'bad-length' | 'bad-mac';

export type OpenResult = { ok: true; type: number; content: Uint8Array } | { ok: false; reason: OpenFailure };

/** One direction of one epoch: an AEAD, its key and its fixed IV. */
export class CipherState {
  readonly profile: AeadProfile;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;

  constructor(p: AeadProfile, keys: TrafficKeys) {
    if (keys.key.length !== p.keyLength) {
      throw DtlsError.internal(`${p.aead.name}: key must be ${p.keyLength} bytes, got ${keys.key.length}`);
    }
    if (keys.iv.length !== p.fixedIvLength) {
      throw DtlsError.internal(`${p.aead.name}: fixed IV must be ${p.fixedIvLength} bytes, got ${keys.iv.length}`);
    }
    this.profile = p;
    this.key = keys.key.slice();
    this.iv = keys.iv.slice();
  }

  static forSuite(cipherSuite: number, keys: TrafficKeys): CipherState {
    return new CipherState(aeadProfileOf(cipherSuite), keys);
  }

  /** Bytes protection adds to a plaintext: explicit nonce and tag. */
  get overhead(): number {
    return this.profile.recordIvLength + this.profile.tagLength;
  }

  /** RFC 5246 §6.2.3.3: fragment = nonce_explicit || aead-ciphered(content); AAD per `additionalData`. */
  seal(header: RecordHeader, content: Uint8Array): Uint8Array {
    return this.sealWith(header.epoch, header.sequenceNumber, content, additionalData(header, content.length));
  }

  open(header: RecordHeader, fragment: Uint8Array): OpenResult {
    const plaintextLength = fragment.length - this.overhead;
    if (plaintextLength < 0) return { ok: false, reason: 'bad-length' };
    const content = this.openWith(header.epoch, header.sequenceNumber, fragment, additionalData(header, plaintextLength));
    return content === undefined ? { ok: false, reason: 'bad-mac' } : { ok: true, type: header.type, content };
  }

  /** RFC 9146 §4, §5.3: enc_content = nonce_explicit || aead-ciphered(DTLSInnerPlaintext). */
  sealCid(header: CidHeader, type: number, content: Uint8Array, padding = 0): Uint8Array {
    const inner = innerPlaintext(type, content, padding);
    return this.sealWith(header.epoch, header.sequenceNumber, inner, cidAdditionalData(header, inner.length));
  }

  openCid(header: CidHeader, encContent: Uint8Array): OpenResult {
    const innerLength = encContent.length - this.overhead;
    if (innerLength < 1) return { ok: false, reason: 'bad-length' };
    const inner = this.openWith(header.epoch, header.sequenceNumber, encContent, cidAdditionalData(header, innerLength));
    if (inner === undefined) return { ok: false, reason: 'bad-mac' };
    const parsed = parseInnerPlaintext(inner);
    return parsed === undefined ? { ok: false, reason: 'bad-length' } : { ok: true, ...parsed };
  }

  private sealWith(epoch: number, seq: number, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const p = this.profile;
    if (p.recordIvLength + plaintext.length + p.tagLength > 0xffff) {
      throw DtlsError.internal(`${plaintext.length} bytes of plaintext do not fit one record`);
    }
    // GCM/CCM: our nonce_explicit is the record's own epoch || sequence_number (RFC 5288 §3 allows
    // any value that never repeats under a key). ChaCha20-Poly1305 xors the same 8 bytes in.
    const seq64 = sequenceBytes(epoch, seq);
    const sealed = p.aead.seal(this.key, aeadNonce(p, this.iv, seq64), plaintext, aad);
    if (p.recordIvLength === 0) return sealed;
    const out = new Uint8Array(p.recordIvLength + sealed.length);
    out.set(seq64);
    out.set(sealed, p.recordIvLength);
    return out;
  }

  private openWith(epoch: number, seq: number, fragment: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    const p = this.profile;
    // GCM/CCM: the explicit nonce is whatever the sender put there; ChaCha: the header's numbers.
    const nonceInput = p.recordIvLength === 8 ? fragment.subarray(0, 8) : sequenceBytes(epoch, seq);
    return p.aead.open(this.key, aeadNonce(p, this.iv, nonceInput), fragment.subarray(p.recordIvLength), aad);
  }
}
