/**
 * Public keys: a `PublicKey` from SubjectPublicKeyInfo (DER or PEM; from a certificate via
 * `parseCertificate` in x509.ts) or from its raw form. The ASN.1 is @peculiar/asn1-x509's, -ecc's and
 * -rsa's (through asn1.ts); the curve arithmetic is @noble/curves'.
 *
 * Key types: ECDSA on P-256 and P-384 (named curves only, RFC 5480; explicit curve parameters are
 * refused, as RFC 5480 §2.1.1 allows and TLS needs nothing else), Ed25519 (RFC 8410) and RSA with
 * rsaEncryption keys (RFC 8017, used by the rsa_pkcs1_* and rsa_pss_rsae_* schemes).
 *
 * A key has one DER form, and `fromSpki` accepts only that: the SPKI is rebuilt from the key and
 * compared byte for byte. So a BER variant, a compressed point or extra parameters are refused.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { bitLen, equalBytes } from '@noble/curves/utils.js';
import { ECParameters, id_ecPublicKey, id_secp256r1, id_secp384r1 } from '@peculiar/asn1-ecc';
import { RSAPublicKey, id_rsaEncryption } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { _decodeDer, _encodeDer, _unsignedInteger } from './asn1.ts';
import { CryptoError, requireBytes } from './errors.ts';
import { pemDecode, pemEncode } from './pem.ts';

export type KeyAlgorithm = 'P-256' | 'P-384' | 'Ed25519' | 'RSA';

/** id-Ed25519 (RFC 8410 §3). */
const ID_ED25519 = '1.3.101.112';

export interface EcCurveInfo {
  readonly algorithm: 'P-256' | 'P-384';
  readonly curve: typeof p256;
  /** The namedCurve OID (RFC 5480 §2.1.1.1). */
  readonly curveOid: string;
  readonly fieldLength: number;
}
export const _EC_CURVES: readonly EcCurveInfo[] = [
  { algorithm: 'P-256', curve: p256, curveOid: id_secp256r1, fieldLength: 32 },
  { algorithm: 'P-384', curve: p384, curveOid: id_secp384r1, fieldLength: 48 },
];

export function _ecCurve(algorithm: 'P-256' | 'P-384'): EcCurveInfo {
  const info = _EC_CURVES.find((c) => c.algorithm === algorithm);
  if (info === undefined) throw new CryptoError('unsupported-algorithm', `unknown curve ${algorithm}`);
  return info;
}

/** The AlgorithmIdentifier of each key type (RFC 5480 §2.1.1, RFC 8410 §3, RFC 8017 A.1). */
export function _algorithmIdentifier(algorithm: KeyAlgorithm): AlgorithmIdentifier {
  switch (algorithm) {
    case 'P-256':
    case 'P-384': {
      const namedCurve = _encodeDer(new ECParameters({ namedCurve: _ecCurve(algorithm).curveOid }));
      return new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters: namedCurve.buffer });
    }
    case 'Ed25519':
      return new AlgorithmIdentifier({ algorithm: ID_ED25519 }); // parameters absent (RFC 8410 §3)
    case 'RSA':
      return new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: null }); // NULL
  }
}

/** The key type whose AlgorithmIdentifier is exactly `algorithm`, if any. */
export function _keyAlgorithmOf(algorithm: AlgorithmIdentifier): KeyAlgorithm | undefined {
  const der = _encodeDer(algorithm);
  return (['P-256', 'P-384', 'Ed25519', 'RSA'] as const).find((a) => equalBytes(der, _encodeDer(_algorithmIdentifier(a))));
}

function encodeSpki(algorithm: KeyAlgorithm, raw: Uint8Array): Uint8Array {
  const spki = new SubjectPublicKeyInfo({ algorithm: _algorithmIdentifier(algorithm), subjectPublicKey: raw.slice().buffer });
  return _encodeDer(spki);
}

/** A public key. `raw` is the uncompressed point, the 32-byte Ed25519 key, or the RSAPublicKey DER. */
export class PublicKey {
  readonly algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  readonly raw: Uint8Array;
  /** Key size in bits: 256, 384, 255 for Ed25519, the modulus length for RSA. */
  readonly bits: number;

  private constructor(algorithm: KeyAlgorithm, raw: Uint8Array, bits: number) {
    this.algorithm = algorithm;
    this.spki = encodeSpki(algorithm, raw);
    this.raw = raw.slice();
    this.bits = bits;
  }

  /** From SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7). */
  static fromSpki(der: Uint8Array): PublicKey {
    requireBytes('PublicKey.fromSpki', 'der', der);
    const spki = _decodeDer(der, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo');
    const algorithm = _keyAlgorithmOf(spki.algorithm);
    if (algorithm === undefined) {
      throw new CryptoError(
        'unsupported-algorithm',
        'SubjectPublicKeyInfo: the algorithm is not P-256 or P-384 (as a named curve), Ed25519 or rsaEncryption',
      );
    }
    const raw = new Uint8Array(spki.subjectPublicKey);
    const key = algorithm === 'RSA' ? PublicKey.fromRsaPublicKey(raw) : PublicKey.fromRaw(algorithm, raw);
    if (!equalBytes(key.spki, der)) {
      throw new CryptoError('invalid-encoding', `SubjectPublicKeyInfo: not the DER form of a ${algorithm} key`);
    }
    return key;
  }

  /** From a "PUBLIC KEY" PEM block. */
  static fromPem(pem: string): PublicKey {
    return PublicKey.fromSpki(pemDecode(pem, 'PUBLIC KEY'));
  }

  /** From the raw key: an uncompressed point for P-256/P-384, 32 bytes for Ed25519. */
  static fromRaw(algorithm: 'P-256' | 'P-384' | 'Ed25519', raw: Uint8Array): PublicKey {
    requireBytes('PublicKey.fromRaw', 'raw', raw);
    if (algorithm === 'Ed25519') {
      if (raw.length !== 32) {
        throw new CryptoError('invalid-public-key', `Ed25519: public key has ${raw.length} bytes, expected 32 (RFC 8410 §4)`);
      }
      try {
        ed25519.Point.fromBytes(raw); // RFC 8032 §5.1.3: a canonical encoding of a curve point
      } catch {
        throw new CryptoError('invalid-public-key', 'Ed25519: public key is not a point on the curve (RFC 8032 §5.1.3)');
      }
      return new PublicKey('Ed25519', raw, 255);
    }
    const info = _ecCurve(algorithm);
    if (raw.length !== 1 + 2 * info.fieldLength || raw[0] !== 0x04) {
      const length = 1 + 2 * info.fieldLength;
      const problem = `public key must be an uncompressed point of ${length} bytes (RFC 8422 §5.1.2)`;
      throw new CryptoError('invalid-public-key', `${algorithm}: ${problem}`);
    }
    try {
      info.curve.Point.fromBytes(raw);
    } catch {
      throw new CryptoError('invalid-public-key', `${algorithm}: public key is not a point on the curve (SEC 1 §3.2.2)`);
    }
    return new PublicKey(algorithm, raw, info.fieldLength * 8);
  }

  /** From an RSAPublicKey DER, SEQUENCE { modulus, publicExponent } (RFC 8017 A.1.1). */
  static fromRsaPublicKey(der: Uint8Array): PublicKey {
    const { modulus, exponent } = readRsaPublicKey(der);
    const bits = bitLen(modulus);
    if (bits < 1024) {
      throw new CryptoError('invalid-public-key', `RSA: modulus of ${bits} bits is below the 1024 we accept`);
    }
    if (exponent < 3n || exponent % 2n === 0n) {
      throw new CryptoError('invalid-public-key', 'RSA: public exponent must be odd and at least 3');
    }
    return new PublicKey('RSA', der, bits);
  }

  /** "PUBLIC KEY" PEM. */
  toPem(): string {
    return pemEncode('PUBLIC KEY', this.spki);
  }

  equals(other: PublicKey): boolean {
    return equalBytes(this.spki, other.spki);
  }
}

function readRsaPublicKey(der: Uint8Array): { modulus: bigint; exponent: bigint } {
  const key = _decodeDer(der, RSAPublicKey, 'RSAPublicKey');
  return {
    modulus: _unsignedInteger(key.modulus, 'RSAPublicKey.modulus'),
    exponent: _unsignedInteger(key.publicExponent, 'RSAPublicKey.publicExponent'),
  };
}

/** The RSA modulus and exponent of a public key, for callers that need them (tests, reports). */
export function rsaPublicNumbers(key: PublicKey): { modulus: bigint; exponent: bigint } {
  if (key.algorithm !== 'RSA') throw new CryptoError('key-scheme-mismatch', `rsaPublicNumbers: key is ${key.algorithm}, not RSA`);
  return readRsaPublicKey(key.raw);
}
