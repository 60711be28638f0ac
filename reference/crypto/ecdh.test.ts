import test from 'ava';
import * as fc from 'fast-check';
import { createECDH, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { assertProperty, hexFigure } from './_testing.ts';
import { CryptoError } from './errors.ts';
import {
  type EcdheGroup,
  NamedGroup,
  computeSharedSecret,
  ecdheGroupName,
  generateKeyShare,
  keyShareFromPrivateKey,
  publicValueLength,
  validatePublicValue,
} from './ecdh.ts';
import { seededRandom } from './random.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 8448 §3 (simple 1-RTT handshake): the x25519 key shares and the (EC)DHE input to HKDF.
const RFC8448 = {
  clientPrivate: hexFigure(`
    49 af 42 ba 7f 79 94 85 2d 71 3e f2 78 4b cb ca
    a7 91 1d e2 6a dc 56 42 cb 63 45 40 e7 ea 50 05`),
  clientPublic: hexFigure(`
    99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe
    b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c`),
  serverPrivate: hexFigure(`
    b1 58 0e ea df 6d d5 89 b8 ef 4f 2d 56 52 57 8c
    c8 10 e9 98 01 91 ec 8d 05 83 08 ce a2 16 a2 1e`),
  serverPublic: hexFigure(`
    c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1
    56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f`),
  // "extract secret handshake", IKM
  shared: hexFigure(`
    8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d
    35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d`),
};

test('[RFC8446-7.4.2] x25519 reproduces the RFC 8448 §3 key shares and shared secret', (t) => {
  const client = keyShareFromPrivateKey(NamedGroup.x25519, RFC8448.clientPrivate);
  const server = keyShareFromPrivateKey(NamedGroup.x25519, RFC8448.serverPrivate);
  t.is(hex(client.publicKey), hex(RFC8448.clientPublic));
  t.is(hex(server.publicKey), hex(RFC8448.serverPublic));
  t.is(hex(computeSharedSecret(NamedGroup.x25519, client.privateKey, server.publicKey)), hex(RFC8448.shared));
  t.is(hex(computeSharedSecret(NamedGroup.x25519, server.privateKey, client.publicKey)), hex(RFC8448.shared));
});

test('group names and wire lengths', (t) => {
  t.is(ecdheGroupName(0x001d), 'x25519');
  t.is(ecdheGroupName(0x0017), 'secp256r1');
  t.is(ecdheGroupName(0x0018), 'secp384r1');
  t.is(ecdheGroupName(0x0019), '0x0019');
  t.deepEqual([0x001d, 0x0017, 0x0018].map((g) => publicValueLength(g as EcdheGroup)), [32, 65, 97]);
  const error = t.throws(() => generateKeyShare(0x0019 as EcdheGroup), { instanceOf: CryptoError });
  t.is(error.code, 'unsupported-algorithm');
});

test('key shares are in TLS wire form, and a seeded source reproduces them', (t) => {
  for (const group of [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]) {
    const a = generateKeyShare(group, seededRandom(`ecdh ${group}`));
    const b = generateKeyShare(group, seededRandom(`ecdh ${group}`));
    t.is(a.publicKey.length, publicValueLength(group));
    t.is(hex(a.publicKey), hex(b.publicKey));
    if (group !== NamedGroup.x25519) t.is(a.publicKey[0], 0x04);
    const other = generateKeyShare(group, seededRandom(`ecdh other ${group}`));
    const shared = computeSharedSecret(group, a.privateKey, other.publicKey);
    t.is(hex(shared), hex(computeSharedSecret(group, other.privateKey, a.publicKey)));
    t.is(shared.length, group === NamedGroup.secp384r1 ? 48 : 32, 'NIST premaster is the X coordinate only (RFC 8422 §5.10)');
  }
});

for (const [group, name] of [
  [NamedGroup.secp256r1, 'secp256r1'],
  [NamedGroup.secp384r1, 'secp384r1'],
] as const) {
  test(`[RFC8422-5.11] [RFC8446-4.2.8.2] ${name} refuses compressed, infinity, truncated and off-curve points`, (t) => {
    const share = generateKeyShare(group, seededRandom(`refuse ${name}`));
    const peer = generateKeyShare(group, seededRandom(`refuse peer ${name}`)).publicKey;
    const compressed = Uint8Array.of(0x02 + (peer[peer.length - 1] & 1), ...peer.subarray(1, 1 + (peer.length - 1) / 2));
    const offCurve = peer.slice();
    offCurve[offCurve.length - 1] ^= 1;
    const hybrid = peer.slice();
    hybrid[0] = 0x06;
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['compressed', compressed, /compressed; TLS requires the uncompressed form/],
      ['infinity', Uint8Array.of(0x00), /point at infinity/],
      ['hybrid', hybrid, /format 0x6/],
      ['empty', new Uint8Array(0), /empty/],
      ['truncated', peer.subarray(0, peer.length - 1), /expected \d+/],
      ['too long', Uint8Array.of(...peer, 0), /expected \d+/],
      ['off the curve', offCurve, /not on the curve/],
    ];
    for (const [label, value, message] of cases) {
      const error = t.throws(() => computeSharedSecret(group, share.privateKey, value), { instanceOf: CryptoError }, label);
      t.is(error.code, 'invalid-public-key', label);
      t.regex(error.message, message, label);
      t.throws(() => validatePublicValue(group, value), { instanceOf: CryptoError }, label);
    }
  });
}

test('[RFC7748-6.1] [RFC8446-7.4.2] x25519 refuses low-order public values (all-zero shared secret)', (t) => {
  const share = generateKeyShare(NamedGroup.x25519, seededRandom('x25519 low order'));
  const lowOrder = [
    new Uint8Array(32), // u = 0
    Uint8Array.of(1, ...new Uint8Array(31)), // u = 1
    hexFigure('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'), // order 8
    hexFigure('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // u = p - 1
  ];
  for (const u of lowOrder) {
    const error = t.throws(() => computeSharedSecret(NamedGroup.x25519, share.privateKey, u), { instanceOf: CryptoError });
    t.is(error.code, 'zero-shared-secret');
  }
  const wrongLength = t.throws(() => computeSharedSecret(NamedGroup.x25519, share.privateKey, new Uint8Array(33)), {
    instanceOf: CryptoError,
  });
  t.is(wrongLength.code, 'invalid-public-key');
});

test('private keys: wrong length or out of range are refused', (t) => {
  const peer = generateKeyShare(NamedGroup.secp256r1, seededRandom('peer')).publicKey;
  const n = hexFigure('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  for (const bad of [new Uint8Array(32), n, new Uint8Array(31)]) {
    const error = t.throws(() => computeSharedSecret(NamedGroup.secp256r1, bad, peer), { instanceOf: CryptoError });
    t.is(error.code, 'invalid-private-key');
  }
  t.throws(() => keyShareFromPrivateKey(NamedGroup.x25519, new Uint8Array(31)), { instanceOf: CryptoError });
});

// ---- agreement with node:crypto (OpenSSL) ----

const X25519_PKCS8_PREFIX = hexFigure('302e020100300506032b656e04220420');
const X25519_SPKI_PREFIX = hexFigure('302a300506032b656e032100');

function nodeX25519(privateKey: Uint8Array): { key: ReturnType<typeof createPrivateKey>; publicKey: Uint8Array } {
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return { key, publicKey: new Uint8Array(spki.subarray(X25519_SPKI_PREFIX.length)) };
}

test('x25519 agrees with node:crypto on random keys (fast-check, seeded)', (t) => {
  assertProperty(
    t,
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
      const ours = keyShareFromPrivateKey(NamedGroup.x25519, a);
      const theirs = nodeX25519(b);
      if (hex(ours.publicKey) !== hex(nodeX25519(a).publicKey)) return false;
      const peerKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, ours.publicKey]), format: 'der', type: 'spki' });
      const nodeShared = diffieHellman({ privateKey: theirs.key, publicKey: peerKey });
      return hex(computeSharedSecret(NamedGroup.x25519, a, theirs.publicKey)) === hex(nodeShared);
    }),
    100,
  );
});

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P384_N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;

for (const [group, curve, order] of [
  [NamedGroup.secp256r1, 'prime256v1', P256_N],
  [NamedGroup.secp384r1, 'secp384r1', P384_N],
] as const) {
  test(`${ecdheGroupName(group)} agrees with node:crypto createECDH on random keys (fast-check, seeded)`, (t) => {
    const length = group === NamedGroup.secp256r1 ? 32 : 48;
    const toBytes = (d: bigint): Uint8Array => Uint8Array.from(Buffer.from(d.toString(16).padStart(2 * length, '0'), 'hex'));
    const scalar = fc.bigInt({ min: 1n, max: order - 1n }).map(toBytes);
    assertProperty(
      t,
      fc.property(scalar, scalar, (a, b) => {
        const ours = keyShareFromPrivateKey(group, a);
        const node = createECDH(curve);
        node.setPrivateKey(b);
        const nodeOwn = createECDH(curve);
        nodeOwn.setPrivateKey(a);
        if (hex(ours.publicKey) !== nodeOwn.getPublicKey('hex', 'uncompressed')) return false;
        const nodeShared = node.computeSecret(ours.publicKey);
        return hex(computeSharedSecret(group, a, node.getPublicKey())) === hex(nodeShared);
      }),
      50,
    );
  });
}
