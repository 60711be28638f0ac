/**
 * The engine's certificate hook (`EndpointConfig.verifyPeer`) built from a TlsDatabase, for
 * endpoints driven without the Gio-shaped connection (UdpServer, connectUdp, in-memory pairs).
 * The peer's chain is taken as it came (leaf first, RFC 5246 §7.4.2), validated by the database
 * for the peer's role, and a failure gets the alert RFC 5246 §7.2.2 names for its cause.
 *
 * The Gio-shaped connection does not use this: it asks accept-certificate and always answers a
 * refusal with bad_certificate, as GIO does.
 */
import { AlertDescription } from '../wire/enums.ts';
import type { PeerVerdict } from '../handshake/dtls12/config.ts';
import { TlsCertificateFlags, certificateFlagNames } from './enums.ts';
import { TlsCertificate } from './tls-certificate.ts';
import { TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT, TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, type TlsDatabase } from './tls-database.ts';

export interface PeerVerifierOptions {
  /** What the peer is: a server's leaf must allow serverAuth, a client's clientAuth (RFC 5280 §4.2.1.12). */
  readonly peer: 'client' | 'server';
  /** The host name or IP address the peer's leaf must carry; undefined: not checked. */
  readonly identity?: string;
}

/** `verifyPeer` for an endpoint: the chain must lead to one of `database`'s anchors. */
export function peerVerifier(database: TlsDatabase, options: PeerVerifierOptions): (chain: readonly Uint8Array[]) => PeerVerdict {
  const purpose = options.peer === 'server' ? TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER : TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT;
  return (chain) => {
    let certificate: TlsCertificate;
    try {
      certificate = TlsCertificate.newFromDerChain(chain);
    } catch (e) {
      return { ok: false, alert: AlertDescription.bad_certificate, reason: `the ${options.peer}'s certificate does not parse: ${e instanceof Error ? e.message : String(e)}` };
    }
    const flags = database.verifyChainSync(certificate, purpose, options.identity);
    if (flags === 0) return { ok: true };
    return { ok: false, alert: alertForCertificateFlags(flags), reason: `the ${options.peer}'s chain fails verification: ${certificateFlagNames(flags).join(', ')}` };
  };
}

/**
 * RFC 5246 §7.2.2: a corrupt certificate or one whose signature does not verify is bad_certificate;
 * a revoked one certificate_revoked; one outside its validity certificate_expired; a chain that
 * leads to no trusted CA unknown_ca. Anything else (wrong identity, weak key) is bad_certificate.
 * The first cause in that order names the alert.
 */
export function alertForCertificateFlags(flags: number): number {
  const F = TlsCertificateFlags;
  if ((flags & F.GENERIC_ERROR) !== 0) return AlertDescription.bad_certificate;
  if ((flags & F.REVOKED) !== 0) return AlertDescription.certificate_revoked;
  if ((flags & (F.EXPIRED | F.NOT_ACTIVATED)) !== 0) return AlertDescription.certificate_expired;
  if ((flags & F.UNKNOWN_CA) !== 0) return AlertDescription.unknown_ca;
  return AlertDescription.bad_certificate;
}
