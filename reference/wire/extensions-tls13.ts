/**
 * Extension bodies that TLS 1.3 defined (RFC 8446 §4.2) and DTLS 1.3 uses unchanged (RFC 9147 §5):
 * supported_versions, key_share, cookie, psk_key_exchange_modes, pre_shared_key, early_data,
 * certificate_authorities, signature_algorithms_cert.
 *
 * Where RFC 8446 selects the body by `Handshake.msg_type`, the model has one variant per case and
 * its `form` names the case, so a writer needs no context: `key_share` is `client_hello`
 * (client_shares), `server_hello` (server_share) or `hello_retry_request` (selected_group).
 */
import { NamedGroup, ProtocolVersion, PskKeyExchangeMode } from './enums.ts';
import { readSignatureSchemeList } from './extensions-tls12.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

// ---------------------------------------------------------------------------------------------
// supported_versions

export interface SupportedVersionsClientHelloExtension {
  kind: 'supported_versions';
  form: 'client_hello';
  /** ProtocolVersion versions<2..254>. */
  versions: number[];
}

/** The ServerHello and HelloRetryRequest form. */
export interface SupportedVersionsServerHelloExtension {
  kind: 'supported_versions';
  form: 'server_hello';
  selectedVersion: number;
}

export type SupportedVersionsExtension = SupportedVersionsClientHelloExtension | SupportedVersionsServerHelloExtension;

/** RFC 8446 §4.2.1 (case client_hello) */
export function readSupportedVersionsClientHelloBody(r: Reader): SupportedVersionsClientHelloExtension {
  // versions<2..254>: 2-byte items, so a length of 255 fails on the odd byte.
  const versions = r.list(1, 'versions', (e) => e.u16('', ProtocolVersion), 2);
  return { kind: 'supported_versions', form: 'client_hello', versions };
}

/** RFC 8446 §4.2.1 (case server_hello, also HelloRetryRequest) */
export function readSupportedVersionsServerHelloBody(r: Reader): SupportedVersionsServerHelloExtension {
  return { kind: 'supported_versions', form: 'server_hello', selectedVersion: r.u16('selected_version', ProtocolVersion) };
}

// ---------------------------------------------------------------------------------------------
// key_share

export interface KeyShareEntry {
  /** NamedGroup (open enum). */
  group: number;
  /** opaque key_exchange<1..2^16-1>. */
  keyExchange: Uint8Array;
}

export interface KeyShareClientHelloExtension {
  kind: 'key_share';
  form: 'client_hello';
  /** KeyShareEntry client_shares<0..2^16-1>; empty asks the server to pick a group. */
  clientShares: KeyShareEntry[];
}

export interface KeyShareServerHelloExtension {
  kind: 'key_share';
  form: 'server_hello';
  serverShare: KeyShareEntry;
}

export interface KeyShareHelloRetryRequestExtension {
  kind: 'key_share';
  form: 'hello_retry_request';
  /** NamedGroup selected_group. */
  selectedGroup: number;
}

export type KeyShareExtension =
  | KeyShareClientHelloExtension
  | KeyShareServerHelloExtension
  | KeyShareHelloRetryRequestExtension;

function readKeyShareEntry(r: Reader, prefix: string): KeyShareEntry {
  const group = r.u16(`${prefix}group`, NamedGroup);
  const keyExchange = r.opaque(2, `${prefix}key_exchange`, 1);
  return { group, keyExchange };
}

function writeKeyShareEntry(w: Writer, e: KeyShareEntry): void {
  w.u16(e.group).opaque(2, e.keyExchange);
}

/** RFC 8446 §4.2.8 (KeyShareClientHello) */
export function readKeyShareClientHelloBody(r: Reader): KeyShareClientHelloExtension {
  const clientShares = r.list(2, 'client_shares', (e) => readKeyShareEntry(e, ''));
  return { kind: 'key_share', form: 'client_hello', clientShares };
}

/** RFC 8446 §4.2.8 (KeyShareServerHello) */
export function readKeyShareServerHelloBody(r: Reader): KeyShareServerHelloExtension {
  return { kind: 'key_share', form: 'server_hello', serverShare: readKeyShareEntry(r, 'server_share.') };
}

/** RFC 8446 §4.2.8 (KeyShareHelloRetryRequest) */
export function readKeyShareHelloRetryRequestBody(r: Reader): KeyShareHelloRetryRequestExtension {
  return { kind: 'key_share', form: 'hello_retry_request', selectedGroup: r.u16('selected_group', NamedGroup) };
}

export function writeKeyShareBody(w: Writer, e: KeyShareExtension): void {
  switch (e.form) {
    case 'client_hello':
      w.list(2, e.clientShares, writeKeyShareEntry);
      return;
    case 'server_hello':
      writeKeyShareEntry(w, e.serverShare);
      return;
    case 'hello_retry_request':
      w.u16(e.selectedGroup);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// cookie

export interface CookieExtension {
  kind: 'cookie';
  /** opaque cookie<1..2^16-1>. */
  cookie: Uint8Array;
}

/** RFC 8446 §4.2.2 */
export function readCookieBody(r: Reader): CookieExtension {
  return { kind: 'cookie', cookie: r.opaque(2, 'cookie', 1) };
}

// ---------------------------------------------------------------------------------------------
// psk_key_exchange_modes

export interface PskKeyExchangeModesExtension {
  kind: 'psk_key_exchange_modes';
  /** PskKeyExchangeMode ke_modes<1..255> (open enum). */
  keModes: number[];
}

/** RFC 8446 §4.2.9 */
export function readPskKeyExchangeModesBody(r: Reader): PskKeyExchangeModesExtension {
  return { kind: 'psk_key_exchange_modes', keModes: r.list(1, 'ke_modes', (e) => e.u8('', PskKeyExchangeMode), 1) };
}

// ---------------------------------------------------------------------------------------------
// pre_shared_key

export interface PskIdentity {
  /** opaque identity<1..2^16-1>. */
  identity: Uint8Array;
  /** uint32 obfuscated_ticket_age. */
  obfuscatedTicketAge: number;
}

/** OfferedPsks. */
export interface PreSharedKeyClientHelloExtension {
  kind: 'pre_shared_key';
  form: 'client_hello';
  /** PskIdentity identities<7..2^16-1>. */
  identities: PskIdentity[];
  /** PskBinderEntry binders<33..2^16-1>, each opaque<32..255>. */
  binders: Uint8Array[];
}

export interface PreSharedKeyServerHelloExtension {
  kind: 'pre_shared_key';
  form: 'server_hello';
  /** uint16 selected_identity. */
  selectedIdentity: number;
}

export type PreSharedKeyExtension = PreSharedKeyClientHelloExtension | PreSharedKeyServerHelloExtension;

/** RFC 8446 §4.2.11 (case client_hello: OfferedPsks) */
export function readPreSharedKeyClientHelloBody(r: Reader): PreSharedKeyClientHelloExtension {
  const identities = r.list(
    2,
    'identities',
    (e) => {
      const identity = e.opaque(2, 'identity', 1);
      const obfuscatedTicketAge = e.u32('obfuscated_ticket_age');
      return { identity, obfuscatedTicketAge };
    },
    7,
  );
  const binders = r.list(2, 'binders', (e) => e.opaque(1, '', 32), 33);
  return { kind: 'pre_shared_key', form: 'client_hello', identities, binders };
}

/** RFC 8446 §4.2.11 (case server_hello) */
export function readPreSharedKeyServerHelloBody(r: Reader): PreSharedKeyServerHelloExtension {
  return { kind: 'pre_shared_key', form: 'server_hello', selectedIdentity: r.u16('selected_identity') };
}

export function writePreSharedKeyBody(w: Writer, e: PreSharedKeyExtension): void {
  if (e.form === 'server_hello') {
    w.u16(e.selectedIdentity);
    return;
  }
  w.list(2, e.identities, (x, id) => x.opaque(2, id.identity).u32(id.obfuscatedTicketAge));
  w.list(2, e.binders, (x, b) => x.opaque(1, b));
}

// ---------------------------------------------------------------------------------------------
// early_data

/** The ClientHello and EncryptedExtensions form: empty extension_data. */
export interface EarlyDataEmptyExtension {
  kind: 'early_data';
  form: 'empty';
}

export interface EarlyDataNewSessionTicketExtension {
  kind: 'early_data';
  form: 'new_session_ticket';
  /** uint32 max_early_data_size. */
  maxEarlyDataSize: number;
}

export type EarlyDataExtension = EarlyDataEmptyExtension | EarlyDataNewSessionTicketExtension;

/** RFC 8446 §4.2.10 (case client_hello, encrypted_extensions: Empty) */
export function readEarlyDataEmptyBody(_r: Reader): EarlyDataEmptyExtension {
  return { kind: 'early_data', form: 'empty' };
}

/** RFC 8446 §4.2.10 (case new_session_ticket) */
export function readEarlyDataNewSessionTicketBody(r: Reader): EarlyDataNewSessionTicketExtension {
  return { kind: 'early_data', form: 'new_session_ticket', maxEarlyDataSize: r.u32('max_early_data_size') };
}

// ---------------------------------------------------------------------------------------------
// certificate_authorities, signature_algorithms_cert

export interface CertificateAuthoritiesExtension {
  kind: 'certificate_authorities';
  /** DistinguishedName authorities<3..2^16-1>: raw DER, each opaque<1..2^16-1>. */
  authorities: Uint8Array[];
}

/** RFC 8446 §4.2.4 */
export function readCertificateAuthoritiesBody(r: Reader): CertificateAuthoritiesExtension {
  return { kind: 'certificate_authorities', authorities: r.list(2, 'authorities', (e) => e.opaque(2, '', 1), 3) };
}

export function writeCertificateAuthoritiesBody(w: Writer, e: CertificateAuthoritiesExtension): void {
  w.list(2, e.authorities, (x, dn) => x.opaque(2, dn));
}

export interface SignatureAlgorithmsCertExtension {
  kind: 'signature_algorithms_cert';
  /** SignatureScheme supported_signature_algorithms<2..2^16-2>. */
  supportedSignatureAlgorithms: number[];
}

/** RFC 8446 §4.2.3 */
export function readSignatureAlgorithmsCertBody(r: Reader): SignatureAlgorithmsCertExtension {
  return { kind: 'signature_algorithms_cert', supportedSignatureAlgorithms: readSignatureSchemeList(r) };
}
