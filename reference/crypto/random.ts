/**
 * Where random bytes come from. Everything in the reference implementation that needs randomness
 * (ClientHello.random, cookies, key shares, explicit nonces) takes a `RandomSource`, so tests and
 * simulations can pass a seeded one and replay a run byte for byte.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';

/** Returns `length` fresh random bytes. */
export type RandomSource = (length: number) => Uint8Array;

function checkLength(where: string, length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new Error(`${where}: length must be a non-negative integer, got ${length}`);
  }
}

/** The most `crypto.getRandomValues` hands out per call (Web Crypto §10.1.1). */
const GET_RANDOM_VALUES_QUOTA = 65536;

/** The platform CSPRNG (`crypto.getRandomValues`, through @noble/hashes). The default everywhere. */
export const systemRandom: RandomSource = (length) => {
  checkLength('systemRandom', length);
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += GET_RANDOM_VALUES_QUOTA) {
    out.set(randomBytes(Math.min(GET_RANDOM_VALUES_QUOTA, length - at)), at);
  }
  return out;
};

const SEED_DOMAIN = 'dtlsprobe seeded random v1:';
const CHACHA_BLOCK = 64;
const ZERO_NONCE = new Uint8Array(12);

/**
 * A deterministic source for tests and simulations: NOT for keys that protect anything.
 *
 * The bytes are the ChaCha20 keystream (RFC 8439 §2.4, 12-byte zero nonce, block counter from 0)
 * under key = SHA-256("dtlsprobe seeded random v1:" + String(seed)). Successive calls continue the
 * stream, so a run is reproduced by its seed and the order of its calls. A number seed and its
 * decimal string give the same stream. At most 2^32 blocks (256 GiB) can be drawn.
 */
export function seededRandom(seed: number | string): RandomSource {
  if (typeof seed === 'number' && !Number.isFinite(seed)) {
    throw new Error(`seededRandom: seed must be a finite number or a string, got ${seed}`);
  }
  const key = sha256(new TextEncoder().encode(SEED_DOMAIN + String(seed)));
  let position = 0; // bytes of keystream already handed out
  return (length) => {
    checkLength('seededRandom', length);
    const firstBlock = Math.floor(position / CHACHA_BLOCK);
    const endBlock = Math.ceil((position + length) / CHACHA_BLOCK);
    if (endBlock > 2 ** 32) throw new Error('seededRandom: the ChaCha20 block counter is exhausted');
    if (length === 0) return new Uint8Array(0);
    const blocks = chacha20(key, ZERO_NONCE, new Uint8Array((endBlock - firstBlock) * CHACHA_BLOCK), undefined, firstBlock);
    const skip = position - firstBlock * CHACHA_BLOCK;
    position += length;
    return blocks.slice(skip, skip + length);
  };
}
