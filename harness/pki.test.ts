/**
 * The run's throwaway PKI (pki.ts): the files are there, `openssl verify` accepts every leaf against
 * the CA, each key belongs to its certificate, the names are localhost / 127.0.0.1, and the set is
 * made once per process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { SignatureScheme, parseCertificate, pemDecode, sign, verify, verifySignedBy } from '../reference/crypto/index.ts';
import { KEY_ALGORITHM, KEY_TYPES, generateCredentials, loadCredentials } from './pki.ts';
import { findProgram } from './iut/process.ts';

const hasOpenssl = findProgram('openssl') !== undefined;

test('the CA and a leaf certificate and PKCS#8 key per key type are written as PEM files', async (t) => {
  const files = await generateCredentials();
  t.true(existsSync(files.ca));
  t.regex(readFileSync(files.ca, 'utf8'), /^-----BEGIN CERTIFICATE-----\n/);
  for (const type of KEY_TYPES) {
    t.regex(readFileSync(files.leaf[type].cert, 'utf8'), /^-----BEGIN CERTIFICATE-----\n/, type);
    t.regex(readFileSync(files.leaf[type].key, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/, type);
    t.is(statSync(files.leaf[type].key).mode & 0o077, 0, `${type} key readable by its owner only`);
  }
});

test('generation happens once per process: the same files and the same certificates each call', async (t) => {
  const a = await generateCredentials();
  const b = await generateCredentials();
  t.is(a, b);
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-pki-test-'));
  try {
    const c = await generateCredentials(join(dir, 'creds'));
    t.true(c.ca.startsWith(join(dir, 'creds')));
    t.is(readFileSync(c.ca, 'utf8'), readFileSync(a.ca, 'utf8'));
    t.is(readFileSync(c.leaf.rsa.key, 'utf8'), readFileSync(a.leaf.rsa.key, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every leaf: CN=localhost, SAN localhost and 127.0.0.1, signed by the CA, with the key of its type', async (t) => {
  const loaded = loadCredentials(await generateCredentials());
  const ca = parseCertificate(loaded.caDer);
  for (const type of KEY_TYPES) {
    const { chain, privateKey } = loaded.leaf[type];
    t.is(chain.length, 2);
    t.deepEqual(chain[1], loaded.caDer);
    const leaf = parseCertificate(chain[0]);
    t.is(privateKey.algorithm, KEY_ALGORITHM[type]);
    t.true(leaf.publicKey.equals(privateKey.publicKey), `${type}: the key belongs to the certificate`);
    t.true(await verifySignedBy(leaf, ca), `${type}: signed by the CA`);
    const der = Buffer.from(chain[0]);
    t.true(der.includes(Buffer.from('localhost')), `${type}: names localhost`);
    t.true(der.includes(Buffer.from([0x87, 0x04, 127, 0, 0, 1])), `${type}: SAN iPAddress 127.0.0.1`);
    const message = new TextEncoder().encode(`signed by the ${type} key`);
    const scheme = schemeFor(type);
    t.true(await verify(scheme, leaf.publicKey, message, await sign(scheme, privateKey, message)), `${type}: what the key signs, the certificate verifies`);
  }
});

/** A TLS SignatureScheme each key type can sign with. */
function schemeFor(type: (typeof KEY_TYPES)[number]): number {
  switch (type) {
    case 'p256':
      return SignatureScheme.ecdsa_secp256r1_sha256;
    case 'p384':
      return SignatureScheme.ecdsa_secp384r1_sha384;
    case 'ed25519':
      return SignatureScheme.ed25519;
    case 'rsa':
      return SignatureScheme.rsa_pss_rsae_sha256;
  }
}

test('loadCredentials names the file it cannot read', async (t) => {
  const files = await generateCredentials();
  const broken = { ...files, leaf: { ...files.leaf, p384: { cert: files.leaf.p384.cert, key: files.leaf.p256.key } } };
  t.throws(() => loadCredentials(broken), { message: new RegExp(`^${files.leaf.p256.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the key does not belong`) });
  t.throws(() => loadCredentials({ ...files, ca: join(tmpdir(), 'dtlsprobe-no-such-ca.pem') }), { message: /dtlsprobe-no-such-ca\.pem: not a readable CERTIFICATE PEM file/ });
});

const withOpenssl = hasOpenssl ? test : test.skip;

withOpenssl('openssl verify accepts every leaf against the CA; openssl reads every key and finds it matches its certificate', async (t) => {
  const files = await generateCredentials();
  for (const type of KEY_TYPES) {
    const out = execFileSync('timeout', ['10', 'openssl', 'verify', '-CAfile', files.ca, files.leaf[type].cert], { encoding: 'utf8' });
    t.is(out.trim(), `${files.leaf[type].cert}: OK`, type);
    const keyPub = execFileSync('timeout', ['10', 'openssl', 'pkey', '-in', files.leaf[type].key, '-pubout'], { encoding: 'utf8' });
    const certPub = execFileSync('timeout', ['10', 'openssl', 'x509', '-in', files.leaf[type].cert, '-noout', '-pubkey'], { encoding: 'utf8' });
    t.is(keyPub, certPub, `${type}: the key matches the certificate`);
    t.deepEqual(pemDecode(keyPub, 'PUBLIC KEY'), parseCertificate(readFileSync(files.leaf[type].cert, 'utf8')).publicKey.spki, type);
  }
});
