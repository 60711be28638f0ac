/**
 * fast-check arbitraries for valid extensions in each context (reference/wire/extensions.ts), and
 * the cases pairing each (extension, context) codec with its arbitrary. Values mostly use known
 * code points and realistic sizes, sometimes any value the field can hold; raw extensions use
 * types that are not parsed in their context, so they read back raw.
 */
import fc from 'fast-check';
import {
  ECPointFormat,
  ExtensionType,
  MaxFragmentLength,
  NamedGroup,
  NameType,
  ProtocolVersion,
  PskKeyExchangeMode,
  SignatureScheme,
  SrtpProtectionProfile,
} from '../../../reference/wire/enums.ts';
import {
  type Extension,
  type ExtensionContext,
  type KeyShareEntry,
  type KnownExtension,
  type KnownExtensionKind,
  type RawExtension,
  type ServerName,
  isKnownExtension,
  knownExtensionKinds,
} from '../../../reference/wire/extensions.ts';
import { EXTENSION_PAIRS, extensionCodec } from '../../../reference/wire/registry-hello.ts';
import type { WireCase } from './case.ts';

const U16 = 0xffff;
const U32 = 0xffffffff;

/** Mostly one of `known`, sometimes any value up to `max`. */
export function openValue(known: readonly number[], max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max }), weight: 1 },
  );
}

/** Short byte strings, sometimes up to `maxLength`. */
export function bytes(minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ minLength, maxLength: Math.min(maxLength, Math.max(minLength, 40)) }), weight: 5 },
    { arbitrary: fc.uint8Array({ minLength, maxLength }), weight: 1 },
  );
}

/** Exactly `n` random bytes. */
export function exactly(n: number): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ minLength: n, maxLength: n });
}

/** Mostly `usual`, sometimes `other`. */
export function mostly<T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: other, weight: 1 });
}

const EMPTY = fc.constant(new Uint8Array(0));

function list<T>(item: fc.Arbitrary<T>, minLength: number, maxLength: number): fc.Arbitrary<T[]> {
  return fc.array(item, { minLength, maxLength });
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const arbHostName: fc.Arbitrary<ServerName> = fc
  .oneof(
    fc.constantFrom('example.com', 'server', 'localhost', 'a'),
    fc.stringMatching(/^[a-z0-9.-]{1,40}$/),
  )
  .map((s) => ({ nameType: NameType.host_name, name: ascii(s) }));

const arbOtherName: fc.Arbitrary<ServerName> = fc
  .tuple(fc.integer({ min: 1, max: 0xff }), bytes(0, 40))
  .map(([nameType, name]) => ({ nameType, name }));

const arbServerName: fc.Arbitrary<ServerName> = mostly(arbHostName, arbOtherName);

const arbGroup = openValue(NamedGroup.known, U16);
const arbSchemes = list(openValue(SignatureScheme.known, U16), 1, 12);
const arbVersion = openValue([ProtocolVersion.DTLSv1_3, ProtocolVersion.DTLSv1_2, ProtocolVersion.TLSv1_3], U16);

export const arbKeyShareEntry: fc.Arbitrary<KeyShareEntry> = fc
  .tuple(arbGroup, fc.oneof(exactly(32), exactly(65), bytes(1, 200)))
  .map(([group, keyExchange]) => ({ group, keyExchange }));

const arbAlpnName = fc.oneof(
  { arbitrary: fc.constantFrom('webrtc', 'c-webrtc', 'h2', 'coap').map(ascii), weight: 3 },
  { arbitrary: bytes(1, 255), weight: 1 },
);

/** The known extensions whose shape does not depend on the context. */
const ANY_CONTEXT: { readonly [K in KnownExtensionKind]?: fc.Arbitrary<KnownExtension> } = {
  max_fragment_length: openValue(MaxFragmentLength.known, 0xff).map((maxFragmentLength) => ({
    kind: 'max_fragment_length' as const,
    maxFragmentLength,
  })),
  supported_groups: list(arbGroup, 1, 10).map((namedGroupList) => ({ kind: 'supported_groups' as const, namedGroupList })),
  ec_point_formats: list(openValue(ECPointFormat.known, 0xff), 1, 3).map((ecPointFormatList) => ({
    kind: 'ec_point_formats' as const,
    ecPointFormatList,
  })),
  signature_algorithms: arbSchemes.map((supportedSignatureAlgorithms) => ({
    kind: 'signature_algorithms' as const,
    supportedSignatureAlgorithms,
  })),
  signature_algorithms_cert: arbSchemes.map((supportedSignatureAlgorithms) => ({
    kind: 'signature_algorithms_cert' as const,
    supportedSignatureAlgorithms,
  })),
  use_srtp: fc
    .tuple(list(openValue(SrtpProtectionProfile.known, U16), 1, 5), mostly(EMPTY, bytes(0, 255)))
    .map(([srtpProtectionProfiles, srtpMki]) => ({ kind: 'use_srtp' as const, srtpProtectionProfiles, srtpMki })),
  application_layer_protocol_negotiation: list(arbAlpnName, 1, 4).map((protocolNameList) => ({
    kind: 'application_layer_protocol_negotiation' as const,
    protocolNameList,
  })),
  encrypt_then_mac: fc.constant({ kind: 'encrypt_then_mac' as const }),
  extended_master_secret: fc.constant({ kind: 'extended_master_secret' as const }),
  session_ticket: bytes(0, 300).map((ticket) => ({ kind: 'session_ticket' as const, ticket })),
  record_size_limit: openValue([64, 512, 1024, 16384, 16385], U16).map((recordSizeLimit) => ({
    kind: 'record_size_limit' as const,
    recordSizeLimit,
  })),
  connection_id: bytes(0, 255).map((cid) => ({ kind: 'connection_id' as const, cid })),
  renegotiation_info: fc
    .oneof(EMPTY, exactly(12), exactly(24), bytes(0, 255))
    .map((renegotiatedConnection) => ({ kind: 'renegotiation_info' as const, renegotiatedConnection })),
  padding: mostly(fc.integer({ min: 0, max: 300 }).map((n) => new Uint8Array(n)), bytes(0, 60))
    .map((padding) => ({ kind: 'padding' as const, padding })),
  cookie: bytes(1, 255).map((cookie) => ({ kind: 'cookie' as const, cookie })),
  psk_key_exchange_modes: list(openValue(PskKeyExchangeMode.known, 0xff), 1, 3).map((keModes) => ({
    kind: 'psk_key_exchange_modes' as const,
    keModes,
  })),
  certificate_authorities: list(bytes(1, 80), 1, 4).map((authorities) => ({ kind: 'certificate_authorities' as const, authorities })),
};

const arbPreSharedKeyClientHello: fc.Arbitrary<KnownExtension> = fc
  .tuple(
    list(fc.tuple(bytes(1, 120), fc.integer({ min: 0, max: U32 })), 1, 3),
    list(fc.oneof(exactly(32), exactly(48), bytes(32, 255)), 1, 3),
  )
  .map(([ids, binders]) => ({
    kind: 'pre_shared_key' as const,
    form: 'client_hello' as const,
    identities: ids.map(([identity, obfuscatedTicketAge]) => ({ identity, obfuscatedTicketAge })),
    binders,
  }));

/** The arbitrary for the extensions whose shape depends on the context. */
function contextual(kind: KnownExtensionKind, ctx: ExtensionContext): fc.Arbitrary<KnownExtension> | undefined {
  switch (kind) {
    case 'server_name':
      return ctx === 'client_hello'
        ? list(arbServerName, 1, 3).map((serverNameList) => ({
            kind: 'server_name' as const,
            form: 'client_hello' as const,
            serverNameList,
          }))
        : fc.constant({ kind: 'server_name' as const, form: 'empty' as const });
    case 'supported_versions':
      return ctx === 'client_hello'
        ? list(arbVersion, 1, 6).map((versions) => ({ kind: 'supported_versions' as const, form: 'client_hello' as const, versions }))
        : arbVersion.map((selectedVersion) => ({ kind: 'supported_versions' as const, form: 'server_hello' as const, selectedVersion }));
    case 'key_share':
      if (ctx === 'client_hello') {
        return list(arbKeyShareEntry, 0, 3).map((clientShares) => ({
          kind: 'key_share' as const,
          form: 'client_hello' as const,
          clientShares,
        }));
      }
      if (ctx === 'server_hello') {
        return arbKeyShareEntry.map((serverShare) => ({ kind: 'key_share' as const, form: 'server_hello' as const, serverShare }));
      }
      return arbGroup.map((selectedGroup) => ({ kind: 'key_share' as const, form: 'hello_retry_request' as const, selectedGroup }));
    case 'pre_shared_key':
      return ctx === 'client_hello'
        ? arbPreSharedKeyClientHello
        : fc.integer({ min: 0, max: U16 }).map((selectedIdentity) => ({
            kind: 'pre_shared_key' as const,
            form: 'server_hello' as const,
            selectedIdentity,
          }));
    case 'early_data':
      return ctx === 'new_session_ticket'
        ? fc.integer({ min: 0, max: U32 }).map((maxEarlyDataSize) => ({
            kind: 'early_data' as const,
            form: 'new_session_ticket' as const,
            maxEarlyDataSize,
          }))
        : fc.constant({ kind: 'early_data' as const, form: 'empty' as const });
    default:
      return undefined;
  }
}

/** A valid extension of `kind` as `ctx` carries it. */
export function arbKnownExtension(kind: KnownExtensionKind, ctx: ExtensionContext): fc.Arbitrary<KnownExtension> {
  const arb = contextual(kind, ctx) ?? ANY_CONTEXT[kind];
  if (arb === undefined) throw new Error(`no arbitrary for ${kind}`);
  return arb;
}

/** Types that are never parsed here: GREASE (RFC 8701) and registered extensions this codec keeps raw. */
const RAW_TYPES = [
  0x0a0a, 0x1a1a, 0xfafa, ExtensionType.status_request, ExtensionType.heartbeat, ExtensionType.signed_certificate_timestamp,
  ExtensionType.client_certificate_type, ExtensionType.server_certificate_type, ExtensionType.compress_certificate,
  ExtensionType.oid_filters, ExtensionType.post_handshake_auth, ExtensionType.connection_id_deprecated,
];

/** An extension `ctx` keeps raw: unknown, or known but not defined for `ctx`. */
export function arbRawExtension(ctx: ExtensionContext): fc.Arbitrary<RawExtension> {
  const type = mostly(fc.constantFrom(...RAW_TYPES, ...ExtensionType.known), fc.integer({ min: 0, max: U16 }))
    .filter((t) => !isKnownExtension(t, ctx));
  return fc.tuple(type, bytes(0, 80)).map(([t, body]) => ({ kind: 'raw' as const, type: t, body }));
}

/** Any valid extension in `ctx`: mostly known ones, sometimes raw. */
export function arbExtension(ctx: ExtensionContext): fc.Arbitrary<Extension> {
  const known = knownExtensionKinds(ctx).map((k) => arbKnownExtension(k, ctx));
  if (known.length === 0) return arbRawExtension(ctx);
  return fc.oneof({ arbitrary: fc.oneof(...known), weight: 4 }, { arbitrary: arbRawExtension(ctx), weight: 1 });
}

/** An extension block for `ctx`, at least `minLength` extensions. */
export function arbExtensions(ctx: ExtensionContext, minLength = 0): fc.Arbitrary<Extension[]> {
  return fc.array(arbExtension(ctx), { minLength, maxLength: 8 });
}

/** One case per (extension, context) pair. */
export const extensionCases: WireCase<unknown>[] = EXTENSION_PAIRS.map((p) => ({
  codec: extensionCodec(p.kind, p.ctx),
  arbitrary: arbKnownExtension(p.kind, p.ctx),
}));
