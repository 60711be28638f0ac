/**
 * Certificate path validation for TlsCertificate.verify and TlsDatabase.verifyChain: the
 * certification path from a leaf up its `issuer` links to a trust anchor (RFC 5280 §6.1, reduced
 * to what GIO's GnuTLS backend checks), and the peer identity (RFC 6125 §6). The result is a set
 * of TlsCertificateFlags, never an exception: every problem found sets a flag, so a failed
 * verification sets at least one (seed: SEED-verify-failure-sets-flag).
 *
 * The flags, as GnuTLS's statuses map onto them in glib-networking:
 * - UNKNOWN_CA: the path does not reach an anchor, or a certificate in it is issued by one that is
 *   not a CA (GNUTLS_CERT_SIGNER_NOT_FOUND, SIGNER_NOT_CA). A version 1 anchor counts as a CA
 *   (GNUTLS_VERIFY_ALLOW_X509_V1_CA_CRT, as GIO passes it).
 * - BAD_IDENTITY: the leaf does not match the reference identity.
 * - NOT_ACTIVATED / EXPIRED: a certificate of the path, the anchor included, outside its validity.
 * - REVOKED: a certificate the caller's revocation check names.
 * - INSECURE: a signature made with MD2, MD5 or SHA-1, or an RSA key below `minimumRsaBits`
 *   (2048 by default: GnuTLS's "medium" profile; its default profile accepts 1024).
 * - GENERIC_ERROR: a signature that does not verify or uses an algorithm we do not implement, a
 *   chain whose names do not link, an issuer whose keyUsage lacks keyCertSign (RFC 5280
 *   §4.2.1.3; GnuTLS: SIGNER_CONSTRAINTS_FAILURE), or an extendedKeyUsage without the purpose
 *   (§4.2.1.12; GnuTLS: PURPOSE_MISMATCH). GIO turns GnuTLS statuses it has no flag for into this.
 *
 * The anchor's own signature is not checked (RFC 5280 §6.1: an anchor is trusted as given), and a
 * leaf that is itself an anchor is trusted without a path.
 */
import 'reflect-metadata';
import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ExtendedKeyUsage, KeyUsage, Name, anyExtendedKeyUsage, id_kp_serverAuth } from '@peculiar/asn1-x509';
import { CryptoError } from '../crypto/errors.ts';
import { verifyWithAlgorithmSync } from '../crypto/signature-sync.ts';
import type { Certificate } from '../crypto/x509.ts';
import { TlsCertificateFlags } from './enums.ts';

/** What validation needs of a certificate; TlsCertificate is one. */
export interface PathCertificate {
  readonly parsed: Certificate;
  readonly issuer: PathCertificate | undefined;
  /** The DER of the subject and issuer Names, as encoded (RFC 5280 §4.1.2.4, §4.1.2.6). */
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
}

/** Where anchors are looked up (a database, or GIO's single `trusted_ca`). */
export interface AnchorSource {
  /** Whether this very certificate (same DER) is an anchor. */
  isAnchor(certificate: PathCertificate): boolean;
  /** The anchors whose subject is exactly `subjectDer`. */
  anchorsBySubject(subjectDer: Uint8Array): readonly PathCertificate[];
}

export interface ValidationOptions {
  /** Undefined: no trust check at all, and UNKNOWN_CA is never set (g_tls_certificate_verify with no trusted_ca). */
  readonly anchors: AnchorSource | undefined;
  /** A host name or an IP address; undefined: BAD_IDENTITY is never set. */
  readonly identity?: string | undefined;
  /** An extendedKeyUsage OID every certificate of the path must allow; undefined: not checked. */
  readonly purpose?: string | undefined;
  readonly now: Date;
  readonly isRevoked?: ((certificate: Certificate) => boolean) | undefined;
  readonly minimumRsaBits?: number | undefined;
}

/** Longer paths are cut here (and loops in `issuer` links stop). */
const MAX_PATH = 16;
export const DEFAULT_MINIMUM_RSA_BITS = 2048;

/** Signature algorithms GnuTLS calls insecure (GNUTLS_CERT_INSECURE_ALGORITHM). */
const INSECURE_SIGNATURES: ReadonlySet<string> = new Set([
  '1.2.840.113549.1.1.2', // md2WithRSAEncryption
  '1.2.840.113549.1.1.4', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  '1.3.14.3.2.29', // sha1WithRSASignature (OIW)
  '1.2.840.10045.4.1', // ecdsa-with-SHA1
  '1.2.840.10040.4.3', // dsa-with-sha1
]);

const F = TlsCertificateFlags;

/** The TlsCertificateFlags of the path from `leaf` (see the module comment). */
export function validatePath(leaf: PathCertificate, options: ValidationOptions): number {
  const { anchors } = options;
  let flags = 0;
  const path: PathCertificate[] = [];
  let anchor: PathCertificate | undefined;
  let nameOnlyAnchor: PathCertificate | undefined;
  const seen = new Set<PathCertificate>();
  for (let next: PathCertificate | undefined = leaf; next !== undefined && !seen.has(next) && path.length < MAX_PATH; next = next.issuer) {
    const c = next;
    seen.add(c);
    if (anchors?.isAnchor(c) === true) {
      anchor = c;
      break;
    }
    path.push(c);
    if (anchors === undefined) continue;
    const candidates = anchors.anchorsBySubject(c.issuerDer);
    anchor = candidates.find((a) => signatureProblem(c, a) === 0);
    if (anchor !== undefined) break;
    nameOnlyAnchor ??= candidates[0];
  }
  // An anchor with the right name whose signature fails: the path is broken, not unknown.
  anchor ??= nameOnlyAnchor;
  if (anchors !== undefined && anchor === undefined) flags |= F.UNKNOWN_CA;

  const minimumRsaBits = options.minimumRsaBits ?? DEFAULT_MINIMUM_RSA_BITS;
  path.forEach((c, i) => {
    const signer = i + 1 < path.length ? path[i + 1] : anchor;
    if (signer !== undefined) {
      const isAnchor = signer === anchor;
      if (!sameBytes(c.issuerDer, signer.subjectDer)) flags |= anchors === undefined ? F.GENERIC_ERROR : F.UNKNOWN_CA;
      const actsAsCa = signer.parsed.isCA || (isAnchor && signer.parsed.version === 1);
      if (!actsAsCa) flags |= anchors === undefined ? F.GENERIC_ERROR : F.UNKNOWN_CA;
      if (!mayIssueCertificates(signer.parsed)) flags |= F.GENERIC_ERROR;
      flags |= signatureProblem(c, signer);
      if (weakKey(signer.parsed, minimumRsaBits)) flags |= F.INSECURE;
    }
    if (weakKey(c.parsed, minimumRsaBits)) flags |= F.INSECURE;
    if (options.purpose !== undefined && !allowsPurpose(c.parsed, options.purpose)) flags |= F.GENERIC_ERROR;
  });
  for (const c of anchor === undefined ? path : [...path, anchor]) {
    flags |= timeProblem(c.parsed, options.now);
    if (options.isRevoked?.(c.parsed) === true) flags |= F.REVOKED;
  }
  if (options.identity !== undefined && !matchesIdentity(leaf, options.identity)) flags |= F.BAD_IDENTITY;
  return flags;
}

/** RFC 5280 §4.1.2.5: valid from notBefore through notAfter, both inclusive. */
export function timeProblem(c: Certificate, now: Date): number {
  const t = now.getTime();
  return (t < c.notBefore.getTime() ? F.NOT_ACTIVATED : 0) | (t > c.notAfter.getTime() ? F.EXPIRED : 0);
}

/** Whether `issuer`'s subject is `c`'s issuer name and its key made `c`'s signature. */
export function isIssuedBy(c: PathCertificate, issuer: PathCertificate): boolean {
  return sameBytes(c.issuerDer, issuer.subjectDer) && signatureProblem(c, issuer) === 0;
}

/** 0 when `signer` made `c`'s signature; INSECURE for MD5/SHA-1 (not checked); GENERIC_ERROR otherwise. */
function signatureProblem(c: PathCertificate, signer: PathCertificate): number {
  const cert = c.parsed;
  if (INSECURE_SIGNATURES.has(cert.signatureAlgorithmOid)) return F.INSECURE;
  if (cert.signatureAlgorithm === undefined) return F.GENERIC_ERROR;
  try {
    return verifyWithAlgorithmSync(cert.signatureAlgorithm, signer.parsed.publicKey, cert.tbsCertificate, cert.signatureValue) ? 0 : F.GENERIC_ERROR;
  } catch (e) {
    if (e instanceof CryptoError) return F.GENERIC_ERROR;
    throw e;
  }
}

function weakKey(c: Certificate, minimumRsaBits: number): boolean {
  return c.publicKey.algorithm === 'RSA' && c.publicKey.bits < minimumRsaBits;
}

/**
 * RFC 5280 §4.2.1.3: a certificate that signs certificates has keyCertSign in its keyUsage, when
 * it has a keyUsage (GnuTLS: GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE). A malformed one allows nothing.
 */
function mayIssueCertificates(c: Certificate): boolean {
  const extension = c.extensions.find((e) => e.oid === '2.5.29.15');
  if (extension === undefined) return true;
  try {
    return AsnConvert.parse(extension.value, KeyUsage).toJSON().includes('keyCertSign');
  } catch {
    return false;
  }
}

/** The extendedKeyUsage OIDs (RFC 5280 §4.2.1.12), undefined without the extension; a malformed one is []. */
export function extendedKeyUsage(c: Certificate): readonly string[] | undefined {
  const extension = c.extensions.find((e) => e.oid === '2.5.29.37');
  if (extension === undefined) return undefined;
  try {
    return [...AsnConvert.parse(extension.value, ExtendedKeyUsage)];
  } catch {
    return [];
  }
}

/** RFC 5280 §4.2.1.12: no extension, anyExtendedKeyUsage, or the purpose itself. */
function allowsPurpose(c: Certificate, purpose: string): boolean {
  const usages = extendedKeyUsage(c);
  return usages === undefined || usages.includes(purpose) || usages.includes(anyExtendedKeyUsage);
}

// ---- identity (RFC 6125 §6)

/**
 * Whether the leaf matches `identity`. An IP address (dotted IPv4 or IPv6, brackets and zone
 * allowed) matches an iPAddress subjectAltName with the same bytes (RFC 2818 §3.1; RFC 6125 leaves
 * IP addresses out). A host name matches a dNSName (RFC 6125 §6.4.1, §6.4.3), and, as a last resort
 * (§6.4.4, as GnuTLS does), the single subject CN of a certificate with no dNSName nor iPAddress
 * that may serve TLS servers.
 */
export function matchesIdentity(leaf: PathCertificate, identity: string): boolean {
  const cert = leaf.parsed;
  const ip = canonicalIp(identity);
  if (ip !== undefined) return cert.ipAddresses.some((san) => canonicalIp(san) === ip);
  const reference = referenceHost(identity);
  if (reference === undefined) return false;
  if (cert.dnsNames.length > 0 || cert.ipAddresses.length > 0) return cert.dnsNames.some((d) => matchesDnsId(d, reference));
  const usages = extendedKeyUsage(cert);
  if (usages !== undefined && !usages.includes(id_kp_serverAuth) && !usages.includes(anyExtendedKeyUsage)) return false;
  const cns = commonNames(leaf.subjectDer);
  return cns.length === 1 && matchesDnsId(cns[0], reference);
}

/** The A-label form of a reference host name (RFC 6125 §6.4.2), lower case, without a final dot. */
function referenceHost(identity: string): string | undefined {
  const name = identity.endsWith('.') ? identity.slice(0, -1) : identity;
  if (name === '' || name.includes('*')) return undefined;
  const ascii = domainToASCII(name);
  return ascii === '' ? undefined : ascii;
}

/**
 * RFC 6125 §6.4.1 (case-insensitive equality) and §6.4.3: a wildcard only as the whole leftmost
 * label, standing for exactly one label, with at least two labels after it. Partial-label
 * wildcards ("f*.example.com"), which §6.4.3 merely permits, are refused, as RFC 9525 §6.3 does.
 */
export function matchesDnsId(presented: string, reference: string): boolean {
  const p = (presented.endsWith('.') ? presented.slice(0, -1) : presented).toLowerCase();
  if (p === reference) return true;
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(2);
  if (rest.includes('*') || rest.split('.').length < 2) return false;
  const dot = reference.indexOf('.');
  return dot > 0 && reference.slice(dot + 1) === rest;
}

/** Canonical text of an IP address (WHATWG URL host form), or undefined when `text` is not one. */
function canonicalIp(text: string): string | undefined {
  let t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  const version = isIP(t);
  if (version === 0) return undefined;
  try {
    return new URL(`http://${version === 6 ? `[${t}]` : t}/`).hostname;
  } catch {
    return undefined;
  }
}

/** The commonName (2.5.4.3) values of a Name's DER. */
function commonNames(nameDer: Uint8Array): string[] {
  try {
    return [...AsnConvert.parse(nameDer, Name)].flatMap((rdn) => [...rdn].filter((a) => a.type === '2.5.4.3').map((a) => a.value.toString()));
  } catch {
    return [];
  }
}

// ---- DER helpers

/**
 * The issuer and subject Name TLVs of a certificate's DER, by walking its first fields
 * (RFC 5280 §4.1: tbsCertificate = [0] version, serialNumber, signature, issuer, validity,
 * subject). The DER has already been parsed strictly, so only the walk is done here.
 */
export function certificateNames(der: Uint8Array): { issuer: Uint8Array; subject: Uint8Array } {
  const certificate = tlv(der, 0);
  let at = tlv(der, certificate.contentStart).contentStart; // into tbsCertificate
  if (der[at] === 0xa0) at = tlv(der, at).end; // version
  at = tlv(der, at).end; // serialNumber
  at = tlv(der, at).end; // signature
  const issuer = tlv(der, at);
  const subject = tlv(der, tlv(der, issuer.end).end);
  return { issuer: der.slice(issuer.start, issuer.end), subject: der.slice(subject.start, subject.end) };
}

function tlv(der: Uint8Array, start: number): { start: number; contentStart: number; end: number } {
  let at = start + 1;
  const first = der[at++];
  let length = first;
  if (first >= 0x80) {
    length = 0;
    for (let n = first & 0x7f; n > 0; n--) length = length * 256 + der[at++];
  }
  if (at + length > der.length) throw new CryptoError('invalid-encoding', 'certificate: a length runs past the end (X.690 §8.1.3)');
  return { start, contentStart: at, end: at + length };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
