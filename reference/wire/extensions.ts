/**
 * Hello extensions (RFC 5246 §7.4.1.4, RFC 8446 §4.2): the `Extension extensions<..>` block that
 * ClientHello, ServerHello/HelloRetryRequest, EncryptedExtensions, CertificateEntry,
 * CertificateRequest and NewSessionTicket carry.
 *
 * An extension is known in a context (the message that carries it, RFC 8446 §4.2's table, plus
 * DTLS 1.2's ServerHello) or kept raw: a type that is unknown, or known but not defined for that
 * message (key_share in EncryptedExtensions), is `{ kind: 'raw', type, body }`, in its place and
 * byte-exact. A known extension whose body does not parse is a `DecodeError` whose path names it:
 * `ClientHello.extensions[3].key_share.client_shares[0].key_exchange`.
 */
import { ExtensionType } from './enums.ts';
import * as t12 from './extensions-tls12.ts';
import * as t13 from './extensions-tls13.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

export type * from './extensions-tls12.ts';
export type * from './extensions-tls13.ts';

/** The message an extension block belongs to; it decides which extensions are known and their shape. */
export type ExtensionContext =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate'
  | 'certificate_request'
  | 'new_session_ticket';

export const EXTENSION_CONTEXTS: readonly ExtensionContext[] = [
  'client_hello',
  'server_hello',
  'hello_retry_request',
  'encrypted_extensions',
  'certificate',
  'certificate_request',
  'new_session_ticket',
];

/** An extension this codec does not parse in its context, kept as sent. */
export interface RawExtension {
  kind: 'raw';
  /** ExtensionType (open enum). */
  type: number;
  /** extension_data. */
  body: Uint8Array;
}

export type KnownExtension =
  | t12.ServerNameExtension
  | t12.MaxFragmentLengthExtension
  | t12.SupportedGroupsExtension
  | t12.EcPointFormatsExtension
  | t12.SignatureAlgorithmsExtension
  | t12.UseSrtpExtension
  | t12.AlpnExtension
  | t12.EncryptThenMacExtension
  | t12.ExtendedMasterSecretExtension
  | t12.SessionTicketExtension
  | t12.RecordSizeLimitExtension
  | t12.ConnectionIdExtension
  | t12.RenegotiationInfoExtension
  | t12.PaddingExtension
  | t13.SupportedVersionsExtension
  | t13.KeyShareExtension
  | t13.CookieExtension
  | t13.PskKeyExchangeModesExtension
  | t13.PreSharedKeyExtension
  | t13.EarlyDataExtension
  | t13.CertificateAuthoritiesExtension
  | t13.SignatureAlgorithmsCertExtension;

export type Extension = KnownExtension | RawExtension;

/** The `kind` of a known extension: its name in the IANA ExtensionType registry. */
export type KnownExtensionKind = KnownExtension['kind'];

type BodyReader = (r: Reader) => KnownExtension;

interface Definition {
  /** The section that defines the body, for traces and dumps. */
  readonly rfc: string;
  /** The body reader in each context where the extension is defined. */
  readonly contexts: Partial<Record<ExtensionContext, BodyReader>>;
}

/** Where each known extension is defined: RFC 8446 §4.2's table, with DTLS 1.2's ServerHello as `server_hello`. */
const DEFINITIONS: { readonly [K in KnownExtensionKind]: Definition } = {
  server_name: {
    rfc: 'RFC 6066 §3',
    contexts: {
      client_hello: t12.readServerNameListBody,
      server_hello: t12.readServerNameEmptyBody,
      encrypted_extensions: t12.readServerNameEmptyBody,
    },
  },
  max_fragment_length: {
    rfc: 'RFC 6066 §4',
    contexts: {
      client_hello: t12.readMaxFragmentLengthBody,
      server_hello: t12.readMaxFragmentLengthBody,
      encrypted_extensions: t12.readMaxFragmentLengthBody,
    },
  },
  supported_groups: {
    rfc: 'RFC 8446 §4.2.7',
    contexts: { client_hello: t12.readSupportedGroupsBody, encrypted_extensions: t12.readSupportedGroupsBody },
  },
  ec_point_formats: {
    rfc: 'RFC 8422 §5.1.2',
    contexts: { client_hello: t12.readEcPointFormatsBody, server_hello: t12.readEcPointFormatsBody },
  },
  signature_algorithms: {
    rfc: 'RFC 8446 §4.2.3',
    contexts: { client_hello: t12.readSignatureAlgorithmsBody, certificate_request: t12.readSignatureAlgorithmsBody },
  },
  use_srtp: {
    rfc: 'RFC 5764 §4.1.1',
    contexts: {
      client_hello: t12.readUseSrtpBody,
      server_hello: t12.readUseSrtpBody,
      encrypted_extensions: t12.readUseSrtpBody,
    },
  },
  application_layer_protocol_negotiation: {
    rfc: 'RFC 7301 §3.1',
    contexts: { client_hello: t12.readAlpnBody, server_hello: t12.readAlpnBody, encrypted_extensions: t12.readAlpnBody },
  },
  encrypt_then_mac: {
    rfc: 'RFC 7366 §2',
    contexts: { client_hello: t12.readEncryptThenMacBody, server_hello: t12.readEncryptThenMacBody },
  },
  extended_master_secret: {
    rfc: 'RFC 7627 §5.1',
    contexts: { client_hello: t12.readExtendedMasterSecretBody, server_hello: t12.readExtendedMasterSecretBody },
  },
  session_ticket: {
    rfc: 'RFC 5077 §3.2',
    contexts: { client_hello: t12.readSessionTicketBody, server_hello: t12.readSessionTicketBody },
  },
  record_size_limit: {
    rfc: 'RFC 8449 §4',
    contexts: {
      client_hello: t12.readRecordSizeLimitBody,
      server_hello: t12.readRecordSizeLimitBody,
      encrypted_extensions: t12.readRecordSizeLimitBody,
    },
  },
  connection_id: {
    rfc: 'RFC 9146 §3',
    contexts: { client_hello: t12.readConnectionIdBody, server_hello: t12.readConnectionIdBody },
  },
  renegotiation_info: {
    rfc: 'RFC 5746 §3.2',
    contexts: { client_hello: t12.readRenegotiationInfoBody, server_hello: t12.readRenegotiationInfoBody },
  },
  padding: { rfc: 'RFC 7685 §3', contexts: { client_hello: t12.readPaddingBody } },
  supported_versions: {
    rfc: 'RFC 8446 §4.2.1',
    contexts: {
      client_hello: t13.readSupportedVersionsClientHelloBody,
      server_hello: t13.readSupportedVersionsServerHelloBody,
      hello_retry_request: t13.readSupportedVersionsServerHelloBody,
    },
  },
  key_share: {
    rfc: 'RFC 8446 §4.2.8',
    contexts: {
      client_hello: t13.readKeyShareClientHelloBody,
      server_hello: t13.readKeyShareServerHelloBody,
      hello_retry_request: t13.readKeyShareHelloRetryRequestBody,
    },
  },
  cookie: { rfc: 'RFC 8446 §4.2.2', contexts: { client_hello: t13.readCookieBody, hello_retry_request: t13.readCookieBody } },
  psk_key_exchange_modes: { rfc: 'RFC 8446 §4.2.9', contexts: { client_hello: t13.readPskKeyExchangeModesBody } },
  pre_shared_key: {
    rfc: 'RFC 8446 §4.2.11',
    contexts: {
      client_hello: t13.readPreSharedKeyClientHelloBody,
      server_hello: t13.readPreSharedKeyServerHelloBody,
    },
  },
  early_data: {
    rfc: 'RFC 8446 §4.2.10',
    contexts: {
      client_hello: t13.readEarlyDataEmptyBody,
      encrypted_extensions: t13.readEarlyDataEmptyBody,
      new_session_ticket: t13.readEarlyDataNewSessionTicketBody,
    },
  },
  certificate_authorities: {
    rfc: 'RFC 8446 §4.2.4',
    contexts: {
      client_hello: t13.readCertificateAuthoritiesBody,
      certificate_request: t13.readCertificateAuthoritiesBody,
    },
  },
  signature_algorithms_cert: {
    rfc: 'RFC 8446 §4.2.3',
    contexts: {
      client_hello: t13.readSignatureAlgorithmsCertBody,
      certificate_request: t13.readSignatureAlgorithmsCertBody,
    },
  },
};

/** Every known kind, in the order of the table above. */
export const KNOWN_EXTENSION_KINDS = Object.keys(DEFINITIONS) as readonly KnownExtensionKind[];

const KIND_BY_TYPE = new Map<number, KnownExtensionKind>(KNOWN_EXTENSION_KINDS.map((k) => [ExtensionType[k], k]));

/** The contexts in which `kind` is parsed (anywhere else it is kept raw). */
export function extensionContexts(kind: KnownExtensionKind): ExtensionContext[] {
  return EXTENSION_CONTEXTS.filter((c) => DEFINITIONS[kind].contexts[c] !== undefined);
}

/** The kinds parsed in `ctx`. */
export function knownExtensionKinds(ctx: ExtensionContext): KnownExtensionKind[] {
  return KNOWN_EXTENSION_KINDS.filter((k) => DEFINITIONS[k].contexts[ctx] !== undefined);
}

/** Whether an extension of this type is parsed in `ctx` (otherwise `readExtension` keeps it raw). */
export function isKnownExtension(type: number, ctx: ExtensionContext): boolean {
  const kind = KIND_BY_TYPE.get(type);
  return kind !== undefined && DEFINITIONS[kind].contexts[ctx] !== undefined;
}

/** The ExtensionType code point an extension is written with. */
export function extensionTypeOf(e: Extension): number {
  return e.kind === 'raw' ? e.type : ExtensionType[e.kind];
}

/** One `Extension` (RFC 8446 §4.2): extension_type, then extension_data read as defined for `ctx`. */
export function readExtension(r: Reader, ctx: ExtensionContext): Extension {
  const type = r.u16('extension_type', ExtensionType);
  const kind = KIND_BY_TYPE.get(type);
  const body = kind === undefined ? undefined : DEFINITIONS[kind].contexts[ctx];
  if (kind === undefined || body === undefined) {
    return { kind: 'raw', type, body: r.opaque(2, 'extension_data') };
  }
  const rfc = DEFINITIONS[kind].rfc;
  const length = r.u16('extension_data.<length>');
  // The body's fields are named under the extension's kind, not under extension_data.
  if (length > r.remaining) r.fail('extension_data', `truncated: needs ${length} byte(s), ${r.remaining} left`);
  return r.fixed(length, '', (b) =>
    b.struct(kind, rfc, (s) => {
      const value = body(s);
      s.done();
      return value;
    }),
  );
}

/** `Extension extensions<0..2^16-1>` (RFC 5246 §7.4.1.4, RFC 8446 §4.2); `min` is the RFC's lower bound in bytes. */
export function readExtensions(r: Reader, ctx: ExtensionContext, min = 0): Extension[] {
  return r.list(2, 'extensions', (e) => readExtension(e, ctx), min);
}

export function writeExtension(w: Writer, e: Extension): void {
  w.u16(extensionTypeOf(e));
  w.prefixed(2, (b) => writeExtensionBody(b, e));
}

export function writeExtensions(w: Writer, extensions: readonly Extension[]): void {
  w.list(2, extensions, writeExtension);
}

/** extension_data of one extension, without its length. */
export function writeExtensionBody(w: Writer, e: Extension): void {
  switch (e.kind) {
    case 'raw':
      w.bytes(e.body);
      return;
    case 'server_name':
      if (e.form === 'client_hello') t12.writeServerNameListBody(w, e);
      return;
    case 'max_fragment_length':
      w.u8(e.maxFragmentLength);
      return;
    case 'supported_groups':
      w.list(2, e.namedGroupList, (x, g) => x.u16(g));
      return;
    case 'ec_point_formats':
      w.list(1, e.ecPointFormatList, (x, f) => x.u8(f));
      return;
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      t12.writeSignatureSchemeList(w, e.supportedSignatureAlgorithms);
      return;
    case 'use_srtp':
      t12.writeUseSrtpBody(w, e);
      return;
    case 'application_layer_protocol_negotiation':
      t12.writeAlpnBody(w, e);
      return;
    case 'encrypt_then_mac':
    case 'extended_master_secret':
      return;
    case 'session_ticket':
      w.bytes(e.ticket);
      return;
    case 'record_size_limit':
      w.u16(e.recordSizeLimit);
      return;
    case 'connection_id':
      w.opaque(1, e.cid);
      return;
    case 'renegotiation_info':
      w.opaque(1, e.renegotiatedConnection);
      return;
    case 'padding':
      w.bytes(e.padding);
      return;
    case 'supported_versions':
      if (e.form === 'client_hello') w.list(1, e.versions, (x, v) => x.u16(v));
      else w.u16(e.selectedVersion);
      return;
    case 'key_share':
      t13.writeKeyShareBody(w, e);
      return;
    case 'cookie':
      w.opaque(2, e.cookie);
      return;
    case 'psk_key_exchange_modes':
      w.list(1, e.keModes, (x, m) => x.u8(m));
      return;
    case 'pre_shared_key':
      t13.writePreSharedKeyBody(w, e);
      return;
    case 'early_data':
      if (e.form === 'new_session_ticket') w.u32(e.maxEarlyDataSize);
      return;
    case 'certificate_authorities':
      t13.writeCertificateAuthoritiesBody(w, e);
      return;
  }
}
