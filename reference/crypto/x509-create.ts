/**
 * Making X.509 v3 certificates (RFC 5280 §4.1) for tests and for the harness's throwaway CA:
 * `createCertificate` signs one certificate, `createTestPki` makes a CA and a leaf signed by it.
 *
 * Output is deterministic for ECDSA (RFC 6979 nonces) and Ed25519 keys: the default serial number
 * is derived from the subject's key and name, and the default validity is a fixed window, so no
 * clock is read. Extensions written: basicConstraints and keyUsage (critical), extKeyUsage
 * serverAuth+clientAuth on leaves, subjectAltName, subject/authority key identifiers (RFC 7093 §2
 * method 1: the leftmost 160 bits of SHA-256 of the public key bits).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { DER_TAG, bytesToBigint, concatBytes, derBitString, derEncode, derUnsigned, hexToBytes } from './der.ts';
import { CryptoError } from './errors.ts';
import { PrivateKey } from './private-key.ts';
import type { KeyAlgorithm, PublicKey } from './public-key.ts';
import type { RandomSource } from './random.ts';
import { type SignatureAlgorithm, type SignatureHash, signWithAlgorithm } from './signature.ts';
import { type Certificate, parseCertificate } from './x509.ts';
import { encodeName, encodeOid, encodeTime } from './x509-names.ts';

export interface CertificateRequest {
  /** RFC 4514 form, e.g. "CN=leaf, O=dtlsprobe". */
  readonly subject: string;
  readonly publicKey: PublicKey;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Default: 16 bytes derived from the subject's key and name (positive, RFC 5280 §4.1.2.2). */
  readonly serialNumber?: bigint;
  readonly dnsNames?: readonly string[];
  /** Dotted IPv4 or IPv6 text. */
  readonly ipAddresses?: readonly string[];
  readonly isCA?: boolean;
}

export interface CertificateSigner {
  readonly privateKey: PrivateKey;
  /** The issuer's certificate; absent for a self-signed one (whose key must be `privateKey`). */
  readonly certificate?: Certificate;
  /** Default: ECDSA with SHA-256 (P-256) or SHA-384 (P-384), Ed25519, RSA PKCS#1 v1.5 SHA-256. */
  readonly signatureAlgorithm?: SignatureAlgorithm;
}

export interface KeyAndCertificate {
  readonly certificate: Certificate;
  readonly privateKey: PrivateKey;
}

/** A fixed validity window so that certificates do not depend on the clock. */
export const DEFAULT_NOT_BEFORE = new Date(Date.UTC(2020, 0, 1));
export const DEFAULT_NOT_AFTER = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));

const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

/** Signs a certificate for `request` with `signer`. */
export async function createCertificate(request: CertificateRequest, signer: CertificateSigner): Promise<Certificate> {
  const selfSigned = signer.certificate === undefined;
  if (selfSigned && !signer.privateKey.publicKey.equals(request.publicKey)) {
    throw new CryptoError('invalid-argument', 'createCertificate: a self-signed certificate must be signed by its own key');
  }
  const algorithm = signer.signatureAlgorithm ?? defaultSignatureAlgorithm(signer.privateKey.algorithm);
  const algorithmId = encodeSignatureAlgorithm(algorithm);
  const subjectName = encodeName(request.subject);
  const issuerName = signer.certificate === undefined ? subjectName : encodeName(signer.certificate.subject);
  const issuerKey = signer.certificate?.publicKey ?? request.publicKey;
  const derivedSerial = bytesToBigint(sha256(concatBytes(request.publicKey.spki, subjectName)).subarray(0, 16)) >> 1n;
  const serial = request.serialNumber ?? derivedSerial;
  if (serial <= 0n) throw new CryptoError('invalid-argument', 'createCertificate: the serial number must be positive');

  const isCA = request.isCA ?? false;
  const extensions = [
    extension(EXT.basicConstraints, true, derEncode(DER_TAG.SEQUENCE, ...(isCA ? [Uint8Array.of(0x01, 0x01, 0xff)] : []))),
    extension(EXT.keyUsage, true, keyUsage(isCA, request.publicKey.algorithm)),
    extension(EXT.subjectKeyIdentifier, false, derEncode(DER_TAG.OCTET_STRING, keyIdentifier(request.publicKey))),
    extension(EXT.authorityKeyIdentifier, false, derEncode(DER_TAG.SEQUENCE, derEncode(0x80, keyIdentifier(issuerKey)))),
  ];
  if (!isCA) {
    const serverAuth = encodeOid('1.3.6.1.5.5.7.3.1');
    const clientAuth = encodeOid('1.3.6.1.5.5.7.3.2');
    extensions.push(extension(EXT.extKeyUsage, false, derEncode(DER_TAG.SEQUENCE, serverAuth, clientAuth)));
  }
  const altNames = [
    ...(request.dnsNames ?? []).map((name) => derEncode(0x82, new TextEncoder().encode(name))),
    ...(request.ipAddresses ?? []).map((ip) => derEncode(0x87, parseIp(ip))),
  ];
  if (altNames.length > 0) extensions.push(extension(EXT.subjectAltName, false, derEncode(DER_TAG.SEQUENCE, ...altNames)));

  const tbs = derEncode(
    DER_TAG.SEQUENCE,
    derEncode(DER_TAG.CONTEXT_0, derUnsigned(2n)), // v3
    derUnsigned(serial),
    algorithmId,
    issuerName,
    derEncode(
      DER_TAG.SEQUENCE,
      encodeTime(request.notBefore ?? DEFAULT_NOT_BEFORE),
      encodeTime(request.notAfter ?? DEFAULT_NOT_AFTER),
    ),
    subjectName,
    request.publicKey.spki,
    derEncode(0xa3, derEncode(DER_TAG.SEQUENCE, ...extensions)),
  );
  const signature = await signWithAlgorithm(algorithm, signer.privateKey, tbs);
  return parseCertificate(derEncode(DER_TAG.SEQUENCE, tbs, algorithmId, derBitString(signature)));
}

/**
 * A CA ("CN=dtlsprobe test CA") and a leaf signed by it ("CN=localhost", SAN localhost, 127.0.0.1,
 * ::1), both with keys of `algorithm`. `random` seeds the EC and Ed25519 keys.
 */
export async function createTestPki(
  algorithm: KeyAlgorithm,
  options: {
    random?: RandomSource;
    caName?: string;
    leafName?: string;
    dnsNames?: readonly string[];
    ipAddresses?: readonly string[];
  } = {},
): Promise<{ ca: KeyAndCertificate; leaf: KeyAndCertificate }> {
  const keyOptions = options.random === undefined ? {} : { random: options.random };
  const caKey = await PrivateKey.generate(algorithm, keyOptions);
  const leafKey = await PrivateKey.generate(algorithm, keyOptions);
  const caCertificate = await createCertificate(
    { subject: options.caName ?? 'CN=dtlsprobe test CA, O=dtlsprobe', publicKey: caKey.publicKey, isCA: true },
    { privateKey: caKey },
  );
  const leafCertificate = await createCertificate(
    {
      subject: options.leafName ?? 'CN=localhost, O=dtlsprobe',
      publicKey: leafKey.publicKey,
      dnsNames: options.dnsNames ?? ['localhost'],
      ipAddresses: options.ipAddresses ?? ['127.0.0.1', '::1'],
    },
    { privateKey: caKey, certificate: caCertificate },
  );
  return { ca: { certificate: caCertificate, privateKey: caKey }, leaf: { certificate: leafCertificate, privateKey: leafKey } };
}

export function defaultSignatureAlgorithm(key: KeyAlgorithm): SignatureAlgorithm {
  switch (key) {
    case 'P-256':
      return { kind: 'ecdsa', hash: 'SHA-256' };
    case 'P-384':
      return { kind: 'ecdsa', hash: 'SHA-384' };
    case 'Ed25519':
      return { kind: 'ed25519' };
    case 'RSA':
      return { kind: 'rsa-pkcs1', hash: 'SHA-256' };
  }
}

const HASH_OID: Readonly<Record<SignatureHash, string>> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};
const HASH_INDEX: Readonly<Record<SignatureHash, number>> = { 'SHA-256': 2, 'SHA-384': 3, 'SHA-512': 4 };

/** The AlgorithmIdentifier for a certificate signature (RFC 5758 §3.2, RFC 8410 §3, RFC 4055). */
export function encodeSignatureAlgorithm(algorithm: SignatureAlgorithm): Uint8Array {
  const NULL = Uint8Array.of(DER_TAG.NULL, 0);
  switch (algorithm.kind) {
    case 'ecdsa':
      return derEncode(DER_TAG.SEQUENCE, encodeOid(`1.2.840.10045.4.3.${HASH_INDEX[algorithm.hash]}`));
    case 'ed25519':
      return derEncode(DER_TAG.SEQUENCE, encodeOid('1.3.101.112'));
    case 'rsa-pkcs1':
      return derEncode(DER_TAG.SEQUENCE, encodeOid(`1.2.840.113549.1.1.${9 + HASH_INDEX[algorithm.hash]}`), NULL);
    case 'rsa-pss': {
      const hashId = derEncode(DER_TAG.SEQUENCE, encodeOid(HASH_OID[algorithm.hash]), NULL);
      const params = derEncode(
        DER_TAG.SEQUENCE,
        derEncode(0xa0, hashId),
        derEncode(0xa1, derEncode(DER_TAG.SEQUENCE, encodeOid('1.2.840.113549.1.1.8'), hashId)),
        derEncode(0xa2, derUnsigned(BigInt(algorithm.saltLength))),
      );
      return derEncode(DER_TAG.SEQUENCE, encodeOid('1.2.840.113549.1.1.10'), params);
    }
  }
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  const flag = critical ? [Uint8Array.of(0x01, 0x01, 0xff)] : [];
  return derEncode(DER_TAG.SEQUENCE, encodeOid(oid), ...flag, derEncode(DER_TAG.OCTET_STRING, value));
}

/** keyUsage BIT STRING (RFC 5280 §4.2.1.3), trailing zero bits dropped as DER requires. */
function keyUsage(isCA: boolean, key: KeyAlgorithm): Uint8Array {
  // digitalSignature(0), keyEncipherment(2) for RSA leaves (TLS 1.2 RSA key exchange), keyCertSign(5), cRLSign(6)
  if (isCA) return hexToBytes('03020186');
  return key === 'RSA' ? hexToBytes('030205a0') : hexToBytes('03020780');
}

function keyIdentifier(key: PublicKey): Uint8Array {
  // `raw` is exactly the content of the SPKI's subjectPublicKey BIT STRING, for every key type.
  return sha256(key.raw).subarray(0, 20);
}

/** IPv4 dotted quad or IPv6 text (with at most one "::") to 4 or 16 bytes. */
export function parseIp(text: string): Uint8Array {
  const bad = (): never => {
    throw new CryptoError('invalid-argument', `not an IP address: ${text}`);
  };
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((p) => p > 255)) bad();
    return Uint8Array.from(parts);
  }
  const halves = text.split('::');
  if (halves.length > 2) bad();
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const missing = 8 - groups.reduce((n, g) => n + g.length, 0);
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) bad();
  const all = halves.length === 1 ? groups[0] : [...groups[0], ...Array<string>(missing).fill('0'), ...groups[1]];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}
