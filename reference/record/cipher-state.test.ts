import test from 'ava';
import { createCipheriv } from 'node:crypto';
import { sha384 } from '../crypto/hash.ts';
import { keyExpansion } from '../crypto/prf.ts';
import { DtlsError } from '../errors.ts';
import { CipherSuite, ContentType, ProtocolVersion } from '../wire/enums.ts';
import { CIPHER_SUITES } from '../wire/suites.ts';
import { bytesToHex, hexFigure } from './_testing.ts';
import {
  AEAD_PROFILES,
  CipherState,
  additionalData,
  aeadNonce,
  aeadProfileOf,
  cidAdditionalData,
  deriveKeys,
  isAeadBulkCipher,
  innerPlaintext,
  keyBlockLength,
  keysFromKeyBlock,
  parseInnerPlaintext,
  sequenceBytes,
  type AeadBulkCipher,
  type CidHeader,
  type RecordHeader,
} from './cipher-state.ts';

const S = CipherSuite;
const DTLS12 = ProtocolVersion.DTLSv1_2;

/** A fixed key block: 00 01 02 ... so every key and IV can be read off by position. */
const KEY_BLOCK = Uint8Array.from({ length: 128 }, (_, i) => i);

const HEADER: RecordHeader = { type: ContentType.application_data, version: DTLS12, epoch: 1, sequenceNumber: 5 };
const CID_HEADER: CidHeader = { version: DTLS12, epoch: 1, sequenceNumber: 5, cid: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) };
const TEXT = new TextEncoder().encode('hello, record'); // 13 bytes

/** One suite per AEAD bulk cipher that suites.ts lists for DTLS 1.2. */
const SUITE_PER_CIPHER = new Map<AeadBulkCipher, number>();
for (const [suite, info] of CIPHER_SUITES) {
  const { cipher } = info;
  if (!info.tls13 && info.mac === 'aead' && isAeadBulkCipher(cipher) && !SUITE_PER_CIPHER.has(cipher)) SUITE_PER_CIPHER.set(cipher, suite);
}

test('[RFC5246-6.2.3.3-aead-suites] every DTLS 1.2 AEAD bulk cipher of suites.ts has a profile', (t) => {
  t.deepEqual([...SUITE_PER_CIPHER.keys()].sort(), Object.keys(AEAD_PROFILES).sort());
  t.is(SUITE_PER_CIPHER.size, 7);
});

test('[RFC5246-6.3-key-block] key block lengths: 2 x (key + fixed IV), no MAC keys for AEADs', (t) => {
  t.is(keyBlockLength(S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), 2 * (16 + 4));
  t.is(keyBlockLength(S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), 2 * (32 + 4));
  t.is(keyBlockLength(S.TLS_PSK_WITH_AES_128_CCM_8), 2 * (16 + 4));
  t.is(keyBlockLength(S.TLS_ECDHE_ECDSA_WITH_AES_256_CCM), 2 * (32 + 4));
  t.is(keyBlockLength(S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256), 2 * (32 + 12));
});

test('[RFC5246-6.3-key-block] the block splits as client key, server key, client IV, server IV', (t) => {
  const suite = S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
  const client = keysFromKeyBlock(suite, KEY_BLOCK, 'client');
  const server = keysFromKeyBlock(suite, KEY_BLOCK, 'server');
  t.is(bytesToHex(client.write.key), '000102030405060708090a0b0c0d0e0f'); // client_write_key
  t.is(bytesToHex(client.read.key), '101112131415161718191a1b1c1d1e1f'); // server_write_key
  t.is(bytesToHex(client.write.iv), '20212223'); // client_write_IV (GCM salt)
  t.is(bytesToHex(client.read.iv), '24252627'); // server_write_IV
  t.deepEqual(server.write, client.read);
  t.deepEqual(server.read, client.write);
  const chacha = keysFromKeyBlock(S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, KEY_BLOCK, 'client');
  t.is(chacha.write.key[0], 0x00);
  t.is(chacha.read.key[0], 0x20);
  t.is(bytesToHex(chacha.write.iv), '404142434445464748494a4b');
  t.is(bytesToHex(chacha.read.iv), '4c4d4e4f5051525354555657');
});

test('[RFC5246-6.3-key-block] configuration errors: short key block, CBC, 1.3 and unknown suites', (t) => {
  const gcm = S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
  t.throws(() => keysFromKeyBlock(gcm, KEY_BLOCK.subarray(0, 39), 'client'), { instanceOf: DtlsError, message: /at least 40/ });
  t.throws(() => aeadProfileOf(S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA), { instanceOf: DtlsError, message: /only AEAD/ });
  t.throws(() => aeadProfileOf(S.TLS_AES_128_GCM_SHA256), { instanceOf: DtlsError, message: /1\.3/ });
  t.throws(() => aeadProfileOf(0xfafa), { instanceOf: DtlsError, message: /unknown/ });
  const keys = keysFromKeyBlock(gcm, KEY_BLOCK, 'client').write;
  t.throws(() => new CipherState(AEAD_PROFILES.aes_256_gcm, keys), { instanceOf: DtlsError, message: /key must be 32/ });
});

test('[RFC6347-4.1.2.1-seq-num] the 64-bit DTLS sequence number is epoch(16) || sequence_number(48)', (t) => {
  t.is(bytesToHex(sequenceBytes(1, 5)), '0001000000000005');
  t.is(bytesToHex(sequenceBytes(0xffff, 2 ** 48 - 1)), 'ffffffffffffffff');
  t.is(bytesToHex(sequenceBytes(0x1234, 0x0000_5678_9abc)), '12340000' + '56789abc');
  t.throws(() => sequenceBytes(1, 2 ** 48), { instanceOf: DtlsError });
  t.throws(() => sequenceBytes(0x10000, 0), { instanceOf: DtlsError });
});

test('[RFC5246-6.2.3.3-aead-aad] additional data: seq_num || type || version || length', (t) => {
  const expected = hexFigure(`
    0001           # epoch
    000000000005   # sequence_number
    17             # type: application_data
    fefd           # version: DTLS 1.2
    000d           # length: of the plaintext (13)
  `);
  t.is(bytesToHex(additionalData(HEADER, TEXT.length)), bytesToHex(expected));
});

test('[RFC9146-5.3-cid-aad] tls12_cid additional data, RFC 9146 final form', (t) => {
  const expected = hexFigure(`
    ffffffffffffffff  # seq_num_placeholder
    19                # tls12_cid
    04                # cid_length
    19                # tls12_cid
    fefd              # DTLSCiphertext.version
    0001              # epoch
    000000000005      # sequence_number
    deadbeef          # cid
    000e              # length_of_DTLSInnerPlaintext: 13 content + 1 real_type
  `);
  t.is(bytesToHex(cidAdditionalData(CID_HEADER, TEXT.length + 1)), bytesToHex(expected));
});

test('[RFC5288-3-gcm-nonce] [RFC6655-3-ccm-nonce] nonce = salt(4) || nonce_explicit(8)', (t) => {
  const keys = keysFromKeyBlock(S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, KEY_BLOCK, 'client').write;
  const expected = hexFigure(`
    20212223          # salt: client_write_IV
    0001000000000005  # nonce_explicit: epoch || sequence_number
  `);
  for (const p of [AEAD_PROFILES.aes_128_gcm, AEAD_PROFILES.aes_128_ccm, AEAD_PROFILES.aes_128_ccm_8]) {
    t.is(bytesToHex(aeadNonce(p, keys.iv, sequenceBytes(1, 5))), bytesToHex(expected), p.aead.name);
  }
});

test('[RFC7905-2-chacha-nonce] nonce = IV xor (0^32 || epoch || sequence_number)', (t) => {
  const keys = keysFromKeyBlock(S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, KEY_BLOCK, 'client').write;
  const expected = hexFigure(`
    40414243      # client_write_IV[0..3] (40414243) xor 00000000
    4444          # client_write_IV[4..5] (4445) xor epoch (0001)
    464748494a4e  # client_write_IV[6..11] (464748494a4b) xor sequence_number (000000000005)
  `);
  t.is(bytesToHex(aeadNonce(AEAD_PROFILES.chacha20_poly1305, keys.iv, sequenceBytes(1, 5))), bytesToHex(expected));
});

test('[RFC9146-4-inner-plaintext] DTLSInnerPlaintext = content || real_type || zeros', (t) => {
  const inner = innerPlaintext(ContentType.application_data, Uint8Array.of(0xaa, 0x00), 3);
  t.is(bytesToHex(inner), 'aa00' + '17' + '000000');
  t.deepEqual(parseInnerPlaintext(inner), { type: 0x17, content: Uint8Array.of(0xaa, 0x00) });
  t.is(parseInnerPlaintext(new Uint8Array(4)), undefined, 'all zeros: no content type');
  t.is(parseInnerPlaintext(new Uint8Array(0)), undefined);
  t.throws(() => innerPlaintext(0, TEXT), { instanceOf: DtlsError });
});

/** node:crypto's seal, an independent check of the nonce and AAD we feed our AEADs. */
function nodeSeal(cipher: AeadBulkCipher, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): string {
  const p = AEAD_PROFILES[cipher];
  const bits = p.keyLength * 8;
  const c =
    cipher === 'chacha20_poly1305'
      ? createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
      : cipher.includes('gcm')
        ? createCipheriv(bits === 128 ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce)
        : createCipheriv(bits === 128 ? 'aes-128-ccm' : 'aes-256-ccm', key, nonce, { authTagLength: p.tagLength });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]).toString('hex');
}

for (const [cipher, suite] of SUITE_PER_CIPHER) {
  test(`[RFC5246-6.2.3.3-aead-aad] ${cipher}: sealed bytes match node:crypto over our nonce and AAD`, (t) => {
    const keys = keysFromKeyBlock(suite, KEY_BLOCK, 'client');
    const state = CipherState.forSuite(suite, keys.write);
    const p = state.profile;
    const fragment = state.seal(HEADER, TEXT);
    t.is(fragment.length, p.recordIvLength + TEXT.length + p.tagLength);
    const seq64 = sequenceBytes(HEADER.epoch, HEADER.sequenceNumber);
    const explicit = p.recordIvLength === 8 ? bytesToHex(seq64) : '';
    const body = nodeSeal(cipher, keys.write.key, aeadNonce(p, keys.write.iv, seq64), TEXT, additionalData(HEADER, TEXT.length));
    t.is(bytesToHex(fragment), explicit + body);

    const encContent = state.sealCid(CID_HEADER, ContentType.application_data, TEXT, 2);
    const inner = innerPlaintext(ContentType.application_data, TEXT, 2);
    const cidBody = nodeSeal(cipher, keys.write.key, aeadNonce(p, keys.write.iv, seq64), inner, cidAdditionalData(CID_HEADER, inner.length));
    t.is(bytesToHex(encContent), explicit + cidBody);
  });

  test(`[RFC6347-4.1.2.7-discard-invalid] ${cipher}: round trip; tampering or truncation is a value, not a throw`, (t) => {
    const keys = keysFromKeyBlock(suite, KEY_BLOCK, 'client');
    const writer = CipherState.forSuite(suite, keys.write);
    const reader = CipherState.forSuite(suite, keysFromKeyBlock(suite, KEY_BLOCK, 'server').read);
    const fragment = writer.seal(HEADER, TEXT);
    t.deepEqual(reader.open(HEADER, fragment), { ok: true, type: HEADER.type, content: TEXT });
    t.deepEqual(reader.open(HEADER, writer.seal(HEADER, new Uint8Array(0))), { ok: true, type: HEADER.type, content: new Uint8Array(0) });
    // Every header field is authenticated.
    for (const changed of [
      { ...HEADER, sequenceNumber: 6 },
      { ...HEADER, epoch: 2 },
      { ...HEADER, type: ContentType.handshake },
      { ...HEADER, version: ProtocolVersion.DTLSv1_0 },
    ]) {
      t.deepEqual(reader.open(changed, fragment), { ok: false, reason: 'bad-mac' });
    }
    const flipped = fragment.slice();
    flipped[0] ^= 1; // the explicit nonce for GCM/CCM, the ciphertext for ChaCha
    t.deepEqual(reader.open(HEADER, flipped), { ok: false, reason: 'bad-mac' });
    t.deepEqual(reader.open(HEADER, fragment.subarray(0, writer.overhead - 1)), { ok: false, reason: 'bad-length' });
    t.deepEqual(reader.open(HEADER, new Uint8Array(0)), { ok: false, reason: 'bad-length' });
    // The wrong direction's keys do not open it.
    t.deepEqual(CipherState.forSuite(suite, keys.read).open(HEADER, fragment), { ok: false, reason: 'bad-mac' });
  });

  test(`[RFC9146-5.3-cid-aad] ${cipher}: tls12_cid round trip with padding; cid is authenticated`, (t) => {
    const writer = CipherState.forSuite(suite, keysFromKeyBlock(suite, KEY_BLOCK, 'server').write);
    const reader = CipherState.forSuite(suite, keysFromKeyBlock(suite, KEY_BLOCK, 'client').read);
    const enc = writer.sealCid(CID_HEADER, ContentType.alert, Uint8Array.of(1, 0), 5);
    t.is(enc.length, writer.overhead + 2 + 1 + 5);
    t.deepEqual(reader.openCid(CID_HEADER, enc), { ok: true, type: ContentType.alert, content: Uint8Array.of(1, 0) });
    t.deepEqual(reader.openCid({ ...CID_HEADER, cid: Uint8Array.of(0xde, 0xad, 0xbe, 0xee) }, enc), { ok: false, reason: 'bad-mac' });
    t.deepEqual(reader.openCid(CID_HEADER, enc.subarray(0, writer.overhead)), { ok: false, reason: 'bad-length' });
    // A plaintext-format reading of the same bytes does not authenticate (different AAD).
    t.deepEqual(reader.open({ ...CID_HEADER, type: ContentType.tls12_cid }, enc), { ok: false, reason: 'bad-mac' });
  });
}

test('[RFC9146-4-inner-plaintext] an authentic DTLSInnerPlaintext of only zeros is refused as bad-length', (t) => {
  const suite = S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
  const keys = keysFromKeyBlock(suite, KEY_BLOCK, 'client').write;
  const p = AEAD_PROFILES.aes_128_gcm;
  const seq64 = sequenceBytes(1, 5);
  const zeros = new Uint8Array(4);
  const sealed = p.aead.seal(keys.key, aeadNonce(p, keys.iv, seq64), zeros, cidAdditionalData(CID_HEADER, zeros.length));
  const enc = new Uint8Array(8 + sealed.length);
  enc.set(seq64);
  enc.set(sealed, 8);
  t.deepEqual(new CipherState(p, keys).openCid(CID_HEADER, enc), { ok: false, reason: 'bad-length' });
});

test('[RFC5246-6.3-key-block] deriveKeys: PRF key expansion with the suite hash, cut per role', (t) => {
  const master = new Uint8Array(48).fill(0x0b);
  const cr = new Uint8Array(32).fill(0xc1);
  const sr = new Uint8Array(32).fill(0x5e);
  const suite = S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
  const client = deriveKeys(suite, master, cr, sr, 'client');
  const server = deriveKeys(suite, master, cr, sr, 'server');
  t.deepEqual(client.write, server.read);
  // The SHA-384 PRF of this suite, server_random first (RFC 5246 §6.3), cut 32 + 32 + 4 + 4.
  const block = keyExpansion(sha384, master, sr, cr, 72);
  t.deepEqual(client.write, { key: block.slice(0, 32), iv: block.slice(64, 68) });
  t.deepEqual(client.read, { key: block.slice(32, 64), iv: block.slice(68, 72) });
  const sealed = new CipherState(AEAD_PROFILES.aes_256_gcm, client.write).seal(HEADER, TEXT);
  t.deepEqual(new CipherState(AEAD_PROFILES.aes_256_gcm, server.read).open(HEADER, sealed), { ok: true, type: HEADER.type, content: TEXT });
});
