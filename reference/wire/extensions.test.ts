import test from 'ava';
import { ExtensionType, NamedGroup, ProtocolVersion } from './enums.ts';
import { DecodeError } from './errors.ts';
import {
  type Extension,
  type ExtensionContext,
  EXTENSION_CONTEXTS,
  extensionContexts,
  extensionTypeOf,
  isKnownExtension,
  readExtension,
  readExtensions,
  writeExtension,
  writeExtensions,
} from './extensions.ts';
import { decode, hex } from './reader.ts';
import { Trace } from './trace.ts';
import { encode } from './writer.ts';

/** Bytes from hex strings (spaces allowed), one field per argument. */
function fromHex(...parts: string[]): Uint8Array {
  const s = parts.join('').replace(/\s+/g, '');
  return Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
}

const ROOT = 'Extension';

function one(bytes: Uint8Array, ctx: ExtensionContext): Extension {
  return decode(bytes, ROOT, (r) => readExtension(r, ctx));
}

function block(bytes: Uint8Array, ctx: ExtensionContext): Extension[] {
  return decode(bytes, ROOT, (r) => readExtensions(r, ctx));
}

function reencode(e: Extension): string {
  return hex(encode((w) => writeExtension(w, e)));
}

function decodeError(t: { throws: (fn: () => unknown, e: { instanceOf: typeof DecodeError }) => DecodeError | undefined }, fn: () => unknown): DecodeError {
  const err = t.throws(fn, { instanceOf: DecodeError });
  if (err === undefined) throw new Error('expected a DecodeError');
  return err;
}

// RFC 8448 §3, the client's x25519 share.
const X25519_CLIENT = '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c';
// RFC 8448 §3, the server's x25519 share.
const X25519_SERVER = 'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f';

test('key_share in ClientHello: client_shares (RFC 8446 §4.2.8, RFC 8448 §3)', (t) => {
  const bytes = fromHex(
    '0033', //             extension_type: key_share
    '0026', //             extension_data length: 38
    '0024', //             client_shares length: 36
    '001d', //             [0].group: x25519
    '0020', //             [0].key_exchange length: 32
    X25519_CLIENT, //      [0].key_exchange
  );
  const e = one(bytes, 'client_hello');
  t.deepEqual(e, {
    kind: 'key_share',
    form: 'client_hello',
    clientShares: [{ group: NamedGroup.x25519, keyExchange: fromHex(X25519_CLIENT) }],
  });
  t.is(reencode(e), hex(bytes));
});

test('key_share in ClientHello: an empty client_shares asks the server to choose (RFC 8446 §4.2.8)', (t) => {
  const bytes = fromHex('0033', '0002', '0000');
  t.deepEqual(one(bytes, 'client_hello'), { kind: 'key_share', form: 'client_hello', clientShares: [] });
});

test('key_share in ServerHello: one server_share (RFC 8448 §3)', (t) => {
  const bytes = fromHex(
    '0033', //             extension_type: key_share
    '0024', //             extension_data length: 36
    '001d', //             server_share.group: x25519
    '0020', //             server_share.key_exchange length: 32
    X25519_SERVER, //      server_share.key_exchange
  );
  const e = one(bytes, 'server_hello');
  t.deepEqual(e, {
    kind: 'key_share',
    form: 'server_hello',
    serverShare: { group: NamedGroup.x25519, keyExchange: fromHex(X25519_SERVER) },
  });
  t.is(reencode(e), hex(bytes));
});

test('key_share in HelloRetryRequest: selected_group only (RFC 8448 §5)', (t) => {
  const bytes = fromHex(
    '0033', //  extension_type: key_share
    '0002', //  extension_data length: 2
    '0017', //  selected_group: secp256r1
  );
  const e = one(bytes, 'hello_retry_request');
  t.deepEqual(e, { kind: 'key_share', form: 'hello_retry_request', selectedGroup: NamedGroup.secp256r1 });
  t.is(reencode(e), hex(bytes));
});

test('key_share where it is not defined (EncryptedExtensions, NewSessionTicket) is kept raw', (t) => {
  const bytes = fromHex('0033', '0002', '0017');
  for (const ctx of ['encrypted_extensions', 'certificate', 'certificate_request', 'new_session_ticket'] as const) {
    const e = one(bytes, ctx);
    t.deepEqual(e, { kind: 'raw', type: ExtensionType.key_share, body: fromHex('0017') }, ctx);
    t.is(reencode(e), hex(bytes));
  }
});

test('supported_versions: a list in ClientHello, one version in ServerHello and HelloRetryRequest (RFC 8446 §4.2.1)', (t) => {
  const client = fromHex(
    '002b', //  extension_type: supported_versions
    '0005', //  extension_data length: 5
    '04', //    versions length: 4
    'fefc', //  DTLS 1.3
    'fefd', //  DTLS 1.2
  );
  t.deepEqual(one(client, 'client_hello'), {
    kind: 'supported_versions',
    form: 'client_hello',
    versions: [ProtocolVersion.DTLSv1_3, ProtocolVersion.DTLSv1_2],
  });
  const server = fromHex(
    '002b', //  extension_type: supported_versions
    '0002', //  extension_data length: 2
    'fefc', //  selected_version: DTLS 1.3
  );
  for (const ctx of ['server_hello', 'hello_retry_request'] as const) {
    const e = one(server, ctx);
    t.deepEqual(e, { kind: 'supported_versions', form: 'server_hello', selectedVersion: ProtocolVersion.DTLSv1_3 });
    t.is(reencode(e), hex(server));
  }
  t.is(one(server, 'encrypted_extensions').kind, 'raw');
  t.is(one(client, 'certificate_request').kind, 'raw');
});

test('supported_versions rejects an empty list, an odd length, and a list in a ServerHello', (t) => {
  t.is(decodeError(t, () => one(fromHex('002b', '0001', '00'), 'client_hello')).path, 'Extension.supported_versions.versions');
  const odd = decodeError(t, () => one(fromHex('002b', '0004', '03', 'fefc', 'fe'), 'client_hello'));
  t.is(odd.path, 'Extension.supported_versions.versions[1]');
  t.regex(odd.reason, /truncated/);
  const list = decodeError(t, () => one(fromHex('002b', '0003', '02', 'fefc'), 'server_hello'));
  t.is(list.path, 'Extension.supported_versions');
  t.regex(list.reason, /1 trailing byte/);
});

test('cookie in HelloRetryRequest and ClientHello (RFC 8446 §4.2.2); an empty cookie is rejected', (t) => {
  const bytes = fromHex(
    '002c', //      extension_type: cookie
    '0006', //      extension_data length: 6
    '0004', //      cookie length: 4
    'c0 0c 1e 55', // cookie
  );
  for (const ctx of ['client_hello', 'hello_retry_request'] as const) {
    t.deepEqual(one(bytes, ctx), { kind: 'cookie', cookie: fromHex('c00c1e55') });
  }
  t.is(one(bytes, 'server_hello').kind, 'raw');
  const err = decodeError(t, () => one(fromHex('002c', '0002', '0000'), 'hello_retry_request'));
  t.is(err.path, 'Extension.cookie.cookie');
  t.regex(err.reason, /length 0 outside 1\.\.65535/);
});

test('pre_shared_key: OfferedPsks in ClientHello, selected_identity in ServerHello (RFC 8446 §4.2.11)', (t) => {
  const binder = '3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d'; // RFC 8448 §4
  const bytes = fromHex(
    '0029', //            extension_type: pre_shared_key
    '002e', //            extension_data length: 46
    '0009', //            identities length: 9
    '0003', //            identities[0].identity length: 3
    '746b74', //          identities[0].identity: "tkt"
    'fad6aacb', //        identities[0].obfuscated_ticket_age
    '0021', //            binders length: 33
    '20', //              binders[0] length: 32
    binder, //            binders[0]
  );
  const e = one(bytes, 'client_hello');
  t.deepEqual(e, {
    kind: 'pre_shared_key',
    form: 'client_hello',
    identities: [{ identity: fromHex('746b74'), obfuscatedTicketAge: 0xfad6aacb }],
    binders: [fromHex(binder)],
  });
  t.is(reencode(e), hex(bytes));
  t.deepEqual(one(fromHex('0029', '0002', '0000'), 'server_hello'), {
    kind: 'pre_shared_key',
    form: 'server_hello',
    selectedIdentity: 0,
  });
  const short = fromHex('0029', '002d', '0009', '0003', '746b74', 'fad6aacb', '0020', '1f', binder.slice(2));
  const err = decodeError(t, () => one(short, 'client_hello'));
  t.is(err.path, 'Extension.pre_shared_key.binders');
  t.regex(err.reason, /below the minimum 33/);
});

test('early_data: empty in ClientHello and EncryptedExtensions, max_early_data_size in NewSessionTicket (RFC 8446 §4.2.10)', (t) => {
  const empty = fromHex('002a', '0000');
  t.deepEqual(one(empty, 'client_hello'), { kind: 'early_data', form: 'empty' });
  t.deepEqual(one(empty, 'encrypted_extensions'), { kind: 'early_data', form: 'empty' });
  const nst = fromHex('002a', '0004', '00000400'); // RFC 8448 §3: 1024
  t.deepEqual(one(nst, 'new_session_ticket'), { kind: 'early_data', form: 'new_session_ticket', maxEarlyDataSize: 1024 });
  t.is(decodeError(t, () => one(empty, 'new_session_ticket')).path, 'Extension.early_data.max_early_data_size');
  t.is(decodeError(t, () => one(nst, 'client_hello')).path, 'Extension.early_data');
});

test('use_srtp with profiles and MKI (RFC 5764 §4.1.1)', (t) => {
  const bytes = fromHex(
    '000e', //  extension_type: use_srtp
    '0009', //  extension_data length: 9
    '0004', //  SRTPProtectionProfiles length: 4
    '0007', //  SRTP_AEAD_AES_128_GCM
    '0001', //  SRTP_AES128_CM_HMAC_SHA1_80
    '02', //    srtp_mki length: 2
    'abcd', //  srtp_mki
  );
  const e = one(bytes, 'client_hello');
  t.deepEqual(e, { kind: 'use_srtp', srtpProtectionProfiles: [7, 1], srtpMki: fromHex('abcd') });
  t.is(reencode(e), hex(bytes));
  t.is(decodeError(t, () => one(fromHex('000e', '0003', '0000', '00'), 'server_hello')).path, 'Extension.use_srtp.SRTPProtectionProfiles');
});

test('server_name: a ServerNameList from the client, empty from the server (RFC 6066 §3)', (t) => {
  const bytes = fromHex(
    '0000', //          extension_type: server_name
    '000b', //          extension_data length: 11
    '0009', //          server_name_list length: 9
    '00', //            [0].name_type: host_name
    '0006', //          [0].name length: 6
    '736572766572', //  [0].name: "server" (RFC 8448 §3)
  );
  const e = one(bytes, 'client_hello');
  t.deepEqual(e, {
    kind: 'server_name',
    form: 'client_hello',
    serverNameList: [{ nameType: 0, name: new TextEncoder().encode('server') }],
  });
  t.is(reencode(e), hex(bytes));
  const empty = fromHex('0000', '0000');
  t.deepEqual(one(empty, 'server_hello'), { kind: 'server_name', form: 'empty' });
  t.deepEqual(one(empty, 'encrypted_extensions'), { kind: 'server_name', form: 'empty' });
  t.is(reencode({ kind: 'server_name', form: 'empty' }), hex(empty));
  t.is(decodeError(t, () => one(bytes, 'server_hello')).path, 'Extension.server_name');
  t.is(decodeError(t, () => one(fromHex('0000', '0005', '0003', '00', '0000'), 'client_hello')).path, 'Extension.server_name.server_name_list[0].name');
});

test('server_name: an unknown name_type keeps its 16-bit-length data (RFC 6066 §3)', (t) => {
  const bytes = fromHex('0000', '0008', '0006', '07', '0003', 'aabbcc');
  const e = one(bytes, 'client_hello');
  t.deepEqual(e, { kind: 'server_name', form: 'client_hello', serverNameList: [{ nameType: 7, name: fromHex('aabbcc') }] });
  t.is(reencode(e), hex(bytes));
});

test('ALPN, record_size_limit, connection_id, renegotiation_info, padding, session_ticket, EMS and ETM bodies', (t) => {
  const cases: [string, ExtensionContext, Extension][] = [
    ['0010 0009 0007 06 776562727463', 'server_hello', { kind: 'application_layer_protocol_negotiation', protocolNameList: [new TextEncoder().encode('webrtc')] }],
    ['001c 0002 4000', 'encrypted_extensions', { kind: 'record_size_limit', recordSizeLimit: 0x4000 }],
    ['0036 0004 03 010203', 'client_hello', { kind: 'connection_id', cid: fromHex('010203') }],
    ['0036 0001 00', 'server_hello', { kind: 'connection_id', cid: new Uint8Array(0) }],
    ['ff01 0001 00', 'client_hello', { kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) }],
    ['0015 0003 000000', 'client_hello', { kind: 'padding', padding: new Uint8Array(3) }],
    ['0015 0002 0100', 'client_hello', { kind: 'padding', padding: fromHex('0100') }],
    ['0023 0000', 'server_hello', { kind: 'session_ticket', ticket: new Uint8Array(0) }],
    ['0023 0003 010203', 'client_hello', { kind: 'session_ticket', ticket: fromHex('010203') }],
    ['0017 0000', 'server_hello', { kind: 'extended_master_secret' }],
    ['0016 0000', 'client_hello', { kind: 'encrypt_then_mac' }],
    ['0001 0001 04', 'encrypted_extensions', { kind: 'max_fragment_length', maxFragmentLength: 4 }],
    ['000b 0002 0100', 'server_hello', { kind: 'ec_point_formats', ecPointFormatList: [0] }],
    ['000a 0004 0002 001d', 'encrypted_extensions', { kind: 'supported_groups', namedGroupList: [NamedGroup.x25519] }],
    ['000d 0004 0002 0403', 'certificate_request', { kind: 'signature_algorithms', supportedSignatureAlgorithms: [0x0403] }],
    ['0032 0004 0002 0807', 'client_hello', { kind: 'signature_algorithms_cert', supportedSignatureAlgorithms: [0x0807] }],
    ['002d 0002 01 01', 'client_hello', { kind: 'psk_key_exchange_modes', keModes: [1] }],
    ['002f 0007 0005 0003 300100', 'certificate_request', { kind: 'certificate_authorities', authorities: [fromHex('300100')] }],
  ];
  for (const [h, ctx, expected] of cases) {
    const bytes = fromHex(h);
    t.deepEqual(one(bytes, ctx), expected, h);
    t.is(reencode(expected), hex(bytes), h);
  }
  t.is(decodeError(t, () => one(fromHex('0010 0005 0003 00 01 61'), 'client_hello')).path, 'Extension.application_layer_protocol_negotiation.protocol_name_list[0]');
  t.is(decodeError(t, () => one(fromHex('0017 0001 00'), 'client_hello')).path, 'Extension.extended_master_secret');
  t.is(decodeError(t, () => one(fromHex('001c 0001 40'), 'client_hello')).path, 'Extension.record_size_limit.RecordSizeLimit');
  t.is(decodeError(t, () => one(fromHex('0036 0002 05 00'), 'client_hello')).path, 'Extension.connection_id.cid');
});

test('a block keeps unknown and GREASE extensions raw, in order, with duplicates', (t) => {
  const bytes = fromHex(
    '001a', //            extensions length: 26
    '0a0a 0000', //       GREASE (RFC 8701), empty
    '0017 0000', //       extended_master_secret
    '0005 0005 0100000000', // status_request: not parsed here, kept raw
    '0017 0000', //       extended_master_secret again (a semantic error, not a decoding one)
    'fe00 0001 7f', //    an unassigned type
  );
  const exts = block(bytes, 'client_hello');
  t.deepEqual(exts, [
    { kind: 'raw', type: 0x0a0a, body: new Uint8Array(0) },
    { kind: 'extended_master_secret' },
    { kind: 'raw', type: ExtensionType.status_request, body: fromHex('0100000000') },
    { kind: 'extended_master_secret' },
    { kind: 'raw', type: 0xfe00, body: fromHex('7f') },
  ]);
  t.is(hex(encode((w) => writeExtensions(w, exts))), hex(bytes));
});

test('a known body that does not parse names the extension and field in the path', (t) => {
  const bytes = fromHex(
    '000e', //      extensions length: 14
    '002b 0003 02 fefc', // [0] supported_versions
    '0033 0003', // [1] key_share, 3 bytes of data
    '0001', //      client_shares length: 1 (half an entry)
    '00',
  );
  const err = decodeError(t, () => block(bytes, 'client_hello'));
  t.is(err.path, 'Extension.extensions[1].key_share.client_shares[0].group');
  t.regex(err.reason, /truncated/);
  const noKey = fromHex('0008', '0033 0004 0002 001d');
  t.is(decodeError(t, () => block(noKey, 'client_hello')).path, 'Extension.extensions[0].key_share.client_shares[0].key_exchange.<length>');
  const emptyKey = fromHex('000a', '0033 0006 0004 001d 0000');
  t.is(decodeError(t, () => block(emptyKey, 'client_hello')).path, 'Extension.extensions[0].key_share.client_shares[0].key_exchange');
});

test('a block rejects truncated extension_data and a block length that overruns', (t) => {
  const truncated = decodeError(t, () => block(fromHex('0006', '0033 0026 0024'), 'client_hello'));
  t.is(truncated.path, 'Extension.extensions[0].extension_data');
  t.regex(truncated.reason, /truncated: needs 38 byte/);
  const overrun = decodeError(t, () => block(fromHex('0010', '0017 0000'), 'client_hello'));
  t.is(overrun.path, 'Extension.extensions');
  const rawCut = decodeError(t, () => block(fromHex('0005', 'fe00 0002 00'), 'client_hello'));
  t.is(rawCut.path, 'Extension.extensions[0].extension_data');
});

test('writers are permissive: a HelloRetryRequest key_share can be forged into a ClientHello block', (t) => {
  const forged: Extension[] = [{ kind: 'key_share', form: 'hello_retry_request', selectedGroup: 0x0017 }];
  const bytes = encode((w) => writeExtensions(w, forged));
  t.is(hex(bytes), '0006' + '0033' + '0002' + '0017');
  const err = decodeError(t, () => block(bytes, 'client_hello'));
  t.is(err.path, 'Extension.extensions[0].key_share.client_shares');
  t.regex(err.reason, /truncated: needs 23 byte/);
});

test('the context table: every known kind is parsed somewhere, nothing in certificate entries', (t) => {
  t.deepEqual(extensionContexts('key_share'), ['client_hello', 'server_hello', 'hello_retry_request']);
  t.deepEqual(extensionContexts('early_data'), ['client_hello', 'encrypted_extensions', 'new_session_ticket']);
  t.deepEqual(extensionContexts('connection_id'), ['client_hello', 'server_hello']);
  t.false(isKnownExtension(ExtensionType.key_share, 'encrypted_extensions'));
  t.true(isKnownExtension(ExtensionType.cookie, 'hello_retry_request'));
  t.false(EXTENSION_CONTEXTS.some((c) => isKnownExtension(ExtensionType.status_request, c)));
  t.is(extensionTypeOf({ kind: 'application_layer_protocol_negotiation', protocolNameList: [] }), 16);
  t.is(extensionTypeOf({ kind: 'raw', type: 0x1234, body: new Uint8Array(0) }), 0x1234);
});

test('a traced read names each extension body and its RFC section', (t) => {
  const trace = new Trace();
  decode(fromHex('000b', '002b 0003 02 fefc', '0017 0000'), 'Extensions', (r) => readExtensions(r, 'client_hello'), trace);
  const structs = trace.entries.filter((e) => e.isStruct).map((e) => [e.path, e.rfc]);
  t.deepEqual(structs, [
    ['Extensions.extensions[0].supported_versions', 'RFC 8446 §4.2.1'],
    ['Extensions.extensions[1].extended_master_secret', 'RFC 7627 §5.1'],
  ]);
  t.true(trace.entries.some((e) => e.path === 'Extensions.extensions[0].supported_versions.versions[0]' && /DTLSv1_3/.test(e.value)));
});
