/**
 * Making X.509 v3 certificates (RFC 5280 §4.1) for tests and for the harness's throwaway CA:
 * `createCertificate` signs one certificate, `createTestPki` makes a CA and a leaf signed by it.
 *
 * @peculiar/x509's `X509CertificateGenerator` (with the WebCrypto provider, for key identifier
 * hashes) lays out the certificate (names, validity, extensions) around a placeholder signature;
 * the tbsCertificate is then signed with our own `signWithAlgorithm` and the signature put in
 * place. Signing with WebCrypto instead would make every ECDSA certificate different (random
 * nonces): ours uses RFC 6979.
 *
 * So output is deterministic for ECDSA and Ed25519 keys: the default serial number is derived
 * from the subject's key and name, and the default validity is a fixed window, so no clock is
 * read. Extensions written: basicConstraints and keyUsage (critical), extKeyUsage
 * serverAuth+clientAuth on leaves, subjectAltName, subject/authority key identifiers (RFC 5280
 * §4.2.1.2 method 1, the library's: SHA-1 of the public key bits; the authority key identifier is
 * the issuer certificate's subject key identifier when it has one).
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToNumberBE, concatBytes } from '@noble/curves/utils.js';
import { Certificate as AsnCertificate, Name as AsnName } from '@peculiar/asn1-x509';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  PublicKey as X509PublicKey,
} from '@peculiar/x509';
import { _decodeDer, _encodeDer } from './asn1.ts';
import { CryptoError } from './errors.ts';
import { PrivateKey } from './private-key.ts';
import type { KeyAlgorithm, PublicKey } from './public-key.ts';
import type { RandomSource } from './random.ts';
import { type SignatureAlgorithm, signWithAlgorithm } from './signature.ts';
import { type Certificate, _EXTRA_NAMES, parseCertificate } from './x509.ts';

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

/** Signs a certificate for `request` with `signer`. */
export async function createCertificate(request: CertificateRequest, signer: CertificateSigner): Promise<Certificate> {
  if (signer.certificate === undefined && !signer.privateKey.publicKey.equals(request.publicKey)) {
    throw new CryptoError('invalid-argument', 'createCertificate: a self-signed certificate must be signed by its own key');
  }
  const algorithm = signer.signatureAlgorithm ?? defaultSignatureAlgorithm(signer.privateKey.algorithm);
  const subject = encodeName(request.subject);
  const issuerCertificate = signer.certificate === undefined ? undefined : new X509Certificate(signer.certificate.der);
  const derivedSerial = bytesToNumberBE(sha256(concatBytes(request.publicKey.spki, subject.der)).subarray(0, 16)) >> 1n;
  const serial = request.serialNumber ?? derivedSerial;
  if (serial <= 0n) throw new CryptoError('invalid-argument', 'createCertificate: the serial number must be positive');
  const serialHex = serial.toString(16);

  let draft: X509Certificate;
  try {
    const fields = {
      serialNumber: serialHex.length % 2 === 0 ? serialHex : `0${serialHex}`,
      subject: subject.name,
      issuer: issuerCertificate?.subjectName ?? subject.name,
      notBefore: checkTime(request.notBefore ?? DEFAULT_NOT_BEFORE),
      notAfter: checkTime(request.notAfter ?? DEFAULT_NOT_AFTER),
      publicKey: request.publicKey.spki,
      extensions: await extensions(request, issuerCertificate),
      signingAlgorithm: webCryptoAlgorithm(algorithm),
      signature: new Uint8Array(64), // a placeholder, replaced below
    };
    draft = await X509CertificateGenerator.create(fields, globalThis.crypto);
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError('invalid-argument', 'createCertificate: the request has a value @peculiar/x509 cannot encode');
  }
  const certificate = _decodeDer(new Uint8Array(draft.rawData), AsnCertificate, 'Certificate');
  const tbs = _encodeDer(certificate.tbsCertificate);
  certificate.signatureValue = (await signWithAlgorithm(algorithm, signer.privateKey, tbs)).slice().buffer;
  return parseCertificate(_encodeDer(certificate));
}

async function extensions(request: CertificateRequest, issuer: X509Certificate | undefined): Promise<Extension[]> {
  const isCA = request.isCA ?? false;
  const subjectKey = new X509PublicKey(request.publicKey.spki);
  const authorityKeyId = issuer?.getExtension(SubjectKeyIdentifierExtension)?.keyId;
  const list: Extension[] = [
    new BasicConstraintsExtension(isCA, undefined, true),
    new KeyUsagesExtension(keyUsage(isCA, request.publicKey.algorithm), true),
    await SubjectKeyIdentifierExtension.create(subjectKey, false, globalThis.crypto),
    authorityKeyId === undefined
      ? await AuthorityKeyIdentifierExtension.create(issuer?.publicKey ?? subjectKey, false, globalThis.crypto)
      : new AuthorityKeyIdentifierExtension(authorityKeyId),
  ];
  if (!isCA) list.push(new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth]));
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value: canonicalIp(value) })),
  ];
  if (altNames.length > 0) list.push(new SubjectAlternativeNameExtension(altNames));
  return list;
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

/** The WebCrypto form of `algorithm`, from which @peculiar/x509 writes the AlgorithmIdentifier. */
function webCryptoAlgorithm(algorithm: SignatureAlgorithm): webcrypto.Algorithm & { hash?: string; saltLength?: number } {
  switch (algorithm.kind) {
    case 'ecdsa':
      return { name: 'ECDSA', hash: algorithm.hash };
    case 'ed25519':
      return { name: 'Ed25519' };
    case 'rsa-pkcs1':
      return { name: 'RSASSA-PKCS1-v1_5', hash: algorithm.hash };
    case 'rsa-pss':
      return { name: 'RSA-PSS', hash: algorithm.hash, saltLength: algorithm.saltLength };
  }
}

/**
 * An RFC 4514 string such as "CN=leaf, O=dtlsprobe" as a Name, parsed by @peculiar/x509 (which
 * reads the RDNs in encoded order, so they are reversed here: RFC 4514 §2.1 writes the last first).
 */
function encodeName(text: string): { name: Name; der: Uint8Array } {
  let rdns: AsnName;
  try {
    rdns = _decodeDer(new Uint8Array(new Name(text, _EXTRA_NAMES).toArrayBuffer()), AsnName, 'Name');
  } catch {
    throw new CryptoError('invalid-argument', `createCertificate: cannot read the name "${text}" (RFC 4514)`);
  }
  if (rdns.length === 0 && text.trim() !== '') {
    throw new CryptoError('invalid-argument', `createCertificate: "${text}" holds no TYPE=value (RFC 4514)`);
  }
  const name = new Name(new AsnName([...rdns].reverse()));
  return { name, der: new Uint8Array(name.toArrayBuffer()) };
}

/**
 * Dotted IPv4 as it is, IPv6 in the canonical form of the WHATWG URL parser (RFC 5952 hex, no
 * embedded IPv4): @peculiar/x509 reads only hex groups and would misread "::ffff:1.2.3.4".
 */
function canonicalIp(text: string): string {
  if (isIPv4(text)) return text;
  if (!isIPv6(text) || text.includes('%')) {
    throw new CryptoError('invalid-argument', `createCertificate: not an IP address: ${text}`);
  }
  return new URL(`http://[${text}]`).hostname.slice(1, -1);
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5): years 1950 to 9999. */
function checkTime(date: Date): Date {
  const year = date.getUTCFullYear();
  if (!(year >= 1950 && year <= 9999)) {
    throw new CryptoError('invalid-argument', `createCertificate: year ${year} is out of range`);
  }
  return date;
}

/** keyUsage (RFC 5280 §4.2.1.3); keyEncipherment for RSA leaves (TLS 1.2 RSA key exchange). */
function keyUsage(isCA: boolean, key: KeyAlgorithm): KeyUsageFlags {
  if (isCA) return KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;
  return key === 'RSA' ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment : KeyUsageFlags.digitalSignature;
}
