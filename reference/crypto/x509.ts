/**
 * X.509 certificates (RFC 5280 §4.1): parse the fields a (D)TLS endpoint needs and check a
 * signature against an issuer's key. Certificate creation is in x509-create.ts.
 *
 * The reading is @peculiar/x509's (`X509Certificate`, `Name`, `BasicConstraintsExtension`) over
 * @peculiar/asn1-x509's schema, which also gives the extensions, subjectAltName, the signature
 * AlgorithmIdentifier and the exact tbsCertificate bytes. The DER is strict (see asn1.ts), as
 * RFC 5280 requires of the signed part.
 *
 * This does not validate a path (names, validity at a time, key usage, constraints): it gives the
 * fields, and `verifySignedBy` checks one signature with our own `verifyWithAlgorithm`, which is
 * what path validation is built from.
 */
import 'reflect-metadata';
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@noble/curves/utils.js';
import { id_ecdsaWithSHA256, id_ecdsaWithSHA384, id_ecdsaWithSHA512 } from '@peculiar/asn1-ecc';
import {
  RsaSaPssParams,
  id_RSASSA_PSS,
  id_mgf1,
  id_sha256,
  id_sha256WithRSAEncryption,
  id_sha384,
  id_sha384WithRSAEncryption,
  id_sha512,
  id_sha512WithRSAEncryption,
} from '@peculiar/asn1-rsa';
import {
  AlgorithmIdentifier,
  Certificate as AsnCertificate,
  type Extension,
  Name as AsnName,
  SubjectAlternativeName,
  Version,
  id_ce_basicConstraints,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { BasicConstraintsExtension, Name, X509Certificate } from '@peculiar/x509';
import { _decodeDer, _encodeDer } from './asn1.ts';
import { CryptoError } from './errors.ts';
import { PublicKey } from './public-key.ts';
import { pemDecode, pemDecodeAll, pemEncode } from './pem.ts';
import { type SignatureAlgorithm, type SignatureHash, verifyWithAlgorithm } from './signature.ts';

export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

export interface Certificate {
  /** The whole certificate, DER. */
  readonly der: Uint8Array;
  /** 1, 2 or 3 (the encoded value plus one). */
  readonly version: number;
  /** Upper-case hex without leading zero bytes, as OpenSSL prints it. */
  readonly serialNumber: string;
  /** RFC 4514 string form, e.g. "CN=localhost, O=dtlsprobe". */
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKey;
  /** SubjectAltName dNSName entries, in order. */
  readonly dnsNames: readonly string[];
  /** SubjectAltName iPAddress entries: dotted IPv4 or RFC 5952 IPv6 text. */
  readonly ipAddresses: readonly string[];
  /** BasicConstraints cA (RFC 5280 §4.2.1.9); false when the extension is absent. */
  readonly isCA: boolean;
  /** The signature algorithm's OID, and what it means here (undefined: not implemented). */
  readonly signatureAlgorithmOid: string;
  readonly signatureAlgorithm: SignatureAlgorithm | undefined;
  readonly extensions: readonly CertificateExtension[];
  /** SHA-256 of `der`. */
  readonly sha256Fingerprint: Uint8Array;
  /** The signed part and its signature, for `verifySignedBy`. */
  readonly tbsCertificate: Uint8Array;
  readonly signatureValue: Uint8Array;
}

/** A certificate from DER bytes or a PEM text holding exactly one CERTIFICATE block. */
export function parseCertificate(input: Uint8Array | string): Certificate {
  const der = typeof input === 'string' ? pemDecode(input, 'CERTIFICATE') : input;
  if (!(der instanceof Uint8Array)) {
    throw new CryptoError('invalid-argument', 'parseCertificate: expected DER bytes or a PEM string');
  }
  return parseDer(der.slice());
}

/** Every CERTIFICATE block of a PEM text, in order (a chain as servers send it: leaf first). */
export function parseCertificateChain(pem: string): Certificate[] {
  return pemDecodeAll(pem)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => parseDer(b.der));
}

/** PEM "CERTIFICATE" text of one certificate, or of a chain (concatenated, in order). */
export function certificateToPem(...certificates: Certificate[]): string {
  return certificates.map((c) => pemEncode('CERTIFICATE', c.der)).join('');
}

/** The subject public key of a certificate (DER, or PEM). */
export function publicKeyFromCertificate(input: Uint8Array | string): PublicKey {
  return parseCertificate(input).publicKey;
}

/**
 * Whether `issuer`'s public key made `certificate`'s signature. Only the signature: names and
 * validity are the caller's business. False when the issuer's key type cannot have made it;
 * throws `unsupported-algorithm` for a signature algorithm not implemented here.
 */
export async function verifySignedBy(certificate: Certificate, issuer: Certificate | PublicKey): Promise<boolean> {
  const algorithm = certificate.signatureAlgorithm;
  if (algorithm === undefined) {
    const oid = certificate.signatureAlgorithmOid;
    throw new CryptoError('unsupported-algorithm', `certificate signature algorithm ${oid} is not implemented`);
  }
  const key = issuer instanceof PublicKey ? issuer : issuer.publicKey;
  try {
    return await verifyWithAlgorithm(algorithm, key, certificate.tbsCertificate, certificate.signatureValue);
  } catch (e) {
    if (e instanceof CryptoError && e.code === 'key-scheme-mismatch') return false;
    throw e;
  }
}

/** RFC 4514 §3 names that @peculiar/x509 does not know by default (it knows CN, L, ST, O, OU, C, DC). */
export const _EXTRA_NAMES: Readonly<Record<string, string>> = { STREET: '2.5.4.9', UID: '0.9.2342.19200300.100.1.1' };

/**
 * The RFC 4514 string of a Name, by @peculiar/x509's `Name`: it prints the RDNs in their encoded
 * order, RFC 4514 §2.1 the last one first, hence the reversal.
 */
function nameToString(name: AsnName): string {
  return new Name(new AsnName([...name].reverse()), _EXTRA_NAMES).toString();
}

function fail(problem: string): never {
  throw new CryptoError('invalid-encoding', `certificate: ${problem} (RFC 5280 §4.1)`);
}

function parseDer(der: Uint8Array): Certificate {
  const asn = _decodeDer(der, AsnCertificate, 'Certificate');
  const tbs = asn.tbsCertificate;
  // RFC 5280 §4.1.1.2: the two AlgorithmIdentifiers MUST be identical.
  if (!equalBytes(_encodeDer(tbs.signature), _encodeDer(asn.signatureAlgorithm))) {
    fail('signatureAlgorithm differs from tbsCertificate.signature');
  }
  if (tbs.extensions !== undefined && tbs.version !== Version.v3) fail('extensions need a v3 certificate');
  const extensions = (tbs.extensions ?? []).map((e) => ({
    oid: e.extnID,
    critical: e.critical,
    value: new Uint8Array(e.extnValue.buffer).slice(),
  }));
  if (new Set(extensions.map((e) => e.oid)).size !== extensions.length) fail('an extension appears twice (RFC 5280 §4.2)');
  const find = (oid: string): Extension | undefined => tbs.extensions?.find((e) => e.extnID === oid);
  const san = find(id_ce_subjectAltName)?.extnValue.buffer;
  // The schema, not SubjectAlternativeNameExtension: that throws on otherName forms it cannot print.
  const names = san === undefined ? [] : [..._decodeDer(new Uint8Array(san), SubjectAlternativeName, 'subjectAltName')];
  const constraints = find(id_ce_basicConstraints);
  let isCA = false;
  try {
    isCA = constraints !== undefined && new BasicConstraintsExtension(_encodeDer(constraints)).ca;
  } catch {
    fail('basicConstraints does not match its ASN.1 schema (RFC 5280 §4.2.1.9)');
  }
  const cert = new X509Certificate(asn);
  // @peculiar/x509 parses the SubjectPublicKeyInfo lazily and throws its own errors on a bad one.
  let spki: Uint8Array;
  try {
    spki = new Uint8Array(cert.publicKey.rawData);
  } catch {
    fail('subjectPublicKeyInfo does not match its ASN.1 schema (RFC 5280 §4.1.2.7)');
  }
  const signatureAlgorithmOid = asn.signatureAlgorithm.algorithm;
  return {
    der,
    version: tbs.version + 1,
    serialNumber: cert.serialNumber.toUpperCase(),
    subject: nameToString(tbs.subject),
    issuer: nameToString(tbs.issuer),
    notBefore: new Date(cert.notBefore.getTime()),
    notAfter: new Date(cert.notAfter.getTime()),
    publicKey: PublicKey.fromSpki(spki),
    dnsNames: names.flatMap((n) => (n.dNSName === undefined ? [] : [n.dNSName])),
    ipAddresses: names.flatMap((n) => (n.iPAddress === undefined ? [] : [n.iPAddress])),
    isCA,
    signatureAlgorithmOid,
    signatureAlgorithm: readSignatureAlgorithm(asn.signatureAlgorithm),
    extensions,
    sha256Fingerprint: sha256(der),
    tbsCertificate: new Uint8Array(asn.tbsCertificateRaw ?? _encodeDer(tbs)).slice(),
    signatureValue: new Uint8Array(cert.signature).slice(),
  };
}

const HASH_OIDS: Readonly<Record<string, SignatureHash>> = {
  [id_sha256]: 'SHA-256',
  [id_sha384]: 'SHA-384',
  [id_sha512]: 'SHA-512',
};

/** AlgorithmIdentifier OIDs of certificate signatures (RFC 5758 §3.2, RFC 8410 §3, RFC 4055 §5). */
const SIMPLE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithm>> = {
  [id_ecdsaWithSHA256]: { kind: 'ecdsa', hash: 'SHA-256' },
  [id_ecdsaWithSHA384]: { kind: 'ecdsa', hash: 'SHA-384' },
  [id_ecdsaWithSHA512]: { kind: 'ecdsa', hash: 'SHA-512' },
  '1.3.101.112': { kind: 'ed25519' }, // id-Ed25519
  [id_sha256WithRSAEncryption]: { kind: 'rsa-pkcs1', hash: 'SHA-256' },
  [id_sha384WithRSAEncryption]: { kind: 'rsa-pkcs1', hash: 'SHA-384' },
  [id_sha512WithRSAEncryption]: { kind: 'rsa-pkcs1', hash: 'SHA-512' },
};

function readSignatureAlgorithm({ algorithm: oid, parameters }: AlgorithmIdentifier): SignatureAlgorithm | undefined {
  if (oid === id_RSASSA_PSS) return parameters instanceof ArrayBuffer ? readPssParams(new Uint8Array(parameters)) : undefined;
  const algorithm = SIMPLE_ALGORITHMS[oid];
  if (algorithm === undefined) return undefined;
  // ECDSA and Ed25519 have no parameters; RSA PKCS#1 has NULL (RFC 4055 §5 allows no other).
  if (parameters !== undefined && !(algorithm.kind === 'rsa-pkcs1' && parameters === null)) {
    fail(`signatureAlgorithm ${oid} has parameters it must not have`);
  }
  return algorithm;
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1): the hash, MGF1 with the same hash, the salt length, trailer
 * field 1. The SHA-1 defaults are not implemented (undefined).
 */
function readPssParams(der: Uint8Array): SignatureAlgorithm | undefined {
  const params = _decodeDer(der, RsaSaPssParams, 'RSASSA-PSS-params');
  const hashOf = (id: AlgorithmIdentifier): SignatureHash | undefined =>
    id.parameters === undefined || id.parameters === null ? HASH_OIDS[id.algorithm] : undefined;
  const hash = hashOf(params.hashAlgorithm);
  const mgf = params.maskGenAlgorithm;
  if (hash === undefined || mgf.algorithm !== id_mgf1 || !(mgf.parameters instanceof ArrayBuffer)) return undefined;
  const mgfHash = hashOf(_decodeDer(new Uint8Array(mgf.parameters), AlgorithmIdentifier, 'MGF1 parameters'));
  if (mgfHash !== hash || params.trailerField !== 1) return undefined;
  return { kind: 'rsa-pss', hash, saltLength: params.saltLength };
}
