import test from 'ava';
import * as fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { readSharedJson, sharedTest } from '../../testkit/shared.ts';
import { sha256, sha384, type Hash } from './hash.ts';
import { extendedMasterSecret, keyExpansion, masterSecret, pHash, prf, verifyData } from './prf.ts';
import { assertProperty, bytesToHex, Fields } from './_testing.ts';

const PRF_FILE = ['vectors', 'tls12-prf', 'tls12_prf_vectors.json'];

function hashFromVector(name: string): Hash {
  if (name === 'SHA-256') return sha256;
  if (name === 'SHA-384') return sha384;
  throw new Error(`tls12_prf_vectors.json: unknown hash ${JSON.stringify(name)}`);
}

sharedTest('[RFC5246-5] TLS 1.2 PRF reproduces every vector of tls12_prf_vectors.json, via the helper its label names', PRF_FILE, (t) => {
  const file = new Fields('tls12_prf_vectors.json', readSharedJson(...PRF_FILE));
  const vectors = file.list('vectors').map((v, i) => new Fields(`tls12_prf_vectors.json/vectors[${i}]`, v));
  t.is(vectors.length, 4, 'the file holds 4 vectors; a new one must be looked at');
  const helpersUsed: string[] = [];
  for (const v of vectors) {
    const hash = hashFromVector(v.str('hash'));
    const secret = v.hex('secret');
    const label = v.str('label');
    const seed = v.hex('seed');
    const expected = v.str('output');
    t.is(bytesToHex(prf(hash, secret, label, seed, expected.length / 2)), expected, `${v.where}: PRF`);
    if (label === 'master secret') {
      const parts = v.object('seed_parts');
      const ours = masterSecret(hash, secret, parts.hex('client_random'), parts.hex('server_random'));
      t.is(bytesToHex(ours), expected, `${v.where}: masterSecret`);
      helpersUsed.push('masterSecret');
    } else if (label === 'key expansion') {
      const parts = v.object('seed_parts');
      const ours = keyExpansion(hash, secret, parts.hex('server_random'), parts.hex('client_random'), expected.length / 2);
      t.is(bytesToHex(ours), expected, `${v.where}: keyExpansion`);
      helpersUsed.push('keyExpansion');
    }
  }
  t.deepEqual(helpersUsed.sort(), ['keyExpansion', 'masterSecret']);
});

/** P_hash written from RFC 5246 §5 with node:crypto's HMAC, as an independent reference. */
function referencePHash(hash: Hash, secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const mac = (data: Uint8Array): Buffer => createHmac(hash.name, secret).update(data).digest();
  let out = Buffer.alloc(0);
  let a: Buffer = Buffer.from(seed); // A(0)
  while (out.length < length) {
    a = mac(a); // A(i)
    out = Buffer.concat([out, mac(Buffer.concat([a, seed]))]);
  }
  return out.subarray(0, length);
}

test('[RFC5246-5] P_SHA256 and P_SHA384 agree with an independent node:crypto P_hash on random inputs', (t) => {
  const property = fc.property(
    fc.constantFrom(sha256, sha384),
    fc.uint8Array({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 100 }),
    fc.integer({ min: 0, max: 300 }),
    (hash, secret, seed, length) => referencePHash(hash, secret, seed, length).equals(pHash(hash, secret, seed, length)),
  );
  assertProperty(t, property, 200);
});

test('[RFC7627-4] extendedMasterSecret is PRF(pre_master_secret, "extended master secret", session_hash)[0..47]', (t) => {
  const pre = Uint8Array.from({ length: 48 }, (_, i) => i);
  const sessionHash = sha256.digest(new TextEncoder().encode('handshake messages through ClientKeyExchange'));
  const label = new TextEncoder().encode('extended master secret');
  const expected = referencePHash(sha256, pre, new Uint8Array([...label, ...sessionHash]), 48);
  t.deepEqual(Buffer.from(extendedMasterSecret(sha256, pre, sessionHash)), expected);
});

test('[RFC5246-7.4.9] verifyData is 12 bytes of PRF(master_secret, finished_label, Hash(handshake_messages))', (t) => {
  const master = Uint8Array.from({ length: 48 }, (_, i) => 255 - i);
  const handshakeHash = sha384.digest(Uint8Array.of(1, 2, 3));
  for (const label of ['client finished', 'server finished'] as const) {
    const expected = referencePHash(sha384, master, new Uint8Array([...new TextEncoder().encode(label), ...handshakeHash]), 12);
    t.deepEqual(Buffer.from(verifyData(sha384, master, label, handshakeHash)), expected, label);
  }
  const typo = JSON.parse('"client finish"') as 'client finished';
  t.throws(() => verifyData(sha384, master, typo, handshakeHash), { message: /label must be "client finished" or "server finished"/ });
});

test('[RFC5246-7.4.1.2] masterSecret and keyExpansion refuse randoms that are not 32 bytes, naming which', (t) => {
  const r32 = new Uint8Array(32);
  const r31 = new Uint8Array(31);
  t.throws(() => masterSecret(sha256, r32, r31, r32), { message: 'masterSecret: clientRandom must be 32 bytes, got 31' });
  t.throws(() => masterSecret(sha256, r32, r32, r31), { message: 'masterSecret: serverRandom must be 32 bytes, got 31' });
  t.throws(() => keyExpansion(sha256, r32, r31, r32, 40), { message: 'keyExpansion: serverRandom must be 32 bytes, got 31' });
  t.is(masterSecret(sha256, r32, r32, r32).length, 48);
});
