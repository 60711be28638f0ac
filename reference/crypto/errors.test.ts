/**
 * Every error path that sees a private key, triggered with a known key: the message (and stack)
 * must not contain the key, in hex (either case) or base64, whole or any 8-byte piece of it.
 */
import test, { type ExecutionContext } from 'ava';
import { hexFigure } from './_testing.ts';
import { CryptoError } from './errors.ts';
import { NamedGroup, computeSharedSecret } from './ecdh.ts';
import { PrivateKey } from './private-key.ts';
import { pemDecode, pemEncode } from './pem.ts';
import { SignatureScheme, sign } from './signature.ts';

// A P-256 scalar, an Ed25519 seed and an x25519 key all at once (32 bytes, below n).
const SECRET = hexFigure('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
// Above the P-256 order n, so an invalid scalar whose bytes must not leak either.
const TOO_BIG = hexFigure('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63ffff');

function leaks(text: string, secret: Uint8Array): string | undefined {
  const forms = (bytes: Uint8Array): string[] => {
    const b = Buffer.from(bytes);
    return [b.toString('hex'), b.toString('hex').toUpperCase(), b.toString('base64'), b.toString('base64url')];
  };
  for (const form of forms(secret)) if (text.includes(form)) return form;
  for (let i = 0; i + 8 <= secret.length; i++) {
    for (const form of forms(secret.subarray(i, i + 8)).slice(0, 2)) if (text.includes(form)) return form;
  }
  return undefined;
}

async function assertNoLeak(t: ExecutionContext, label: string, secret: Uint8Array, action: () => unknown): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  t.true(caught instanceof CryptoError, `${label}: throws a CryptoError`);
  if (!(caught instanceof CryptoError)) return;
  const text = `${caught.message}\n${caught.stack ?? ''}\n${String(caught)}\n${JSON.stringify(caught)}`;
  t.is(leaks(text, secret), undefined, `${label}: ${caught.message}`);
}

type LeakCase = readonly [label: string, secret: Uint8Array, action: () => unknown];

async function assertNoLeaks(t: ExecutionContext, cases: readonly LeakCase[]): Promise<void> {
  for (const [label, secret, action] of cases) await assertNoLeak(t, label, secret, action);
}

test('ECDHE errors do not contain the private key', async (t) => {
  const peer = PrivateKey.fromEcScalar('P-256', SECRET).publicKey.raw; // any valid point
  const offCurve = peer.slice();
  offCurve[64] ^= 1;
  const { secp256r1, secp384r1, x25519 } = NamedGroup;
  await assertNoLeaks(t, [
    ['P-256 off-curve peer', SECRET, () => computeSharedSecret(secp256r1, SECRET, offCurve)],
    ['P-256 compressed peer', SECRET, () => computeSharedSecret(secp256r1, SECRET, peer.subarray(0, 33))],
    ['P-256 scalar >= n', TOO_BIG, () => computeSharedSecret(secp256r1, TOO_BIG, peer)],
    ['P-384 wrong scalar length', SECRET, () => computeSharedSecret(secp384r1, SECRET, peer)],
    ['x25519 low-order peer', SECRET, () => computeSharedSecret(x25519, SECRET, new Uint8Array(32))],
    ['x25519 wrong length', SECRET, () => computeSharedSecret(x25519, SECRET.subarray(1), new Uint8Array(32))],
  ]);
});

test('key parsing errors do not contain the private key', async (t) => {
  const p256 = PrivateKey.fromEcScalar('P-256', SECRET).exportPkcs8();
  const ed = PrivateKey.fromEd25519Seed(SECRET).exportPkcs8();
  const withTrailing = Uint8Array.of(...p256, 0);
  const mismatched = p256.slice();
  mismatched[mismatched.length - 1] ^= 1;
  const outOfRange = Uint8Array.of(
    ...hexFigure('3041'), // PrivateKeyInfo SEQUENCE, 65 bytes
    ...hexFigure('020100'), // version 0
    ...hexFigure('301306072a8648ce3d020106082a8648ce3d030107'), // id-ecPublicKey, prime256v1
    ...hexFigure('0427 3025'), // privateKey OCTET STRING { ECPrivateKey SEQUENCE, 37 bytes }
    ...hexFigure('020101'), // ECPrivateKey version 1
    ...hexFigure('0420'), // privateKey OCTET STRING, 32 bytes
    ...TOO_BIG,
  );
  const shortSeed = Uint8Array.of(
    ...hexFigure('302d'), // PrivateKeyInfo SEQUENCE, 45 bytes
    ...hexFigure('020100'), // version 0
    ...hexFigure('300506032b6570'), // id-Ed25519
    ...hexFigure('0421 041f'), // privateKey OCTET STRING { CurvePrivateKey OCTET STRING, 31 bytes }
    ...SECRET.subarray(0, 31),
  );
  const unknownAlgorithm = ed.slice();
  unknownAlgorithm[10] ^= 1; // 1.3.101.112 -> 1.3.101.113 (Ed448's OID)
  const pem = pemEncode('PRIVATE KEY', p256);
  await assertNoLeaks(t, [
    ['PKCS#8 with a trailing byte', SECRET, () => PrivateKey.fromPkcs8(withTrailing)],
    ['PKCS#8 with a mismatched public key', SECRET, () => PrivateKey.fromPkcs8(mismatched)],
    ['PKCS#8 with a scalar >= n', TOO_BIG, () => PrivateKey.fromPkcs8(outOfRange)],
    ['PKCS#8 Ed25519 with 31 bytes', SECRET, () => PrivateKey.fromPkcs8(shortSeed)],
    ['PKCS#8 with an unknown algorithm', SECRET, () => PrivateKey.fromPkcs8(unknownAlgorithm)],
    ['EC scalar >= n', TOO_BIG, () => PrivateKey.fromEcScalar('P-256', TOO_BIG)],
    ['Ed25519 seed of 31 bytes', SECRET, () => PrivateKey.fromEd25519Seed(SECRET.subarray(0, 31))],
    ['PEM with broken base64', SECRET, () => PrivateKey.fromPem(pem.replace(/\n(.{10})/, '\n!$1'))],
    ['PEM with the wrong label', SECRET, () => PrivateKey.fromPem(pem.replaceAll('PRIVATE KEY', 'PUBLIC KEY'))],
    ['PEM with mismatched labels', SECRET, () => pemDecode(pem.replace('END PRIVATE', 'END PUBLIC'), 'PRIVATE KEY')],
  ]);
});

test('signing errors do not contain the private key', async (t) => {
  const key = PrivateKey.fromEcScalar('P-256', SECRET);
  const message = new Uint8Array(1);
  await assertNoLeaks(t, [
    ['scheme for another key type', SECRET, () => sign(SignatureScheme.ed25519, key, message)],
    ['scheme for another curve', SECRET, () => sign(SignatureScheme.ecdsa_secp384r1_sha384, key, message)],
    ['unknown scheme', SECRET, () => sign(0x0203, key, message)],
    ['message not bytes', SECRET, () => sign(SignatureScheme.ecdsa_secp256r1_sha256, key, 'text' as unknown as Uint8Array)],
  ]);
});

test('the leak check itself finds a key in hex, upper-case hex, base64 and in pieces', (t) => {
  const b = Buffer.from(SECRET);
  const piece = `x${b.subarray(5, 13).toString('hex')}y`;
  for (const text of [b.toString('hex'), b.toString('hex').toUpperCase(), b.toString('base64'), piece]) {
    t.not(leaks(`message ${text}`, SECRET), undefined);
  }
  t.is(leaks('secp256r1: private scalar is not in [1, n-1]', SECRET), undefined);
});
