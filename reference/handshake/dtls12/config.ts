/**
 * What a DTLS 1.2 endpoint is configured with, the defaults, and the check that turns a bad
 * setting into an error naming the field.
 */
import type { PrivateKey } from '../../crypto/private-key.ts';
import { type RandomSource, systemRandom } from '../../crypto/random.ts';
import { DtlsError } from '../../errors.ts';
import { CipherSuite, NamedGroup, SignatureScheme } from '../../wire/enums.ts';
import { suiteInfo } from '../../wire/suites.ts';
import { CookieJar } from './cookie.ts';
import type { Session, SessionCache } from './session.ts';
import type { TicketKeys } from './tickets.ts';
import { resolveConnectionId } from './connection-id.ts';
import { type ResolvedSrtpConfig, type SrtpConfig, resolveSrtpConfig } from './srtp.ts';

export type Role = 'client' | 'server';

/** A verdict on the peer's certificate chain. */
export type PeerVerdict = { readonly ok: true } | { readonly ok: false; readonly alert: number; readonly reason: string };

export interface Credentials {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly privateKey: PrivateKey;
}

/**
 * A pre-shared key and the identity that names it (RFC 4279 §2). RFC 4279 §5.1 asks for the
 * identity to be a UTF-8 string; it travels as opaque psk_identity<0..2^16-1>, so here it is bytes.
 */
export interface PskCredentials {
  /** 1..65535 bytes (an empty identity names nothing). */
  readonly identity: Uint8Array;
  /** 1..65535 bytes. */
  readonly key: Uint8Array;
}

/**
 * Client: picks the PSK for a server from its psk_identity_hint, undefined when the server sent
 * none (no ServerKeyExchange, or an empty hint). Returning undefined ends the handshake with
 * handshake_failure. RFC 4279 §5.2: without an application profile, a client ignores the hint.
 */
export type PskSelector = (hint: Uint8Array | undefined) => PskCredentials | undefined;

/** Server: the key of a PSK identity, or undefined for an identity it does not know. */
export type PskLookup = (identity: Uint8Array) => Uint8Array | undefined;

export interface EndpointConfig {
  readonly role: Role;
  /** In order of preference. Default: c02b, c02c, cca9. */
  readonly cipherSuites?: readonly number[];
  /** In order of preference. Default: x25519, secp256r1, secp384r1. */
  readonly groups?: readonly number[];
  /** Signature schemes we accept and may use, in order of preference. */
  readonly signatureSchemes?: readonly number[];
  /** The server's certificate chain and key (required for certificate suites, unused by PSK suites). */
  readonly certificate?: Credentials;
  /** Client: the PSK for PSK and ECDHE_PSK suites (RFC 4279, RFC 5489), or a choice made from the server's hint. */
  readonly psk?: PskCredentials | PskSelector;
  /** Server: finds the key for the client's psk_identity (required for PSK suites). */
  readonly pskLookup?: PskLookup;
  /**
   * Server: the psk_identity_hint, 0..65535 bytes. Plain PSK sends a ServerKeyExchange only when
   * there is a hint; ECDHE_PSK always sends one, with this hint or an empty one (RFC 5489 §2).
   */
  readonly pskIdentityHint?: Uint8Array;
  /** Decides on the peer's chain; without it any chain is accepted and reported unverified. */
  readonly verifyPeer?: (chain: readonly Uint8Array[]) => PeerVerdict;
  /** Client: the name sent in server_name. */
  readonly serverName?: string;
  /** Client: protocols offered; server: protocols supported, in order of preference. */
  readonly alpn?: readonly string[];
  /** RFC 7627: refuse peers without extended_master_secret. Default true. */
  readonly requireExtendedMasterSecret?: boolean;
  /** Server: whether to ask for a client certificate (RFC 5246 §7.4.4); PSK suites never ask (RFC 4279 §2). Default 'none'. */
  readonly clientAuth?: 'none' | 'requested' | 'required';
  /** Server: the certificate_authorities sent in CertificateRequest (DER distinguished names). */
  readonly certificateAuthorities?: readonly Uint8Array[];
  /** Server: require the HelloVerifyRequest cookie exchange (RFC 6347 §4.2.1). Default true. */
  readonly requireCookie?: boolean;
  /** Server: the cookie secret, shared by every connection of one listening socket. */
  readonly cookieJar?: CookieJar;
  /** Server: the client's address, bound into its cookie. */
  readonly peerAddress?: string;
  readonly random?: RandomSource;
  /** Largest datagram to send. Default 1200 (what fits IPv6's minimum MTU with room to spare). */
  readonly mtu?: number;
  /** RFC 6347 §4.2.4.1: initial retransmission timer, its cap, and how many retransmissions. */
  readonly initialTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  readonly maxRetransmissions?: number;
  /** Reassembly bounds. */
  readonly maxHandshakeMessageLength?: number;
  readonly maxBufferedMessages?: number;
  /** Where NSS key log lines go (CLIENT_RANDOM ...), for tshark and friends. */
  readonly keyLog?: (line: string) => void;
  /** Client: a session from an earlier connection's `endpoint.session()`, offered for resumption (RFC 5246 §7.3). */
  readonly resumeSession?: Session;
  /** Client: ask for a session ticket (RFC 5077 §3.2, an empty session_ticket). Default false. */
  readonly sessionTickets?: boolean;
  /** Server: the sessions to resume by session ID, shared by the connections of a socket. Default: none, no session IDs. */
  readonly sessionCache?: SessionCache;
  /** Server: the keys that seal and open tickets (RFC 5077), shared like the cache. Default: none, no tickets. */
  readonly ticketKeys?: TicketKeys;
  /**
   * RFC 9146: the connection ID we want to receive (0..255 bytes), offered by a client, answered by
   * a server; an empty one sends the peer's CID without asking for one. Default: no CIDs.
   */
  readonly connectionId?: Uint8Array;
  /** RFC 5764: use_srtp, offered by a client, answered by a server. Default: none. */
  readonly srtp?: SrtpConfig;
}

export interface ResolvedConfig
  extends Required<Omit<EndpointConfig, 'certificate' | 'psk' | 'pskLookup' | 'pskIdentityHint' | 'verifyPeer' | 'serverName' | 'keyLog' | 'peerAddress' | 'resumeSession' | 'sessionCache' | 'ticketKeys' | 'connectionId' | 'srtp'>> {
  readonly certificate: Credentials | undefined;
  /** Client: a fixed `psk` becomes a selector that ignores the hint. */
  readonly psk: PskSelector | undefined;
  readonly pskLookup: PskLookup | undefined;
  readonly pskIdentityHint: Uint8Array | undefined;
  readonly verifyPeer: ((chain: readonly Uint8Array[]) => PeerVerdict) | undefined;
  readonly serverName: string | undefined;
  readonly keyLog: ((line: string) => void) | undefined;
  readonly peerAddress: string;
  readonly resumeSession: Session | undefined;
  readonly sessionCache: SessionCache | undefined;
  readonly ticketKeys: TicketKeys | undefined;
  readonly connectionId: Uint8Array | undefined;
  readonly srtp: ResolvedSrtpConfig | undefined;
}

export const DEFAULT_CIPHER_SUITES: readonly number[] = [
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
];

export const DEFAULT_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

export const DEFAULT_SIGNATURE_SCHEMES: readonly number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
];

function invalid(field: string, problem: string): DtlsError {
  return DtlsError.internal(`configuration: ${field} ${problem}`);
}

function positiveInteger(field: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw invalid(field, `must be an integer of at least ${min}, got ${value}`);
  return value;
}

/** Fills in the defaults and checks every field; errors name the field. */
export function resolveConfig(c: EndpointConfig): ResolvedConfig {
  if (c.role !== 'client' && c.role !== 'server') throw invalid('role', `must be "client" or "server", got ${String(c.role)}`);
  const cipherSuites = [...(c.cipherSuites ?? DEFAULT_CIPHER_SUITES)];
  if (cipherSuites.length === 0) throw invalid('cipherSuites', 'must not be empty');
  for (const s of cipherSuites) {
    const info = suiteInfo(s);
    if (info === undefined || info.tls13 || info.mac !== 'aead') {
      throw invalid('cipherSuites', `has ${CipherSuite.nameOf(s)}, which this implementation does not offer for DTLS 1.2`);
    }
  }
  const groups = [...(c.groups ?? DEFAULT_GROUPS)];
  if (groups.length === 0) throw invalid('groups', 'must not be empty');
  for (const g of groups) {
    if (!DEFAULT_GROUPS.includes(g)) throw invalid('groups', `has ${NamedGroup.nameOf(g)}; supported: x25519, secp256r1, secp384r1`);
  }
  const random = c.random ?? systemRandom;
  const mtu = positiveInteger('mtu', c.mtu ?? 1200, 128);
  const alpn = [...(c.alpn ?? [])];
  for (const p of alpn) {
    const n = new TextEncoder().encode(p).length;
    if (n === 0 || n > 255) throw invalid('alpn', `protocol "${p}" must be 1..255 bytes`);
  }
  if (c.certificate !== undefined && c.certificate.chain.length === 0) throw invalid('certificate.chain', 'must hold the leaf certificate');
  const psk = resolvePsk(c, cipherSuites);
  if (c.clientAuth !== undefined && !['none', 'requested', 'required'].includes(c.clientAuth)) {
    throw invalid('clientAuth', `must be "none", "requested" or "required", got ${String(c.clientAuth)}`);
  }
  return {
    role: c.role,
    cipherSuites,
    groups,
    signatureSchemes: [...(c.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES)],
    certificate: c.certificate,
    ...psk,
    verifyPeer: c.verifyPeer,
    serverName: c.serverName,
    alpn,
    requireExtendedMasterSecret: c.requireExtendedMasterSecret ?? true,
    requireCookie: c.requireCookie ?? true,
    clientAuth: c.clientAuth ?? 'none',
    certificateAuthorities: [...(c.certificateAuthorities ?? [])],
    cookieJar: c.cookieJar ?? new CookieJar({ random }),
    peerAddress: c.peerAddress ?? '',
    random,
    mtu,
    initialTimeoutMs: positiveInteger('initialTimeoutMs', c.initialTimeoutMs ?? 1000),
    maxTimeoutMs: positiveInteger('maxTimeoutMs', c.maxTimeoutMs ?? 60_000),
    maxRetransmissions: positiveInteger('maxRetransmissions', c.maxRetransmissions ?? 10, 0),
    maxHandshakeMessageLength: positiveInteger('maxHandshakeMessageLength', c.maxHandshakeMessageLength ?? 64 * 1024),
    maxBufferedMessages: positiveInteger('maxBufferedMessages', c.maxBufferedMessages ?? 16),
    keyLog: c.keyLog,
    resumeSession: c.resumeSession,
    sessionTickets: c.sessionTickets ?? false,
    sessionCache: c.sessionCache,
    ticketKeys: c.ticketKeys,
    connectionId: resolveConnectionId(c.connectionId),
    srtp: resolveSrtpConfig(c.srtp),
  };
}

/** The largest opaque<0..2^16-1> (psk_identity, psk_identity_hint, psk: RFC 4279 §2). */
const MAX_PSK_FIELD = 0xffff;

/**
 * Checks a PSK's identity and key (`field` names them in errors: `psk`, or the selector's answer).
 * RFC 4279 §2: both travel in 2-byte length prefixes; an empty identity or key is refused.
 */
export function checkPskCredentials(field: string, p: PskCredentials): PskCredentials {
  checkPskBytes(`${field}.identity`, p.identity, 1);
  checkPskBytes(`${field}.key`, p.key, 1);
  return p;
}

/** A PSK field: a Uint8Array of min..65535 bytes. */
export function checkPskBytes(field: string, value: unknown, min: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(field, 'must be a Uint8Array');
  if (value.length < min || value.length > MAX_PSK_FIELD) {
    throw invalid(field, `must be ${min}..${MAX_PSK_FIELD} bytes, got ${value.length}`);
  }
  return value;
}

/** The PSK settings, checked: a client offering PSK suites needs `psk`, a server `pskLookup`. */
function resolvePsk(c: EndpointConfig, cipherSuites: readonly number[]): Pick<ResolvedConfig, 'psk' | 'pskLookup' | 'pskIdentityHint'> {
  const pskSuites = cipherSuites.filter((s) => suiteInfo(s)?.authentication === 'psk');
  const names = pskSuites.map((s) => CipherSuite.nameOf(s)).join(', ');
  let psk: PskSelector | undefined;
  if (typeof c.psk === 'function') {
    psk = c.psk;
  } else if (c.psk !== undefined) {
    const fixed = checkPskCredentials('psk', c.psk);
    psk = () => fixed;
  }
  if (c.pskLookup !== undefined && typeof c.pskLookup !== 'function') throw invalid('pskLookup', 'must be a function');
  const hint = c.pskIdentityHint === undefined ? undefined : checkPskBytes('pskIdentityHint', c.pskIdentityHint, 0);
  if (pskSuites.length > 0 && c.role === 'client' && psk === undefined) {
    throw invalid('psk', `is required to offer ${names}`);
  }
  if (pskSuites.length > 0 && c.role === 'server' && c.pskLookup === undefined) {
    throw invalid('pskLookup', `is required to accept ${names}`);
  }
  return { psk, pskLookup: c.pskLookup, pskIdentityHint: hint };
}
