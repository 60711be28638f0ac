/**
 * Public keys: a `PublicKey` from SubjectPublicKeyInfo (DER or PEM; from a certificate via
 * `parseCertificate` in x509.ts) or from its raw form.
 *
 * Key types: ECDSA on P-256 and P-384 (named curves only, RFC 5480; explicit curve parameters are
 * refused, as RFC 5480 §2.1.1 allows and TLS needs nothing else), Ed25519 (RFC 8410) and RSA with
 * rsaEncryption keys (RFC 8017, used by the rsa_pkcs1_* and rsa_pss_rsae_* schemes).
 *
 * EC and Ed25519 SPKIs are checked byte for byte against their one DER form: a fixed prefix then
 * the key. So a BER variant, a compressed point or extra parameters are refused.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import {
  DER_TAG,
  bytesEqual,
  concatBytes,
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

export type KeyAlgorithm = 'P-256' | 'P-384' | 'Ed25519' | 'RSA';

const OID = {
  ecPublicKey: '06072a8648ce3d0201',
  prime256v1: '06082a8648ce3d030107',
  secp384r1: '06052b81040022',
  ed25519: '06032b6570',
  rsaEncryption: '06092a864886f70d010101',
} as const;

export interface EcCurveInfo {
  readonly algorithm: 'P-256' | 'P-384';
  readonly curve: typeof p256;
  readonly curveOid: string;
  readonly fieldLength: number;
}
export const _EC_CURVES: readonly EcCurveInfo[] = [
  { algorithm: 'P-256', curve: p256, curveOid: OID.prime256v1, fieldLength: 32 },
  { algorithm: 'P-384', curve: p384, curveOid: OID.secp384r1, fieldLength: 48 },
];

/** AlgorithmIdentifier DER for each key type (RFC 5480 §2.1.1, RFC 8410 §3, RFC 8017 A.1). */
export function _algorithmIdentifier(algorithm: KeyAlgorithm): Uint8Array {
  switch (algorithm) {
    case 'P-256':
    case 'P-384': {
      const info = _ecCurve(algorithm);
      return derEncode(DER_TAG.SEQUENCE, hexToBytes(OID.ecPublicKey), hexToBytes(info.curveOid));
    }
    case 'Ed25519':
      return derEncode(DER_TAG.SEQUENCE, hexToBytes(OID.ed25519));
    case 'RSA':
      return derEncode(DER_TAG.SEQUENCE, hexToBytes(OID.rsaEncryption), Uint8Array.of(DER_TAG.NULL, 0));
  }
}

export function _ecCurve(algorithm: 'P-256' | 'P-384'): EcCurveInfo {
  const info = _EC_CURVES.find((c) => c.algorithm === algorithm);
  if (info === undefined) throw new CryptoError('unsupported-algorithm', `unknown curve ${algorithm}`);
  return info;
}

function spkiPrefix(algorithm: 'P-256' | 'P-384' | 'Ed25519'): Uint8Array {
  const keyLength = algorithm === 'Ed25519' ? 32 : 1 + 2 * _ecCurve(algorithm).fieldLength;
  const full = derEncode(DER_TAG.SEQUENCE, _algorithmIdentifier(algorithm), derBitString(new Uint8Array(keyLength)));
  return full.subarray(0, full.length - keyLength);
}

/** A public key. `raw` is the uncompressed point, the 32-byte Ed25519 key, or the RSAPublicKey DER. */
export class PublicKey {
  readonly algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  readonly raw: Uint8Array;
  /** Key size in bits: 256, 384, 255 for Ed25519, the modulus length for RSA. */
  readonly bits: number;

  private constructor(algorithm: KeyAlgorithm, spki: Uint8Array, raw: Uint8Array, bits: number) {
    this.algorithm = algorithm;
    this.spki = spki;
    this.raw = raw;
    this.bits = bits;
  }

  /** From SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7). */
  static fromSpki(der: Uint8Array): PublicKey {
    requireBytes('PublicKey.fromSpki', 'der', der);
    const spki = der.slice();
    for (const algorithm of ['P-256', 'P-384', 'Ed25519'] as const) {
      const prefix = spkiPrefix(algorithm);
      const keyLength = algorithm === 'Ed25519' ? 32 : 1 + 2 * _ecCurve(algorithm).fieldLength;
      if (spki.length === prefix.length + keyLength && bytesEqual(spki.subarray(0, prefix.length), prefix)) {
        return PublicKey.fromRaw(algorithm, spki.subarray(prefix.length));
      }
    }
    const outer = readDer(spki, DER_TAG.SEQUENCE, 'SubjectPublicKeyInfo');
    const [algId, key, ...rest] = readDerChildren(outer, 'SubjectPublicKeyInfo');
    if (algId === undefined || key === undefined || rest.length > 0) {
      throw new CryptoError('invalid-encoding', 'SubjectPublicKeyInfo: expected SEQUENCE { algorithm, subjectPublicKey }');
    }
    if (bytesEqual(algId.encoded, _algorithmIdentifier('RSA'))) {
      return PublicKey.fromRsaPublicKey(readDerBitStringBytes(key, 'SubjectPublicKeyInfo.subjectPublicKey'));
    }
    const known = (['P-256', 'P-384', 'Ed25519'] as const).find((a) => bytesEqual(algId.encoded, _algorithmIdentifier(a)));
    if (known !== undefined) {
      // The prefix did not match, so the key has the wrong length: for EC, typically compressed.
      const raw = readDerBitStringBytes(key, 'SubjectPublicKeyInfo.subjectPublicKey');
      const expected = known === 'Ed25519' ? 'a 32-byte key' : 'an uncompressed point';
      const problem = `public key of ${raw.length} bytes is not ${expected} (RFC 8422 §5.1.2, RFC 8410 §4)`;
      throw new CryptoError('invalid-public-key', `${known}: ${problem}`);
    }
    expectTag(algId, DER_TAG.SEQUENCE, 'SubjectPublicKeyInfo.algorithm');
    throw new CryptoError(
      'unsupported-algorithm',
      'SubjectPublicKeyInfo: the algorithm is not P-256 or P-384 (as a named curve), Ed25519 or rsaEncryption',
    );
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
        throw new CryptoError('invalid-public-key', `Ed25519: public key has ${raw.length} bytes, expected 32`);
      }
      try {
        ed25519.Point.fromBytes(raw); // RFC 8032 §5.1.3: a canonical encoding of a curve point
      } catch {
        throw new CryptoError('invalid-public-key', 'Ed25519: public key is not a point on the curve (RFC 8032 §5.1.3)');
      }
      return new PublicKey('Ed25519', concatBytes(spkiPrefix(algorithm), raw), raw.slice(), 255);
    }
    const info = _ecCurve(algorithm);
    if (raw.length !== 1 + 2 * info.fieldLength || raw[0] !== 0x04) {
      const length = 1 + 2 * info.fieldLength;
      throw new CryptoError('invalid-public-key', `${algorithm}: public key must be an uncompressed point of ${length} bytes`);
    }
    try {
      info.curve.Point.fromBytes(raw);
    } catch {
      throw new CryptoError('invalid-public-key', `${algorithm}: public key is not a point on the curve (SEC 1 §3.2.2)`);
    }
    return new PublicKey(algorithm, concatBytes(spkiPrefix(algorithm), raw), raw.slice(), info.fieldLength * 8);
  }

  /** From an RSAPublicKey DER, SEQUENCE { modulus, publicExponent } (RFC 8017 A.1.1). */
  static fromRsaPublicKey(der: Uint8Array): PublicKey {
    const { modulus, exponent } = readRsaPublicKey(der);
    const bits = modulus.toString(2).length;
    if (bits < 1024) throw new CryptoError('invalid-public-key', `RSA: modulus of ${bits} bits is below the 1024 we accept`);
    if (exponent < 3n || exponent % 2n === 0n) {
      throw new CryptoError('invalid-public-key', 'RSA: public exponent must be odd and at least 3');
    }
    const raw = derEncode(DER_TAG.SEQUENCE, derUnsigned(modulus), derUnsigned(exponent));
    const spki = derEncode(DER_TAG.SEQUENCE, _algorithmIdentifier('RSA'), derBitString(raw));
    return new PublicKey('RSA', spki, raw, bits);
  }

  /** "PUBLIC KEY" PEM. */
  toPem(): string {
    return pemEncode('PUBLIC KEY', this.spki);
  }

  equals(other: PublicKey): boolean {
    return bytesEqual(this.spki, other.spki);
  }
}

function readRsaPublicKey(der: Uint8Array): { modulus: bigint; exponent: bigint } {
  const what = 'RSAPublicKey';
  const fields = readDerChildren(readDer(der, DER_TAG.SEQUENCE, what), what);
  if (fields.length !== 2) throw new CryptoError('invalid-encoding', `${what}: expected SEQUENCE { modulus, publicExponent }`);
  return {
    modulus: readDerUnsigned(fields[0], `${what}.modulus`),
    exponent: readDerUnsigned(fields[1], `${what}.publicExponent`),
  };
}

/** The RSA modulus and exponent of a public key, for callers that need them (tests, reports). */
export function rsaPublicNumbers(key: PublicKey): { modulus: bigint; exponent: bigint } {
  if (key.algorithm !== 'RSA') throw new CryptoError('key-scheme-mismatch', `rsaPublicNumbers: key is ${key.algorithm}, not RSA`);
  return readRsaPublicKey(key.raw);
}
