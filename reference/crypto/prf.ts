/**
 * The TLS 1.2 pseudorandom function (RFC 5246 §5), which DTLS 1.2 inherits (RFC 6347 §4.1), and
 * the secrets derived with it: master secret (RFC 5246 §8.1), extended master secret (RFC 7627
 * §4), key block (RFC 5246 §6.3) and Finished verify_data (RFC 5246 §7.4.9).
 *
 * The PRF hash is the cipher suite's: SHA-256 for every suite RFC 5246 defines and for most later
 * ones, SHA-384 for the `_SHA384` suites (e.g. RFC 5289). So every function takes it first.
 */
import { _checkBytes as checkBytes, hmac, type Hash } from './hash.ts';

const encoder = new TextEncoder();

/** A ClientHello/ServerHello `random` is 32 bytes (RFC 5246 §7.4.1.2). */
const RANDOM_LENGTH = 32;
/** The master secret is always 48 bytes (RFC 5246 §8.1). */
export const MASTER_SECRET_LENGTH = 48;
/** verify_data is 12 bytes for every cipher suite RFC 5246 and RFC 6347 define (RFC 5246 §7.4.9). */
export const VERIFY_DATA_LENGTH = 12;

function checkLength(where: string, length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new Error(`${where}: length must be a non-negative integer, got ${length}`);
  }
}

/**
 * RFC 5246 §5 P_hash:
 *   P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) + HMAC_hash(secret, A(2) + seed) + ...
 *   A(0) = seed, A(i) = HMAC_hash(secret, A(i-1)),
 * iterated as far as needed and cut to `length` bytes.
 */
export function pHash(hash: Hash, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  checkBytes(`P_${hash.name}`, 'secret', secret);
  checkBytes(`P_${hash.name}`, 'seed', seed);
  checkLength(`P_${hash.name}`, length);
  const out = new Uint8Array(length);
  const block = new Uint8Array(hash.outputLength + seed.length); // A(i) || seed
  block.set(seed, hash.outputLength);
  let a = seed;
  for (let filled = 0; filled < length; filled += hash.outputLength) {
    a = hmac(hash, secret, a); // A(i)
    block.set(a, 0);
    const chunk = hmac(hash, secret, block);
    out.set(chunk.subarray(0, Math.min(chunk.length, length - filled)), filled);
  }
  return out;
}

/** RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed); the label is ASCII. */
export function prf(hash: Hash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  checkBytes('PRF', 'seed', seed);
  const labelBytes = encoder.encode(label);
  const labelAndSeed = new Uint8Array(labelBytes.length + seed.length);
  labelAndSeed.set(labelBytes);
  labelAndSeed.set(seed, labelBytes.length);
  return pHash(hash, secret, labelAndSeed, length);
}

function concatRandoms(where: string, first: Uint8Array, firstName: string, second: Uint8Array, secondName: string): Uint8Array {
  checkBytes(where, firstName, first);
  checkBytes(where, secondName, second);
  for (const [value, name] of [[first, firstName], [second, secondName]] as const) {
    if (value.length !== RANDOM_LENGTH) {
      throw new Error(`${where}: ${name} must be ${RANDOM_LENGTH} bytes, got ${value.length}`);
    }
  }
  const seed = new Uint8Array(2 * RANDOM_LENGTH);
  seed.set(first);
  seed.set(second, RANDOM_LENGTH);
  return seed;
}

/**
 * RFC 5246 §8.1:
 *   master_secret = PRF(pre_master_secret, "master secret",
 *                       ClientHello.random + ServerHello.random)[0..47]
 */
export function masterSecret(
  hash: Hash,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  const seed = concatRandoms('masterSecret', clientRandom, 'clientRandom', serverRandom, 'serverRandom');
  return prf(hash, preMasterSecret, 'master secret', seed, MASTER_SECRET_LENGTH);
}

/**
 * RFC 7627 §4:
 *   master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]
 * where session_hash is the transcript hash up to and including ClientKeyExchange (§3).
 */
export function extendedMasterSecret(hash: Hash, preMasterSecret: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(hash, preMasterSecret, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH);
}

/**
 * RFC 5246 §6.3:
 *   key_block = PRF(SecurityParameters.master_secret, "key expansion",
 *                   SecurityParameters.server_random + SecurityParameters.client_random)
 * Note the order: server random first, unlike the master secret.
 */
export function keyExpansion(
  hash: Hash,
  master: Uint8Array,
  serverRandom: Uint8Array,
  clientRandom: Uint8Array,
  length: number,
): Uint8Array {
  const seed = concatRandoms('keyExpansion', serverRandom, 'serverRandom', clientRandom, 'clientRandom');
  return prf(hash, master, 'key expansion', seed, length);
}

export type FinishedLabel = 'client finished' | 'server finished';

/**
 * RFC 5246 §7.4.9:
 *   verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..verify_data_length-1]
 */
export function verifyData(hash: Hash, master: Uint8Array, label: FinishedLabel, handshakeHash: Uint8Array): Uint8Array {
  if (label !== 'client finished' && label !== 'server finished') {
    throw new Error(`verifyData: label must be "client finished" or "server finished", got ${JSON.stringify(label)}`);
  }
  return prf(hash, master, label, handshakeHash, VERIFY_DATA_LENGTH);
}
