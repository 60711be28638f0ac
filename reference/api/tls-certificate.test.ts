import test, { type ExecutionContext } from 'ava';
import { X509Certificate as NodeCertificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PrivateKey } from '../crypto/private-key.ts';
import { seededRandom } from '../crypto/random.ts';
import { parseCertificate } from '../crypto/x509.ts';
import { createCertificate } from '../crypto/x509-create.ts';
import { certificateFlagNames } from './enums.ts';
import { GioError } from './errors.ts';
import { TlsCertificate, compactDn } from './tls-certificate.ts';
import { IN_DEFAULT_WINDOW, IN_VECTOR_WINDOW, TempDir, makeChain, tamperSignature, vector } from './tls-testing.ts';
import { isIssuedBy } from './tls-verify.ts';

const dir = new TempDir();
test.after.always(() => dir.cleanup());

/** The GIO error code name `fn` throws, e.g. G_TLS_ERROR_BAD_CERTIFICATE. */
function gioError(t: ExecutionContext, fn: () => unknown): string {
  const e = t.throws(fn, { instanceOf: GioError });
  return e?.codeName ?? 'no GioError';
}

const names = (flags: number): string[] => certificateFlagNames(flags);
const chainPromise = makeChain('certificate');
const fromDer = (der: Uint8Array): TlsCertificate => TlsCertificate.newFromDer(der);

// ---- loading

test('newFromFile reads an OpenSSL certificate: the properties GIO has, names in GnuTLS form', (t) => {
  const c = TlsCertificate.newFromFile(vector('openssl-leaf.pem'));
  const node = new NodeCertificate(readFileSync(vector('openssl-leaf.pem')));
  t.is(c.subjectName, 'CN=localhost,O=dtlsprobe'); // certtool -i prints "Subject: CN=localhost,O=dtlsprobe"
  t.is(c.issuerName, 'CN=dtlsprobe OpenSSL test CA,O=dtlsprobe');
  t.is(c.getSubjectName(), c.subjectName);
  t.is(c.notValidBefore.getTime(), Date.parse(node.validFrom));
  t.is(c.notValidAfter.toISOString(), c.getNotValidAfter().toISOString());
  t.is(c.notValidAfter.getTime(), Date.parse(node.validTo));
  t.deepEqual(c.dnsNames, ['localhost']);
  t.deepEqual(c.ipAddresses, ['127.0.0.1']);
  t.deepEqual(c.certificate, new Uint8Array(node.raw));
  t.is(c.sha256Fingerprint, node.fingerprint256.replaceAll(':', '').toLowerCase());
  t.is(c.issuer, undefined);
  t.is(c.privateKey, undefined);
  t.is(c.privateKeyPem, undefined);
  t.true(TlsCertificate.newFromPem(c.certificatePem).isSame(c));
});

test('subject names escape RFC 4514 specials and drop only the separators\' spaces (as GnuTLS prints them)', (t) => {
  t.is(TlsCertificate.newFromFile(vector('openssl-p384.pem')).subjectName, 'CN=p384.example,O=dtlsprobe\\, Inc.,C=DE');
  t.is(compactDn('CN=a\\, b, O=c\\\\, C=DE'), 'CN=a\\, b,O=c\\\\,C=DE');
});

test('a PEM with the chain builds the leaf with issuer set to the next certificate, and the key', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const file = dir.write('chain.pem', leaf.certificate, intermediate.certificate, root.certificate, leaf.privateKey);
  const c = TlsCertificate.newFromFile(file);
  t.is(c.issuer?.subjectName, 'CN=certificate intermediate CA,O=dtlsprobe');
  t.is(c.issuer?.issuer?.subjectName, 'CN=certificate root CA,O=dtlsprobe');
  t.is(c.issuer?.issuer?.issuer, undefined);
  t.deepEqual(c.chainDer(), [leaf.certificate.der, intermediate.certificate.der, root.certificate.der]);
  t.true(c.privateKey?.publicKey.equals(leaf.privateKey.publicKey));
  t.is(c.issuer?.privateKey, undefined);
  t.is(c.privateKeyPem, leaf.privateKey.toPem());
  const credentials = c.credentials();
  t.deepEqual(credentials.chain, c.chainDer());
  t.true(credentials.privateKey === c.privateKey);
});

test('a PEM whose certificates do not form a chain gives the first certificate alone (GIO)', async (t) => {
  const { leaf } = await chainPromise;
  const other = await makeChain('unrelated');
  const c = TlsCertificate.newFromFile(dir.write('unrelated.pem', leaf.certificate, other.root.certificate));
  t.true(c.isSame(fromDer(leaf.certificate.der)));
  t.is(c.issuer, undefined);
});

test('a chain without its root still links (the last certificate is taken as the root)', async (t) => {
  const { leaf, intermediate } = await chainPromise;
  const c = TlsCertificate.newFromPem(fromDer(leaf.certificate.der).certificatePem + fromDer(intermediate.certificate.der).certificatePem);
  t.true(c.issuer?.isSame(fromDer(intermediate.certificate.der)));
});

test('newFromPem honours length, like GIO\'s (data, length)', async (t) => {
  const { leaf, root } = await chainPromise;
  const one = fromDer(leaf.certificate.der).certificatePem;
  const c = TlsCertificate.newFromPem(one + fromDer(root.certificate.der).certificatePem, one.length);
  t.true(c.isSame(fromDer(leaf.certificate.der)));
  t.is(c.issuer, undefined);
  t.is(TlsCertificate.newFromPem(one, -1).subjectName, 'CN=localhost,O=dtlsprobe');
});

test('newFromFiles reads the key from its own file: PKCS #8 and SEC 1', (t) => {
  const pkcs8 = TlsCertificate.newFromFiles(vector('openssl-p256.pem'), vector('openssl-p256.key.pem'));
  const sec1 = TlsCertificate.newFromFiles(vector('openssl-p256.pem'), vector('openssl-p256.sec1.key.pem'));
  t.is(pkcs8.privateKey?.algorithm, 'P-256');
  t.is(pkcs8.privateKeyPem, sec1.privateKeyPem);
  t.is(TlsCertificate.newFromFiles(vector('openssl-rsa.pem'), vector('openssl-rsa.key.pem')).privateKey?.algorithm, 'RSA');
  t.is(TlsCertificate.newFromFiles(vector('openssl-ed25519.pem'), vector('openssl-ed25519.key.pem')).privateKey?.algorithm, 'Ed25519');
});

test('a PKCS #1 "RSA PRIVATE KEY" is read too', (t) => {
  const pkcs8 = readFileSync(vector('openssl-rsa.key.pem'), 'utf8');
  const pkcs1 = createPrivateKey(pkcs8).export({ format: 'pem', type: 'pkcs1' }).toString();
  t.true(pkcs1.startsWith('-----BEGIN RSA PRIVATE KEY-----'));
  const c = TlsCertificate.newFromFiles(vector('openssl-rsa.pem'), dir.write('rsa.pkcs1.pem', pkcs1));
  t.true(c.privateKey?.publicKey.equals(PrivateKey.fromPem(pkcs8).publicKey));
});

test('loading errors are GIO\'s: missing file, no certificate, bad PEM, bad DER, missing or foreign key, PKCS #12', async (t) => {
  const { leaf } = await chainPromise;
  t.is(gioError(t, () => TlsCertificate.newFromFile(dir.path + '/absent.pem')), 'G_IO_ERROR_NOT_FOUND');
  t.is(gioError(t, () => TlsCertificate.newFromPem('hello')), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.is(gioError(t, () => TlsCertificate.newFromPem(leaf.privateKey.toPem())), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.is(gioError(t, () => TlsCertificate.newFromPem('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n')), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.is(gioError(t, () => TlsCertificate.newFromPem('-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n')), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.is(gioError(t, () => TlsCertificate.newFromFiles(vector('openssl-p256.pem'), vector('openssl-rsa.pem'))), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.is(gioError(t, () => TlsCertificate.newFromFiles(vector('openssl-p256.pem'), vector('openssl-p384.key.pem'))), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.is(gioError(t, () => TlsCertificate.newFromFile(dir.path + '/cert.p12')), 'G_IO_ERROR_NOT_SUPPORTED');
  t.is(gioError(t, () => TlsCertificate.newFromFileWithPassword(dir.path + '/cert.pfx', 'x')), 'G_IO_ERROR_NOT_SUPPORTED');
  t.is(gioError(t, () => TlsCertificate.newFromPkcs12(new Uint8Array(4), 'x')), 'G_IO_ERROR_NOT_SUPPORTED');
  t.is(gioError(t, () => TlsCertificate.newFromDerChain([])), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.is(gioError(t, () => TlsCertificate.newFromDerChain([new Uint8Array([0x30, 0x00])])), 'G_TLS_ERROR_BAD_CERTIFICATE');
});

test('an encrypted PKCS #8 key (openssl pkcs8 -topk8 -v2 aes-256-cbc) opens with its password only', (t) => {
  const file = dir.write('leaf-encrypted.pem', readFileSync(vector('openssl-leaf.pem'), 'utf8'), readFileSync(vector('openssl-leaf.enc.key.pem'), 'utf8'));
  const plain = PrivateKey.fromPem(readFileSync(vector('openssl-leaf.key.pem'), 'utf8'));
  const c = TlsCertificate.newFromFileWithPassword(file, 'secret');
  t.true(c.privateKey?.publicKey.equals(plain.publicKey));
  t.is(c.privateKeyPem, plain.toPem());
  t.is(gioError(t, () => TlsCertificate.newFromFileWithPassword(file, 'wrong')), 'G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD');
  // Without a password GIO cannot decrypt it: "Cannot decrypt PEM-encoded private key".
  t.is(gioError(t, () => TlsCertificate.newFromFile(file)), 'G_TLS_ERROR_BAD_CERTIFICATE');
  // A file whose key is not encrypted ignores the password.
  t.is(TlsCertificate.newFromFileWithPassword(vector('openssl-leaf.pem'), 'unused').privateKey, undefined);
});

test('listNewFromFile: every certificate on its own; a file without certificates gives []', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const list = TlsCertificate.listNewFromFile(dir.write('list.pem', leaf.certificate, intermediate.certificate, root.certificate, leaf.privateKey));
  t.deepEqual(list.map((c) => c.subjectName), ['CN=localhost,O=dtlsprobe', 'CN=certificate intermediate CA,O=dtlsprobe', 'CN=certificate root CA,O=dtlsprobe']);
  t.true(list.every((c) => c.issuer === undefined && c.privateKey === undefined));
  t.deepEqual(TlsCertificate.listNewFromFile(dir.write('keyonly.pem', leaf.privateKey)), []);
  t.is(gioError(t, () => TlsCertificate.listNewFromFile(dir.path + '/none.pem')), 'G_IO_ERROR_NOT_FOUND');
});

test('newFromDerChain links a peer chain sent out of order or with duplicates, as GIO does', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const shuffled = TlsCertificate.newFromDerChain([leaf.certificate.der, root.certificate.der, intermediate.certificate.der, intermediate.certificate.der]);
  t.deepEqual(shuffled.chainDer(), [leaf.certificate.der, intermediate.certificate.der, root.certificate.der]);
  t.is(shuffled.verify('localhost', fromDer(root.certificate.der), IN_DEFAULT_WINDOW), 0);
  const alone = TlsCertificate.newFromDerChain([leaf.certificate.der]);
  t.is(alone.issuer, undefined);
});

test('isSame compares the DER only, whatever the issuer or key', async (t) => {
  const { leaf, intermediate } = await chainPromise;
  const withKey = TlsCertificate.newFromDer(leaf.certificate.der, { privateKey: leaf.privateKey, issuer: fromDer(intermediate.certificate.der) });
  t.true(withKey.isSame(fromDer(leaf.certificate.der)));
  t.false(withKey.isSame(fromDer(intermediate.certificate.der)));
});

test('credentials() needs the private key: G_TLS_ERROR_BAD_CERTIFICATE without one', async (t) => {
  const { leaf } = await chainPromise;
  t.is(gioError(t, () => fromDer(leaf.certificate.der).credentials()), 'G_TLS_ERROR_BAD_CERTIFICATE');
});

// ---- verify

test('verify: a good chain to the trusted CA and a matching identity give no flags', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const c = TlsCertificate.newFromDer(leaf.certificate.der, { issuer: fromDer(intermediate.certificate.der) });
  const ca = fromDer(root.certificate.der);
  for (const identity of ['localhost', 'LOCALHOST.', '127.0.0.1', '::1', '[::1]', '0:0:0:0:0:0:0:1', undefined]) {
    t.is(c.verify(identity, ca, IN_DEFAULT_WINDOW), 0, String(identity));
  }
  // The chain may also end at the intermediate, or be the trusted certificate itself.
  t.is(c.verify('localhost', fromDer(intermediate.certificate.der), IN_DEFAULT_WINDOW), 0);
  t.is(fromDer(root.certificate.der).verify(undefined, ca, IN_DEFAULT_WINDOW), 0);
});

test('verify: UNKNOWN_CA when the chain does not reach trustedCa, and never without a trustedCa', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const other = await makeChain('other');
  const linked = TlsCertificate.newFromDer(leaf.certificate.der, { issuer: fromDer(intermediate.certificate.der) });
  t.deepEqual(names(linked.verify('localhost', fromDer(other.root.certificate.der), IN_DEFAULT_WINDOW)), ['UNKNOWN_CA']);
  // Without its intermediate the leaf does not reach the root.
  t.deepEqual(names(fromDer(leaf.certificate.der).verify('localhost', fromDer(root.certificate.der), IN_DEFAULT_WINDOW)), ['UNKNOWN_CA']);
  t.is(fromDer(leaf.certificate.der).verify('localhost', undefined, IN_DEFAULT_WINDOW), 0);
  t.is(TlsCertificate.newFromFile(vector('openssl-p256.pem')).verify(undefined, undefined, IN_VECTOR_WINDOW), 0);
});

test('verify: BAD_IDENTITY when the name or address is not in subjectAltName, never without an identity', async (t) => {
  const { leaf, root, intermediate } = await chainPromise;
  const c = TlsCertificate.newFromDer(leaf.certificate.der, { issuer: fromDer(intermediate.certificate.der) });
  const ca = fromDer(root.certificate.der);
  for (const identity of ['example.com', 'localhost.example', 'local', '127.0.0.2', '::2', '10.0.0.1']) {
    t.deepEqual(names(c.verify(identity, ca, IN_DEFAULT_WINDOW)), ['BAD_IDENTITY'], identity);
  }
  t.is(c.verify(undefined, ca, IN_DEFAULT_WINDOW), 0);
});

test('verify: NOT_ACTIVATED before notBefore and EXPIRED after notAfter, for every certificate of the chain', async (t) => {
  const chain = await makeChain('dates', {
    leaf: { notBefore: new Date(Date.UTC(2030, 0, 1)), notAfter: new Date(Date.UTC(2031, 0, 1)) },
    intermediate: { notBefore: new Date(Date.UTC(2025, 0, 1)), notAfter: new Date(Date.UTC(2035, 0, 1)) },
  });
  const c = TlsCertificate.newFromDer(chain.leaf.certificate.der, { issuer: fromDer(chain.intermediate.certificate.der) });
  const ca = fromDer(chain.root.certificate.der);
  t.deepEqual(names(c.verify('localhost', ca, new Date(Date.UTC(2029, 11, 31)))), ['NOT_ACTIVATED']);
  t.is(c.verify('localhost', ca, new Date(Date.UTC(2030, 0, 1))), 0, 'notBefore itself is valid');
  t.is(c.verify('localhost', ca, new Date(Date.UTC(2031, 0, 1))), 0, 'notAfter itself is valid');
  t.deepEqual(names(c.verify('localhost', ca, new Date(Date.UTC(2032, 0, 1)))), ['EXPIRED']);
  t.deepEqual(names(c.verify('localhost', ca, new Date(Date.UTC(2024, 0, 1)))), ['NOT_ACTIVATED'], 'the intermediate is not active either');
  t.deepEqual(names(c.verify('localhost', undefined, new Date(Date.UTC(2036, 0, 1)))), ['EXPIRED'], 'also without a trustedCa');
});

test('verify: GENERIC_ERROR for a signature that does not verify', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const broken = TlsCertificate.newFromDer(tamperSignature(leaf.certificate), { issuer: fromDer(intermediate.certificate.der) });
  t.deepEqual(names(broken.verify('localhost', fromDer(root.certificate.der), IN_DEFAULT_WINDOW)), ['GENERIC_ERROR']);
  t.deepEqual(names(broken.verify('localhost', fromDer(intermediate.certificate.der), IN_DEFAULT_WINDOW)), ['GENERIC_ERROR']);
});

test('verify: INSECURE for a SHA-1 signature or an RSA key below 2048 bits (OpenSSL-made)', (t) => {
  const ca = TlsCertificate.newFromFile(vector('openssl-ca.pem'));
  t.is(TlsCertificate.newFromFile(vector('openssl-leaf.pem')).verify('localhost', ca, IN_VECTOR_WINDOW), 0);
  t.deepEqual(names(TlsCertificate.newFromFile(vector('openssl-leaf-sha1.pem')).verify('localhost', ca, IN_VECTOR_WINDOW)), ['INSECURE']);
  t.deepEqual(names(TlsCertificate.newFromFile(vector('openssl-leaf-rsa1024.pem')).verify('localhost', ca, IN_VECTOR_WINDOW)), ['INSECURE']);
});

test('verify: UNKNOWN_CA when a certificate was issued by one that is not a CA (and GENERIC_ERROR: no keyCertSign)', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const key = await PrivateKey.generate('P-256', { random: seededRandom('not a ca') });
  const below = await createCertificate({ subject: 'CN=below.example', publicKey: key.publicKey, dnsNames: ['below.example'] }, { privateKey: leaf.privateKey, certificate: leaf.certificate });
  const chain = TlsCertificate.newFromDerChain([below.der, leaf.certificate.der, intermediate.certificate.der]);
  // GnuTLS: "issuer is not a CA" and "violates the signer's constraints", which GIO maps to these two.
  t.deepEqual(names(chain.verify('below.example', fromDer(root.certificate.der), IN_DEFAULT_WINDOW)), ['UNKNOWN_CA', 'GENERIC_ERROR']);
});

test('[SEED-verify-failure-sets-flag] every way verify can fail sets at least one flag', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const other = await makeChain('failures');
  const ca = fromDer(root.certificate.der);
  const good = (): TlsCertificate => TlsCertificate.newFromDer(leaf.certificate.der, { issuer: fromDer(intermediate.certificate.der) });
  const cases: [string, number][] = [
    ['unknown CA', good().verify('localhost', fromDer(other.root.certificate.der), IN_DEFAULT_WINDOW)],
    ['missing intermediate', fromDer(leaf.certificate.der).verify('localhost', ca, IN_DEFAULT_WINDOW)],
    ['wrong name', good().verify('example.org', ca, IN_DEFAULT_WINDOW)],
    ['wrong address', good().verify('192.0.2.1', ca, IN_DEFAULT_WINDOW)],
    ['not yet valid', good().verify('localhost', ca, new Date(Date.UTC(2019, 0, 1)))],
    ['expired', good().verify('localhost', ca, new Date(Date.UTC(2050, 0, 1)))],
    ['bad leaf signature', TlsCertificate.newFromDer(tamperSignature(leaf.certificate), { issuer: fromDer(intermediate.certificate.der) }).verify('localhost', ca, IN_DEFAULT_WINDOW)],
    ['bad intermediate signature', TlsCertificate.newFromDer(leaf.certificate.der, { issuer: fromDer(tamperSignature(intermediate.certificate)) }).verify('localhost', ca, IN_DEFAULT_WINDOW)],
    ['SHA-1', TlsCertificate.newFromFile(vector('openssl-leaf-sha1.pem')).verify('localhost', TlsCertificate.newFromFile(vector('openssl-ca.pem')), IN_VECTOR_WINDOW)],
  ];
  for (const [what, flags] of cases) t.not(flags, 0, what);
  t.is(good().verify('localhost', ca, IN_DEFAULT_WINDOW), 0, 'and the good chain passes');
});

test('certificate signatures check out for every algorithm of the OpenSSL vectors, and not once tampered (node:crypto agrees)', (t) => {
  for (const file of ['openssl-p256.pem', 'openssl-p384.pem', 'openssl-rsa.pem', 'openssl-rsa-pss.pem', 'openssl-ed25519.pem', 'openssl-ca.pem']) {
    const c = TlsCertificate.newFromFile(vector(file));
    const node = new NodeCertificate(c.certificate);
    t.is(isIssuedBy(c, c), node.verify(node.publicKey), file);
    t.true(isIssuedBy(c, c), file);
    const tampered = fromDer(tamperSignature(parseCertificate(c.certificate)));
    t.false(isIssuedBy(tampered, c), `${file} tampered`);
  }
  const ca = TlsCertificate.newFromFile(vector('openssl-ca.pem'));
  t.true(isIssuedBy(TlsCertificate.newFromFile(vector('openssl-leaf.pem')), ca));
  t.false(isIssuedBy(ca, TlsCertificate.newFromFile(vector('openssl-leaf.pem'))));
});
