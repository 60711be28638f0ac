import test from 'ava';
import { ecb } from '@noble/ciphers/aes.js';
import { readFileSync } from 'node:fs';
import { readSharedJson, sharedPath, sharedTest } from '../../testkit/shared.ts';
import { AES_128_GCM } from './aead.ts';
import { sha256, sha384 } from './hash.ts';
import { deriveSecret, hkdfExpand, hkdfExpandLabel, hkdfExtract, hkdfLabel } from './hkdf.ts';
import { accepted, assertWycheproofRun, bytesToHex, equalBytes, hexFigure, rejected, runWycheproof } from './_testing.ts';

const VECTORS = ['vectors', 'wycheproof', 'testvectors_v1'];
const EMPTY = new Uint8Array(0);

for (const [hash, file] of [
  [sha256, 'hkdf_sha256_test.json'],
  [sha384, 'hkdf_sha384_test.json'],
] as const) {
  sharedTest(`[wycheproof] HKDF-${hash.name}: ${file}, Extract then Expand, every case`, [...VECTORS, file], (t) => {
    const run = runWycheproof(file.replace('_test.json', ''), readSharedJson(...VECTORS, file), (_group, c) => {
      const prk = hkdfExtract(hash, c.hex('salt'), c.hex('ikm'));
      const okm = hkdfExpand(hash, prk, c.hex('info'), c.int('size'));
      return equalBytes(okm, c.hex('okm')) ? accepted : rejected(`HKDF gave ${bytesToHex(okm)}`);
    });
    assertWycheproofRun(t, run, {});
  });
}

// RFC 8448 §3 "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256), typed in as facts.
const F = {
  /** {server} derive secret for handshake "tls13 derived": hash (SHA-256 of the empty string) */
  emptyHash: hexFigure('e3 b0 c4 42 98 fc 1c 14 9a fb f4 c8 99 6f b9 24 27 ae 41 e4 64 9b 93 4c a4 95 99 1b 78 52 b8 55'),
  /** {server} extract secret "early": secret */
  earlySecret: hexFigure('33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a'),
  /** {server} derive secret for handshake "tls13 derived": expanded */
  derivedForHandshake: hexFigure('6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba b6 97 16 c0 76 18 9c 48 25 0c eb ea c3 57 6c 36 11 ba'),
  /** {server} extract secret "handshake": IKM (the x25519 shared secret) */
  ecdheShared: hexFigure('8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d'),
  /** {server} extract secret "handshake": secret */
  handshakeSecret: hexFigure('1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac'),
  /** {server} derive secret "tls13 c hs traffic": hash (Transcript-Hash(ClientHello..ServerHello)) */
  helloHash: hexFigure('86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8'),
  /** {server} derive secret "tls13 c hs traffic": expanded */
  clientHandshakeTraffic: hexFigure('b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21'),
  /** {server} derive secret "tls13 s hs traffic": expanded */
  serverHandshakeTraffic: hexFigure('b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38'),
  /** {server} derive secret for master "tls13 derived": expanded */
  derivedForMaster: hexFigure('43 de 77 e0 c7 77 13 85 9a 94 4d b9 db 25 90 b5 31 90 a6 5b 3e e2 e4 f1 2d d7 a0 bb 7c e2 54 b4'),
  /** {server} extract secret "master": secret */
  masterSecret: hexFigure('18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 29 19'),
  /** {server} derive secret "tls13 c ap traffic": hash (Transcript-Hash(ClientHello..server Finished)) */
  serverFinishedHash: hexFigure('96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 df 13'),
  /** {server} derive secret "tls13 c ap traffic": expanded */
  clientApplicationTraffic: hexFigure('9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5'),
  /** {server} derive secret "tls13 s ap traffic": expanded */
  serverApplicationTraffic: hexFigure('a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43'),
  /** {server} derive secret "tls13 exp master": expanded */
  exporterMaster: hexFigure('fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67 92 c5 0c 9a 3f 89 45 2f 68 d8 ae 31 1b 43 09 d3 cf 50'),
  /** {server} derive write traffic keys for handshake data: key expanded */
  serverHandshakeKey: hexFigure('3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc'),
  /** {server} derive write traffic keys for handshake data: iv expanded */
  serverHandshakeIv: hexFigure('5d 31 3e b2 67 12 76 ee 13 00 0b 30'),
  /** {server} derive read traffic keys for handshake data: key expanded (the client's write key) */
  clientHandshakeKey: hexFigure('db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01'),
  /** {server} derive read traffic keys for handshake data: iv expanded */
  clientHandshakeIv: hexFigure('5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f'),
  /** {server} derive write traffic keys for application data: key expanded */
  serverApplicationKey: hexFigure('9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56'),
  /** {server} derive write traffic keys for application data: iv expanded */
  serverApplicationIv: hexFigure('cf 78 2b 88 dd 83 54 9a ad f1 e9 84'),
  /** {client} derive write traffic keys for application data: key expanded */
  clientApplicationKey: hexFigure('17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51'),
  /** {client} derive write traffic keys for application data: iv expanded */
  clientApplicationIv: hexFigure('5b 78 92 3d ee 08 57 90 33 e5 23 d9'),
  /** {server} calculate finished "tls13 finished": expanded (the server's finished_key) */
  serverFinishedKey: hexFigure('00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8'),
  /** {server} derive write traffic keys for handshake data: key info (the HkdfLabel for "key", 16) */
  keyInfo: hexFigure('00 10 09 74 6c 73 31 33 20 6b 65 79 00'),
  /** {server} derive write traffic keys for handshake data: iv info (the HkdfLabel for "iv", 12) */
  ivInfo: hexFigure('00 0c 08 74 6c 73 31 33 20 69 76 00'),
};

test('[RFC8446-7.1] the "tls13 " key schedule reproduces RFC 8448 §3 secrets, from early secret to application traffic', (t) => {
  const h = sha256;
  const zeros = new Uint8Array(h.outputLength);
  t.deepEqual(h.digest(EMPTY), F.emptyHash);
  const early = hkdfExtract(h, EMPTY, zeros);
  t.deepEqual(early, F.earlySecret, 'early secret');
  const derived1 = deriveSecret(h, early, 'derived', F.emptyHash, 'tls13 ');
  t.deepEqual(derived1, F.derivedForHandshake, 'derived (handshake)');
  const handshake = hkdfExtract(h, derived1, F.ecdheShared);
  t.deepEqual(handshake, F.handshakeSecret, 'handshake secret');
  t.deepEqual(deriveSecret(h, handshake, 'c hs traffic', F.helloHash, 'tls13 '), F.clientHandshakeTraffic, 'client handshake traffic secret');
  t.deepEqual(deriveSecret(h, handshake, 's hs traffic', F.helloHash, 'tls13 '), F.serverHandshakeTraffic, 'server handshake traffic secret');
  const derived2 = deriveSecret(h, handshake, 'derived', F.emptyHash, 'tls13 ');
  t.deepEqual(derived2, F.derivedForMaster, 'derived (master)');
  const master = hkdfExtract(h, derived2, zeros);
  t.deepEqual(master, F.masterSecret, 'master secret');
  t.deepEqual(deriveSecret(h, master, 'c ap traffic', F.serverFinishedHash, 'tls13 '), F.clientApplicationTraffic, 'client application traffic secret');
  t.deepEqual(deriveSecret(h, master, 's ap traffic', F.serverFinishedHash, 'tls13 '), F.serverApplicationTraffic, 'server application traffic secret');
  t.deepEqual(deriveSecret(h, master, 'exp master', F.serverFinishedHash, 'tls13 '), F.exporterMaster, 'exporter master secret');
});

test('[RFC8446-7.3] "tls13 " traffic keys and IVs reproduce RFC 8448 §3 write keys, and the finished key', (t) => {
  const h = sha256;
  const keyAndIv = (secret: Uint8Array): [Uint8Array, Uint8Array] => [
    hkdfExpandLabel(h, secret, 'key', EMPTY, 16, 'tls13 '),
    hkdfExpandLabel(h, secret, 'iv', EMPTY, 12, 'tls13 '),
  ];
  t.deepEqual(keyAndIv(F.serverHandshakeTraffic), [F.serverHandshakeKey, F.serverHandshakeIv], 'server handshake write key/iv');
  t.deepEqual(keyAndIv(F.clientHandshakeTraffic), [F.clientHandshakeKey, F.clientHandshakeIv], 'client handshake write key/iv');
  t.deepEqual(keyAndIv(F.serverApplicationTraffic), [F.serverApplicationKey, F.serverApplicationIv], 'server application write key/iv');
  t.deepEqual(keyAndIv(F.clientApplicationTraffic), [F.clientApplicationKey, F.clientApplicationIv], 'client application write key/iv');
  t.deepEqual(hkdfExpandLabel(h, F.serverHandshakeTraffic, 'finished', EMPTY, 32, 'tls13 '), F.serverFinishedKey, 'server finished_key');
});

test('[RFC8446-7.1] "tls13 " HkdfLabel bytes are RFC 8448\'s "key info" and "iv info"', (t) => {
  t.deepEqual(hkdfLabel('key', EMPTY, 16, 'tls13 '), F.keyInfo);
  t.deepEqual(hkdfLabel('iv', EMPTY, 12, 'tls13 '), F.ivInfo);
});

test('[RFC9147-5.9] "dtls13" HkdfLabel: label length is 6 + label.length, no space after the prefix', (t) => {
  // Written by hand from RFC 9147 §5.9 and the RFC 8446 §7.1 struct, one field per line.
  const keyLabel = Uint8Array.of(
    0x00, 0x10, //                                        uint16 length = 16
    0x09, //                                              label length = 6 + 3
    0x64, 0x74, 0x6c, 0x73, 0x31, 0x33, //                "dtls13" (no trailing space)
    0x6b, 0x65, 0x79, //                                  "key"
    0x00, //                                              context length = 0
  );
  t.deepEqual(hkdfLabel('key', EMPTY, 16, 'dtls13'), keyLabel);
  const context = Uint8Array.of(0xaa, 0xbb, 0xcc);
  const trafficLabel = Uint8Array.of(
    0x00, 0x30, //                                        uint16 length = 48 (a SHA-384 secret)
    0x12, //                                              label length = 6 + 12
    0x64, 0x74, 0x6c, 0x73, 0x31, 0x33, //                "dtls13"
    0x63, 0x20, 0x68, 0x73, 0x20, 0x74, 0x72, 0x61, 0x66, 0x66, 0x69, 0x63, // "c hs traffic"
    0x03, //                                              context length = 3
    0xaa, 0xbb, 0xcc, //                                  context
  );
  t.deepEqual(hkdfLabel('c hs traffic', context, 48, 'dtls13'), trafficLabel);
  // Key separation: the same inputs under the two prefixes give different keys.
  const secret = F.serverHandshakeTraffic;
  t.notDeepEqual(hkdfExpandLabel(sha256, secret, 'key', EMPTY, 16, 'dtls13'), F.serverHandshakeKey);
  t.deepEqual(
    hkdfExpandLabel(sha256, secret, 'key', EMPTY, 16, 'dtls13'),
    hkdfExpand(sha256, secret, keyLabel, 16),
  );
});

test('[RFC8446-7.1] HkdfLabel refuses what its struct cannot hold: label over 255, context over 255, length over 65535', (t) => {
  t.throws(() => hkdfLabel('x'.repeat(250), EMPTY, 16, 'tls13 '), { message: 'HkdfLabel: prefix + label must be 7..255 bytes, got 256' });
  t.throws(() => hkdfLabel('', EMPTY, 16, 'dtls13'), { message: 'HkdfLabel: prefix + label must be 7..255 bytes, got 6' });
  t.throws(() => hkdfLabel('key', new Uint8Array(256), 16, 'tls13 '), { message: 'HkdfLabel: context must be at most 255 bytes, got 256' });
  t.throws(() => hkdfLabel('key', EMPTY, 65536, 'tls13 '), { message: 'HkdfLabel: length must be a uint16, got 65536' });
  t.throws(() => deriveSecret(sha384, new Uint8Array(48), 'derived', F.emptyHash, 'tls13 '), {
    message: 'Derive-Secret: transcriptHash must be 48 bytes (sha384), got 32',
  });
  t.throws(() => hkdfExpand(sha256, new Uint8Array(32), EMPTY, 255 * 32 + 1), { message: /length must be an integer in 0\.\.8160/ });
});

const CAPTURES = ['vectors', 'illustrated-dtls', 'captures'];

/**
 * A real DTLS 1.3 handshake (wolfSSL, TLS_AES_128_GCM_SHA256) with its NSS keylog: "dtls13" keys
 * derived from the logged traffic secrets must open the captured records. Each record here is the
 * first of its epoch and uses the unified header with a 16-bit sequence number and a length
 * (RFC 9147 §4): 0b001CSLEE, encrypted seq (2), length (2), ciphertext.
 */
sharedTest('[RFC9147-5.9] "dtls13" keys from a real DTLS 1.3 keylog (illustrated-dtls) unmask record numbers and open records', CAPTURES, (t) => {
  const keylog = new Map<string, Uint8Array>();
  for (const line of readFileSync(sharedPath(...CAPTURES, 'keylog.txt'), 'utf8').split('\n')) {
    const [label, , secret] = line.trim().split(' ');
    if (label !== undefined && secret !== undefined) keylog.set(label, hexFigure(secret));
  }
  const records = [
    ['03-encext-shs-prot', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'record-encext'],
    ['07-fin-chs-prot', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'record-cfin'],
    ['09-data-cap-prot', 'CLIENT_TRAFFIC_SECRET', 'record-cdata'],
  ] as const;
  for (const [file, secretName, plaintextFile] of records) {
    const secret = keylog.get(secretName);
    if (secret === undefined) throw new Error(`keylog.txt has no ${secretName}`);
    const record = new Uint8Array(readFileSync(sharedPath(...CAPTURES, 'caps', file)));
    const expected = new Uint8Array(readFileSync(sharedPath(...CAPTURES, 'caps', plaintextFile)));
    t.is(record[0] & 0b1110_1100, 0b0010_1100, `${file}: unified header with S = 1 (16-bit seq) and L = 1`);
    const ciphertext = record.subarray(5);
    t.is((record[3] << 8) | record[4], ciphertext.length, `${file}: length field`);
    const keys = (prefix: 'tls13 ' | 'dtls13') => ({
      key: hkdfExpandLabel(sha256, secret, 'key', EMPTY, 16, prefix),
      iv: hkdfExpandLabel(sha256, secret, 'iv', EMPTY, 12, prefix),
      sn: hkdfExpandLabel(sha256, secret, 'sn', EMPTY, 16, prefix),
    });
    const { key, iv, sn } = keys('dtls13');
    // RFC 9147 §4.2.3: Mask = AES-ECB(sn_key, Ciphertext[0..15]); the sequence number is xored with it.
    const mask = ecb(sn, { disablePadding: true }).encrypt(ciphertext.subarray(0, 16));
    const seq = ((record[1] ^ mask[0]) << 8) | (record[2] ^ mask[1]);
    t.is(seq, 0, `${file}: the first record of its epoch has sequence number 0`);
    // RFC 9147 §4: the AAD is the header as sent but before record number encryption.
    const aad = Uint8Array.of(record[0], seq >> 8, seq & 0xff, record[3], record[4]);
    // RFC 8446 §5.3: nonce = iv xor the 64-bit sequence number, left-padded.
    const nonce = iv.slice();
    nonce[10] ^= seq >> 8;
    nonce[11] ^= seq & 0xff;
    t.deepEqual(AES_128_GCM.open(key, nonce, ciphertext, aad), expected, `${file}: opens with "dtls13" keys`);
    t.is(AES_128_GCM.open(keys('tls13 ').key, nonce, ciphertext, aad), undefined, `${file}: does not open with "tls13 " keys`);
  }
});
