/**
 * Synchronous signing and verification by TLS SignatureScheme, for the sans-IO engine, which must
 * not wait on promises: ECDSA and Ed25519 through @noble/curves, RSA through node:crypto's
 * synchronous sign/verify (WebCrypto has none). Same rules as `signature.ts`: strict DER for
 * ECDSA, strict RFC 8032 for Ed25519, PSS salt = hash length.
 */
import { createPrivateKey, createPublicKey, constants, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { CryptoError, requireBytes } from './errors.ts';
import { type PrivateKey, _secretOf } from './private-key.ts';
import type { PublicKey } from './public-key.ts';
import { type SchemeOptions, type SignatureAlgorithm, ecdsaDerToP1363, encodeEcdsaSignature, schemeMatchesKey, signatureAlgorithmOf, signatureSchemeName } from './signature.ts';

function digest(hash: 'SHA-256' | 'SHA-384' | 'SHA-512', message: Uint8Array): Uint8Array {
  return hash === 'SHA-256' ? sha256(message) : hash === 'SHA-384' ? sha384(message) : sha512(message);
}

function curveOf(key: { algorithm: string }): typeof p256 | typeof p384 {
  if (key.algorithm === 'P-256') return p256;
  if (key.algorithm === 'P-384') return p384;
  throw new CryptoError('key-scheme-mismatch', `ECDSA needs a P-256 or P-384 key, not ${key.algorithm}`);
}

function checkScheme(scheme: number, algorithm: PublicKey['algorithm'], options: SchemeOptions): SignatureAlgorithm {
  const alg = signatureAlgorithmOf(scheme);
  if (!schemeMatchesKey(scheme, algorithm, options)) {
    throw new CryptoError('key-scheme-mismatch', `SignatureScheme ${signatureSchemeName(scheme)} cannot be used with a ${algorithm} key (RFC 8446 §4.2.3)`);
  }
  return alg;
}

const nodeKeys = new WeakMap<object, KeyObject>();

function rsaOptions(alg: SignatureAlgorithm, key: KeyObject): { key: KeyObject; padding: number; saltLength?: number } {
  return alg.kind === 'rsa-pss'
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength }
    : { key, padding: constants.RSA_PKCS1_PADDING };
}

function nodeHash(alg: SignatureAlgorithm): string {
  return 'hash' in alg ? alg.hash.replace('-', '').toLowerCase() : 'sha256';
}

/** Signs `message` with `scheme` (ECDSA signatures as DER). */
export function signSync(scheme: number, key: PrivateKey, message: Uint8Array, options: SchemeOptions = {}): Uint8Array {
  const alg = checkScheme(scheme, key.algorithm, options);
  const secret = _secretOf(key);
  if (alg.kind === 'ecdsa' && secret.kind === 'ec') {
    const compact = curveOf(key).sign(digest(alg.hash, message), secret.scalar, { prehash: false, lowS: true, format: 'compact' });
    const half = compact.length / 2;
    const big = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex')}`);
    return encodeEcdsaSignature(big(compact.subarray(0, half)), big(compact.subarray(half)));
  }
  if (alg.kind === 'ed25519' && secret.kind === 'ed25519') return ed25519.sign(message, secret.seed);
  if ((alg.kind === 'rsa-pkcs1' || alg.kind === 'rsa-pss') && secret.kind === 'rsa') {
    let k = nodeKeys.get(key);
    if (k === undefined) {
      k = createPrivateKey({ key: Buffer.from(secret.pkcs8), format: 'der', type: 'pkcs8' });
      nodeKeys.set(key, k);
    }
    return new Uint8Array(nodeSign(nodeHash(alg), message, rsaOptions(alg, k)));
  }
  throw new CryptoError('key-scheme-mismatch', `${alg.kind} signing needs a matching key, not ${key.algorithm}`);
}

/** True when `signature` is a valid `scheme` signature of `message` by `key`; malformed is false. */
export function verifySync(scheme: number, key: PublicKey, message: Uint8Array, signature: Uint8Array, options: SchemeOptions = {}): boolean {
  return verifyWithAlgorithmSync(checkScheme(scheme, key.algorithm, options), key, message, signature);
}

/**
 * `verifyWithAlgorithm` without the Promise (certificate signatures, checked by the API's
 * synchronous path validation): same rules, so a malformed signature is false and a key that
 * cannot have made the signature throws `key-scheme-mismatch`.
 */
export function verifyWithAlgorithmSync(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  requireBytes('verifyWithAlgorithmSync', 'message', message);
  requireBytes('verifyWithAlgorithmSync', 'signature', signature);
  const fits = algorithm.kind === 'ecdsa' ? key.algorithm === 'P-256' || key.algorithm === 'P-384' : algorithm.kind === 'ed25519' ? key.algorithm === 'Ed25519' : key.algorithm === 'RSA';
  if (!fits) {
    throw new CryptoError('key-scheme-mismatch', `a ${algorithm.kind} signature cannot be checked with a ${key.algorithm} key`);
  }
  try {
    switch (algorithm.kind) {
      case 'ecdsa': {
        const curve = curveOf(key);
        const compact = ecdsaDerToP1363(signature, key.algorithm === 'P-256' ? 'P-256' : 'P-384');
        return curve.verify(compact, digest(algorithm.hash, message), key.raw, { prehash: false, lowS: false, format: 'compact' });
      }
      case 'ed25519':
        return signature.length === 64 && ed25519.verify(signature, message, key.raw, { zip215: false });
      case 'rsa-pkcs1':
      case 'rsa-pss': {
        // RFC 8017 §8.1.2 / §8.2.2 step 1: the signature is exactly as long as the modulus.
        if (signature.length !== Math.ceil(key.bits / 8)) return false;
        let k = nodeKeys.get(key);
        if (k === undefined) {
          k = createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
          nodeKeys.set(key, k);
        }
        return nodeVerify(nodeHash(algorithm), message, rsaOptions(algorithm, k), signature);
      }
    }
  } catch {
    return false;
  }
}
