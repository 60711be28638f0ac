/**
 * Private keys: a `PrivateKey` from PKCS#8 (DER or PEM), SEC1 "EC PRIVATE KEY" PEM, a raw EC
 * scalar or Ed25519 seed, or freshly generated; key types as in public-key.ts. The ASN.1 is
 * @peculiar/asn1-asym-key's, -ecc's and -rsa's, read as strict DER through asn1.ts.
 *
 * A `PrivateKey` keeps its secret in a module-private WeakMap: printing, `JSON.stringify`,
 * `util.inspect` or an ava diff of the object shows the algorithm and public key only.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { equalBytes } from '@noble/curves/utils.js';
import { OneAsymmetricKey, Version } from '@peculiar/asn1-asym-key';
import { ECPrivateKey } from '@peculiar/asn1-ecc';
import { RSAPrivateKey, RSAPublicKey } from '@peculiar/asn1-rsa';
import { OctetString } from '@peculiar/asn1-schema';
import { _decodeDer, _encodeDer, _unsignedInteger } from './asn1.ts';
import { CryptoError, requireBytes } from './errors.ts';
import { pemDecode, pemEncode } from './pem.ts';
import { type KeyAlgorithm, PublicKey, _EC_CURVES, _algorithmIdentifier, _ecCurve, _keyAlgorithmOf } from './public-key.ts';
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
    const info = _decodeDer(der, OneAsymmetricKey, what);
    if (info.version !== Version.v1 && info.version !== Version.v2) {
      throw new CryptoError('invalid-encoding', `${what}: version must be 0 or 1 (RFC 5958 §2)`);
    }
    if (info.publicKey !== undefined && info.version !== Version.v2) {
      throw new CryptoError('invalid-encoding', `${what}: a publicKey needs version 1 (v2, RFC 5958 §2)`);
    }
    const algorithm = _keyAlgorithmOf(info.privateKeyAlgorithm);
    if (algorithm === undefined) {
      const problem = 'key algorithm is not P-256, P-384 (named curve), Ed25519 or rsaEncryption';
      throw new CryptoError('unsupported-algorithm', `${what}: ${problem}`);
    }
    const inner = new Uint8Array(info.privateKey);
    const key =
      algorithm === 'Ed25519'
        ? PrivateKey.fromEd25519Seed(new Uint8Array(_decodeDer(inner, OctetString, `${what} CurvePrivateKey`).buffer))
        : algorithm === 'RSA'
          ? PrivateKey.fromRsa(der.slice(), inner)
          : PrivateKey.fromEcPrivateKey(inner, algorithm);
    if (info.publicKey !== undefined && !equalBytes(new Uint8Array(info.publicKey), key.publicKey.raw)) {
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
    const ec = _decodeDer(der, ECPrivateKey, what);
    if (ec.version !== 1) throw new CryptoError('invalid-encoding', `${what}: version must be 1 (RFC 5915 §3)`);
    let curve = algorithm;
    if (ec.parameters !== undefined) {
      const named = _EC_CURVES.find((c) => c.curveOid === ec.parameters?.namedCurve);
      if (named === undefined || (curve !== undefined && named.algorithm !== curve)) {
        throw new CryptoError('unsupported-algorithm', `${what}: parameters must name the key's curve, P-256 or P-384`);
      }
      curve = named.algorithm;
    }
    if (curve === undefined) throw new CryptoError('invalid-encoding', `${what}: the curve is not named`);
    const info = _ecCurve(curve);
    const d = new Uint8Array(ec.privateKey.buffer);
    // RFC 5915 fixes the length at ceiling(log2(n)/8); a shorter string is read as left-padded.
    if (d.length > info.fieldLength) {
      const problem = `private scalar has ${d.length} bytes, expected ${info.fieldLength}`;
      throw new CryptoError('invalid-private-key', `${curve}: ${problem}`);
    }
    const scalar = new Uint8Array(info.fieldLength);
    scalar.set(d, info.fieldLength - d.length);
    const key = PrivateKey.fromEcScalar(curve, scalar);
    scalar.fill(0);
    if (ec.publicKey !== undefined && !equalBytes(new Uint8Array(ec.publicKey), key.publicKey.raw)) {
      throw new CryptoError('invalid-private-key', `${what}: the embedded public key does not match the private key`);
    }
    return key;
  }

  private static fromRsa(pkcs8: Uint8Array, inner: Uint8Array): PrivateKey {
    const what = 'RSAPrivateKey';
    const rsa = _decodeDer(inner, RSAPrivateKey, what);
    if (rsa.version !== 0 || rsa.otherPrimeInfos !== undefined) {
      throw new CryptoError('invalid-encoding', `${what}: expected a two-prime key, version 0 (RFC 8017 A.1.2)`);
    }
    const integers = [
      ['modulus', rsa.modulus],
      ['publicExponent', rsa.publicExponent],
      ['privateExponent', rsa.privateExponent],
      ['prime1', rsa.prime1],
      ['prime2', rsa.prime2],
      ['exponent1', rsa.exponent1],
      ['exponent2', rsa.exponent2],
      ['coefficient', rsa.coefficient],
    ] as const;
    const [n, , , p, q] = integers.map(([name, content]) => _unsignedInteger(content, `${what}.${name}`));
    if (p * q !== n) throw new CryptoError('invalid-private-key', `${what}: the primes do not multiply to the modulus`);
    const publicKey = PublicKey.fromRsaPublicKey(
      _encodeDer(new RSAPublicKey({ modulus: rsa.modulus, publicExponent: rsa.publicExponent })),
    );
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
    if (secret.kind === 'rsa') return secret.pkcs8.slice();
    const privateKey =
      secret.kind === 'ed25519'
        ? _encodeDer(new OctetString(secret.seed)) // CurvePrivateKey (RFC 8410 §7)
        : _encodeDer(
            new ECPrivateKey({
              version: 1,
              privateKey: new OctetString(secret.scalar),
              publicKey: this.publicKey.raw.slice().buffer,
            }),
          );
    const info = Object.assign(new OneAsymmetricKey(), {
      version: Version.v1,
      privateKeyAlgorithm: _algorithmIdentifier(this.algorithm),
      privateKey: privateKey.buffer,
    });
    return _encodeDer(info);
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
