/**
 * X.509 certificates (RFC 5280 §4.1): parse the fields a (D)TLS endpoint needs and check a
 * signature against an issuer's key. Reading is strict DER (X.690 §10), as RFC 5280 requires of the
 * signed part; certificate creation is in x509-create.ts.
 *
 * This does not validate a path (names, validity at a time, key usage, constraints): it gives the
 * fields, and `verifySignedBy` checks one signature, which is what path validation is built from.
 *
 * (@peculiar/x509 was the first choice for parsing; it needs a Reflect metadata polyfill that the
 * project does not install, so this reads the DER itself with der.ts.)
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  DER_TAG,
  type DerElement,
  bytesEqual,
  expectTag,
  readDer,
  readDerBitStringBytes,
  readDerChildren,
  readDerUnsigned,
} from './der.ts';
import { CryptoError } from './errors.ts';
import { PublicKey } from './public-key.ts';
import { pemDecode, pemDecodeAll, pemEncode } from './pem.ts';
import { type SignatureAlgorithm, type SignatureHash, verifyWithAlgorithm } from './signature.ts';
import { decodeName, decodeOid, decodeTime } from './x509-names.ts';

export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

export interface Certificate {
  /** The whole certificate, DER. */
  readonly der: Uint8Array;
  /** 1 or 3 (the encoded value plus one). */
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

const OID_SAN = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

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

function fail(problem: string): never {
  throw new CryptoError('invalid-encoding', `certificate: ${problem} (RFC 5280 §4.1)`);
}

function parseDer(der: Uint8Array): Certificate {
  const outer = readDer(der, DER_TAG.SEQUENCE, 'Certificate');
  const [tbs, outerAlgorithm, signature, ...extra] = readDerChildren(outer, 'Certificate');
  if (tbs === undefined || outerAlgorithm === undefined || signature === undefined || extra.length > 0) {
    fail('expected SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }');
  }
  expectTag(tbs, DER_TAG.SEQUENCE, 'tbsCertificate');
  const fields = readDerChildren(tbs, 'tbsCertificate');
  let at = 0;
  let version = 1;
  if (fields[at]?.tag === DER_TAG.CONTEXT_0) {
    const v = readDerUnsigned(readDer(fields[at].content, DER_TAG.INTEGER, 'version'), 'version');
    if (v !== 1n && v !== 2n) fail('version must be v2 or v3 when present'); // v1 is encoded by absence (DER)
    version = Number(v) + 1;
    at++;
  }
  const [serial, innerAlgorithm, issuer, validity, subject, spki, ...rest] = fields.slice(at);
  if (spki === undefined) fail('tbsCertificate is missing fields');
  expectTag(serial, DER_TAG.INTEGER, 'serialNumber');
  // RFC 5280 §4.1.1.2: the two AlgorithmIdentifiers MUST be identical.
  if (!bytesEqual(innerAlgorithm.encoded, outerAlgorithm.encoded)) {
    fail('signatureAlgorithm differs from tbsCertificate.signature');
  }
  expectTag(validity, DER_TAG.SEQUENCE, 'validity');
  const times = readDerChildren(validity, 'validity');
  if (times.length !== 2) fail('validity must hold notBefore and notAfter');
  let extensions: CertificateExtension[] = [];
  for (const field of rest) {
    if (field.tag === 0x81 || field.tag === 0x82) continue; // issuer/subjectUniqueID (RFC 5280 §4.1.2.8)
    if (field.tag !== 0xa3 || version !== 3) fail(`unexpected tbsCertificate field with tag 0x${field.tag.toString(16)}`);
    extensions = readExtensions(readDer(field.content, DER_TAG.SEQUENCE, 'extensions'));
  }
  const san = extensions.find((e) => e.oid === OID_SAN);
  const { dnsNames, ipAddresses } = san === undefined ? { dnsNames: [], ipAddresses: [] } : readSubjectAltName(san.value);
  const constraints = extensions.find((e) => e.oid === OID_BASIC_CONSTRAINTS);
  const { oid: signatureAlgorithmOid, algorithm: signatureAlgorithm } = readSignatureAlgorithm(outerAlgorithm);
  return {
    der,
    version,
    serialNumber: serialHex(serial.content),
    subject: decodeName(subject),
    issuer: decodeName(issuer),
    notBefore: decodeTime(times[0]),
    notAfter: decodeTime(times[1]),
    publicKey: PublicKey.fromSpki(spki.encoded),
    dnsNames,
    ipAddresses,
    isCA: constraints === undefined ? false : readBasicConstraintsCA(constraints.value),
    signatureAlgorithmOid,
    signatureAlgorithm,
    extensions,
    sha256Fingerprint: sha256(der),
    tbsCertificate: tbs.encoded.slice(),
    signatureValue: readDerBitStringBytes(signature, 'signatureValue').slice(),
  };
}

function serialHex(content: Uint8Array): string {
  let hex = Buffer.from(content).toString('hex').toUpperCase();
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}

function readExtensions(sequence: DerElement): CertificateExtension[] {
  const extensions = readDerChildren(sequence, 'extensions').map((ext) => {
    expectTag(ext, DER_TAG.SEQUENCE, 'Extension');
    const parts = readDerChildren(ext, 'Extension');
    const oid = decodeOid(parts[0]);
    let critical = false;
    let valueAt = 1;
    if (parts[1]?.tag === 0x01) {
      // DER: a DEFAULT FALSE value is absent, so a present BOOLEAN must be TRUE (0xff).
      if (parts[1].content.length !== 1 || parts[1].content[0] !== 0xff) {
        fail(`extension ${oid}: critical must be absent or TRUE`);
      }
      critical = true;
      valueAt = 2;
    }
    const value = parts[valueAt];
    if (value === undefined || parts.length !== valueAt + 1) fail(`extension ${oid}: expected { extnID, critical, extnValue }`);
    expectTag(value, DER_TAG.OCTET_STRING, `extension ${oid}`);
    return { oid, critical, value: value.content.slice() };
  });
  const oids = new Set(extensions.map((e) => e.oid));
  if (oids.size !== extensions.length) fail('an extension appears twice (RFC 5280 §4.2)');
  return extensions;
}

/** GeneralNames (RFC 5280 §4.2.1.6): dNSName [2] IA5String, iPAddress [7] OCTET STRING. */
function readSubjectAltName(value: Uint8Array): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const name of readDerChildren(readDer(value, DER_TAG.SEQUENCE, 'subjectAltName'), 'subjectAltName')) {
    if (name.tag === 0x82) dnsNames.push(Buffer.from(name.content).toString('latin1'));
    if (name.tag === 0x87) ipAddresses.push(formatIp(name.content));
  }
  return { dnsNames, ipAddresses };
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) fail(`iPAddress of ${bytes.length} bytes`);
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  // RFC 5952 §4.2: compress the longest run (length >= 2) of zero groups, the first if tied.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function readBasicConstraintsCA(value: Uint8Array): boolean {
  const fields = readDerChildren(readDer(value, DER_TAG.SEQUENCE, 'basicConstraints'), 'basicConstraints');
  if (fields[0]?.tag !== 0x01) return false;
  if (fields[0].content.length !== 1 || fields[0].content[0] !== 0xff) fail('basicConstraints cA must be absent or TRUE (DER)');
  return true;
}

const HASH_OIDS: Readonly<Record<string, SignatureHash>> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/** AlgorithmIdentifier OIDs of certificate signatures (RFC 5758 §3.2, RFC 8410 §3, RFC 4055 §5). */
const SIMPLE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithm>> = {
  '1.2.840.10045.4.3.2': { kind: 'ecdsa', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { kind: 'ecdsa', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { kind: 'ecdsa', hash: 'SHA-512' },
  '1.3.101.112': { kind: 'ed25519' },
  '1.2.840.113549.1.1.11': { kind: 'rsa-pkcs1', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { kind: 'rsa-pkcs1', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { kind: 'rsa-pkcs1', hash: 'SHA-512' },
};
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
const OID_MGF1 = '1.2.840.113549.1.1.8';

function readSignatureAlgorithm(element: DerElement): { oid: string; algorithm: SignatureAlgorithm | undefined } {
  expectTag(element, DER_TAG.SEQUENCE, 'signatureAlgorithm');
  const [oidElement, params, ...extra] = readDerChildren(element, 'signatureAlgorithm');
  const oid = decodeOid(oidElement);
  if (extra.length > 0) fail('signatureAlgorithm has extra fields');
  if (oid === OID_RSASSA_PSS) return { oid, algorithm: params === undefined ? undefined : readPssParams(params) };
  const algorithm = SIMPLE_ALGORITHMS[oid];
  if (algorithm === undefined) return { oid, algorithm: undefined };
  // ECDSA and Ed25519 have no parameters; RSA PKCS#1 has NULL (RFC 4055 §5 allows no other).
  const isNull = params !== undefined && params.tag === DER_TAG.NULL && params.content.length === 0;
  const paramsOk = params === undefined || (algorithm.kind === 'rsa-pkcs1' && isNull);
  if (!paramsOk) fail(`signatureAlgorithm ${oid} has parameters it must not have`);
  return { oid, algorithm };
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1): hash [0], mask generation [1] (MGF1 with the same hash),
 * salt length [2], trailer [3] = 1. SHA-1 defaults are not implemented (undefined).
 */
function readPssParams(params: DerElement): SignatureAlgorithm | undefined {
  const hashOf = (algId: DerElement | undefined): SignatureHash | undefined => {
    if (algId === undefined) return undefined;
    const [hashOid, hashParams] = readDerChildren(algId, 'RSASSA-PSS hash');
    if (hashParams !== undefined && hashParams.tag !== DER_TAG.NULL) return undefined;
    return HASH_OIDS[decodeOid(hashOid)];
  };
  let hash: SignatureHash | undefined;
  let mgfHash: SignatureHash | undefined;
  let saltLength = 20;
  for (const field of readDerChildren(params, 'RSASSA-PSS-params')) {
    const innerTag = field.tag === 0xa2 || field.tag === 0xa3 ? DER_TAG.INTEGER : DER_TAG.SEQUENCE;
    const inner = readDer(field.content, innerTag, 'RSASSA-PSS-params');
    if (field.tag === 0xa0) hash = hashOf(inner);
    else if (field.tag === 0xa1) {
      const [mgfOid, mgfParams] = readDerChildren(inner, 'maskGenAlgorithm');
      if (decodeOid(mgfOid) !== OID_MGF1) return undefined;
      mgfHash = hashOf(mgfParams);
    } else if (field.tag === 0xa2) saltLength = Number(readDerUnsigned(inner, 'saltLength'));
    else if (field.tag === 0xa3) {
      if (readDerUnsigned(inner, 'trailerField') !== 1n) return undefined;
    } else fail('unexpected field in RSASSA-PSS-params');
  }
  if (hash === undefined || mgfHash !== hash) return undefined;
  return { kind: 'rsa-pss', hash, saltLength };
}
