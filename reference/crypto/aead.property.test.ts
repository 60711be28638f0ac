/**
 * Property tests for the AEADs: agreement with node:crypto (OpenSSL) on random inputs, and the
 * AEAD contract itself (open undoes seal; any flipped bit in ciphertext, tag or aad is refused).
 * Seeded: `$FC_SEED` replays a run, a failure prints its seed.
 */
import test from 'ava';
import * as fc from 'fast-check';
import { createCipheriv } from 'node:crypto';
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
import { assertProperty } from './_testing.ts';

const ALL_AEADS: readonly Aead[] = [AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305, AES_128_CCM, AES_256_CCM, AES_128_CCM_8, AES_256_CCM_8];

const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength, maxLength });

/** node:crypto's seal for a GCM or ChaCha20-Poly1305 AEAD: ciphertext || 16-byte tag. */
function nodeSeal16(aead: Aead, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher =
    aead === CHACHA20_POLY1305
      ? createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
      : createCipheriv(aead === AES_128_GCM ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce);
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

/** node:crypto's AES-CCM seal (RFC 3610 via OpenSSL): ciphertext || tag. */
function nodeSealCcm(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagLength: number): Uint8Array {
  const cipher = createCipheriv(key.length === 16 ? 'aes-128-ccm' : 'aes-256-ccm', key, nonce, { authTagLength: tagLength });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

for (const aead of [AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305]) {
  test(`${aead.name} seal agrees with node:crypto and opens node's output, on random inputs`, (t) => {
    const property = fc.property(
      bytes(aead.keyLength, aead.keyLength),
      bytes(12, 12),
      bytes(0, 300),
      bytes(0, 64),
      (key, nonce, plaintext, aad) => {
        const ours = aead.seal(key, nonce, plaintext, aad);
        const theirs = nodeSeal16(aead, key, nonce, plaintext, aad);
        const opened = aead.open(key, nonce, theirs, aad);
        return Buffer.from(ours).equals(theirs) && opened !== undefined && Buffer.from(opened).equals(plaintext);
      },
    );
    assertProperty(t, property, 150);
  });
}

test('AES-CCM (any RFC 3610 nonce 7..13 and tag 4..16, AES-128/256) seal agrees with node:crypto on random inputs', (t) => {
  const property = fc.property(
    fc.constantFrom<16 | 32>(16, 32),
    fc.integer({ min: 7, max: 13 }),
    fc.constantFrom(4, 6, 8, 10, 12, 14, 16),
    bytes(32, 32),
    bytes(13, 13),
    bytes(0, 300),
    bytes(0, 64),
    (keyLength, nonceLength, tagLength, keyBytes, nonceBytes, plaintext, aad) => {
      const ccm = aesCcm({ keyLength, nonceLength, tagLength });
      const key = keyBytes.subarray(0, keyLength);
      const nonce = nonceBytes.subarray(0, nonceLength);
      const ours = ccm.seal(key, nonce, plaintext, aad);
      const theirs = nodeSealCcm(key, nonce, plaintext, aad, tagLength);
      const opened = ccm.open(key, nonce, theirs, aad);
      return Buffer.from(ours).equals(theirs) && opened !== undefined && Buffer.from(opened).equals(plaintext);
    },
  );
  assertProperty(t, property, 200);
});

test('[RFC3610-2.2] AES-CCM with aad of 0xFEFF, 0xFF00 and 0x10005 bytes (either side of the 2-byte / 6-byte l(a) switch) agrees with node:crypto', (t) => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
  const plaintext = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
  for (const aadLength of [0xfeff, 0xff00, 0x10005]) {
    const aad = Uint8Array.from({ length: aadLength }, (_, i) => i & 0xff);
    for (const aead of [AES_128_CCM, AES_128_CCM_8]) {
      t.deepEqual(aead.seal(key, nonce, plaintext, aad), nodeSealCcm(key, nonce, plaintext, aad, aead.tagLength), `${aead.name}, aad ${aadLength}`);
    }
  }
});

test('every AEAD: open(seal(x)) is x, and a flipped bit in ciphertext, tag or aad makes open return undefined', (t) => {
  const property = fc.property(
    fc.constantFrom(...ALL_AEADS),
    bytes(32, 32),
    bytes(12, 12),
    bytes(0, 200),
    bytes(1, 40),
    fc.nat(),
    fc.nat(),
    (aead, keyBytes, nonce, plaintext, aad, sealedBit, aadBit) => {
      const key = keyBytes.subarray(0, aead.keyLength);
      const sealed = aead.seal(key, nonce, plaintext, aad);
      const opened = aead.open(key, nonce, sealed, aad);
      if (opened === undefined || !Buffer.from(opened).equals(plaintext)) return false;
      // A bit anywhere in ciphertext || tag: the tag bits are the last tagLength * 8.
      const bit = sealedBit % (sealed.length * 8);
      const forged = sealed.slice();
      forged[bit >> 3] ^= 1 << (bit & 7);
      if (aead.open(key, nonce, forged, aad) !== undefined) return false;
      const aadFlip = aadBit % (aad.length * 8);
      const forgedAad = aad.slice();
      forgedAad[aadFlip >> 3] ^= 1 << (aadFlip & 7);
      return aead.open(key, nonce, sealed, forgedAad) === undefined;
    },
  );
  assertProperty(t, property, 400);
});

test('every AEAD: a flipped bit in the tag alone is refused (each tag byte position)', (t) => {
  for (const aead of ALL_AEADS) {
    const key = new Uint8Array(aead.keyLength).fill(0x42);
    const nonce = new Uint8Array(aead.nonceLength).fill(0x24);
    const aad = Uint8Array.of(1, 2, 3);
    const sealed = aead.seal(key, nonce, Uint8Array.of(9, 8, 7, 6, 5), aad);
    for (let i = sealed.length - aead.tagLength; i < sealed.length; i++) {
      const forged = sealed.slice();
      forged[i] ^= 0x80;
      t.is(aead.open(key, nonce, forged, aad), undefined, `${aead.name}, tag byte ${i}`);
    }
  }
});
