import test from 'ava';
import * as fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import { readSharedJson, sharedTest } from '../../testkit/shared.ts';
import { constantTimeEqual, hashByName, hmac, sha256, sha384, type Hash, type HashName } from './hash.ts';
import { accepted, assertProperty, assertWycheproofRun, bytesToHex, hexToBytes, rejected, runWycheproof } from './_testing.ts';

const VECTORS = ['vectors', 'wycheproof', 'testvectors_v1'];

for (const [hash, file] of [
  [sha256, 'hmac_sha256_test.json'],
  [sha384, 'hmac_sha384_test.json'],
] as const) {
  sharedTest(`[wycheproof] HMAC-${hash.name}: ${file}, full and truncated tags, every case`, [...VECTORS, file], (t) => {
    const run = runWycheproof(file.replace('_test.json', ''), readSharedJson(...VECTORS, file), (group, c) => {
      const tagLength = group.int('tagSize') / 8;
      const ours = hmac(hash, c.hex('key'), c.hex('msg')).subarray(0, tagLength);
      return constantTimeEqual(ours, c.hex('tag')) ? accepted : rejected(`HMAC gave ${bytesToHex(ours)}`);
    });
    assertWycheproofRun(t, run, {});
  });
}

test('sha256 and sha384 report FIPS 180-4 sizes, and hashByName finds them', (t) => {
  t.deepEqual([sha256.name, sha256.outputLength, sha256.blockLength], ['sha256', 32, 64]);
  t.deepEqual([sha384.name, sha384.outputLength, sha384.blockLength], ['sha384', 48, 128]);
  t.is(hashByName('sha256'), sha256);
  t.is(hashByName('sha384'), sha384);
  // A name from outside (a config file, a CLI flag) is checked at run time too.
  const fromOutside = JSON.parse('"md5"') as HashName;
  t.throws(() => hashByName(fromOutside), { message: 'hashByName: unknown hash "md5" (known: sha256, sha384)' });
});

test('FIPS 180-4 "abc" digests of SHA-256 and SHA-384', (t) => {
  const abc = new TextEncoder().encode('abc');
  t.is(bytesToHex(sha256.digest(abc)), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.is(
    bytesToHex(sha384.digest(abc)),
    'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  );
});

test('a running hash digests what was fed, and a clone goes on independently (transcript use)', (t) => {
  for (const hash of [sha256, sha384]) {
    const state = hash.create().update(hexToBytes('0102')).update(hexToBytes('03'));
    const snapshot = state.clone();
    t.deepEqual(snapshot.digest(), hash.digest(hexToBytes('010203')), hash.name);
    state.update(hexToBytes('04'));
    t.deepEqual(state.digest(), hash.digest(hexToBytes('01020304')), hash.name);
  }
});

test('constantTimeEqual compares contents and lengths', (t) => {
  t.true(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)));
  t.true(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)));
  t.false(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4)));
  t.false(constantTimeEqual(Uint8Array.of(0x80, 2, 3), Uint8Array.of(0, 2, 3)));
  t.false(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)));
});

const nodeName = (hash: Hash): string => (hash.name === 'sha256' ? 'sha256' : 'sha384');

test('SHA-256 and SHA-384 agree with node:crypto on random inputs, one-shot and fed in two pieces', (t) => {
  const property = fc.property(fc.constantFrom(sha256, sha384), fc.uint8Array({ maxLength: 600 }), fc.nat(), (hash, data, cut) => {
    const expected = createHash(nodeName(hash)).update(data).digest();
    const at = data.length === 0 ? 0 : cut % data.length;
    const pieces = hash.create().update(data.subarray(0, at)).update(data.subarray(at)).digest();
    return expected.equals(hash.digest(data)) && expected.equals(pieces);
  });
  assertProperty(t, property, 300);
});

test('HMAC-SHA-256 and HMAC-SHA-384 agree with node:crypto on random keys (shorter and longer than a block)', (t) => {
  const property = fc.property(
    fc.constantFrom(sha256, sha384),
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 600 }),
    (hash, key, data) => createHmac(nodeName(hash), key).update(data).digest().equals(hmac(hash, key, data)),
  );
  assertProperty(t, property, 300);
});
