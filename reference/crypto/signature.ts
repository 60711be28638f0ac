/**
 * Signatures by TLS SignatureScheme (RFC 8446 §4.2.3; RFC 5246 §7.4.1.4.1 for the TLS 1.2 reading):
 * ECDSA on P-256/P-384 over @noble/curves, Ed25519 over @noble/curves, RSA PKCS#1 v1.5 and
 * RSA-PSS over WebCrypto. Every function returns a Promise, whatever the scheme, because WebCrypto
 * does.
 *
 * ECDSA signatures are DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`, as TLS carries
 * them (RFC 8422 §5.4, RFC 8446 §4.2.3). Verification is strict about the encoding: canonical DER
 * only (no BER lengths, no padded or negative INTEGERs, no trailing bytes), 1 <= r, s < n.
 * It is NOT strict about s: a high s (s > n/2) is accepted, because no TLS RFC requires low s and
 * OpenSSL, among others, emits high s half the time. Signing always produces low s, which every
 * verifier accepts, and uses RFC 6979 deterministic nonces.
 *
 * Ed25519 verification follows RFC 8032 §5.1.7 strictly (canonical A and R, S < L), not ZIP 215.
 * RSA-PSS uses MGF1 with the scheme's hash and a salt as long as the hash (RFC 8446 §4.2.3).
 *
 * The curve in an ecdsa_* scheme name binds the key's curve in TLS 1.3 (RFC 8446 §4.2.3); in TLS 1.2
 * the code point only names the hash (RFC 5246 §7.4.1.4.1). Binding is the default here; pass
 * `{ anyCurve: true }` for the TLS 1.2 reading.
 */
import type { webcrypto } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { DER } from '@noble/curves/abstract/weierstrass.js';
import { hexToBytes } from '@noble/curves/utils.js';
import { CryptoError, requireBytes } from './errors.ts';
import { type PrivateKey, _secretOf } from './private-key.ts';
import type { KeyAlgorithm, PublicKey } from './public-key.ts';

/** The TLS SignatureScheme code points implemented here. */
export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
} as const;

export type SignatureSchemeCode = (typeof SignatureScheme)[keyof typeof SignatureScheme];

export type SignatureHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** A signature algorithm independent of TLS code points (certificates use these too). */
export type SignatureAlgorithm =
  | { readonly kind: 'ecdsa'; readonly hash: SignatureHash }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'rsa-pkcs1'; readonly hash: SignatureHash }
  | { readonly kind: 'rsa-pss'; readonly hash: SignatureHash; readonly saltLength: number };

export interface SchemeOptions {
  /** TLS 1.2: an ecdsa_* scheme names the hash only, any curve may sign (RFC 5246 §7.4.1.4.1). */
  readonly anyCurve?: boolean;
}

interface SchemeInfo {
  readonly name: string;
  readonly algorithm: SignatureAlgorithm;
  readonly keyAlgorithm: KeyAlgorithm;
}

const SCHEMES: ReadonlyMap<number, SchemeInfo> = new Map<number, SchemeInfo>([
  [0x0401, { name: 'rsa_pkcs1_sha256', algorithm: { kind: 'rsa-pkcs1', hash: 'SHA-256' }, keyAlgorithm: 'RSA' }],
  [0x0501, { name: 'rsa_pkcs1_sha384', algorithm: { kind: 'rsa-pkcs1', hash: 'SHA-384' }, keyAlgorithm: 'RSA' }],
  [0x0601, { name: 'rsa_pkcs1_sha512', algorithm: { kind: 'rsa-pkcs1', hash: 'SHA-512' }, keyAlgorithm: 'RSA' }],
  [0x0403, { name: 'ecdsa_secp256r1_sha256', algorithm: { kind: 'ecdsa', hash: 'SHA-256' }, keyAlgorithm: 'P-256' }],
  [0x0503, { name: 'ecdsa_secp384r1_sha384', algorithm: { kind: 'ecdsa', hash: 'SHA-384' }, keyAlgorithm: 'P-384' }],
  [0x0804, { name: 'rsa_pss_rsae_sha256', algorithm: { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, keyAlgorithm: 'RSA' }],
  [0x0805, { name: 'rsa_pss_rsae_sha384', algorithm: { kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 }, keyAlgorithm: 'RSA' }],
  [0x0806, { name: 'rsa_pss_rsae_sha512', algorithm: { kind: 'rsa-pss', hash: 'SHA-512', saltLength: 64 }, keyAlgorithm: 'RSA' }],
  [0x0807, { name: 'ed25519', algorithm: { kind: 'ed25519' }, keyAlgorithm: 'Ed25519' }],
]);

export function isSignatureScheme(code: number): code is SignatureSchemeCode {
  return SCHEMES.has(code);
}

/** The scheme's RFC 8446 name, or its hex for one we do not implement. */
export function signatureSchemeName(code: number): string {
  return SCHEMES.get(code)?.name ?? `0x${code.toString(16).padStart(4, '0')}`;
}

/** The algorithm behind a scheme; throws `unsupported-algorithm` for one we do not implement. */
export function signatureAlgorithmOf(scheme: number): SignatureAlgorithm {
  return schemeInfo(scheme).algorithm;
}

/** Whether `key` may sign or verify with `scheme` (see `SchemeOptions`). */
export function schemeMatchesKey(scheme: number, key: KeyAlgorithm, options: SchemeOptions = {}): boolean {
  const info = SCHEMES.get(scheme);
  if (info === undefined) return false;
  if (info.algorithm.kind === 'ecdsa' && options.anyCurve === true) return key === 'P-256' || key === 'P-384';
  return info.keyAlgorithm === key;
}

function schemeInfo(scheme: number): SchemeInfo {
  const info = SCHEMES.get(scheme);
  if (info === undefined) {
    throw new CryptoError('unsupported-algorithm', `SignatureScheme ${signatureSchemeName(scheme)} is not implemented`);
  }
  return info;
}

function checkSchemeKey(scheme: number, key: KeyAlgorithm, options: SchemeOptions): SchemeInfo {
  const info = schemeInfo(scheme);
  if (!schemeMatchesKey(scheme, key, options)) {
    const problem = `SignatureScheme ${info.name} cannot be used with a ${key} key (RFC 8446 §4.2.3)`;
    throw new CryptoError('key-scheme-mismatch', problem);
  }
  return info;
}

/** Signs `message` with `scheme`; ECDSA signatures come out as DER. */
export async function sign(
  scheme: number,
  key: PrivateKey,
  message: Uint8Array,
  options: SchemeOptions = {},
): Promise<Uint8Array> {
  requireBytes('sign', 'message', message);
  const info = checkSchemeKey(scheme, key.algorithm, options);
  return signWithAlgorithm(info.algorithm, key, message);
}

/**
 * True when `signature` is a valid `scheme` signature of `message` by `key`. A malformed signature
 * is just invalid (false); a key that cannot be used with `scheme` throws `key-scheme-mismatch`.
 */
export async function verify(
  scheme: number,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  options: SchemeOptions = {},
): Promise<boolean> {
  requireBytes('verify', 'message', message);
  requireBytes('verify', 'signature', signature);
  const info = checkSchemeKey(scheme, key.algorithm, options);
  return verifyWithAlgorithm(info.algorithm, key, message, signature);
}

/** Signs with an algorithm rather than a scheme (certificates, TLS 1.2 hash/curve pairs). */
export async function signWithAlgorithm(
  algorithm: SignatureAlgorithm,
  key: PrivateKey,
  message: Uint8Array,
): Promise<Uint8Array> {
  requireBytes('signWithAlgorithm', 'message', message);
  checkAlgorithmKey(algorithm, key.algorithm);
  const secret = _secretOf(key);
  switch (algorithm.kind) {
    case 'ecdsa': {
      if (secret.kind !== 'ec') break;
      const hashed = digest(algorithm.hash, message);
      return ecCurve(key.algorithm).curve.sign(hashed, secret.scalar, { prehash: false, lowS: true, format: 'der' });
    }
    case 'ed25519':
      if (secret.kind !== 'ed25519') break;
      return ed25519.sign(message, secret.seed);
    case 'rsa-pkcs1':
    case 'rsa-pss': {
      if (secret.kind !== 'rsa') break;
      const cryptoKey = await importRsa(key, secret.pkcs8, algorithm, 'sign');
      return new Uint8Array(await globalThis.crypto.subtle.sign(rsaParams(algorithm), cryptoKey, message));
    }
  }
  throw new CryptoError('key-scheme-mismatch', `${algorithm.kind} signing needs a matching key, not ${key.algorithm}`);
}

/** Verifies with an algorithm rather than a scheme; same rules as `verify`. */
export async function verifyWithAlgorithm(
  algorithm: SignatureAlgorithm,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  requireBytes('verifyWithAlgorithm', 'message', message);
  requireBytes('verifyWithAlgorithm', 'signature', signature);
  checkAlgorithmKey(algorithm, key.algorithm);
  switch (algorithm.kind) {
    case 'ecdsa': {
      const curve = ecCurve(key.algorithm);
      let compact: Uint8Array;
      try {
        compact = ecdsaDerToP1363(signature, curve.name);
      } catch {
        return false;
      }
      const hashed = digest(algorithm.hash, message);
      return noThrow(() => curve.curve.verify(compact, hashed, key.raw, { prehash: false, lowS: false, format: 'compact' }));
    }
    case 'ed25519':
      return signature.length === 64 && noThrow(() => ed25519.verify(signature, message, key.raw, { zip215: false }));
    case 'rsa-pkcs1':
    case 'rsa-pss': {
      // RFC 8017 §8.1.2 / §8.2.2 step 1: the signature is exactly as long as the modulus.
      if (signature.length !== Math.ceil(key.bits / 8)) return false;
      const cryptoKey = await importRsa(key, key.spki, algorithm, 'verify');
      return globalThis.crypto.subtle.verify(rsaParams(algorithm), cryptoKey, signature, message);
    }
  }
}

function checkAlgorithmKey(algorithm: SignatureAlgorithm, key: KeyAlgorithm): void {
  const ok =
    algorithm.kind === 'ecdsa'
      ? key === 'P-256' || key === 'P-384'
      : algorithm.kind === 'ed25519'
        ? key === 'Ed25519'
        : key === 'RSA';
  if (!ok) {
    throw new CryptoError('key-scheme-mismatch', `a ${algorithm.kind} signature cannot be made or checked with a ${key} key`);
  }
}

function noThrow(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

function digest(hash: SignatureHash, message: Uint8Array): Uint8Array {
  switch (hash) {
    case 'SHA-256':
      return sha256(message);
    case 'SHA-384':
      return sha384(message);
    case 'SHA-512':
      return sha512(message);
  }
}

// ---- ECDSA signature encodings ----

type EcCurveName = 'P-256' | 'P-384';
const EC: Readonly<Record<EcCurveName, { name: EcCurveName; curve: typeof p256; length: number }>> = {
  'P-256': { name: 'P-256', curve: p256, length: 32 },
  'P-384': { name: 'P-384', curve: p384, length: 48 },
};

function ecCurve(name: KeyAlgorithm): (typeof EC)[EcCurveName] {
  if (name !== 'P-256' && name !== 'P-384') {
    throw new CryptoError('key-scheme-mismatch', `ECDSA needs a P-256 or P-384 key, not ${name}`);
  }
  return EC[name];
}

/**
 * DER `SEQUENCE { r INTEGER, s INTEGER }` (RFC 8422 §5.4, SEC 1 C.5), by @noble/curves' DER codec.
 * Any non-negative r and s are written, in range or not, so that tests and probes can forge
 * signatures; `decodeEcdsaSignature` is the strict direction.
 */
export function encodeEcdsaSignature(r: bigint, s: bigint): Uint8Array {
  if (r < 0n || s < 0n) throw new CryptoError('invalid-argument', 'encodeEcdsaSignature: r and s must not be negative');
  return hexToBytes(DER.hexFromSig({ r, s }));
}

/**
 * Reads a DER ECDSA signature for `curve` with @noble/curves: canonical DER only (no BER lengths,
 * no padded or negative INTEGERs, no trailing bytes), 1 <= r, s < n.
 */
export function decodeEcdsaSignature(der: Uint8Array, curve: EcCurveName): { r: bigint; s: bigint } {
  const { r, s } = readDerSignature(der, curve);
  return { r, s };
}

/** DER to IEEE P1363 `r || s` (fixed length; WebCrypto's ECDSA form). */
export function ecdsaDerToP1363(der: Uint8Array, curve: EcCurveName): Uint8Array {
  return readDerSignature(der, curve).toBytes('compact');
}

function readDerSignature(der: Uint8Array, curve: EcCurveName): ReturnType<typeof p256.Signature.fromBytes> {
  requireBytes('decodeEcdsaSignature', 'der', der);
  try {
    return ecCurve(curve).curve.Signature.fromBytes(der, 'der');
  } catch {
    const problem = 'not a DER SEQUENCE { r INTEGER, s INTEGER } with r and s in [1, n-1]';
    throw new CryptoError('invalid-encoding', `ECDSA signature: ${problem} (X.690 §10, SEC 1 §4.1.4)`);
  }
}

/** IEEE P1363 `r || s` to DER; the input must be exactly twice the curve's scalar length. */
export function ecdsaP1363ToDer(signature: Uint8Array, curve: EcCurveName): Uint8Array {
  requireBytes('ecdsaP1363ToDer', 'signature', signature);
  const { length, curve: c } = ecCurve(curve);
  if (signature.length !== 2 * length) {
    throw new CryptoError('invalid-encoding', `ECDSA P1363 signature has ${signature.length} bytes, expected ${2 * length}`);
  }
  try {
    return c.Signature.fromBytes(signature, 'compact').toBytes('der'); // checks 1 <= r, s < n
  } catch {
    throw new CryptoError('invalid-encoding', 'ECDSA signature: r and s must be in [1, n-1]');
  }
}

// ---- RSA over WebCrypto ----

function rsaParams(algorithm: SignatureAlgorithm): webcrypto.AlgorithmIdentifier | webcrypto.RsaPssParams {
  return algorithm.kind === 'rsa-pss' ? { name: 'RSA-PSS', saltLength: algorithm.saltLength } : { name: 'RSASSA-PKCS1-v1_5' };
}

/** Imported WebCrypto keys, per key object and algorithm/hash/usage. */
const imported = new WeakMap<object, Map<string, Promise<webcrypto.CryptoKey>>>();

function importRsa(
  owner: object,
  der: Uint8Array,
  algorithm: SignatureAlgorithm,
  usage: 'sign' | 'verify',
): Promise<webcrypto.CryptoKey> {
  if (algorithm.kind !== 'rsa-pkcs1' && algorithm.kind !== 'rsa-pss') {
    throw new CryptoError('invalid-argument', 'importRsa: not an RSA algorithm');
  }
  const name = algorithm.kind === 'rsa-pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
  const cacheKey = `${name}/${algorithm.hash}/${usage}`;
  let perKey = imported.get(owner);
  if (perKey === undefined) {
    perKey = new Map();
    imported.set(owner, perKey);
  }
  let promise = perKey.get(cacheKey);
  if (promise === undefined) {
    const format = usage === 'sign' ? 'pkcs8' : 'spki';
    promise = globalThis.crypto.subtle.importKey(format, der, { name, hash: algorithm.hash }, false, [usage]).catch(() => {
      throw new CryptoError('invalid-encoding', `RSA ${format} key was refused by WebCrypto`);
    });
    perKey.set(cacheKey, promise);
  }
  return promise;
}
