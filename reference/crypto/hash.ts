/**
 * Hash functions for (D)TLS: SHA-256 and SHA-384 (FIPS 180-4), HMAC (RFC 2104), and a
 * constant-time byte comparison. A thin layer over @noble/hashes.
 *
 * TLS 1.2 cipher suites name their PRF hash (RFC 5246 §5); TLS/DTLS 1.3 suites name their HKDF
 * hash (RFC 8446 §7.1). Both are one of the two `Hash` values here.
 */
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256, sha384 as nobleSha384 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';

export type HashName = 'sha256' | 'sha384';

/** A running hash: feed it bytes, ask for the digest. `clone` lets a transcript go on past a digest. */
export interface HashState {
  update(data: Uint8Array): HashState;
  /** The digest of everything fed so far; the state cannot be used afterwards (clone first). */
  digest(): Uint8Array;
  clone(): HashState;
}

export interface Hash {
  readonly name: HashName;
  /** Digest length in bytes (`Hash.length` in RFC 8446). */
  readonly outputLength: number;
  /** Input block length in bytes (HMAC pads its key to this). */
  readonly blockLength: number;
  digest(data: Uint8Array): Uint8Array;
  create(): HashState;
}

interface NobleHashState {
  update(data: Uint8Array): NobleHashState;
  digest(): Uint8Array;
  clone(): NobleHashState;
}

function wrapState(inner: NobleHashState): HashState {
  const state: HashState = {
    update(data) {
      checkBytes('HashState.update', 'data', data);
      inner.update(data);
      return state;
    },
    digest: () => inner.digest(),
    clone: () => wrapState(inner.clone()),
  };
  return state;
}

function makeHash(name: HashName, noble: CHash): Hash {
  return Object.freeze({
    name,
    outputLength: noble.outputLen,
    blockLength: noble.blockLen,
    digest(data: Uint8Array): Uint8Array {
      checkBytes(name, 'data', data);
      return noble(data);
    },
    create: (): HashState => wrapState(noble.create()),
  });
}

/** SHA-256: 32-byte digest, 64-byte block. */
export const sha256: Hash = makeHash('sha256', nobleSha256);
/** SHA-384: 48-byte digest, 128-byte block. */
export const sha384: Hash = makeHash('sha384', nobleSha384);

const BY_NAME: Readonly<Record<HashName, Hash>> = { sha256, sha384 };
const NOBLE: Readonly<Record<HashName, CHash>> = { sha256: nobleSha256, sha384: nobleSha384 };

/** The hash called `name`; throws for a name that is not one of ours (checked at run time too). */
export function hashByName(name: HashName): Hash {
  if (!Object.hasOwn(BY_NAME, name)) {
    throw new Error(`hashByName: unknown hash ${JSON.stringify(name)} (known: sha256, sha384)`);
  }
  return BY_NAME[name];
}

/** The @noble/hashes function behind one of our hashes, for HMAC and HKDF. Internal to crypto/. */
export function _nobleHash(hash: Hash): CHash {
  return NOBLE[hashByName(hash.name).name];
}

/** HMAC (RFC 2104) of `data` under `key`: `hash.outputLength` bytes. Any key length is allowed. */
export function hmac(hash: Hash, key: Uint8Array, data: Uint8Array): Uint8Array {
  checkBytes(`HMAC-${hash.name}`, 'key', key);
  checkBytes(`HMAC-${hash.name}`, 'data', data);
  return nobleHmac(_nobleHash(hash), key, data);
}

/**
 * True when `a` and `b` hold the same bytes, for comparing tags and verify_data. The loop does not
 * stop at the first difference, so its time depends on the lengths only. That is all pure
 * JavaScript can offer: a JIT and garbage collector make no constant-time promise, and neither
 * does @noble (see its README). Fine for a conformance harness, not for guarding real secrets.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Overwrites secrets with zeros once they are no longer needed. */
export function wipe(...arrays: Uint8Array[]): void {
  for (const a of arrays) a.fill(0);
}

/** Throws a TypeError naming `parameter` unless `value` is a Uint8Array. Never prints the value. */
function checkBytes(where: string, parameter: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${where}: ${parameter} must be a Uint8Array, got ${describeType(value)}`);
  }
}

export { checkBytes as _checkBytes };

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
