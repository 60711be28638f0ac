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

export type Role = 'client' | 'server';

/** A verdict on the peer's certificate chain. */
export type PeerVerdict = { readonly ok: true } | { readonly ok: false; readonly alert: number; readonly reason: string };

export interface Credentials {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly privateKey: PrivateKey;
}

export interface EndpointConfig {
  readonly role: Role;
  /** In order of preference. Default: c02b, c02c, cca9. */
  readonly cipherSuites?: readonly number[];
  /** In order of preference. Default: x25519, secp256r1, secp384r1. */
  readonly groups?: readonly number[];
  /** Signature schemes we accept and may use, in order of preference. */
  readonly signatureSchemes?: readonly number[];
  /** The server's certificate chain and key (required for certificate suites). */
  readonly certificate?: Credentials;
  /** Decides on the peer's chain; without it any chain is accepted and reported unverified. */
  readonly verifyPeer?: (chain: readonly Uint8Array[]) => PeerVerdict;
  /** Client: the name sent in server_name. */
  readonly serverName?: string;
  /** Client: protocols offered; server: protocols supported, in order of preference. */
  readonly alpn?: readonly string[];
  /** RFC 7627: refuse peers without extended_master_secret. Default true. */
  readonly requireExtendedMasterSecret?: boolean;
  /** Server: whether to ask for a client certificate (RFC 5246 §7.4.4). Default 'none'. */
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
}

export interface ResolvedConfig extends Required<Omit<EndpointConfig, 'certificate' | 'verifyPeer' | 'serverName' | 'keyLog' | 'peerAddress'>> {
  readonly certificate: Credentials | undefined;
  readonly verifyPeer: ((chain: readonly Uint8Array[]) => PeerVerdict) | undefined;
  readonly serverName: string | undefined;
  readonly keyLog: ((line: string) => void) | undefined;
  readonly peerAddress: string;
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
  if (c.clientAuth !== undefined && !['none', 'requested', 'required'].includes(c.clientAuth)) {
    throw invalid('clientAuth', `must be "none", "requested" or "required", got ${String(c.clientAuth)}`);
  }
  return {
    role: c.role,
    cipherSuites,
    groups,
    signatureSchemes: [...(c.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES)],
    certificate: c.certificate,
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
  };
}
