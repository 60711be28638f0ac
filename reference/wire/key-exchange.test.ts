import test, { type ExecutionContext } from 'ava';
import { hexFixture } from '../../testkit/hex.ts';
import { DecodeError } from './errors.ts';
import {
  type ClientKeyExchange,
  type ClientKeyExchangeKind,
  type ServerKeyExchange,
  type ServerKeyExchangeKind,
  readClientKeyExchange,
  readServerKeyExchange,
  writeClientKeyExchange,
  writeServerKeyExchange,
} from './key-exchange.ts';
import { Reader, decode } from './reader.ts';
import { Trace } from './trace.ts';
import { keyExchangeOf } from './suites.ts';
import { encode } from './writer.ts';

/** Handshake bodies sit in the `body` field of a handshake fragment; fixtures decode from there. */
const ROOT = 'body';

function exactServer(t: ExecutionContext, bytes: Uint8Array, kind: ServerKeyExchangeKind, expected: ServerKeyExchange): void {
  const value = decode(bytes, ROOT, (r) => readServerKeyExchange(r, kind));
  t.deepEqual(value, expected);
  t.deepEqual(encode((w) => writeServerKeyExchange(w, value)), bytes, 'write(read(b)) gives b back');
}

function exactClient(t: ExecutionContext, bytes: Uint8Array, kind: ClientKeyExchangeKind, expected: ClientKeyExchange): void {
  const value = decode(bytes, ROOT, (r) => readClientKeyExchange(r, kind));
  t.deepEqual(value, expected);
  t.deepEqual(encode((w) => writeClientKeyExchange(w, value)), bytes, 'write(read(b)) gives b back');
}

function rejectsServer(t: ExecutionContext, bytes: Uint8Array, kind: ServerKeyExchangeKind, path: string, reason?: RegExp): DecodeError | undefined {
  const err = t.throws(() => decode(bytes, ROOT, (r) => readServerKeyExchange(r, kind)), { instanceOf: DecodeError });
  t.is(err?.path, path);
  if (reason !== undefined) t.regex(err?.reason ?? '', reason);
  return err;
}

function rejectsClient(t: ExecutionContext, bytes: Uint8Array, kind: ClientKeyExchangeKind, path: string, reason?: RegExp): void {
  const err = t.throws(() => decode(bytes, ROOT, (r) => readClientKeyExchange(r, kind)), { instanceOf: DecodeError });
  t.is(err?.path, path);
  if (reason !== undefined) t.regex(err?.reason ?? '', reason);
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// ---------------------------------------------------------------------------------------------
// ServerKeyExchange(ecdhe): Chromium 123, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.

const SKE_ECDHE_CHROMIUM = hexFixture(`
  03       # params.curve_params.curve_type = named_curve
  001d     # params.curve_params.namedcurve = x25519
  20       # params.public.<length> = 32
  cb58b1421f74435d0a5f28255ceb4989d81d5a475f41835cc33f0dc8781a751e # params.public
  0403     # signed_params.algorithm = ecdsa_secp256r1_sha256
  0048     # signed_params.signature.<length> = 72
  3046022100a56bdaadbe655bca9d04e38db78a073efca6c71f6de4a3d158947a # signed_params.signature (DER ECDSA-Sig-Value)
  916254a59e0221008b7915c4ffe99a89e987d53b7b76abc21b1d9f16ee39907d
  cd0d4072711ee04f
`);

test('[RFC8422-5.4] reads and re-encodes the ECDHE ServerKeyExchange Chromium sends', (t) => {
  t.is(keyExchangeOf(0xc02b), 'ecdhe', 'the suite of that handshake selects the layout');
  exactServer(t, SKE_ECDHE_CHROMIUM, 'ecdhe', {
    keyExchange: 'ecdhe',
    params: { curveType: 3, namedCurve: 0x001d, public: SKE_ECDHE_CHROMIUM.slice(4, 36) },
    signedParams: { algorithm: 0x0403, signature: SKE_ECDHE_CHROMIUM.slice(40) },
  });
});

test('[RFC8422-5.4] ServerKeyExchange(ecdhe): explicit curves are rejected at curve_type', (t) => {
  for (const curveType of [1, 2]) {
    const bytes = hexFixture(`
      0${curveType}       # params.curve_params.curve_type = explicit_prime / explicit_char2 (RFC 4492, deprecated)
      001d     # what would have been the curve
      01 04    # an ECPoint
      0403 0000 # signed_params
    `);
    const err = rejectsServer(t, bytes, 'ecdhe', 'body.ServerKeyExchange.params.curve_params.curve_type', /not named_curve/);
    t.is(err?.offset, 0, 'the offset is that of curve_type itself');
  }
});

test('[RFC8422-5.4] ServerKeyExchange(ecdhe): an empty public point is rejected (opaque point<1..2^8-1>)', (t) => {
  const bytes = hexFixture(`
    03       # params.curve_params.curve_type = named_curve
    0017     # params.curve_params.namedcurve = secp256r1
    00       # params.public.<length> = 0: below the minimum 1
    0403     # signed_params.algorithm
    0000     # signed_params.signature.<length> = 0
  `);
  rejectsServer(t, bytes, 'ecdhe', 'body.ServerKeyExchange.params.public', /outside 1\.\./);
});

test('ServerKeyExchange(ecdhe): a message cut inside the signature is rejected at signed_params.signature', (t) => {
  rejectsServer(t, SKE_ECDHE_CHROMIUM.slice(0, 60), 'ecdhe', 'body.ServerKeyExchange.signed_params.signature', /truncated/);
});

test('ServerKeyExchange(ecdhe): a message without signed_params is rejected at signed_params.algorithm', (t) => {
  rejectsServer(t, SKE_ECDHE_CHROMIUM.slice(0, 36), 'ecdhe', 'body.ServerKeyExchange.signed_params.algorithm', /truncated/);
});

test('ServerKeyExchange(ecdhe): a byte after the signature is rejected as trailing', (t) => {
  rejectsServer(t, new Uint8Array([...SKE_ECDHE_CHROMIUM, 0]), 'ecdhe', 'body', /1 trailing byte/);
});

// ---------------------------------------------------------------------------------------------
// ServerKeyExchange(psk) and (ecdhe_psk): OpenSSL 3.0 s_server -psk_hint dtlsprobe-hint.

const SKE_PSK_OPENSSL = hexFixture(`
  000e     # psk_identity_hint.<length> = 14
  64746c7370726f62652d68696e74 # psk_identity_hint = 'dtlsprobe-hint'
`);

test('[RFC4279-2] reads and re-encodes OpenSSL\'s PSK ServerKeyExchange (TLS_PSK_WITH_AES_128_GCM_SHA256)', (t) => {
  t.is(keyExchangeOf(0x00a8), 'psk');
  exactServer(t, SKE_PSK_OPENSSL, 'psk', { keyExchange: 'psk', pskIdentityHint: ascii('dtlsprobe-hint') });
});

test('[RFC4279-2] ServerKeyExchange(psk): an empty hint is well formed; a cut hint is rejected', (t) => {
  exactServer(t, hexFixture('0000'), 'psk', { keyExchange: 'psk', pskIdentityHint: new Uint8Array(0) });
  rejectsServer(t, SKE_PSK_OPENSSL.slice(0, 8), 'psk', 'body.ServerKeyExchange.psk_identity_hint', /truncated/);
});

const SKE_ECDHE_PSK_OPENSSL = hexFixture(`
  000e     # psk_identity_hint.<length> = 14
  64746c7370726f62652d68696e74 # psk_identity_hint = 'dtlsprobe-hint'
  03       # params.curve_params.curve_type = named_curve
  001d     # params.curve_params.namedcurve = x25519
  20       # params.public.<length> = 32
  0b62db570f0c83ac1f58a6996a2abc20603c2c161e9f4dc8541855ee2f0fdb05 # params.public
`);

test('[RFC5489-2] reads and re-encodes OpenSSL\'s ECDHE_PSK ServerKeyExchange (no signature)', (t) => {
  t.is(keyExchangeOf(0xc037), 'ecdhe_psk');
  exactServer(t, SKE_ECDHE_PSK_OPENSSL, 'ecdhe_psk', {
    keyExchange: 'ecdhe_psk',
    pskIdentityHint: ascii('dtlsprobe-hint'),
    params: { curveType: 3, namedCurve: 0x001d, public: SKE_ECDHE_PSK_OPENSSL.slice(20) },
  });
});

test('[RFC5489-2] ServerKeyExchange(ecdhe_psk): a signature after the params is rejected as trailing', (t) => {
  const signed = new Uint8Array([...SKE_ECDHE_PSK_OPENSSL, 0x04, 0x03, 0x00, 0x00]);
  rejectsServer(t, signed, 'ecdhe_psk', 'body', /4 trailing byte/);
});

test('[RFC5489-2] ServerKeyExchange(ecdhe_psk): an explicit curve is rejected at curve_type', (t) => {
  const bytes = SKE_ECDHE_PSK_OPENSSL.slice();
  bytes[16] = 1; // params.curve_params.curve_type = explicit_prime
  rejectsServer(t, bytes, 'ecdhe_psk', 'body.ServerKeyExchange.params.curve_params.curve_type');
});

// ---------------------------------------------------------------------------------------------
// ServerKeyExchange(dhe): OpenSSL 3.0, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256.

const DH_P = hexFixture(`
  ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74 # the 2048-bit MODP prime of RFC 3526 §3
  020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437
  4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed
  ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05
  98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb
  9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b
  e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718
  3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff
`);

const DH_YS = hexFixture(`
  a05a10ef6736e941c932507a28d3bbc9a63cd672f10f2678fc750be7b9d2e3f5 # the server's public value
  fba472e675c4227e6096e64b4524e4c2533d95ea49faef815bcd3ba9002e9ed3
  4397cf48ec5e82b8fce9544009b7b2a0e163a6a31679eec92d120c88e1c3e490
  4428bd05af00feff9924667b43527f2f791254abdd79da86885989923f29ab66
  5df492e4f3335ab8d52d67c0d3a137bdc2b5ff7a1d2048ffaad07b0792566e0e
  6c5ef97fb3f5aaeaab18cc3f587b70aa82e82f286b476e4fbdee44e6bd03518c
  5d125b21f8a85824e906b7b46a8a9994f7c898c4ec13998bd53a1dd3904cee06
  73a91ea7d3b7f1d288a021cd63a22e735ce0bd4801b7206c7ac715f68b69462d
`);

const DHE_SIGNATURE = hexFixture(`
  137aacf195b6a0e660e96d11bbff0d951c5bb268a83f9afab6e779509b476790 # RSASSA-PSS signature
  6d574e9e7e3cf3c0aefa2e0460b3cad4f165183c810d4f832bb19f774f8e01dc
  e8cdf6533b7bec13dbde05e2d40c456c9de359ebf8d7d2ce3447dc7655d0e34d
  0d1cffb69444d932f3d956c21dccad1a27a55e93fb86d45432324297e792e060
  29af6e0f5523f68d308b4b942bb3df23da3bacc260e5c65c439db20065fcea1c
  c49665627194084efad43d36a0d8f0324d64f59f038f46f5f52bec792b25242b
  64f58954a7fe4db79018e87664a880aee5632f43eeb6b716390d14f2eebd119f
  a9ef957c4e356ba2cf25797456b2e55f74e255c03599edbaeee5f6e2c1f00fae
`);

const SKE_DHE_OPENSSL = new Uint8Array([
  ...hexFixture('0100 # params.dh_p.<length> = 256'),
  ...DH_P,
  ...hexFixture('0001 # params.dh_g.<length> = 1'),
  ...hexFixture('02   # params.dh_g = 2'),
  ...hexFixture('0100 # params.dh_Ys.<length> = 256'),
  ...DH_YS,
  ...hexFixture('0804 # signed_params.algorithm = rsa_pss_rsae_sha256'),
  ...hexFixture('0100 # signed_params.signature.<length> = 256'),
  ...DHE_SIGNATURE,
]);

test('[RFC5246-7.4.3] reads and re-encodes OpenSSL\'s DHE_RSA ServerKeyExchange', (t) => {
  t.is(keyExchangeOf(0x009e), 'dhe');
  exactServer(t, SKE_DHE_OPENSSL, 'dhe', {
    keyExchange: 'dhe',
    params: { dhP: DH_P, dhG: new Uint8Array([2]), dhYs: DH_YS },
    signedParams: { algorithm: 0x0804, signature: DHE_SIGNATURE },
  });
});

test('[RFC5246-7.4.3] ServerKeyExchange(dhe): an empty dh_g is rejected (opaque dh_g<1..2^16-1>)', (t) => {
  const bytes = hexFixture(`
    0001 17  # params.dh_p = 23
    0000     # params.dh_g.<length> = 0: below the minimum 1
    0001 05  # params.dh_Ys
    0401 0000 # signed_params
  `);
  rejectsServer(t, bytes, 'dhe', 'body.ServerKeyExchange.params.dh_g', /outside 1\.\./);
});

test('[RFC5246-7.4.3] ServerKeyExchange: the rsa key exchange has none, and says so by DecodeError', (t) => {
  const read = readServerKeyExchange as (r: Parameters<typeof readServerKeyExchange>[0], k: string) => unknown;
  const err = t.throws(() => decode(SKE_PSK_OPENSSL, ROOT, (r) => read(r, 'rsa')), { instanceOf: DecodeError });
  t.is(err?.path, 'body.ServerKeyExchange');
});

// ---------------------------------------------------------------------------------------------
// ClientKeyExchange, one per key exchange.

const CKE_ECDHE_CHROMIUM = hexFixture(`
  20       # ecdh_Yc.<length> = 32
  e71491a36fc39f60538feba79a9d857b0513c68c966b8d4aa569e1849456f067 # ecdh_Yc (x25519)
`);

test('[RFC8422-5.7] reads and re-encodes the ECDHE ClientKeyExchange Chromium sends', (t) => {
  exactClient(t, CKE_ECDHE_CHROMIUM, 'ecdhe', { keyExchange: 'ecdhe', ecdhYc: CKE_ECDHE_CHROMIUM.slice(1) });
});

test('[RFC8422-5.7] ClientKeyExchange(ecdhe): an empty body (the implicit encoding RFC 8422 dropped) and an empty point are rejected', (t) => {
  rejectsClient(t, hexFixture('00 # ecdh_Yc.<length> = 0'), 'ecdhe', 'body.ClientKeyExchange.ecdh_Yc', /outside 1\.\./);
  rejectsClient(t, new Uint8Array(0), 'ecdhe', 'body.ClientKeyExchange.ecdh_Yc.<length>', /truncated/);
});

test('ClientKeyExchange(ecdhe): a cut point and a trailing byte are rejected', (t) => {
  rejectsClient(t, CKE_ECDHE_CHROMIUM.slice(0, 20), 'ecdhe', 'body.ClientKeyExchange.ecdh_Yc', /truncated/);
  rejectsClient(t, new Uint8Array([...CKE_ECDHE_CHROMIUM, 0]), 'ecdhe', 'body', /trailing/);
});

const CKE_PSK_OPENSSL = hexFixture(`
  0007     # psk_identity.<length> = 7
  636c69656e7431 # psk_identity = 'client1'
`);

test('[RFC4279-2] reads and re-encodes OpenSSL\'s PSK ClientKeyExchange', (t) => {
  exactClient(t, CKE_PSK_OPENSSL, 'psk', { keyExchange: 'psk', pskIdentity: ascii('client1') });
  rejectsClient(t, CKE_PSK_OPENSSL.slice(0, 5), 'psk', 'body.ClientKeyExchange.psk_identity', /truncated/);
});

const CKE_ECDHE_PSK_OPENSSL = hexFixture(`
  0007     # psk_identity.<length> = 7
  636c69656e7431 # psk_identity = 'client1'
  20       # ecdh_Yc.<length> = 32
  969a52d55d4fcce929dc34fad05125cb508d82d7a6f2d1307b279a329e3b9c10 # ecdh_Yc (x25519)
`);

test('[RFC5489-2] reads and re-encodes OpenSSL\'s ECDHE_PSK ClientKeyExchange', (t) => {
  exactClient(t, CKE_ECDHE_PSK_OPENSSL, 'ecdhe_psk', {
    keyExchange: 'ecdhe_psk',
    pskIdentity: ascii('client1'),
    ecdhYc: CKE_ECDHE_PSK_OPENSSL.slice(10),
  });
});

test('[RFC5489-2] ClientKeyExchange(ecdhe_psk): a message with only the identity is rejected at ecdh_Yc', (t) => {
  rejectsClient(t, CKE_ECDHE_PSK_OPENSSL.slice(0, 9), 'ecdhe_psk', 'body.ClientKeyExchange.ecdh_Yc.<length>', /truncated/);
});

const RSA_PMS = hexFixture(`
  5885e74e68acd77cf64a8537b7b5b3e7f88cffd5b14626fbf0909081367b7110 # RSAES-PKCS1-v1_5 under the server's 2048-bit key
  28a8785c464483bac17c6fd9301e831d66866b81b42dbf410e9b03a25bb79960
  d722788b6e375aeddbb14a823dc63539b2105518dd508f8f75de221e66409f4f
  db6bf49ed82d97d4750a8bf4cdf1ea97449131d6bd0a25500a80e8f112827650
  824ab985510afc98aaea52e45b1f21e3a39632ddb1c5f2c040328388a95eac07
  56c28bacb9ef298414d84e33555a5abac3fbaf7d248e05ac097d407438396d13
  ddd8154bc880a411caf03387b35d7cb5dd7addfa139d78ace73dbc9b69bfa7e1
  f28ece21e1ebefb851bd04f1a9f0c540410b71afefdc2ec74b856fe9261c3dba
`);

const CKE_RSA_OPENSSL = new Uint8Array([...hexFixture('0100 # pre_master_secret.<length> = 256'), ...RSA_PMS]);

test('[RFC5246-7.4.7.1] reads and re-encodes OpenSSL\'s RSA ClientKeyExchange (TLS_RSA_WITH_AES_128_GCM_SHA256)', (t) => {
  t.is(keyExchangeOf(0x009c), 'rsa');
  exactClient(t, CKE_RSA_OPENSSL, 'rsa', { keyExchange: 'rsa', encryptedPreMasterSecret: RSA_PMS });
  rejectsClient(t, CKE_RSA_OPENSSL.slice(0, 200), 'rsa', 'body.ClientKeyExchange.pre_master_secret', /truncated/);
});

const DH_YC = hexFixture(`
  69d186ea5d3eba7f6481f8ef225e6f0a6e1a62a4b19075eae47bf53a288ffe55 # the client's public value
  6e0ea4bc8fc3584dbd79f4d750ce550465576fd45abc29432983bb527f74c43b
  4ede8ffd90a4437450204d1b5cbe282297e681016dc3a5545b2e1211ff472a7e
  3cea08b5cc94d99a593c57c60931579131a6e2fa291aafe42762422e2a96a9c9
  81d9c1ac6767a62a91e78c76f44037a390a92e03fe1f27d2a06afb9fb4f091b5
  dde252405b45eba00de60ea6013529aac26c16adf5e1cc43469eaf786c9504c9
  5a71d080626e9fccbf17681fc171832f447a7c3cfbbdf0c91514da56c1a12d64
  a6becf3fe5c2fa8a1b2a346cf9171b78576c9a74cd3d3fef46c0c2769d31baf7
`);

test('[RFC5246-7.4.7.2] reads and re-encodes OpenSSL\'s DHE ClientKeyExchange', (t) => {
  const bytes = new Uint8Array([...hexFixture('0100 # dh_Yc.<length> = 256'), ...DH_YC]);
  exactClient(t, bytes, 'dhe', { keyExchange: 'dhe', dhYc: DH_YC });
  rejectsClient(t, hexFixture('0000 # dh_Yc.<length> = 0'), 'dhe', 'body.ClientKeyExchange.dh_Yc', /outside 1\.\./);
});

test('the same bytes read differently by key exchange: the reader must be told which', (t) => {
  // Chromium's 33-byte ECDHE ClientKeyExchange is not a PSK one: 0x20e7 would be the identity length.
  rejectsClient(t, CKE_ECDHE_CHROMIUM, 'psk', 'body.ClientKeyExchange.psk_identity', /truncated/);
  // OpenSSL's PSK ServerKeyExchange read as ECDHE: curve_type 0x00 is not named_curve.
  rejectsServer(t, SKE_PSK_OPENSSL, 'ecdhe', 'body.ServerKeyExchange.params.curve_params.curve_type');
});

test('the trace of a ServerKeyExchange names every field with the RFC section of its structure', (t) => {
  const trace = new Trace();
  const r = Reader.from(SKE_ECDHE_PSK_OPENSSL, ROOT, trace);
  readServerKeyExchange(r, 'ecdhe_psk');
  const leaves = trace.entries.filter((e) => !e.isStruct).map((e) => [e.path, e.rfc]);
  t.deepEqual(leaves, [
    ['body.ServerKeyExchange.psk_identity_hint.<length>', 'RFC 5489 §2'],
    ['body.ServerKeyExchange.psk_identity_hint', 'RFC 5489 §2'],
    ['body.ServerKeyExchange.params.curve_params.curve_type', 'RFC 8422 §5.4'],
    ['body.ServerKeyExchange.params.curve_params.namedcurve', 'RFC 8422 §5.4'],
    ['body.ServerKeyExchange.params.public.<length>', 'RFC 8422 §5.4'],
    ['body.ServerKeyExchange.params.public', 'RFC 8422 §5.4'],
  ]);
});
