/**
 * GTlsCertificate: an X.509 certificate, the chain above it (`issuer`), and, for our own
 * certificates, the private key. Constructors and properties are GIO's, camelCased; errors are
 * GIO's (tls-pem.ts). The certificate is read by reference/crypto (parseCertificate).
 *
 * Differences from GIO, on purpose:
 * - `newFromFileWithPassword` also reads a PEM file whose key is an "ENCRYPTED PRIVATE KEY"
 *   (GIO 2.72+ takes only PKCS #12 there), and `newFromFileWithInteraction` asks a TlsInteraction
 *   for that password. PKCS #12 itself is not implemented: `newFromPkcs12`, and `.p12`/`.pfx`
 *   files, fail with G_IO_ERROR_NOT_SUPPORTED.
 * - A private key that does not belong to the certificate is refused when loading
 *   (G_TLS_ERROR_BAD_CERTIFICATE) rather than at the handshake.
 * - `privateKey` is our PrivateKey (GIO: DER bytes); `privateKeyPem` is PKCS #8 PEM.
 * - Extensions: `newFromDerChain` (a chain as a peer sends it), `parsed`, `chainDer`, `credentials`.
 */
import { basename } from 'node:path';
import { bytesToHex } from '@noble/curves/utils.js';
import { CryptoError } from '../crypto/errors.ts';
import { pemEncode } from '../crypto/pem.ts';
import type { PrivateKey } from '../crypto/private-key.ts';
import { type Certificate, certificateToPem, parseCertificate } from '../crypto/x509.ts';
import type { Credentials } from '../handshake/dtls12/config.ts';
import { TlsCertificateFlags, TlsInteractionResult } from './enums.ts';
import { GioError, TlsErrorEnum, tlsError } from './errors.ts';
import { ENCRYPTED_KEY_LABEL, type PemContents, decodePrivateKey, isPkcs12Path, pkcs12Unsupported, readPem, readTextFile } from './tls-pem.ts';
import { type TlsInteraction, TlsPassword, TlsPasswordFlags } from './tls-interaction.ts';
import { type PathCertificate, certificateNames, sameBytes, validatePath } from './tls-verify.ts';

export interface InteractionLoadOptions {
  readonly signal?: AbortSignal;
  /** How many passwords to try before G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD. Default 3. */
  readonly maxAttempts?: number;
}

export class TlsCertificate implements PathCertificate {
  /** The certificate as reference/crypto reads it. */
  readonly parsed: Certificate;
  /** The certificate that issued this one, when it came in the same file or chain. */
  readonly issuer: TlsCertificate | undefined;
  /** The private key, when it was loaded with one. */
  readonly privateKey: PrivateKey | undefined;
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;

  private constructor(parsed: Certificate, issuer: TlsCertificate | undefined, privateKey: PrivateKey | undefined) {
    if (privateKey !== undefined && !privateKey.publicKey.equals(parsed.publicKey)) {
      throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, `the private key does not belong to the certificate ${parsed.subject}`);
    }
    this.parsed = parsed;
    this.issuer = issuer;
    this.privateKey = privateKey;
    const names = certificateNames(parsed.der);
    this.subjectDer = names.subject;
    this.issuerDer = names.issuer;
  }

  // ---- constructors

  /**
   * g_tls_certificate_new_from_pem: the first certificate of `data`, with the private key found
   * in it. With several certificates, each is taken as the issuer of the one before it (the root
   * last); if they do not form a chain, the first certificate is returned alone.
   */
  static newFromPem(data: string, length = -1): TlsCertificate {
    return TlsCertificate.fromPemContents(readPem(length >= 0 ? data.slice(0, length) : data), undefined);
  }

  /** g_tls_certificate_new_from_file (PEM; `.p12`/`.pfx`: not supported). */
  static newFromFile(path: string): TlsCertificate {
    if (isPkcs12Path(path)) throw pkcs12Unsupported();
    return TlsCertificate.newFromPem(readTextFile(path));
  }

  /** g_tls_certificate_new_from_files: the certificate (chain) from one file, the key from another. */
  static newFromFiles(certFile: string, keyFile: string): TlsCertificate {
    const certificates = readPem(readTextFile(certFile)).certificates;
    const key = readPem(readTextFile(keyFile)).key;
    if (key === undefined) throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, `No PEM-encoded private key found in ${keyFile}`);
    return TlsCertificate.fromPemContents({ certificates, key }, undefined);
  }

  /**
   * g_tls_certificate_new_from_file_with_password, for a PEM file holding the certificate and an
   * encrypted PKCS #8 key (our extension; see the module comment). A wrong password is
   * G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD.
   */
  static newFromFileWithPassword(path: string, password: string): TlsCertificate {
    if (isPkcs12Path(path)) throw pkcs12Unsupported();
    return TlsCertificate.fromPemContents(readPem(readTextFile(path)), password);
  }

  /**
   * Loads a PEM file whose key may be encrypted, asking `interaction` for the password: first
   * with no flags, after a wrong one with RETRY (and a warning), MANY_TRIES from the third
   * question on, FINAL_TRY on the last allowed one. The last wrong password, or an interaction
   * that does not handle the question, is G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD; the
   * interaction's own errors (G_IO_ERROR_CANCELLED, ...) pass through.
   */
  static async newFromFileWithInteraction(path: string, interaction: TlsInteraction, options: InteractionLoadOptions = {}): Promise<TlsCertificate> {
    if (isPkcs12Path(path)) throw pkcs12Unsupported();
    const contents = readPem(readTextFile(path));
    if (contents.key?.label !== ENCRYPTED_KEY_LABEL) return TlsCertificate.fromPemContents(contents, undefined);
    const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    const password = new TlsPassword(TlsPasswordFlags.NONE, `the private key in ${basename(path)}`);
    for (let attempt = 1; ; attempt++) {
      const final = attempt === maxAttempts;
      password.flags =
        (attempt > 1 ? TlsPasswordFlags.RETRY : 0) |
        (attempt > 2 && !final ? TlsPasswordFlags.MANY_TRIES : 0) |
        (final ? TlsPasswordFlags.FINAL_TRY : 0);
      password.warning = attempt > 1 ? 'The password entered is incorrect.' : undefined;
      const result = await interaction.invokeAskPassword(password, options.signal);
      if (result !== TlsInteractionResult.HANDLED) {
        throw tlsError(TlsErrorEnum.BAD_CERTIFICATE_PASSWORD, `no password was given for ${password.description}`);
      }
      try {
        return TlsCertificate.fromPemContents(contents, password.value);
      } catch (e) {
        const wrong = e instanceof GioError && e.matches('g-tls-error-quark', TlsErrorEnum.BAD_CERTIFICATE_PASSWORD);
        if (!wrong || final) throw e;
      }
    }
  }

  /** g_tls_certificate_new_from_pkcs12: not implemented (G_IO_ERROR_NOT_SUPPORTED). */
  static newFromPkcs12(_data: Uint8Array, _password?: string): TlsCertificate {
    throw pkcs12Unsupported();
  }

  /**
   * g_tls_certificate_list_new_from_file: every certificate of a PEM file, each on its own (no
   * issuer); a file without certificates gives an empty list.
   */
  static listNewFromFile(path: string): TlsCertificate[] {
    return readPem(readTextFile(path)).certificates.map((der) => new TlsCertificate(parseDer(der), undefined, undefined));
  }

  /**
   * A certificate from DER certificates as a (D)TLS peer sends them, leaf first: each one's
   * issuer is the next if that one issued it by name, else any other in the list that did (what
   * GIO's GnuTLS backend does with peer chains sent out of order or with duplicates).
   */
  static newFromDerChain(chain: readonly Uint8Array[], privateKey?: PrivateKey): TlsCertificate {
    if (chain.length === 0) throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, 'No certificate data provided');
    const parsed = chain.map(parseDer);
    const names = parsed.map((p) => certificateNames(p.der));
    const issuedBy = (i: number, j: number): boolean => j !== i && j < names.length && sameBytes(names[i].issuer, names[j].subject);
    const issuerIndex = parsed.map((_, i) => (issuedBy(i, i + 1) ? i + 1 : parsed.findIndex((__, j) => issuedBy(i, j))));
    const made = new Map<number, TlsCertificate>();
    const make = (i: number, above: ReadonlySet<number>): TlsCertificate => {
      const done = made.get(i);
      if (done !== undefined) return done;
      const j = issuerIndex[i];
      const issuer = j < 0 || above.has(j) ? undefined : make(j, new Set([...above, i]));
      const certificate = new TlsCertificate(parsed[i], issuer, i === 0 ? privateKey : undefined);
      made.set(i, certificate);
      return certificate;
    };
    return make(0, new Set([0]));
  }

  /** One certificate from DER (our extension), with an issuer and a key if given. */
  static newFromDer(der: Uint8Array, options: { issuer?: TlsCertificate; privateKey?: PrivateKey } = {}): TlsCertificate {
    return new TlsCertificate(parseDer(der), options.issuer, options.privateKey);
  }

  private static fromPemContents(contents: PemContents, password: string | Uint8Array | undefined): TlsCertificate {
    if (contents.certificates.length === 0) throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, 'No PEM-encoded certificate found');
    const parsed = contents.certificates.map(parseDer);
    const key = contents.key === undefined ? undefined : decodePrivateKey(contents.key, password);
    // GIO: the file is taken as a chain, root last; kept only if it links (no UNKNOWN_CA from the root).
    let chain: TlsCertificate | undefined;
    for (let i = parsed.length - 1; i >= 0; i--) chain = new TlsCertificate(parsed[i], chain, i === 0 ? key : undefined);
    if (chain === undefined) throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, 'No PEM-encoded certificate found');
    if (parsed.length === 1) return chain;
    const root = new TlsCertificate(parsed[parsed.length - 1], undefined, undefined);
    const links = (validatePath(chain, { anchors: singleAnchor(root), now: new Date() }) & TlsCertificateFlags.UNKNOWN_CA) === 0;
    return links ? chain : new TlsCertificate(parsed[0], undefined, key);
  }

  // ---- properties (GIO's names; get_* forms below)

  /** DER (a copy). */
  get certificate(): Uint8Array {
    return this.parsed.der.slice();
  }
  get certificatePem(): string {
    return certificateToPem(this.parsed);
  }
  /** PKCS #8 "PRIVATE KEY" PEM, or undefined without a key. */
  get privateKeyPem(): string | undefined {
    return this.privateKey === undefined ? undefined : pemEncode('PRIVATE KEY', this.privateKey.exportPkcs8());
  }
  /** The subject DN as GnuTLS prints it (RFC 4514, no space after the commas): "CN=localhost,O=dtlsprobe". */
  get subjectName(): string {
    return compactDn(this.parsed.subject);
  }
  get issuerName(): string {
    return compactDn(this.parsed.issuer);
  }
  get notValidBefore(): Date {
    return new Date(this.parsed.notBefore.getTime());
  }
  get notValidAfter(): Date {
    return new Date(this.parsed.notAfter.getTime());
  }
  /** subjectAltName dNSName entries (GIO: GBytes). */
  get dnsNames(): string[] {
    return [...this.parsed.dnsNames];
  }
  /** subjectAltName iPAddress entries as text (GIO: GInetAddress). */
  get ipAddresses(): string[] {
    return [...this.parsed.ipAddresses];
  }

  getIssuer(): TlsCertificate | undefined {
    return this.issuer;
  }
  getSubjectName(): string {
    return this.subjectName;
  }
  getIssuerName(): string {
    return this.issuerName;
  }
  getNotValidBefore(): Date {
    return this.notValidBefore;
  }
  getNotValidAfter(): Date {
    return this.notValidAfter;
  }
  getDnsNames(): string[] {
    return this.dnsNames;
  }
  getIpAddresses(): string[] {
    return this.ipAddresses;
  }

  // ---- methods

  /** g_tls_certificate_is_same: the same DER, whatever the issuer or key. */
  isSame(other: TlsCertificate): boolean {
    return sameBytes(this.parsed.der, other.parsed.der);
  }

  /**
   * g_tls_certificate_verify: the problems of this certificate and its issuer chain.
   * - `trustedCa`: the chain must reach it (a certificate of the chain is it, or is signed by it)
   *   or UNKNOWN_CA is set; undefined: UNKNOWN_CA is never set.
   * - `identity`: a host name or IP address the certificate must match (RFC 6125) or BAD_IDENTITY
   *   is set; undefined: never set.
   * - NOT_ACTIVATED / EXPIRED against `now` (default: the current time) for every certificate of
   *   the chain; INSECURE and GENERIC_ERROR as in tls-verify.ts. No purpose is checked, as in GIO.
   */
  verify(identity: string | undefined, trustedCa: TlsCertificate | undefined, now: Date = new Date()): number {
    return validatePath(this, { anchors: trustedCa === undefined ? undefined : singleAnchor(trustedCa), identity, now });
  }

  /** The DER of this certificate and its issuers, leaf first (what a Certificate message carries). */
  chainDer(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const seen = new Set<TlsCertificate>();
    for (let c: TlsCertificate | undefined = this; c !== undefined && !seen.has(c); c = c.issuer) {
      seen.add(c);
      out.push(c.parsed.der.slice());
    }
    return out;
  }

  /** The engine's Credentials (chain and key); G_TLS_ERROR_BAD_CERTIFICATE without a key. */
  credentials(): Credentials {
    if (this.privateKey === undefined) {
      throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, `the certificate ${this.subjectName} has no private key`);
    }
    return { chain: this.chainDer(), privateKey: this.privateKey };
  }

  /** SHA-256 fingerprint, lower-case hex. */
  get sha256Fingerprint(): string {
    return bytesToHex(this.parsed.sha256Fingerprint);
  }

  toString(): string {
    return `TlsCertificate(${this.subjectName})`;
  }
}

function parseDer(der: Uint8Array): Certificate {
  try {
    return parseCertificate(der);
  } catch (e) {
    if (!(e instanceof CryptoError)) throw e;
    throw tlsError(TlsErrorEnum.BAD_CERTIFICATE, `Could not parse certificate: ${e.message}`, e);
  }
}

function singleAnchor(trusted: TlsCertificate): { isAnchor(c: PathCertificate): boolean; anchorsBySubject(dn: Uint8Array): readonly PathCertificate[] } {
  return {
    isAnchor: (c) => sameBytes(c.parsed.der, trusted.parsed.der),
    anchorsBySubject: (dn) => (sameBytes(dn, trusted.subjectDer) ? [trusted] : []),
  };
}

/** "CN=a, O=b\, c" -> "CN=a,O=b\, c": drops the space after each separating comma, not escaped ones. */
export function compactDn(dn: string): string {
  let out = '';
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i];
    if (ch === '\\' && i + 1 < dn.length) {
      out += ch + dn[++i];
    } else if (ch === ',' && dn[i + 1] === ' ') {
      out += ',';
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}
