/**
 * Private keys: a `PrivateKey` from PKCS#8 (DER or PEM), SEC1 "EC PRIVATE KEY" PEM, a raw EC
 * scalar or Ed25519 seed, or freshly generated; key types as in public-key.ts.
 *
 * A `PrivateKey` keeps its secret in a module-private WeakMap: printing, `JSON.stringify`,
 * `util.inspect` or an ava diff of the object shows the algorithm and public key only.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  DER_TAG,
  bytesEqual,
  derBitString,
  derEncode,
  derUnsigned,
  expectTag,
  hexToBytes,
  readDer,
  readDerBitStringBytes,
  readDerChildren,
  readDerUnsigned,
} from './der.ts';
import { CryptoError, requireBytes } from './errors.ts';
import { pemDecode, pemEncode } from './pem.ts';
import { type KeyAlgorithm, PublicKey, _EC_CURVES, _algorithmIdentifier, _ecCurve } from './public-key.ts';
import { type RandomSource, systemRandom } from './random.ts';

/** The secret behind a `PrivateKey`: an EC scalar, an Ed25519 seed, or the RSA PKCS#8 DER. */
export type _Secret =
  | { readonly kind: 'ec'; readonly scalar: Uint8Array }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array }
  | { readonly kind: 'rsa'; readonly pkcs8: Uint8Array };

const secrets = new WeakMap<PrivateKey, _Secret>();

/** Internal to crypto/: the secret of `key`, for signing. */
export function _secretOf(key: PrivateKey): _Secret {
  const secret = secrets.get(key);
  if (secret === undefined) throw new CryptoError('invalid-argument', 'not a PrivateKey made by this module');
  return secret;
}

export class PrivateKey {
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: PublicKey;

  private constructor(publicKey: PublicKey, secret: _Secret) {
    this.algorithm = publicKey.algorithm;
    this.publicKey = publicKey;
    secrets.set(this, secret);
  }

  /**
   * From PKCS#8 DER (OneAsymmetricKey, RFC 5958 §2): version 0 or 1, the key type's
   * AlgorithmIdentifier, then an ECPrivateKey (RFC 5915), CurvePrivateKey (RFC 8410 §7) or
   * RSAPrivateKey (RFC 8017 A.1.2). A public key carried inside must match the private key.
   */
  static fromPkcs8(der: Uint8Array): PrivateKey {
    requireBytes('PrivateKey.fromPkcs8', 'der', der);
    const what = 'PKCS#8';
    const fields = readDerChildren(readDer(der, DER_TAG.SEQUENCE, what), what);
    if (fields.length < 3) {
      throw new CryptoError('invalid-encoding', `${what}: expected SEQUENCE { version, algorithm, privateKey, ... }`);
    }
    const version = readDerUnsigned(fields[0], `${what}.version`);
    if (version > 1n) throw new CryptoError('invalid-encoding', `${what}: version must be 0 or 1`);
    expectTag(fields[2], DER_TAG.OCTET_STRING, `${what}.privateKey`);
    const inner = fields[2].content;
    const algorithm = (['P-256', 'P-384', 'Ed25519', 'RSA'] as const).find((a) =>
      bytesEqual(fields[1].encoded, _algorithmIdentifier(a)),
    );
    if (algorithm === undefined) {
      const problem = 'key algorithm is not P-256, P-384 (named curve), Ed25519 or rsaEncryption';
      throw new CryptoError('unsupported-algorithm', `${what}: ${problem}`);
    }
    // Optional trailing fields: attributes [0], then (version 1 only) publicKey [1] IMPLICIT BIT STRING.
    let embeddedPublic: Uint8Array | undefined;
    for (const field of fields.slice(3)) {
      if (field.tag === 0x81 && version === 1n && embeddedPublic === undefined) {
        embeddedPublic = readDerBitStringBytes({ ...field, tag: DER_TAG.BIT_STRING }, `${what}.publicKey`);
      } else if (field.tag !== DER_TAG.CONTEXT_0 || embeddedPublic !== undefined) {
        throw new CryptoError('invalid-encoding', `${what}: unexpected field with tag 0x${field.tag.toString(16)}`);
      }
    }
    const key =
      algorithm === 'Ed25519'
        ? PrivateKey.fromEd25519Seed(readDer(inner, DER_TAG.OCTET_STRING, `${what} CurvePrivateKey`).content)
        : algorithm === 'RSA'
          ? PrivateKey.fromRsa(der.slice(), inner)
          : PrivateKey.fromEcPrivateKey(inner, algorithm);
    if (embeddedPublic !== undefined && !bytesEqual(embeddedPublic, key.publicKey.raw)) {
      throw new CryptoError('invalid-private-key', `${what}: the embedded public key does not match the private key`);
    }
    return key;
  }

  /**
   * From PEM: "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1 / RFC 5915, with its curve named in
   * the parameters), the two forms `openssl` writes.
   */
  static fromPem(pem: string): PrivateKey {
    if (typeof pem === 'string' && pem.includes('-----BEGIN EC PRIVATE KEY-----')) {
      return PrivateKey.fromEcPrivateKey(pemDecode(pem, 'EC PRIVATE KEY'), undefined);
    }
    return PrivateKey.fromPkcs8(pemDecode(pem, 'PRIVATE KEY'));
  }

  /** From a 32-byte Ed25519 seed (the RFC 8032 private key). */
  static fromEd25519Seed(seed: Uint8Array): PrivateKey {
    requireBytes('PrivateKey.fromEd25519Seed', 'seed', seed);
    if (seed.length !== 32) {
      throw new CryptoError('invalid-private-key', `Ed25519: private key has ${seed.length} bytes, expected 32`);
    }
    const publicKey = PublicKey.fromRaw('Ed25519', ed25519.getPublicKey(seed));
    return new PrivateKey(publicKey, { kind: 'ed25519', seed: seed.slice() });
  }

  /** From a big-endian EC scalar of the curve's length, in [1, n-1]. */
  static fromEcScalar(algorithm: 'P-256' | 'P-384', scalar: Uint8Array): PrivateKey {
    requireBytes('PrivateKey.fromEcScalar', 'scalar', scalar);
    const info = _ecCurve(algorithm);
    if (scalar.length !== info.fieldLength || !info.curve.utils.isValidSecretKey(scalar)) {
      throw new CryptoError('invalid-private-key', `${algorithm}: private scalar must be ${info.fieldLength} bytes in [1, n-1]`);
    }
    const publicKey = PublicKey.fromRaw(algorithm, info.curve.getPublicKey(scalar, false));
    return new PrivateKey(publicKey, { kind: 'ec', scalar: scalar.slice() });
  }

  /** ECPrivateKey (RFC 5915 §3); `algorithm` comes from PKCS#8, or else from the [0] parameters. */
  private static fromEcPrivateKey(der: Uint8Array, algorithm: 'P-256' | 'P-384' | undefined): PrivateKey {
    const what = 'ECPrivateKey';
    const fields = readDerChildren(readDer(der, DER_TAG.SEQUENCE, what), what);
    if (fields.length < 2 || readDerUnsigned(fields[0], `${what}.version`) !== 1n) {
      throw new CryptoError('invalid-encoding', `${what}: expected SEQUENCE { version 1, privateKey, ... }`);
    }
    expectTag(fields[1], DER_TAG.OCTET_STRING, `${what}.privateKey`);
    let curve = algorithm;
    let embeddedPublic: Uint8Array | undefined;
    for (const field of fields.slice(2)) {
      if (field.tag === DER_TAG.CONTEXT_0) {
        const named = _EC_CURVES.find((c) => bytesEqual(field.content, hexToBytes(c.curveOid)));
        if (named === undefined || (curve !== undefined && named.algorithm !== curve)) {
          throw new CryptoError('unsupported-algorithm', `${what}: parameters must name the key's curve, P-256 or P-384`);
        }
        curve = named.algorithm;
      } else if (field.tag === DER_TAG.CONTEXT_1) {
        const bitString = readDer(field.content, DER_TAG.BIT_STRING, `${what}.publicKey`);
        embeddedPublic = readDerBitStringBytes(bitString, `${what}.publicKey`);
      } else {
        throw new CryptoError('invalid-encoding', `${what}: unexpected field with tag 0x${field.tag.toString(16)}`);
      }
    }
    if (curve === undefined) throw new CryptoError('invalid-encoding', `${what}: the curve is not named`);
    const info = _ecCurve(curve);
    const d = fields[1].content;
    // RFC 5915 fixes the length at ceiling(log2(n)/8); a shorter string is read as left-padded.
    if (d.length > info.fieldLength) {
      const problem = `private scalar has ${d.length} bytes, expected ${info.fieldLength}`;
      throw new CryptoError('invalid-private-key', `${curve}: ${problem}`);
    }
    const scalar = new Uint8Array(info.fieldLength);
    scalar.set(d, info.fieldLength - d.length);
    const key = PrivateKey.fromEcScalar(curve, scalar);
    scalar.fill(0);
    if (embeddedPublic !== undefined && !bytesEqual(embeddedPublic, key.publicKey.raw)) {
      throw new CryptoError('invalid-private-key', `${what}: the embedded public key does not match the private key`);
    }
    return key;
  }

  private static fromRsa(pkcs8: Uint8Array, inner: Uint8Array): PrivateKey {
    const what = 'RSAPrivateKey';
    const fields = readDerChildren(readDer(inner, DER_TAG.SEQUENCE, what), what);
    if (fields.length !== 9 || readDerUnsigned(fields[0], `${what}.version`) !== 0n) {
      throw new CryptoError('invalid-encoding', `${what}: expected a two-prime key, version 0, with 8 integers`);
    }
    const ints = fields.slice(1).map((f, i) => readDerUnsigned(f, `${what} integer ${i + 1}`));
    const [n, e, , p, q] = ints;
    if (p * q !== n) throw new CryptoError('invalid-private-key', `${what}: the primes do not multiply to the modulus`);
    const publicKey = PublicKey.fromRsaPublicKey(derEncode(DER_TAG.SEQUENCE, derUnsigned(n), derUnsigned(e)));
    return new PrivateKey(publicKey, { kind: 'rsa', pkcs8 });
  }

  /**
   * A new key. `random` seeds P-256, P-384 and Ed25519 keys (default: `systemRandom`); RSA keys
   * (2048 bits unless `rsaModulusBits` says otherwise, e = 65537) come from WebCrypto and cannot be
   * seeded.
   */
  static async generate(
    algorithm: KeyAlgorithm,
    options: { random?: RandomSource; rsaModulusBits?: number } = {},
  ): Promise<PrivateKey> {
    const random = options.random ?? systemRandom;
    if (algorithm === 'Ed25519') return PrivateKey.fromEd25519Seed(draw(random, 32));
    if (algorithm === 'RSA') {
      const pair = await globalThis.crypto.subtle.generateKey(
        {
          name: 'RSA-PSS',
          modulusLength: options.rsaModulusBits ?? 2048,
          publicExponent: Uint8Array.of(1, 0, 1),
          hash: 'SHA-256',
        },
        true,
        ['sign', 'verify'],
      );
      return PrivateKey.fromPkcs8(new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', pair.privateKey)));
    }
    const info = _ecCurve(algorithm);
    const seed = draw(random, info.curve.lengths.seed ?? 2 * info.fieldLength);
    return PrivateKey.fromEcScalar(algorithm, info.curve.utils.randomSecretKey(seed));
  }

  /** PKCS#8 DER (a copy: the caller may wipe it). EC keys carry their public key (RFC 5915). */
  exportPkcs8(): Uint8Array {
    const secret = _secretOf(this);
    const version = derUnsigned(0n);
    const algId = _algorithmIdentifier(this.algorithm);
    switch (secret.kind) {
      case 'rsa':
        return secret.pkcs8.slice();
      case 'ed25519':
        const curvePrivateKey = derEncode(DER_TAG.OCTET_STRING, secret.seed);
        return derEncode(DER_TAG.SEQUENCE, version, algId, derEncode(DER_TAG.OCTET_STRING, curvePrivateKey));
      case 'ec': {
        const ecPrivateKey = derEncode(
          DER_TAG.SEQUENCE,
          derUnsigned(1n),
          derEncode(DER_TAG.OCTET_STRING, secret.scalar),
          derEncode(DER_TAG.CONTEXT_1, derBitString(this.publicKey.raw)),
        );
        return derEncode(DER_TAG.SEQUENCE, version, algId, derEncode(DER_TAG.OCTET_STRING, ecPrivateKey));
      }
    }
  }

  /** "PRIVATE KEY" PEM (PKCS#8). */
  toPem(): string {
    return pemEncode('PRIVATE KEY', this.exportPkcs8());
  }

  toString(): string {
    return `PrivateKey(${this.algorithm})`;
  }

  toJSON(): { algorithm: KeyAlgorithm } {
    return { algorithm: this.algorithm };
  }
}

function draw(random: RandomSource, length: number): Uint8Array {
  const bytes = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new CryptoError('invalid-argument', `PrivateKey.generate: the entropy source must return ${length} bytes`);
  }
  return bytes;
}
