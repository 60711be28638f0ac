/**
 * Extension bodies that DTLS 1.2 uses (most of them also appear in DTLS 1.3's ClientHello and
 * EncryptedExtensions): RFC 6066, RFC 8422, RFC 5246/8446 signature_algorithms, RFC 5764, RFC 7301,
 * RFC 7366, RFC 7627, RFC 5077, RFC 8449, RFC 9146, RFC 5746 and RFC 7685.
 *
 * Each `readXBody` reads the `extension_data` of one extension from a reader bounded to it (the
 * caller in `extensions.ts` names the structure and rejects trailing bytes); each `writeXBody`
 * writes it. Models keep every choice the wire makes, so re-encoding is byte-exact.
 */
import { ECPointFormat, MaxFragmentLength, NamedGroup, NameType, SignatureScheme, SrtpProtectionProfile } from './enums.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

// ---------------------------------------------------------------------------------------------
// server_name

/** One `ServerName`; every name type starts with a 16-bit length (RFC 6066 §3), so unknown ones keep their bytes. */
export interface ServerName {
  /** NameType (open enum): host_name(0). */
  nameType: number;
  /** HostName for host_name (opaque<1..2^16-1>, ASCII); the opaque data of any other type. */
  name: Uint8Array;
}

/** The client's ServerNameList. */
export interface ServerNameListExtension {
  kind: 'server_name';
  form: 'client_hello';
  /** ServerName server_name_list<1..2^16-1>. */
  serverNameList: ServerName[];
}

/** The server's acknowledgement: empty extension_data (ServerHello in DTLS 1.2, EncryptedExtensions in 1.3). */
export interface ServerNameEmptyExtension {
  kind: 'server_name';
  form: 'empty';
}

export type ServerNameExtension = ServerNameListExtension | ServerNameEmptyExtension;

/** RFC 6066 §3 */
export function readServerNameListBody(r: Reader): ServerNameListExtension {
  const serverNameList = r.list(
    2,
    'server_name_list',
    (e) => {
      const nameType = e.u8('name_type', NameType);
      const name = e.opaque(2, 'name', nameType === NameType.host_name ? 1 : 0);
      return { nameType, name };
    },
    1,
  );
  return { kind: 'server_name', form: 'client_hello', serverNameList };
}

/** RFC 6066 §3: the server's answer, empty extension_data. */
export function readServerNameEmptyBody(_r: Reader): ServerNameEmptyExtension {
  return { kind: 'server_name', form: 'empty' };
}

export function writeServerNameListBody(w: Writer, e: ServerNameListExtension): void {
  w.list(2, e.serverNameList, (x, n) => x.u8(n.nameType).opaque(2, n.name));
}

// ---------------------------------------------------------------------------------------------
// max_fragment_length

export interface MaxFragmentLengthExtension {
  kind: 'max_fragment_length';
  /** MaxFragmentLength (open enum): 2^9(1) .. 2^12(4). */
  maxFragmentLength: number;
}

/** RFC 6066 §4 */
export function readMaxFragmentLengthBody(r: Reader): MaxFragmentLengthExtension {
  return { kind: 'max_fragment_length', maxFragmentLength: r.u8('max_fragment_length', MaxFragmentLength) };
}

// ---------------------------------------------------------------------------------------------
// supported_groups, ec_point_formats

export interface SupportedGroupsExtension {
  kind: 'supported_groups';
  /** NamedGroup named_group_list<2..2^16-1>. */
  namedGroupList: number[];
}

/** RFC 8422 §5.1.1, RFC 8446 §4.2.7 */
export function readSupportedGroupsBody(r: Reader): SupportedGroupsExtension {
  return {
    kind: 'supported_groups',
    namedGroupList: r.list(2, 'named_group_list', (e) => e.u16('', NamedGroup), 2),
  };
}

export interface EcPointFormatsExtension {
  kind: 'ec_point_formats';
  /** ECPointFormat ec_point_format_list<1..2^8-1>. */
  ecPointFormatList: number[];
}

/** RFC 8422 §5.1.2 */
export function readEcPointFormatsBody(r: Reader): EcPointFormatsExtension {
  return {
    kind: 'ec_point_formats',
    ecPointFormatList: r.list(1, 'ec_point_format_list', (e) => e.u8('', ECPointFormat), 1),
  };
}

// ---------------------------------------------------------------------------------------------
// signature_algorithms (signature_algorithms_cert has the same body: see extensions-tls13.ts)

export interface SignatureAlgorithmsExtension {
  kind: 'signature_algorithms';
  /** SignatureScheme supported_signature_algorithms<2..2^16-2>. */
  supportedSignatureAlgorithms: number[];
}

/** `SignatureScheme supported_signature_algorithms<2..2^16-2>` (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1). */
export function readSignatureSchemeList(r: Reader): number[] {
  return r.list(2, 'supported_signature_algorithms', (e) => e.u16('', SignatureScheme), 2);
}

export function writeSignatureSchemeList(w: Writer, schemes: readonly number[]): void {
  w.list(2, schemes, (x, s) => x.u16(s));
}

/** RFC 8446 §4.2.3 (RFC 5246 §7.4.1.4.1 in DTLS 1.2) */
export function readSignatureAlgorithmsBody(r: Reader): SignatureAlgorithmsExtension {
  return { kind: 'signature_algorithms', supportedSignatureAlgorithms: readSignatureSchemeList(r) };
}

// ---------------------------------------------------------------------------------------------
// use_srtp

export interface UseSrtpExtension {
  kind: 'use_srtp';
  /** SRTPProtectionProfile SRTPProtectionProfiles<2..2^16-1> (one profile in the server's answer). */
  srtpProtectionProfiles: number[];
  /** opaque srtp_mki<0..255>. */
  srtpMki: Uint8Array;
}

/** RFC 5764 §4.1.1 */
export function readUseSrtpBody(r: Reader): UseSrtpExtension {
  const srtpProtectionProfiles = r.list(2, 'SRTPProtectionProfiles', (e) => e.u16('', SrtpProtectionProfile), 2);
  const srtpMki = r.opaque(1, 'srtp_mki');
  return { kind: 'use_srtp', srtpProtectionProfiles, srtpMki };
}

export function writeUseSrtpBody(w: Writer, e: UseSrtpExtension): void {
  w.list(2, e.srtpProtectionProfiles, (x, p) => x.u16(p)).opaque(1, e.srtpMki);
}

// ---------------------------------------------------------------------------------------------
// application_layer_protocol_negotiation

export interface AlpnExtension {
  kind: 'application_layer_protocol_negotiation';
  /** ProtocolName protocol_name_list<2..2^16-1>, each opaque<1..2^8-1> (one name in the server's answer). */
  protocolNameList: Uint8Array[];
}

/** RFC 7301 §3.1 */
export function readAlpnBody(r: Reader): AlpnExtension {
  return {
    kind: 'application_layer_protocol_negotiation',
    protocolNameList: r.list(2, 'protocol_name_list', (e) => e.opaque(1, '', 1), 2),
  };
}

export function writeAlpnBody(w: Writer, e: AlpnExtension): void {
  w.list(2, e.protocolNameList, (x, name) => x.opaque(1, name));
}

// ---------------------------------------------------------------------------------------------
// Empty flags: encrypt_then_mac, extended_master_secret

export interface EncryptThenMacExtension {
  kind: 'encrypt_then_mac';
}

export interface ExtendedMasterSecretExtension {
  kind: 'extended_master_secret';
}

/** RFC 7366 §2: empty extension_data. */
export function readEncryptThenMacBody(_r: Reader): EncryptThenMacExtension {
  return { kind: 'encrypt_then_mac' };
}

/** RFC 7627 §5.1: empty extension_data. */
export function readExtendedMasterSecretBody(_r: Reader): ExtendedMasterSecretExtension {
  return { kind: 'extended_master_secret' };
}

// ---------------------------------------------------------------------------------------------
// session_ticket

export interface SessionTicketExtension {
  kind: 'session_ticket';
  /** The whole extension_data: the client's ticket, or empty (request a ticket; the server's answer). */
  ticket: Uint8Array;
}

/** RFC 5077 §3.2 */
export function readSessionTicketBody(r: Reader): SessionTicketExtension {
  return { kind: 'session_ticket', ticket: r.rest('ticket') };
}

// ---------------------------------------------------------------------------------------------
// record_size_limit

export interface RecordSizeLimitExtension {
  kind: 'record_size_limit';
  /** uint16 RecordSizeLimit. */
  recordSizeLimit: number;
}

/** RFC 8449 §4 */
export function readRecordSizeLimitBody(r: Reader): RecordSizeLimitExtension {
  return { kind: 'record_size_limit', recordSizeLimit: r.u16('RecordSizeLimit') };
}

// ---------------------------------------------------------------------------------------------
// connection_id

export interface ConnectionIdExtension {
  kind: 'connection_id';
  /** opaque cid<0..2^8-1>; empty means "send me no CID". */
  cid: Uint8Array;
}

/** RFC 9146 §3 */
export function readConnectionIdBody(r: Reader): ConnectionIdExtension {
  return { kind: 'connection_id', cid: r.opaque(1, 'cid') };
}

// ---------------------------------------------------------------------------------------------
// renegotiation_info

export interface RenegotiationInfoExtension {
  kind: 'renegotiation_info';
  /** opaque renegotiated_connection<0..255>: empty on an initial handshake. */
  renegotiatedConnection: Uint8Array;
}

/** RFC 5746 §3.2 */
export function readRenegotiationInfoBody(r: Reader): RenegotiationInfoExtension {
  return { kind: 'renegotiation_info', renegotiatedConnection: r.opaque(1, 'renegotiated_connection') };
}

// ---------------------------------------------------------------------------------------------
// padding

export interface PaddingExtension {
  kind: 'padding';
  /** The extension_data as sent: zeros from a conforming client, kept as is so forgeries survive. */
  padding: Uint8Array;
}

/** RFC 7685 §3 */
export function readPaddingBody(r: Reader): PaddingExtension {
  return { kind: 'padding', padding: r.rest('zeros') };
}
