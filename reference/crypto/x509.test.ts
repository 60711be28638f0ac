import test from 'ava';
import { X509Certificate as NodeCertificate, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../testkit/shared.ts';
import { CryptoError } from './errors.ts';
import { PrivateKey } from './private-key.ts';
import { seededRandom } from './random.ts';
import {
  type Certificate,
  certificateToPem,
  parseCertificate,
  parseCertificateChain,
  publicKeyFromCertificate,
  verifySignedBy,
} from './x509.ts';
import { DEFAULT_NOT_AFTER, DEFAULT_NOT_BEFORE, createCertificate, createTestPki } from './x509-create.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fixture = (name: string): string => readFileSync(repoPath('vectors', 'certs', name), 'utf8');

/** Checks our reading of a certificate against node:crypto's (OpenSSL's) reading of it. */
function assertMatchesOpenssl(t: import('ava').ExecutionContext, ours: Certificate): void {
  const node = new NodeCertificate(Buffer.from(ours.der));
  t.is(ours.serialNumber, node.serialNumber);
  t.is(ours.notBefore.getTime(), Date.parse(node.validFrom));
  t.is(ours.notAfter.getTime(), Date.parse(node.validTo));
  t.is(ours.isCA, node.ca);
  t.is(hex(ours.sha256Fingerprint), node.fingerprint256.replaceAll(':', '').toLowerCase());
  t.is(hex(ours.publicKey.spki), hex(node.publicKey.export({ format: 'der', type: 'spki' })));
  const nodeSan = (node.subjectAltName ?? '').split(', ').filter((s) => s !== '');
  // OpenSSL prints IPv6 uncompressed; ours follows RFC 5952.
  const ipText = (ip: string): string => `IP Address:${ip === '::1' ? '0:0:0:0:0:0:0:1' : ip}`;
  const ourSan = [...ours.dnsNames.map((d) => `DNS:${d}`), ...ours.ipAddresses.map(ipText)];
  t.deepEqual(ourSan, nodeSan);
}

const OPENSSL = [
  { file: 'openssl-p256.pem', key: 'P-256', algorithm: { kind: 'ecdsa', hash: 'SHA-256' } },
  // OpenSSL's default digest is SHA-256 whatever the curve: X.509 does not bind hash to curve.
  { file: 'openssl-p384.pem', key: 'P-384', algorithm: { kind: 'ecdsa', hash: 'SHA-256' } },
  { file: 'openssl-rsa.pem', key: 'RSA', algorithm: { kind: 'rsa-pkcs1', hash: 'SHA-256' } },
  { file: 'openssl-rsa-pss.pem', key: 'RSA', algorithm: { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 } },
  { file: 'openssl-ed25519.pem', key: 'Ed25519', algorithm: { kind: 'ed25519' } },
] as const;

test('[RFC5280-4.1] reads the OpenSSL P-256 certificate: names, SAN, validity', (t) => {
  const cert = parseCertificate(fixture('openssl-p256.pem'));
  t.is(cert.version, 3);
  t.is(cert.subject, 'CN=localhost');
  t.is(cert.issuer, 'CN=localhost');
  t.deepEqual(cert.dnsNames, ['localhost']);
  t.deepEqual(cert.ipAddresses, ['127.0.0.1']);
  t.is(cert.publicKey.algorithm, 'P-256');
  t.is(cert.signatureAlgorithmOid, '1.2.840.10045.4.3.2');
  t.is(cert.notAfter.getTime() - cert.notBefore.getTime(), 3650 * 86400 * 1000, '-days 3650');
  t.true(cert.isCA, 'openssl req -x509 marks its certificate CA:TRUE');
  t.true(cert.publicKey.equals(PrivateKey.fromPem(fixture('openssl-p256.key.pem')).publicKey));
});

test('[RFC4514-2.4] names print last RDN first, with commas escaped', (t) => {
  const cert = parseCertificate(fixture('openssl-p384.pem'));
  t.is(cert.subject, 'CN=p384.example, O=dtlsprobe\\, Inc., C=DE');
  t.deepEqual(cert.dnsNames, ['p384.example', '*.p384.example']);
  t.is(parseCertificate(fixture('openssl-rsa-pss.pem')).subject, 'O=dtlsprobe PSS, CN=localhost');
});

for (const { file, key, algorithm } of OPENSSL) {
  test(`${file}: fields agree with OpenSSL; it verifies against itself and not against another key`, async (t) => {
    const cert = parseCertificate(fixture(file));
    assertMatchesOpenssl(t, cert);
    t.is(cert.publicKey.algorithm, key);
    t.deepEqual(cert.signatureAlgorithm, algorithm);
    t.true(await verifySignedBy(cert, cert), 'self-signed');
    const other = parseCertificate(fixture(file === 'openssl-p256.pem' ? 'openssl-p384.pem' : 'openssl-p256.pem'));
    t.false(await verifySignedBy(cert, other), 'another key');
    const tampered = cert.der.slice();
    const serialAt = hex(tampered).indexOf(cert.serialNumber.toLowerCase()) / 2;
    t.true(serialAt > 0);
    tampered[serialAt + cert.serialNumber.length / 2 - 1] ^= 1; // the serial number's last byte
    t.false(await verifySignedBy(parseCertificate(tampered), cert), 'tampered');
  });
}

test('verifySignedBy: a same-type key that did not sign fails', async (t) => {
  const cert = parseCertificate(fixture('openssl-rsa.pem'));
  const { leaf } = await createTestPki('P-256', { random: seededRandom('x509 other') });
  t.false(await verifySignedBy(parseCertificate(fixture('openssl-p256.pem')), leaf.certificate));
  t.true(await verifySignedBy(parseCertificate(fixture('openssl-rsa-pss.pem')), cert), 'same RSA key, PSS signature');
});

for (const algorithm of ['P-256', 'P-384', 'Ed25519', 'RSA'] as const) {
  test(`createTestPki(${algorithm}): CA and leaf round-trip, chain, and OpenSSL accepts the signatures`, async (t) => {
    const { ca, leaf } = await createTestPki(algorithm, { random: seededRandom(`pki ${algorithm}`) });
    t.is(ca.certificate.subject, 'CN=dtlsprobe test CA, O=dtlsprobe');
    t.is(leaf.certificate.issuer, ca.certificate.subject);
    t.is(leaf.certificate.subject, 'CN=localhost, O=dtlsprobe');
    t.deepEqual(leaf.certificate.dnsNames, ['localhost']);
    t.deepEqual(leaf.certificate.ipAddresses, ['127.0.0.1', '::1']);
    t.true(ca.certificate.isCA);
    t.false(leaf.certificate.isCA);
    t.deepEqual([leaf.certificate.notBefore, leaf.certificate.notAfter], [DEFAULT_NOT_BEFORE, DEFAULT_NOT_AFTER]);
    t.true(leaf.certificate.publicKey.equals(leaf.privateKey.publicKey));
    t.true(await verifySignedBy(leaf.certificate, ca.certificate));
    t.true(await verifySignedBy(ca.certificate, ca.certificate));
    t.false(await verifySignedBy(leaf.certificate, leaf.certificate));
    assertMatchesOpenssl(t, ca.certificate);
    assertMatchesOpenssl(t, leaf.certificate);
    const nodeLeaf = new NodeCertificate(Buffer.from(leaf.certificate.der));
    const nodeCa = new NodeCertificate(Buffer.from(ca.certificate.der));
    t.true(nodeLeaf.verify(createPublicKey(certificateToPem(ca.certificate))), 'OpenSSL verifies the leaf with the CA key');
    t.true(nodeLeaf.checkIssued(nodeCa), 'OpenSSL: the CA issued the leaf (names, key identifiers, key usage)');
    t.is(nodeLeaf.checkHost('localhost'), 'localhost');
    const chain = parseCertificateChain(certificateToPem(leaf.certificate, ca.certificate));
    t.deepEqual(chain.map((c) => hex(c.der)), [hex(leaf.certificate.der), hex(ca.certificate.der)]);
    t.true(publicKeyFromCertificate(certificateToPem(leaf.certificate)).equals(leaf.privateKey.publicKey));
  });
}

test('EC and Ed25519 certificates are reproducible from a seed', async (t) => {
  for (const algorithm of ['P-256', 'Ed25519'] as const) {
    const a = await createTestPki(algorithm, { random: seededRandom('same') });
    const b = await createTestPki(algorithm, { random: seededRandom('same') });
    t.is(hex(a.leaf.certificate.der), hex(b.leaf.certificate.der), algorithm);
  }
});

test('createCertificate: RSA-PSS signatures, explicit serial and validity', async (t) => {
  const key = PrivateKey.fromPem(fixture('openssl-rsa.key.pem'));
  const cert = await createCertificate(
    {
      subject: 'CN=pss.example, C=DE',
      publicKey: key.publicKey,
      serialNumber: 0x1234n,
      notBefore: new Date(Date.UTC(2024, 1, 29)),
      notAfter: new Date(Date.UTC(2051, 0, 1)), // GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)
      dnsNames: ['pss.example'],
    },
    { privateKey: key, signatureAlgorithm: { kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 } },
  );
  t.is(cert.serialNumber, '1234');
  t.is(cert.notAfter.toISOString(), '2051-01-01T00:00:00.000Z');
  t.deepEqual(cert.signatureAlgorithm, { kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 });
  t.true(await verifySignedBy(cert, cert));
  assertMatchesOpenssl(t, cert);
  t.true(new NodeCertificate(Buffer.from(cert.der)).verify(createPublicKey(key.publicKey.toPem())));
});

test('malformed certificates throw CryptoError(invalid-encoding)', (t) => {
  const der = parseCertificate(fixture('openssl-p256.pem')).der;
  for (const [label, bad] of [
    ['truncated', der.subarray(0, der.length - 1)],
    ['trailing byte', Uint8Array.of(...der, 0)],
    ['not a SEQUENCE', Uint8Array.of(0x31, ...der.subarray(1))],
  ] as const) {
    t.is(t.throws(() => parseCertificate(bad), { instanceOf: CryptoError }, label).code, 'invalid-encoding', label);
  }
  t.is(t.throws(() => parseCertificate('no PEM here'), { instanceOf: CryptoError }).code, 'invalid-encoding');
  t.deepEqual(parseCertificateChain('nothing'), []);
});
