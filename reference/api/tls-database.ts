/**
 * GTlsDatabase, GTlsFileDatabase and the backend's default database: where trust anchors live and
 * how a peer's chain is checked against them (tls-verify.ts does the checking).
 *
 * Beyond GIO, for tests and probes: a TlsFileDatabase may be given revoked certificates (serial
 * numbers or SHA-256 fingerprints; GIO's file database has no revocation list), a minimum RSA key
 * size, and a clock. The purpose is checked against extendedKeyUsage (RFC 5280 §4.2.1.12), which
 * GIO's GnuTLS database currently leaves unchecked.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { bytesToHex } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { pemDecodeAll } from '../crypto/pem.ts';
import type { Certificate } from '../crypto/x509.ts';
import { TlsCertificateFlags } from './enums.ts';
import { IOErrorEnum, ioError } from './errors.ts';
import { TlsCertificate } from './tls-certificate.ts';
import type { TlsInteraction } from './tls-interaction.ts';
import { readPem, readTextFile } from './tls-pem.ts';
import { type AnchorSource, type PathCertificate, certificateNames, isIssuedBy, sameBytes, validatePath } from './tls-verify.ts';

/** G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER: the chain is a server's (checked by a client). */
export const TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER = '1.3.6.1.5.5.7.3.1';
/** G_TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT: the chain is a client's (checked by a server). */
export const TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT = '1.3.6.1.5.5.7.3.2';
/** GTlsDatabaseVerifyFlags */
export const TlsDatabaseVerifyFlags = { NONE: 0 } as const;
/** GTlsDatabaseLookupFlags */
export const TlsDatabaseLookupFlags = { NONE: 0, KEYPAIR: 1 } as const;

/** A purpose OID; 'server' and 'client' are accepted as short names of GIO's two. */
export type TlsDatabasePurpose = string;

function purposeOid(purpose: TlsDatabasePurpose): string {
  if (purpose === 'server') return TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER;
  if (purpose === 'client') return TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT;
  return purpose;
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw ioError(IOErrorEnum.CANCELLED, 'the operation was cancelled');
}

/**
 * GTlsDatabase. Subclasses implement `verifyChainSync`; the lookups default to finding nothing.
 * GIO's sync/_async/_finish forms are one Promise-returning method, except verify_chain, which
 * also keeps its blocking form (the engine's certificate hook cannot wait).
 */
export abstract class TlsDatabase {
  /**
   * g_tls_database_verify_chain: 0 when `chain` (a leaf with its `issuer` links) is valid for
   * `purpose` and `identity` (a host name or IP address; undefined: BAD_IDENTITY is never set),
   * otherwise at least one TlsCertificateFlags bit. Throws only for cancellation.
   */
  abstract verifyChainSync(
    chain: TlsCertificate,
    purpose: TlsDatabasePurpose,
    identity?: string,
    interaction?: TlsInteraction,
    flags?: number,
    signal?: AbortSignal,
  ): number;

  /** g_tls_database_verify_chain_async: `verifyChainSync` with G_IO_ERROR_CANCELLED on abort. */
  async verifyChain(
    chain: TlsCertificate,
    purpose: TlsDatabasePurpose,
    identity?: string,
    interaction?: TlsInteraction,
    flags: number = TlsDatabaseVerifyFlags.NONE,
    signal?: AbortSignal,
  ): Promise<number> {
    checkCancelled(signal);
    const result = this.verifyChainSync(chain, purpose, identity, interaction, flags, signal);
    checkCancelled(signal);
    return result;
  }

  /** g_tls_database_lookup_certificate_issuer: the issuer of `certificate` in the database, if any. */
  async lookupCertificateIssuer(_certificate: TlsCertificate, _interaction?: TlsInteraction, _flags?: number, signal?: AbortSignal): Promise<TlsCertificate | undefined> {
    checkCancelled(signal);
    return undefined;
  }

  /** g_tls_database_lookup_certificates_issued_by: the certificates whose issuer DN is `issuerRawDn`. */
  async lookupCertificatesIssuedBy(_issuerRawDn: Uint8Array, _interaction?: TlsInteraction, _flags?: number, signal?: AbortSignal): Promise<TlsCertificate[]> {
    checkCancelled(signal);
    return [];
  }

  /** g_tls_database_create_certificate_handle: a string naming `certificate` in this database, if it is in it. */
  createCertificateHandle(_certificate: TlsCertificate): string | undefined {
    return undefined;
  }

  /** g_tls_database_lookup_certificate_for_handle */
  async lookupCertificateForHandle(_handle: string, _interaction?: TlsInteraction, _flags?: number, signal?: AbortSignal): Promise<TlsCertificate | undefined> {
    checkCancelled(signal);
    return undefined;
  }
}

/**
 * How a connection verifies a peer: through its database, or, with no database (null), always
 * UNKNOWN_CA (seed: SEED-null-database-unknown-ca) whatever the chain.
 */
export function verifyChainWithDatabase(
  database: TlsDatabase | null,
  chain: TlsCertificate,
  purpose: TlsDatabasePurpose,
  identity?: string,
  interaction?: TlsInteraction,
): number {
  if (database === null) return TlsCertificateFlags.UNKNOWN_CA;
  return database.verifyChainSync(chain, purpose, identity, interaction);
}

export interface FileDatabaseOptions {
  /** Revoked certificates: serial numbers (hex) or SHA-256 fingerprints (hex); colons allowed. */
  readonly revoked?: Iterable<string>;
  /** RSA keys below this many bits are INSECURE. Default 2048. */
  readonly minimumRsaBits?: number;
  /** The time validity is checked against. Default: the current time. */
  readonly now?: () => Date;
}

/**
 * One anchor: its DER and names at once, its TlsCertificate when first needed (parsing takes a
 * few milliseconds per certificate); `null` once our parser has refused it.
 */
interface Anchor {
  readonly der: Uint8Array;
  readonly subjectKey: string;
  readonly issuerKey: string;
  certificate?: TlsCertificate | null;
}

/**
 * GTlsFileDatabase: trust anchors from a PEM file (the `anchors` property is its path). Every
 * certificate in the file is an anchor.
 */
export class TlsFileDatabase extends TlsDatabase implements AnchorSource {
  /** GIO's `anchors` property: the file the anchors were read from. */
  readonly anchors: string;
  private readonly load: () => Anchor[];
  private loaded: Anchor[] | undefined;
  private readonly revoked = new Set<string>();
  private readonly minimumRsaBits: number | undefined;
  private readonly now: () => Date;

  private constructor(anchors: string, load: () => Anchor[], options: FileDatabaseOptions) {
    super();
    this.anchors = anchors;
    this.load = load;
    for (const id of options.revoked ?? []) this.revoke(id);
    this.minimumRsaBits = options.minimumRsaBits;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * g_tls_file_database_new: reads the anchors now. A missing file is G_IO_ERROR_NOT_FOUND, a
   * certificate that does not parse G_TLS_ERROR_BAD_CERTIFICATE.
   */
  static newFromFile(anchorsPath: string, options: FileDatabaseOptions = {}): TlsFileDatabase {
    const anchors = TlsCertificate.listNewFromFile(anchorsPath).map(anchorOf);
    return new TlsFileDatabase(anchorsPath, () => anchors, options);
  }

  /** GIO's name for `newFromFile`. */
  static new(anchorsPath: string, options: FileDatabaseOptions = {}): TlsFileDatabase {
    return TlsFileDatabase.newFromFile(anchorsPath, options);
  }

  /** A database of the given anchors (our extension; `anchors` is then ""). */
  static newFromCertificates(anchors: readonly TlsCertificate[], options: FileDatabaseOptions = {}): TlsFileDatabase {
    const list = anchors.map(anchorOf);
    return new TlsFileDatabase('', () => list, options);
  }

  /**
   * The anchors of a PEM file read on first use; a missing file, or certificates our parser
   * refuses, leave them out (the system store must not break a process that never uses it).
   */
  static lazy(anchorsPath: string, options: FileDatabaseOptions = {}): TlsFileDatabase {
    return new TlsFileDatabase(anchorsPath, () => readAnchorsLeniently(anchorsPath), options);
  }

  /** Adds a revoked certificate: a serial number or a SHA-256 fingerprint, in hex. */
  revoke(serialOrFingerprint: string): void {
    this.revoked.add(normalizeHex(serialOrFingerprint));
  }

  /** Every anchor, as TlsCertificates. */
  anchorCertificates(): TlsCertificate[] {
    return this.entries().flatMap(certificateOf);
  }

  override verifyChainSync(chain: TlsCertificate, purpose: TlsDatabasePurpose, identity?: string, _interaction?: TlsInteraction, _flags?: number, signal?: AbortSignal): number {
    checkCancelled(signal);
    return validatePath(chain, {
      anchors: this,
      identity,
      purpose: purposeOid(purpose),
      now: this.now(),
      isRevoked: (c) => this.isRevoked(c),
      minimumRsaBits: this.minimumRsaBits,
    });
  }

  override async lookupCertificateIssuer(certificate: TlsCertificate, _interaction?: TlsInteraction, flags?: number, signal?: AbortSignal): Promise<TlsCertificate | undefined> {
    checkCancelled(signal);
    if (((flags ?? 0) & TlsDatabaseLookupFlags.KEYPAIR) !== 0) return undefined; // no private keys here
    const candidates = this.anchorsBySubject(certificate.issuerDer);
    return candidates.find((a) => isIssuedBy(certificate, a)) ?? candidates[0];
  }

  override async lookupCertificatesIssuedBy(issuerRawDn: Uint8Array, _interaction?: TlsInteraction, flags?: number, signal?: AbortSignal): Promise<TlsCertificate[]> {
    checkCancelled(signal);
    if (((flags ?? 0) & TlsDatabaseLookupFlags.KEYPAIR) !== 0) return [];
    const key = bytesToHex(issuerRawDn);
    return this.entries().filter((a) => a.issuerKey === key).flatMap(certificateOf);
  }

  /** `file:///path#<SHA-256 of the DER>` for an anchor, as GIO's file database makes them. */
  override createCertificateHandle(certificate: TlsCertificate): string | undefined {
    if (!this.isAnchor(certificate)) return undefined;
    return `${this.anchors === '' ? 'dtlsprobe-anchors:' : pathToFileURL(this.anchors).href}#${certificate.sha256Fingerprint}`;
  }

  override async lookupCertificateForHandle(handle: string, _interaction?: TlsInteraction, _flags?: number, signal?: AbortSignal): Promise<TlsCertificate | undefined> {
    checkCancelled(signal);
    const hash = handle.slice(handle.lastIndexOf('#') + 1);
    const found = this.entries().find((a) => bytesToHex(sha256(a.der)) === hash);
    const certificate = found === undefined ? undefined : certificateOf(found)[0];
    return certificate !== undefined && this.createCertificateHandle(certificate) === handle ? certificate : undefined;
  }

  // ---- AnchorSource

  isAnchor(certificate: PathCertificate): boolean {
    const key = bytesToHex(certificate.subjectDer);
    return this.entries().some((a) => a.subjectKey === key && sameBytes(a.der, certificate.parsed.der));
  }

  anchorsBySubject(subjectDer: Uint8Array): TlsCertificate[] {
    const key = bytesToHex(subjectDer);
    return this.entries().filter((a) => a.subjectKey === key).flatMap(certificateOf);
  }

  private entries(): Anchor[] {
    this.loaded ??= this.load();
    return this.loaded;
  }

  private isRevoked(c: Certificate): boolean {
    return this.revoked.size > 0 && (this.revoked.has(normalizeHex(c.serialNumber)) || this.revoked.has(bytesToHex(c.sha256Fingerprint).toUpperCase()));
  }
}

function anchorOf(certificate: TlsCertificate): Anchor {
  return { der: certificate.parsed.der, subjectKey: bytesToHex(certificate.subjectDer), issuerKey: bytesToHex(certificate.issuerDer), certificate };
}

/** The anchor's TlsCertificate, as a list of one, or none when it does not parse (lazy anchors only). */
function certificateOf(anchor: Anchor): TlsCertificate[] {
  if (anchor.certificate === undefined) {
    try {
      anchor.certificate = TlsCertificate.newFromDer(anchor.der);
    } catch {
      anchor.certificate = null;
    }
  }
  return anchor.certificate === null ? [] : [anchor.certificate];
}

function readAnchorsLeniently(path: string): Anchor[] {
  if (!existsSync(path)) return [];
  let certificates: readonly Uint8Array[];
  try {
    certificates = readPem(readTextFile(path)).certificates;
  } catch {
    // One bad block must not lose the rest: read the blocks one by one.
    certificates = readTextFile(path)
      .split(/(?=-----BEGIN CERTIFICATE-----)/)
      .flatMap((part) => {
        try {
          return pemDecodeAll(part).filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
        } catch {
          return [];
        }
      });
  }
  return certificates.flatMap((der) => {
    try {
      const names = certificateNames(der);
      return [{ der, subjectKey: bytesToHex(names.subject), issuerKey: bytesToHex(names.issuer) }];
    } catch {
      return [];
    }
  });
}

/** Upper-case hex without colons, spaces or leading zero bytes (serials print that way). */
function normalizeHex(id: string): string {
  const hex = id.replace(/[:\s]/g, '').toUpperCase();
  return hex.length === 64 ? hex : hex.replace(/^(00)+(?=.)/, '');
}

/** Where the system's trust anchors are (Debian, Ubuntu, Alpine, Arch; what GnuTLS is built with here). */
export const SYSTEM_TRUST_FILE = '/etc/ssl/certs/ca-certificates.crt';

let defaultDatabase: TlsFileDatabase | undefined;

/**
 * g_tls_backend_get_default_database: the system trust store, one instance per process, read on
 * first use; empty when the file is not there.
 */
export function tlsBackendDefaultDatabase(): TlsDatabase {
  defaultDatabase ??= TlsFileDatabase.lazy(SYSTEM_TRUST_FILE);
  return defaultDatabase;
}
