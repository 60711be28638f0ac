import test from 'ava';
import * as fc from 'fast-check';
import {
  type KeyObject,
  constants,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../testkit/shared.ts';
import { hexFigure } from './_testing.ts';
import { CryptoError } from './errors.ts';
import { PrivateKey } from './private-key.ts';
import { seededRandom } from './random.ts';
import {
  SignatureScheme,
  decodeEcdsaSignature,
  ecdsaDerToP1363,
  ecdsaP1363ToDer,
  encodeEcdsaSignature,
  isSignatureScheme,
  schemeMatchesKey,
  sign,
  signWithAlgorithm,
  signatureSchemeName,
  verify,
  verifyWithAlgorithm,
} from './signature.ts';
import { assertAsyncProperty } from './wycheproof-asym.test-helper.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const fixture = (name: string): string => readFileSync(repoPath('vectors', 'certs', name), 'utf8');

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

// Keys made once per file: seeded for EC and Ed25519, OpenSSL's for RSA (no slow, unseeded keygen).
const keys = {
  p256: PrivateKey.generate('P-256', { random: seededRandom('signature.test P-256') }),
  p384: PrivateKey.generate('P-384', { random: seededRandom('signature.test P-384') }),
  ed25519: PrivateKey.generate('Ed25519', { random: seededRandom('signature.test Ed25519') }),
  rsa: Promise.resolve(PrivateKey.fromPem(fixture('openssl-rsa.key.pem'))),
};

function nodeKey(key: PrivateKey): KeyObject {
  return createPrivateKey({ key: Buffer.from(key.exportPkcs8()), format: 'der', type: 'pkcs8' });
}

test('scheme names and key matching', (t) => {
  t.is(signatureSchemeName(0x0403), 'ecdsa_secp256r1_sha256');
  t.is(signatureSchemeName(0x0807), 'ed25519');
  t.is(signatureSchemeName(0x0203), '0x0203');
  t.true(isSignatureScheme(0x0804));
  t.false(isSignatureScheme(0x0809), 'rsa_pss_pss_* is not implemented');
  t.true(schemeMatchesKey(0x0403, 'P-256'));
  t.false(schemeMatchesKey(0x0403, 'P-384'), 'TLS 1.3 binds the curve');
  t.true(schemeMatchesKey(0x0403, 'P-384', { anyCurve: true }), 'TLS 1.2 names only the hash');
  t.false(schemeMatchesKey(0x0804, 'P-256'));
});

test('[RFC8446-4.2.3] every scheme signs and verifies; a changed message fails', async (t) => {
  const cases: Array<[number, PrivateKey]> = [
    [SignatureScheme.ecdsa_secp256r1_sha256, await keys.p256],
    [SignatureScheme.ecdsa_secp384r1_sha384, await keys.p384],
    [SignatureScheme.ed25519, await keys.ed25519],
    [SignatureScheme.rsa_pkcs1_sha256, await keys.rsa],
    [SignatureScheme.rsa_pkcs1_sha384, await keys.rsa],
    [SignatureScheme.rsa_pkcs1_sha512, await keys.rsa],
    [SignatureScheme.rsa_pss_rsae_sha256, await keys.rsa],
    [SignatureScheme.rsa_pss_rsae_sha384, await keys.rsa],
    [SignatureScheme.rsa_pss_rsae_sha512, await keys.rsa],
  ];
  for (const [scheme, key] of cases) {
    const name = signatureSchemeName(scheme);
    const signature = await sign(scheme, key, text('transcript hash'));
    t.true(await verify(scheme, key.publicKey, text('transcript hash'), signature), name);
    t.false(await verify(scheme, key.publicKey, text('transcript hasH'), signature), name);
    t.false(await verify(scheme, key.publicKey, text('transcript hash'), signature.subarray(0, signature.length - 1)), name);
  }
});

test('[RFC8446-4.2.3] a key of the wrong type or curve throws key-scheme-mismatch', async (t) => {
  const p384 = await keys.p384;
  const ed = await keys.ed25519;
  for (const [scheme, key] of [
    [SignatureScheme.ecdsa_secp256r1_sha256, p384],
    [SignatureScheme.rsa_pss_rsae_sha256, ed],
    [SignatureScheme.ed25519, p384],
  ] as const) {
    const error = await t.throwsAsync(sign(scheme, key, text('m')), { instanceOf: CryptoError });
    t.is(error.code, 'key-scheme-mismatch');
    await t.throwsAsync(verify(scheme, key.publicKey, text('m'), new Uint8Array(64)), { instanceOf: CryptoError });
  }
  const error = await t.throwsAsync(sign(0x0203, p384, text('m')), { instanceOf: CryptoError });
  t.is(error.code, 'unsupported-algorithm');
  // TLS 1.2 reading: ecdsa + SHA-256 with a P-384 key.
  const signature = await sign(SignatureScheme.ecdsa_secp256r1_sha256, p384, text('m'), { anyCurve: true });
  t.true(await verify(SignatureScheme.ecdsa_secp256r1_sha256, p384.publicKey, text('m'), signature, { anyCurve: true }));
});

test('[RFC8032-7.1] Ed25519 signs RFC 8032 TEST 1 exactly', async (t) => {
  const key = PrivateKey.fromEd25519Seed(hexFigure('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
  t.is(hex(key.publicKey.raw), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const signature = await sign(SignatureScheme.ed25519, key, new Uint8Array(0));
  const expected = hexFigure(`
    e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155
    5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b`);
  t.is(hex(signature), hex(expected));
});

test('[RFC8422-5.4] ECDSA DER: canonical only; high s accepted; low s produced', async (t) => {
  const key = await keys.p256;
  const message = text('strict DER');
  const good = await sign(SignatureScheme.ecdsa_secp256r1_sha256, key, message);
  const { r, s } = decodeEcdsaSignature(good, 'P-256');
  t.true(s <= P256_N / 2n, 'we sign with low s');
  const ok = (sig: Uint8Array): Promise<boolean> => verify(SignatureScheme.ecdsa_secp256r1_sha256, key.publicKey, message, sig);
  t.true(await ok(encodeEcdsaSignature(r, P256_N - s)), 'high s is accepted: TLS does not require low s');

  const body = good.subarray(2);
  const rBytes = body.subarray(2, 2 + body[1]);
  const sBytes = body.subarray(2 + body[1]);
  const variants: Array<[string, Uint8Array]> = [
    ['long-form length', Uint8Array.of(0x30, 0x81, body.length, ...body)],
    ['indefinite length', Uint8Array.of(0x30, 0x80, ...body, 0, 0)],
    ['trailing byte', Uint8Array.of(...good, 0)],
    ['padded r', Uint8Array.of(0x30, body.length + 1, 0x02, rBytes.length + 1, 0, ...rBytes, ...sBytes)],
    ['r = 0', encodeEcdsaSignature(0n, s)],
    ['s = n', encodeEcdsaSignature(r, P256_N)],
    ['r + n', encodeEcdsaSignature(r + P256_N, s)],
    ['SET instead of SEQUENCE', Uint8Array.of(0x31, ...good.subarray(1))],
    ['empty', new Uint8Array(0)],
  ];
  for (const [label, sig] of variants) {
    t.false(await ok(sig), label);
    t.throws(() => decodeEcdsaSignature(sig, 'P-256'), { instanceOf: CryptoError }, label);
  }
  const p1363 = ecdsaDerToP1363(good, 'P-256');
  t.is(p1363.length, 64);
  t.is(hex(ecdsaP1363ToDer(p1363, 'P-256')), hex(good));
  t.throws(() => ecdsaP1363ToDer(p1363.subarray(1), 'P-256'), { instanceOf: CryptoError });
});

// ---- agreement with node:crypto (OpenSSL), both directions ----

const messages = fc.uint8Array({ maxLength: 300 });

for (const [name, scheme, keyPromise, hash] of [
  ['ecdsa_secp256r1_sha256', SignatureScheme.ecdsa_secp256r1_sha256, keys.p256, 'sha256'],
  ['ecdsa_secp384r1_sha384', SignatureScheme.ecdsa_secp384r1_sha384, keys.p384, 'sha384'],
] as const) {
  test(`${name} signatures verify with node:crypto (DER) and node's with ours (fast-check, seeded)`, async (t) => {
    const key = await keyPromise;
    const node = nodeKey(key);
    await assertAsyncProperty(
      t,
      fc.asyncProperty(messages, async (message) => {
        const ours = await sign(scheme, key, message);
        const theirs = nodeSign(hash, message, { key: node, dsaEncoding: 'der' });
        return (
          nodeVerify(hash, message, { key: createPublicKey(node), dsaEncoding: 'der' }, ours) &&
          (await verify(scheme, key.publicKey, message, theirs))
        );
      }),
      40,
    );
  });
}

test('ed25519 signatures equal node:crypto and verify both ways (fast-check, seeded)', async (t) => {
  const key = await keys.ed25519;
  const node = nodeKey(key);
  await assertAsyncProperty(
    t,
    fc.asyncProperty(messages, async (message) => {
      const ours = await sign(SignatureScheme.ed25519, key, message);
      const theirs = nodeSign(null, message, node);
      return (
        hex(ours) === hex(theirs) &&
        nodeVerify(null, message, createPublicKey(node), ours) &&
        (await verify(SignatureScheme.ed25519, key.publicKey, message, theirs))
      );
    }),
    40,
  );
});

for (const [scheme, hash, padding, saltLength] of [
  [SignatureScheme.rsa_pss_rsae_sha256, 'sha256', constants.RSA_PKCS1_PSS_PADDING, 32],
  [SignatureScheme.rsa_pss_rsae_sha384, 'sha384', constants.RSA_PKCS1_PSS_PADDING, 48],
  [SignatureScheme.rsa_pkcs1_sha256, 'sha256', constants.RSA_PKCS1_PADDING, 0],
  [SignatureScheme.rsa_pkcs1_sha384, 'sha384', constants.RSA_PKCS1_PADDING, 0],
] as const) {
  test(`${signatureSchemeName(scheme)} agrees with node:crypto both ways (fast-check, seeded)`, async (t) => {
    const key = await keys.rsa;
    const node = nodeKey(key);
    const options = padding === constants.RSA_PKCS1_PSS_PADDING ? { padding, saltLength } : { padding };
    await assertAsyncProperty(
      t,
      fc.asyncProperty(messages, async (message) => {
        const ours = await sign(scheme, key, message);
        const theirs = nodeSign(hash, message, { key: node, ...options });
        return (
          nodeVerify(hash, message, { key: createPublicKey(node), ...options }, ours) &&
          (await verify(scheme, key.publicKey, message, theirs))
        );
      }),
      15,
    );
  });
}

test('[RFC8446-4.2.3] rsa_pss_rsae verification requires the salt to be as long as the hash', async (t) => {
  const key = await keys.rsa;
  const message = text('salt');
  const shortSalt = nodeSign('sha256', message, { key: nodeKey(key), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
  t.false(await verify(SignatureScheme.rsa_pss_rsae_sha256, key.publicKey, message, shortSalt));
});

test('[RFC5246-7.4.1.4.1] ECDSA with every hash on either curve agrees with node:crypto (TLS 1.2, X.509)', async (t) => {
  for (const key of [await keys.p256, await keys.p384]) {
    const node = nodeKey(key);
    for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const nodeHash = hash.replace('-', '').toLowerCase();
      const message = text(`${key.algorithm} ${hash}`);
      const ours = await signWithAlgorithm({ kind: 'ecdsa', hash }, key, message);
      const theirs = nodeSign(nodeHash, message, { key: node, dsaEncoding: 'der' });
      t.true(nodeVerify(nodeHash, message, { key: createPublicKey(node), dsaEncoding: 'der' }, ours), `${key.algorithm} ${hash}`);
      t.true(await verifyWithAlgorithm({ kind: 'ecdsa', hash }, key.publicKey, message, theirs), `${key.algorithm} ${hash}`);
    }
  }
});
