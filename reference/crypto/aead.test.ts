import test from 'ava';
import { readSharedJson, sharedTest } from '../../testkit/shared.ts';
import {
  AES_128_CCM,
  AES_128_CCM_8,
  AES_128_GCM,
  AES_256_CCM,
  AES_256_CCM_8,
  AES_256_GCM,
  CHACHA20_POLY1305,
  aesCcm,
  type Aead,
} from './aead.ts';
import {
  accepted,
  assertWycheproofRun,
  bytesToHex,
  equalBytes,
  rejected,
  runWycheproof,
  skip,
  type Fields,
  type Verdict,
  type WycheproofCase,
} from './_testing.ts';

const VECTORS = ['vectors', 'wycheproof', 'testvectors_v1'];
const ALL_AEADS: readonly Aead[] = [AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305, AES_128_CCM, AES_256_CCM, AES_128_CCM_8, AES_256_CCM_8];

/**
 * The AEAD half of every Wycheproof AEAD check: `open(ct || tag)` must give `msg` back, and for a
 * valid case `seal(msg)` must give exactly `ct || tag`.
 */
function checkAead(aead: Aead, c: WycheproofCase): Verdict {
  const key = c.hex('key');
  const iv = c.hex('iv');
  const aad = c.hex('aad');
  const msg = c.hex('msg');
  const sealed = new Uint8Array([...c.hex('ct'), ...c.hex('tag')]);
  const opened = aead.open(key, iv, sealed, aad);
  if (opened === undefined) return rejected('open returned undefined');
  if (!equalBytes(opened, msg)) return rejected(`open returned ${bytesToHex(opened)}`);
  if (c.result === 'valid') {
    const ours = aead.seal(key, iv, msg, aad);
    if (!equalBytes(ours, sealed)) return rejected(`seal returned ${bytesToHex(ours)}, expected ${bytesToHex(sealed)}`);
  }
  return accepted;
}

const SKIP_AES_192 = 'AES-192 key: no (D)TLS cipher suite uses it, so our AEADs take 16- or 32-byte keys';
const SKIP_GCM_NONCE = 'valid GCM case with a nonce other than 12 bytes: (D)TLS GCM nonces are 12 bytes (RFC 5288 §3)';

sharedTest('[wycheproof] AES-GCM: aes_gcm_test.json, AES-128/256 with 12-byte nonces', [...VECTORS, 'aes_gcm_test.json'], (t) => {
  const run = runWycheproof('aes_gcm', readSharedJson(...VECTORS, 'aes_gcm_test.json'), (_group, c) => {
    const key = c.hex('key');
    if (key.length === 24) return skip(SKIP_AES_192);
    // An invalid case with an odd nonce still runs: our AEAD must refuse it (it throws).
    if (c.hex('iv').length !== 12 && c.result === 'valid') return skip(SKIP_GCM_NONCE);
    return checkAead(key.length === 16 ? AES_128_GCM : AES_256_GCM, c);
  });
  assertWycheproofRun(t, run, { [SKIP_AES_192]: 103, [SKIP_GCM_NONCE]: 76 });
});

/** Our TLS CCM instance for these parameters, else the generic CCM (which may refuse them by throwing). */
function ccmFor(keyLength: number, nonceLength: number, tagLength: number): Aead {
  const named = [AES_128_CCM, AES_256_CCM, AES_128_CCM_8, AES_256_CCM_8].find(
    (a) => a.keyLength === keyLength && a.nonceLength === nonceLength && a.tagLength === tagLength,
  );
  if (named !== undefined) return named;
  if (keyLength !== 16 && keyLength !== 32) throw new Error(`unexpected key length ${keyLength}`);
  return aesCcm({ keyLength, nonceLength, tagLength });
}

sharedTest('[wycheproof] AES-CCM: aes_ccm_test.json, nonces 7..13, tags 4..16, TLS profiles among them', [...VECTORS, 'aes_ccm_test.json'], (t) => {
  const used = new Set<string>();
  const run = runWycheproof('aes_ccm', readSharedJson(...VECTORS, 'aes_ccm_test.json'), (group: Fields, c) => {
    const key = c.hex('key');
    if (key.length === 24) return skip(SKIP_AES_192);
    const aead = ccmFor(key.length, c.hex('iv').length, group.int('tagSize') / 8);
    used.add(aead.name);
    return checkAead(aead, c);
  });
  assertWycheproofRun(t, run, { [SKIP_AES_192]: 184 });
  t.true(used.has('AES-128-CCM') && used.has('AES-256-CCM'), 'the TLS AES-CCM instances ran vectors');
  t.true(used.has('AES-128-CCM-8') && used.has('AES-256-CCM-8'), 'the TLS AES-CCM-8 instances ran vectors');
});

sharedTest('[wycheproof] ChaCha20-Poly1305: chacha20_poly1305_test.json, every case', [...VECTORS, 'chacha20_poly1305_test.json'], (t) => {
  const run = runWycheproof('chacha20_poly1305', readSharedJson(...VECTORS, 'chacha20_poly1305_test.json'), (_group, c) =>
    checkAead(CHACHA20_POLY1305, c),
  );
  assertWycheproofRun(t, run, {});
});

test('every AEAD reports its RFC parameters', (t) => {
  t.deepEqual(
    ALL_AEADS.map((a) => [a.name, a.keyLength, a.nonceLength, a.tagLength]),
    [
      ['AES-128-GCM', 16, 12, 16],
      ['AES-256-GCM', 32, 12, 16],
      ['ChaCha20-Poly1305', 32, 12, 16],
      ['AES-128-CCM', 16, 12, 16],
      ['AES-256-CCM', 32, 12, 16],
      ['AES-128-CCM-8', 16, 12, 8],
      ['AES-256-CCM-8', 32, 12, 8],
    ],
  );
});

test('a wrong key or nonce length throws an Error naming the parameter and never the key bytes', (t) => {
  for (const aead of ALL_AEADS) {
    const key = new Uint8Array(aead.keyLength - 1).fill(0xab);
    const keyError = t.throws(() => aead.seal(key, new Uint8Array(12), new Uint8Array(3), new Uint8Array(0)));
    t.is(keyError?.message, `${aead.name}: key must be ${aead.keyLength} bytes, got ${aead.keyLength - 1}`);
    const goodKey = new Uint8Array(aead.keyLength).fill(0xab);
    const nonceError = t.throws(() => aead.open(goodKey, new Uint8Array(8), new Uint8Array(32), new Uint8Array(0)));
    t.is(nonceError?.message, `${aead.name}: nonce must be 12 bytes, got 8`);
    for (const message of [keyError?.message ?? '', nonceError?.message ?? '']) {
      t.false(message.includes('abab'), `${aead.name} error leaks key bytes: ${message}`);
    }
  }
});

test('open returns undefined for input shorter than the tag, empty input included', (t) => {
  for (const aead of ALL_AEADS) {
    const key = new Uint8Array(aead.keyLength);
    const nonce = new Uint8Array(aead.nonceLength);
    t.is(aead.open(key, nonce, new Uint8Array(0), new Uint8Array(0)), undefined, aead.name);
    t.is(aead.open(key, nonce, new Uint8Array(aead.tagLength - 1), new Uint8Array(0)), undefined, aead.name);
  }
});

test('seal of the empty plaintext is a tag alone, and it opens to the empty plaintext', (t) => {
  for (const aead of ALL_AEADS) {
    const key = new Uint8Array(aead.keyLength).fill(1);
    const nonce = new Uint8Array(aead.nonceLength).fill(2);
    const aad = Uint8Array.of(23, 254, 253);
    const sealed = aead.seal(key, nonce, new Uint8Array(0), aad);
    t.is(sealed.length, aead.tagLength, aead.name);
    t.deepEqual(aead.open(key, nonce, sealed, aad), new Uint8Array(0), aead.name);
  }
});

test('[RFC3610-2] aesCcm refuses nonce lengths outside 7..13 and odd or out-of-range tag lengths', (t) => {
  for (const nonceLength of [0, 6, 14, 16, 7.5]) {
    t.throws(() => aesCcm({ keyLength: 16, nonceLength, tagLength: 16 }), { message: /nonceLength must be an integer in 7\.\.13/ });
  }
  for (const tagLength of [0, 2, 3, 5, 13, 18]) {
    t.throws(() => aesCcm({ keyLength: 16, nonceLength: 12, tagLength }), { message: /tagLength must be one of 4, 6, \.\.\., 16/ });
  }
  for (const nonceLength of [7, 8, 9, 10, 11, 12, 13]) {
    for (const tagLength of [4, 6, 8, 10, 12, 14, 16]) {
      t.is(aesCcm({ keyLength: 32, nonceLength, tagLength }).name, `AES-256-CCM(nonce ${nonceLength}, tag ${tagLength})`);
    }
  }
});

test('[RFC3610-2] CCM with a 13-byte nonce (L = 2) refuses a plaintext of 2^16 bytes and takes 2^16 - 1', (t) => {
  const ccm = aesCcm({ keyLength: 16, nonceLength: 13, tagLength: 8 });
  const key = new Uint8Array(16);
  const nonce = new Uint8Array(13);
  t.throws(() => ccm.seal(key, nonce, new Uint8Array(65536), new Uint8Array(0)), { message: /too long for a 13-byte nonce/ });
  const sealed = ccm.seal(key, nonce, new Uint8Array(65535), new Uint8Array(0));
  t.is(ccm.open(key, nonce, sealed, new Uint8Array(0))?.length, 65535);
});
