import test from 'ava';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { repoPath } from '../../testkit/shared.ts';
import { hexFigure } from './_testing.ts';
import { CryptoError, type CryptoErrorCode } from './errors.ts';
import { PrivateKey } from './private-key.ts';
import { PublicKey, rsaPublicNumbers } from './public-key.ts';
import { pemDecode } from './pem.ts';
import { seededRandom } from './random.ts';
import { SignatureScheme, sign, verify } from './signature.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fixture = (name: string): string => readFileSync(repoPath('vectors', 'certs', name), 'utf8');

/** What OpenSSL says the public key of a PEM private key is, as SPKI DER. */
function opensslSpki(pem: string): string {
  return hex(createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' }));
}

for (const [file, algorithm, bits] of [
  ['openssl-p256.key.pem', 'P-256', 256],
  ['openssl-p256.sec1.key.pem', 'P-256', 256],
  ['openssl-p384.key.pem', 'P-384', 384],
  ['openssl-ed25519.key.pem', 'Ed25519', 255],
  ['openssl-rsa.key.pem', 'RSA', 2048],
] as const) {
  test(`reads OpenSSL's ${file}; its public key is OpenSSL's`, (t) => {
    const pem = fixture(file);
    const key = PrivateKey.fromPem(pem);
    t.is(key.algorithm, algorithm);
    t.is(key.publicKey.bits, bits);
    t.is(hex(key.publicKey.spki), opensslSpki(pem));
    const again = PrivateKey.fromPkcs8(key.exportPkcs8());
    t.true(again.publicKey.equals(key.publicKey));
    t.is(opensslSpki(key.toPem()), hex(key.publicKey.spki), 'OpenSSL reads our PKCS#8 back');
    t.true(PublicKey.fromPem(key.publicKey.toPem()).equals(key.publicKey));
  });
}

test('PKCS#8 written for EC keys matches what OpenSSL writes for the same key', (t) => {
  const pem = fixture('openssl-p256.key.pem');
  t.is(hex(PrivateKey.fromPem(pem).exportPkcs8()), hex(pemDecode(pem, 'PRIVATE KEY')));
});

test('RSA public numbers', (t) => {
  const { exponent, modulus } = rsaPublicNumbers(PrivateKey.fromPem(fixture('openssl-rsa.key.pem')).publicKey);
  t.is(exponent, 65537n);
  t.is(modulus.toString(2).length, 2048);
});

test('seeded generation is reproducible', async (t) => {
  for (const algorithm of ['P-256', 'P-384', 'Ed25519'] as const) {
    const a = await PrivateKey.generate(algorithm, { random: seededRandom(`keys ${algorithm}`) });
    const b = await PrivateKey.generate(algorithm, { random: seededRandom(`keys ${algorithm}`) });
    t.true(a.publicKey.equals(b.publicKey), algorithm);
    t.is(hex(a.exportPkcs8()), hex(b.exportPkcs8()), algorithm);
  }
});

test('RSA generation (WebCrypto, 2048 bits) gives a key that signs', async (t) => {
  // Unseeded by nature (WebCrypto cannot be seeded); the assertions hold for any key it returns.
  const key = await PrivateKey.generate('RSA');
  t.is(key.publicKey.bits, 2048);
  t.is(rsaPublicNumbers(key.publicKey).exponent, 65537n);
  const signature = await sign(SignatureScheme.rsa_pss_rsae_sha256, key, new Uint8Array(8));
  t.true(await verify(SignatureScheme.rsa_pss_rsae_sha256, key.publicKey, new Uint8Array(8), signature));
});

test('SPKI: only the DER named-curve uncompressed form is accepted for EC', async (t) => {
  const key = (await PrivateKey.generate('P-256', { random: seededRandom('spki') })).publicKey;
  const spki = key.spki;
  t.true(PublicKey.fromSpki(spki).equals(key));
  const point = key.raw;
  // compressed point, with the lengths fixed up
  const compressed = Uint8Array.of(0x02 + (point[64] & 1), ...point.subarray(1, 33));
  const compressedSpki = Uint8Array.of(0x30, 0x39, ...spki.subarray(2, 23), 0x03, 0x22, 0x00, ...compressed);
  const cases: Array<[string, Uint8Array, CryptoErrorCode]> = [
    ['compressed point', compressedSpki, 'invalid-public-key'],
    ['long-form outer length', Uint8Array.of(0x30, 0x81, 0x59, ...spki.subarray(2)), 'invalid-encoding'],
    ['trailing byte', Uint8Array.of(...spki, 0), 'invalid-encoding'],
    ['x25519 key', hexFigure('302a300506032b656e032100' + '11'.repeat(32)), 'unsupported-algorithm'],
  ];
  for (const [label, der, code] of cases) {
    const error = t.throws(() => PublicKey.fromSpki(der), { instanceOf: CryptoError }, label);
    t.is(error.code, code, label);
  }
  const offCurve = spki.slice();
  offCurve[offCurve.length - 1] ^= 1;
  t.is(t.throws(() => PublicKey.fromSpki(offCurve), { instanceOf: CryptoError }).code, 'invalid-public-key');
});

test('PKCS#8: a mismatched embedded public key, a bad scalar or an unknown algorithm is refused', (t) => {
  const der = pemDecode(fixture('openssl-p256.key.pem'), 'PRIVATE KEY');
  const mismatched = der.slice();
  mismatched[mismatched.length - 1] ^= 1; // last byte of the embedded public point
  t.is(t.throws(() => PrivateKey.fromPkcs8(mismatched), { instanceOf: CryptoError }).code, 'invalid-private-key');
  const unknown = der.slice();
  unknown[12] ^= 1; // inside the id-ecPublicKey OID
  t.is(t.throws(() => PrivateKey.fromPkcs8(unknown), { instanceOf: CryptoError }).code, 'unsupported-algorithm');
  const zero = t.throws(() => PrivateKey.fromEcScalar('P-256', new Uint8Array(32)), { instanceOf: CryptoError });
  t.is(zero.code, 'invalid-private-key');
  t.is(t.throws(() => PrivateKey.fromPem(fixture('openssl-p256.pem')), { instanceOf: CryptoError }).code, 'invalid-encoding');
});

test('a PrivateKey prints, serialises and inspects without its secret', (t) => {
  const secret = hexFigure('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721'); // RFC 6979 A.2.5 x
  const keys = [PrivateKey.fromEcScalar('P-256', secret), PrivateKey.fromEd25519Seed(secret)];
  for (const key of keys) {
    const printed = [String(key), JSON.stringify(key), inspect(key, { depth: 10, showHidden: true })].join('\n');
    t.false(printed.toLowerCase().includes(hex(secret).slice(0, 16)), key.algorithm);
    t.false(printed.includes(Buffer.from(secret).toString('base64').slice(0, 12)), key.algorithm);
    t.regex(String(key), /^PrivateKey\((P-256|Ed25519)\)$/);
  }
});

test('[RFC5958-2] PKCS#8 version 1 (v2) with the public key: read when it matches, refused when not', (t) => {
  const seed = hexFigure('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'); // RFC 8032 TEST 1
  const key = PrivateKey.fromEd25519Seed(seed);
  const v2 = (publicKey: Uint8Array): Uint8Array =>
    Uint8Array.of(
      ...hexFigure('3051'), // OneAsymmetricKey SEQUENCE, 81 bytes
      ...hexFigure('020101'), // version 1 (v2)
      ...hexFigure('300506032b6570'), // id-Ed25519
      ...hexFigure('0422 0420'), // privateKey OCTET STRING { CurvePrivateKey OCTET STRING, 32 bytes }
      ...seed,
      ...hexFigure('8121 00'), // [1] IMPLICIT BIT STRING, 33 bytes, no unused bits
      ...publicKey,
    );
  t.true(PrivateKey.fromPkcs8(v2(key.publicKey.raw)).publicKey.equals(key.publicKey));
  const wrong = key.publicKey.raw.slice();
  wrong[0] ^= 1;
  t.is(t.throws(() => PrivateKey.fromPkcs8(v2(wrong)), { instanceOf: CryptoError }).code, 'invalid-private-key');
});
