import test from 'ava';
import { CipherSuite, ExtensionType, NamedGroup, ProtocolVersion } from './enums.ts';
import { DecodeError } from './errors.ts';
import type { Extension } from './extensions.ts';
import {
  type ClientHello,
  HELLO_RETRY_REQUEST_RANDOM,
  type ServerHello,
  isHelloRetryRequest,
  readClientHello,
  readServerHello,
  writeClientHello,
  writeServerHello,
} from './hello.ts';
import { decode, hex } from './reader.ts';
import { encode } from './writer.ts';

/** Bytes from hex strings (spaces allowed), one field per argument. */
function fromHex(...parts: string[]): Uint8Array {
  const s = parts.join('').replace(/\s+/g, '');
  return Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function ch(bytes: Uint8Array): ClientHello {
  return decode(bytes, 'body', readClientHello);
}

function sh(bytes: Uint8Array): ServerHello {
  return decode(bytes, 'body', readServerHello);
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecodeError) return err;
    throw err;
  }
  throw new Error('expected a DecodeError');
}

const kinds = (exts: Extension[] | undefined): string[] =>
  (exts ?? []).map((e) => (e.kind === 'raw' ? `raw(${ExtensionType.nameOf(e.type)})` : e.kind));

// A Chromium-style DTLS 1.2 ClientHello, as Chromium 123 (WebRTC, BoringSSL) sends it again after a
// HelloVerifyRequest: the cipher suites and extensions of its real first ClientHello (the pion
// fingerprint capture), now carrying the server's 20-byte cookie.
const CHROMIUM_COOKIE = '3e7a5c0b8a1d4f2e9c6b7a5d3f1e0c2b4a6d8f10';
const CHROMIUM_CLIENT_HELLO = fromHex(
  'fefd', //                                       client_version: DTLS 1.2
  'defd7f1e69e381dac31a3261359ed7ab88450206e792fbcc3ffcc48a16aca804', // random
  '00', //                                         session_id: empty
  '14', //                                         cookie length: 20
  CHROMIUM_COOKIE, //                              cookie (RFC 6347 §4.2.1)
  '0016', //                                       cipher_suites length: 22
  'c02b c02f cca9 cca8 c009 c013 c00a c014', //    ECDHE suites: GCM, ChaCha20-Poly1305, CBC
  '009c 002f 0035', //                             RSA suites
  '01 00', //                                      compression_methods: [null]
  '0044', //                                       extensions length: 68
  '0017 0000', //                                  extended_master_secret
  'ff01 0001 00', //                               renegotiation_info: empty
  '000a 0008 0006 001d 0017 0018', //              supported_groups: x25519, secp256r1, secp384r1
  '000b 0002 01 00', //                            ec_point_formats: uncompressed
  '0023 0000', //                                  session_ticket: empty
  '000d 0014 0012', //                             signature_algorithms: 9 schemes
  '0403 0804 0401 0503 0805 0501 0806 0601 0201',
  '000e 0009 0006 0001 0008 0007 00', //           use_srtp: 3 profiles, no MKI
);

test('[RFC6347-4.2.1] a Chromium-style DTLS 1.2 ClientHello carries the cookie field and re-encodes byte-exact', (t) => {
  const m = ch(CHROMIUM_CLIENT_HELLO);
  t.is(m.legacyVersion, ProtocolVersion.DTLSv1_2);
  t.deepEqual(m.sessionId, new Uint8Array(0));
  t.deepEqual(m.cookie, fromHex(CHROMIUM_COOKIE));
  t.is(m.cipherSuites.length, 11);
  t.is(m.cipherSuites[0], CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  t.deepEqual(m.compressionMethods, [0]);
  t.deepEqual(kinds(m.extensions), [
    'extended_master_secret',
    'renegotiation_info',
    'supported_groups',
    'ec_point_formats',
    'session_ticket',
    'signature_algorithms',
    'use_srtp',
  ]);
  t.deepEqual(m.extensions?.[6], {
    kind: 'use_srtp',
    srtpProtectionProfiles: [0x0001, 0x0008, 0x0007],
    srtpMki: new Uint8Array(0),
  });
  t.is(hex(encode((w) => writeClientHello(w, m))), hex(CHROMIUM_CLIENT_HELLO));
});

test('[RFC6347-4.2.1] the same ClientHello without a cookie differs only in the cookie', (t) => {
  const m = ch(CHROMIUM_CLIENT_HELLO);
  const first = encode((w) => writeClientHello(w, { ...m, cookie: new Uint8Array(0) }));
  t.is(first.length, CHROMIUM_CLIENT_HELLO.length - 20);
  t.deepEqual(ch(first), { ...m, cookie: new Uint8Array(0) });
});

// RFC 8448 §3's ClientHello as DTLS 1.3 would carry it: the same fields plus an empty legacy_cookie.
const RFC8448_CLIENT_HELLO_AS_DTLS = fromHex(
  '0303', //              legacy_version (TLS 1.2 in this TLS trace)
  'cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7', // random
  '00', //                legacy_session_id: empty
  '00', //                legacy_cookie: empty (the DTLS field)
  '0006 1301 1303 1302', // cipher_suites
  '01 00', //             legacy_compression_methods
  '0091', //              extensions length: 145
  '0000 000b 0009 00 0006 736572766572', // server_name: "server"
  'ff01 0001 00', //      renegotiation_info
  '000a 0014 0012 001d 0017 0018 0019 0100 0101 0102 0103 0104', // supported_groups
  '0023 0000', //         session_ticket
  '0033 0026 0024 001d 0020 99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c', // key_share
  '002b 0003 02 0304', // supported_versions: TLS 1.3
  '000d 0020 001e 0403 0503 0603 0203 0804 0805 0806 0401 0501 0601 0201 0402 0502 0602 0202', // signature_algorithms
  '002d 0002 01 01', //   psk_key_exchange_modes: psk_dhe_ke
  '001c 0002 4001', //    record_size_limit: 16385
);

test('[RFC9147-5.3] a TLS 1.3 ClientHello (RFC 8448 §3) with a legacy_cookie reads every extension in its ClientHello form', (t) => {
  const m = ch(RFC8448_CLIENT_HELLO_AS_DTLS);
  t.deepEqual(kinds(m.extensions), [
    'server_name',
    'renegotiation_info',
    'supported_groups',
    'session_ticket',
    'key_share',
    'supported_versions',
    'signature_algorithms',
    'psk_key_exchange_modes',
    'record_size_limit',
  ]);
  t.deepEqual(m.extensions?.[5], { kind: 'supported_versions', form: 'client_hello', versions: [ProtocolVersion.TLSv1_3] });
  t.deepEqual(m.extensions?.[8], { kind: 'record_size_limit', recordSizeLimit: 16385 });
  t.is(hex(encode((w) => writeClientHello(w, m))), hex(RFC8448_CLIENT_HELLO_AS_DTLS));
});

// RFC 8448 §3, the server's ServerHello (TLS 1.3 and DTLS 1.3 share the body format).
const RFC8448_SERVER_HELLO = fromHex(
  '0303', //                 legacy_version
  'a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928', // random
  '00', //                   legacy_session_id_echo: empty
  '1301', //                 cipher_suite: TLS_AES_128_GCM_SHA256
  '00', //                   legacy_compression_method
  '002e', //                 extensions length: 46
  '0033 0024', //            key_share, 36 bytes
  '001d 0020 c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f', // server_share: x25519
  '002b 0002 0304', //       supported_versions: selected_version TLS 1.3
);

test('[RFC8446-4.1.3] the ServerHello of RFC 8448 §3: one server_share and a selected_version', (t) => {
  const m = sh(RFC8448_SERVER_HELLO);
  t.false(isHelloRetryRequest(m));
  t.is(m.cipherSuite, CipherSuite.TLS_AES_128_GCM_SHA256);
  t.deepEqual(m.extensions, [
    {
      kind: 'key_share',
      form: 'server_hello',
      serverShare: {
        group: NamedGroup.x25519,
        keyExchange: fromHex('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f'),
      },
    },
    { kind: 'supported_versions', form: 'server_hello', selectedVersion: ProtocolVersion.TLSv1_3 },
  ]);
  t.is(hex(encode((w) => writeServerHello(w, m))), hex(RFC8448_SERVER_HELLO));
});

const RFC8448_HRR_COOKIE =
  '71dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0';

// RFC 8448 §5, the HelloRetryRequest (sent as a ServerHello).
const RFC8448_HELLO_RETRY_REQUEST = fromHex(
  '0303', //                 legacy_version
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', // random: the HelloRetryRequest marker
  '00', //                   legacy_session_id_echo
  '1301', //                 cipher_suite
  '00', //                   legacy_compression_method
  '0084', //                 extensions length: 132
  '0033 0002 0017', //       key_share: selected_group secp256r1
  '002c 0074 0072', //       cookie: 114 bytes
  RFC8448_HRR_COOKIE,
  '002b 0002 0304', //       supported_versions: TLS 1.3
);

test('[RFC8446-4.1.4] a HelloRetryRequest (RFC 8448 §5) is a ServerHello read in the hello_retry_request context', (t) => {
  const m = sh(RFC8448_HELLO_RETRY_REQUEST);
  t.true(isHelloRetryRequest(m));
  t.deepEqual(m.random, HELLO_RETRY_REQUEST_RANDOM);
  t.deepEqual(m.extensions, [
    { kind: 'key_share', form: 'hello_retry_request', selectedGroup: NamedGroup.secp256r1 },
    { kind: 'cookie', cookie: fromHex(RFC8448_HRR_COOKIE) },
    { kind: 'supported_versions', form: 'server_hello', selectedVersion: ProtocolVersion.TLSv1_3 },
  ]);
  t.is(hex(encode((w) => writeServerHello(w, m))), hex(RFC8448_HELLO_RETRY_REQUEST));
});

test('[RFC8446-4.1.4] the same extensions under an ordinary random are read as a ServerHello would', (t) => {
  const ordinary = RFC8448_HELLO_RETRY_REQUEST.slice();
  ordinary[2] ^= 0xff;
  const err = decodeError(() => sh(ordinary));
  t.is(err.path, 'body.ServerHello.extensions[0].key_share.server_share.key_exchange.<length>');
});

test('[RFC6347-4.2.2] an absent extensions block and an empty one are different bytes and both survive', (t) => {
  const base = fromHex('fefd', '00'.repeat(32), '00', '00', '0002 c02b', '01 00');
  const absent = ch(base);
  t.is(absent.extensions, undefined);
  t.is(hex(encode((w) => writeClientHello(w, absent))), hex(base));
  const empty = ch(fromHex(hex(base), '0000'));
  t.deepEqual(empty.extensions, []);
  t.is(hex(encode((w) => writeClientHello(w, empty))), hex(base) + '0000');
  const shBase = fromHex('fefd', '11'.repeat(32), '00', 'c02b', '00');
  t.is(sh(shBase).extensions, undefined);
  t.deepEqual(sh(fromHex(hex(shBase), '0000')).extensions, []);
});

test('[RFC6347-4.2.2] ClientHello rejects truncation, bad vector lengths and trailing bytes by field', (t) => {
  const at = (bytes: Uint8Array): string => decodeError(() => ch(bytes)).path;
  t.is(at(CHROMIUM_CLIENT_HELLO.subarray(0, 20)), 'body.ClientHello.random');
  t.is(at(fromHex('fefd', '00'.repeat(32), '21', '00'.repeat(33), '00', '0002 c02b', '01 00')), 'body.ClientHello.session_id');
  t.is(at(fromHex('fefd', '00'.repeat(32), '00', '05', '0102')), 'body.ClientHello.cookie');
  t.is(at(fromHex('fefd', '00'.repeat(32), '00', '00', '0000', '01 00')), 'body.ClientHello.cipher_suites');
  t.is(at(fromHex('fefd', '00'.repeat(32), '00', '00', '0003 c02b 00', '01 00')), 'body.ClientHello.cipher_suites[1]');
  t.is(at(fromHex('fefd', '00'.repeat(32), '00', '00', '0002 c02b', '00')), 'body.ClientHello.compression_methods');
  t.is(at(fromHex('fefd', '00'.repeat(32), '00', '00', '0002 c02b', '01 00', '00')), 'body.ClientHello.extensions.<length>');
  const trailing = decodeError(() => ch(fromHex(hex(CHROMIUM_CLIENT_HELLO), 'ff')));
  t.is(trailing.path, 'body');
  t.regex(trailing.reason, /1 trailing byte/);
  t.is(at(CHROMIUM_CLIENT_HELLO.subarray(0, CHROMIUM_CLIENT_HELLO.length - 1)), 'body.ClientHello.extensions');
});

test('[RFC6347-4.2.2] ServerHello rejects a long session_id and a truncated cipher_suite', (t) => {
  t.is(decodeError(() => sh(fromHex('fefd', '00'.repeat(32), '21', '00'.repeat(33), 'c02b', '00'))).path, 'body.ServerHello.session_id');
  t.is(decodeError(() => sh(fromHex('fefd', '00'.repeat(32), '00', 'c0'))).path, 'body.ServerHello.cipher_suite');
});

test('builders are permissive: a short random and empty lists are written as given', (t) => {
  const forged: ClientHello = {
    legacyVersion: 0x1234,
    random: fromHex('0102'),
    sessionId: new Uint8Array(0),
    cookie: ascii('x'),
    cipherSuites: [],
    compressionMethods: [],
    extensions: [{ kind: 'raw', type: ExtensionType.key_share, body: new Uint8Array(0) }],
  };
  t.is(hex(encode((w) => writeClientHello(w, forged))), '1234' + '0102' + '00' + '0178' + '0000' + '00' + '0004' + '00330000');
  t.false(isHelloRetryRequest({ random: HELLO_RETRY_REQUEST_RANDOM.subarray(0, 31) }));
});

test('[RFC8446-4.2.8] a key_share that does not parse fails with the path of the field inside the ClientHello', (t) => {
  const bytes = fromHex(
    'fefd', '00'.repeat(32), '00', '00', '0002 1301', '01 00',
    '001a', //                  extensions length: 26
    '0017 0000', //             [0] extended_master_secret
    'ff01 0001 00', //          [1] renegotiation_info
    '002b 0003 02 fefc', //     [2] supported_versions
    '0033 0006 0004 001d 0000', // [3] key_share: an x25519 entry with an empty key_exchange
  );
  const err = decodeError(() => ch(bytes));
  t.is(err.path, 'body.ClientHello.extensions[3].key_share.client_shares[0].key_exchange');
  t.regex(err.reason, /length 0 outside 1\.\.65535/);
});
