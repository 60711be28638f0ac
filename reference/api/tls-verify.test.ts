import test from 'ava';
import { PrivateKey } from '../crypto/private-key.ts';
import { seededRandom } from '../crypto/random.ts';
import { createCertificate } from '../crypto/x509-create.ts';
import { TlsCertificate } from './tls-certificate.ts';
import { vector } from './tls-testing.ts';
import { certificateNames, extendedKeyUsage, matchesDnsId, matchesIdentity } from './tls-verify.ts';

/** A self-signed leaf with these names (no SAN extension when both lists are empty). */
async function leafWith(subject: string, dnsNames: string[], ipAddresses: string[] = []): Promise<TlsCertificate> {
  const key = await PrivateKey.generate('P-256', { random: seededRandom(`identity ${subject} ${dnsNames.join()}`) });
  return TlsCertificate.newFromDer((await createCertificate({ subject, publicKey: key.publicKey, dnsNames, ipAddresses }, { privateKey: key })).der);
}

test('RFC 6125 §6.4.1: DNS-IDs compare case-insensitively, a final dot ignored', (t) => {
  t.true(matchesDnsId('WWW.Example.COM', 'www.example.com'));
  t.true(matchesDnsId('www.example.com.', 'www.example.com'));
  t.false(matchesDnsId('www.example.com', 'example.com'));
  t.false(matchesDnsId('example.com', 'www.example.com'));
});

test('RFC 6125 §6.4.3: a wildcard is the whole leftmost label and stands for exactly one label', (t) => {
  t.true(matchesDnsId('*.example.com', 'foo.example.com'));
  t.false(matchesDnsId('*.example.com', 'example.com'), 'not the parent');
  t.false(matchesDnsId('*.example.com', 'bar.foo.example.com'), 'not two labels');
  t.false(matchesDnsId('*.com', 'example.com'), 'not directly under a top-level domain');
  t.false(matchesDnsId('f*.example.com', 'foo.example.com'), 'no partial-label wildcards (RFC 9525 §6.3)');
  t.false(matchesDnsId('www.*.example.com', 'www.foo.example.com'), 'not in a later label');
  t.false(matchesDnsId('*.*.example.com', 'a.b.example.com'));
});

test('host identities: SAN dNSName, wildcards, IDN U-labels against A-labels, a trailing dot', async (t) => {
  const c = await leafWith('CN=ignored.example', ['*.example.net', 'xn--bcher-kva.example']);
  t.true(matchesIdentity(c, 'www.example.net'));
  t.true(matchesIdentity(c, 'bücher.example'), 'RFC 6125 §6.4.2: the reference is turned into A-labels');
  t.true(matchesIdentity(c, 'xn--bcher-kva.example.'));
  t.false(matchesIdentity(c, 'example.net'));
  t.false(matchesIdentity(c, 'ignored.example'), '§6.4.4: no CN-ID once there is a DNS-ID');
  t.false(matchesIdentity(c, ''));
  t.false(matchesIdentity(c, '*.example.net'), 'a reference identity is never a wildcard');
});

test('RFC 6125 §6.4.4: the CN is a last resort, used only without dNSName and iPAddress entries', async (t) => {
  const cnOnly = await leafWith('CN=cn-only.example, O=dtlsprobe', []);
  t.true(matchesIdentity(cnOnly, 'cn-only.example'));
  t.true(matchesIdentity(cnOnly, 'CN-ONLY.example'));
  t.false(matchesIdentity(cnOnly, 'other.example'));
  const withIp = await leafWith('CN=cn-ip.example', [], ['192.0.2.7']);
  t.false(matchesIdentity(withIp, 'cn-ip.example'), 'an iPAddress entry also turns the CN off (as GnuTLS does)');
});

test('IP identities match iPAddress entries by value, never a dNSName or the CN', async (t) => {
  const c = await leafWith('CN=192.0.2.1', ['192.0.2.1'], ['192.0.2.7', '2001:db8::1']);
  t.true(matchesIdentity(c, '192.0.2.7'));
  t.true(matchesIdentity(c, '2001:DB8:0:0:0:0:0:1'));
  t.true(matchesIdentity(c, '[2001:db8::1]'));
  t.false(matchesIdentity(c, 'fe80::1%eth0'), 'another address, zone or not');
  t.false(matchesIdentity(c, '192.0.2.1'), 'RFC 2818 §3.1: an address must be an iPAddress entry');
  t.false(matchesIdentity(c, '::ffff:192.0.2.7'), 'an IPv4-mapped address is another address (16 bytes)');
});

test('extendedKeyUsage is read from the extension; absent gives undefined', (t) => {
  t.deepEqual(extendedKeyUsage(TlsCertificate.newFromFile(vector('openssl-leaf.pem')).parsed), ['1.3.6.1.5.5.7.3.1']);
  t.is(extendedKeyUsage(TlsCertificate.newFromFile(vector('openssl-p256.pem')).parsed), undefined);
});

test('certificateNames takes the issuer and subject Name DER out of a certificate', (t) => {
  const leaf = TlsCertificate.newFromFile(vector('openssl-leaf.pem'));
  const ca = TlsCertificate.newFromFile(vector('openssl-ca.pem'));
  const names = certificateNames(leaf.parsed.der);
  t.deepEqual(names.issuer, ca.subjectDer);
  t.deepEqual(certificateNames(ca.parsed.der).issuer, ca.subjectDer, 'self-issued');
  t.is(names.subject[0], 0x30);
  t.notDeepEqual(names.subject, names.issuer);
});
