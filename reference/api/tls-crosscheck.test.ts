/**
 * Our verdicts against independent ones on the same files: GnuTLS's (`certtool --verify`, the
 * library GIO's default TLS backend verifies with) and the real GIO's (through /usr/bin/python3
 * and gi: TlsFileDatabase.verify_chain and TlsCertificate.verify). Each is skipped, with the
 * reason in its title, when its tool is missing.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pemEncode } from '../crypto/pem.ts';
import { PrivateKey } from '../crypto/private-key.ts';
import { seededRandom } from '../crypto/random.ts';
import { createCertificate } from '../crypto/x509-create.ts';
import { TlsCertificateFlags as F, certificateFlagNames } from './enums.ts';
import { TlsCertificate } from './tls-certificate.ts';
import { TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT, TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, TlsFileDatabase } from './tls-database.ts';
import { TempDir, makeChain, tamperSignature, vector } from './tls-testing.ts';

interface Scenario {
  readonly name: string;
  /** PEM: the leaf, then the certificates a peer sends with it. */
  readonly chain: string;
  /** PEM: the trust anchors. */
  readonly ca: string;
  readonly identity?: string;
  readonly purpose?: string;
  /** Only GnuTLS's "medium" verification profile refuses RSA keys below 2048 bits, as we do. */
  readonly gnutlsProfile?: 'medium';
  /** Where GIO is known to differ from us by design (it does not check the purpose). */
  readonly notForGio?: string;
}

const dir = new TempDir();
test.after.always(() => dir.cleanup());

async function scenarios(): Promise<Scenario[]> {
  const base = await makeChain('crosscheck');
  const pem = (name: string, ...ders: Uint8Array[]): string => dir.write(name, ders.map((d) => pemEncode('CERTIFICATE', d)).join(''));
  const root = pem('root.pem', base.root.certificate.der);
  const made = async (name: string, leaf: Parameters<typeof makeChain>[1]): Promise<string> => {
    const c = await makeChain('crosscheck', leaf);
    return pem(`${name}.pem`, c.leaf.certificate.der, c.intermediate.certificate.der);
  };
  const belowKey = await PrivateKey.generate('P-256', { random: seededRandom('crosscheck below') });
  const below = await createCertificate({ subject: 'CN=below.example', publicKey: belowKey.publicKey, dnsNames: ['below.example'] }, { privateKey: base.leaf.privateKey, certificate: base.leaf.certificate });
  const chain = pem('chain.pem', base.leaf.certificate.der, base.intermediate.certificate.der);
  const wildcard = await made('wildcard', { leaf: { dnsNames: ['*.example.com'], ipAddresses: [] } });
  const expired = await made('expired', { leaf: { notBefore: new Date(Date.UTC(2020, 0, 1)), notAfter: new Date(Date.UTC(2021, 0, 1)) } });
  const ossl = { chain: vector('openssl-leaf.pem'), ca: vector('openssl-ca.pem') };
  return [
    { name: 'OpenSSL leaf, its name', ...ossl, identity: 'localhost' },
    { name: 'OpenSSL leaf, another name', ...ossl, identity: 'example.com' },
    { name: 'OpenSSL leaf, its address', ...ossl, identity: '127.0.0.1' },
    { name: 'OpenSSL leaf, another address', ...ossl, identity: '10.9.8.7' },
    { name: 'OpenSSL leaf, no identity', ...ossl },
    { name: 'SHA-1 signature', chain: vector('openssl-leaf-sha1.pem'), ca: ossl.ca, identity: 'localhost' },
    { name: 'RSA 1024 key', chain: vector('openssl-leaf-rsa1024.pem'), ca: ossl.ca, identity: 'localhost', gnutlsProfile: 'medium', notForGio: 'GIO uses GnuTLS\'s default profile' },
    { name: 'unknown CA', chain: ossl.chain, ca: vector('openssl-p256.pem'), identity: 'localhost' },
    { name: 'wrong purpose', ...ossl, identity: 'localhost', purpose: TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT, notForGio: 'GIO does not check the purpose' },
    { name: 'three levels, a name', chain, ca: root, identity: 'localhost' },
    { name: 'three levels, IPv6', chain, ca: root, identity: '::1' },
    { name: 'three levels, no intermediate', chain: pem('leaf.pem', base.leaf.certificate.der), ca: root, identity: 'localhost' },
    { name: 'expired leaf', chain: expired, ca: root, identity: 'localhost' },
    { name: 'expired leaf, another name', chain: expired, ca: root, identity: 'example.net' },
    { name: 'not yet valid leaf', chain: await made('future', { leaf: { notBefore: new Date(Date.UTC(2040, 0, 1)) } }), ca: root, identity: 'localhost' },
    { name: 'bad leaf signature', chain: pem('tampered.pem', tamperSignature(base.leaf.certificate), base.intermediate.certificate.der), ca: root, identity: 'localhost' },
    { name: 'wildcard, one label', chain: wildcard, ca: root, identity: 'www.example.com' },
    { name: 'wildcard, the bare domain', chain: wildcard, ca: root, identity: 'example.com' },
    { name: 'wildcard, two labels', chain: wildcard, ca: root, identity: 'a.b.example.com' },
    { name: 'CN only, no subjectAltName', chain: await made('cn-only', { leaf: { subject: 'CN=cn-only.example', dnsNames: [], ipAddresses: [] } }), ca: root, identity: 'cn-only.example' },
    { name: 'issuer not a CA', chain: pem('below.pem', below.der, base.leaf.certificate.der, base.intermediate.certificate.der), ca: root, identity: 'below.example' },
  ];
}

/**
 * Our file database's flags for a scenario. `asPeerChain`: the chain file read as a peer's
 * Certificate message (newFromDerChain), as certtool reads it; otherwise loaded like GIO's
 * new_from_file, which drops the issuers of a file that does not form a chain.
 */
function ours(s: Scenario, asPeerChain: boolean): number {
  const db = TlsFileDatabase.newFromFile(s.ca);
  const chain = asPeerChain ? TlsCertificate.newFromDerChain(TlsCertificate.listNewFromFile(s.chain).map((c) => c.certificate)) : TlsCertificate.newFromFile(s.chain);
  return db.verifyChainSync(chain, s.purpose ?? TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, s.identity);
}

// ---- GnuTLS

/** certtool's "Chain verification output" phrases, as glib-networking maps GnuTLS statuses to flags. */
const GNUTLS_PHRASES: readonly [string, number][] = [
  ['The certificate issuer is unknown.', F.UNKNOWN_CA],
  ['The certificate issuer is not a CA.', F.UNKNOWN_CA],
  ['The name in the certificate does not match the expected.', F.BAD_IDENTITY],
  ['The certificate chain uses not yet valid certificate.', F.NOT_ACTIVATED],
  ['The certificate chain uses expired certificate.', F.EXPIRED],
  ['The certificate chain uses insecure algorithm.', F.INSECURE],
  ['The signature in the certificate is invalid.', F.GENERIC_ERROR],
  ["The certificate chain violates the signer's constraints.", F.GENERIC_ERROR],
  ['The certificate chain does not match the intended purpose.', F.GENERIC_ERROR],
];
const GNUTLS_NEUTRAL = ['Verified.', 'The certificate is trusted.', 'Not verified.', 'The certificate is NOT trusted.'];

function gnutls(s: Scenario): { flags: number; unknown: string[] } {
  const args = ['--verify', '--load-ca-certificate', s.ca, '--infile', s.chain];
  if (s.identity !== undefined) args.push(`--verify-hostname=${s.identity}`);
  if (s.purpose !== undefined) args.push(`--verify-purpose=${s.purpose}`);
  if (s.gnutlsProfile !== undefined) args.push(`--verify-profile=${s.gnutlsProfile}`);
  const run = spawnSync('certtool', args, { encoding: 'utf8' });
  const line = /Chain verification output: (.*)/.exec(`${run.stdout}${run.stderr}`)?.[1] ?? '(no output)';
  let flags = 0;
  let rest = line.trim();
  for (const [phrase, flag] of GNUTLS_PHRASES) {
    if (rest.includes(phrase)) {
      flags |= flag;
      rest = rest.replace(phrase, '');
    }
  }
  for (const phrase of GNUTLS_NEUTRAL) rest = rest.replace(phrase, '');
  return { flags, unknown: rest.trim() === '' ? [] : [line] };
}

const certtool = spawnSync('certtool', ['--version'], { encoding: 'utf8' }).status === 0;
(certtool ? test : test.skip)(`GnuTLS (certtool --verify) and our TlsFileDatabase give the same flags on the same files${certtool ? '' : ' (skipped: certtool, from gnutls-bin, is not installed)'}`, async (t) => {
  for (const s of await scenarios()) {
    const theirs = gnutls(s);
    t.deepEqual(theirs.unknown, [], `${s.name}: certtool said something not mapped here`);
    t.deepEqual(certificateFlagNames(ours(s, true)), certificateFlagNames(theirs.flags), s.name);
  }
});

// ---- GIO

const GIO_SCRIPT = `
import json, sys
import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio
out = []
for s in json.load(sys.stdin):
    cert = Gio.TlsCertificate.new_from_file(s['chain'])
    ca = Gio.TlsCertificate.new_from_file(s['ca'])
    db = Gio.TlsFileDatabase.new(s['ca'])
    identity = Gio.NetworkAddress.new(s['identity'], 443) if s.get('identity') else None
    flags = db.verify_chain(cert, s['purpose'], identity, None, Gio.TlsDatabaseVerifyFlags.NONE, None)
    out.append({'database': int(flags), 'certificate': int(cert.verify(identity, ca))})
print(json.dumps(out))
`;

/** Why the real GIO cannot be asked, or undefined when it can. */
function gioUnavailable(): string | undefined {
  const probe = spawnSync('/usr/bin/python3', ['-c', "import gi; gi.require_version('Gio', '2.0'); from gi.repository import Gio; print(Gio.TlsBackend.get_default().supports_tls())"], { encoding: 'utf8' });
  if (probe.error !== undefined) return '/usr/bin/python3 is not there';
  if (probe.status !== 0) return '/usr/bin/python3 lacks gi (PyGObject)';
  if (probe.stdout.trim() !== 'True') return 'GIO has no TLS backend here (glib-networking is not installed)';
  return undefined;
}

const noGio = gioUnavailable();
(noGio === undefined ? test : test.skip)(`the real GIO (TlsFileDatabase.verify_chain, TlsCertificate.verify) and ours give the same flags${noGio === undefined ? '' : ` (skipped: ${noGio})`}`, async (t) => {
  const list = (await scenarios()).filter((s) => s.notForGio === undefined);
  const input = list.map((s) => ({ chain: s.chain, ca: s.ca, identity: s.identity, purpose: s.purpose ?? TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER }));
  const run = spawnSync('/usr/bin/python3', ['-c', GIO_SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', timeout: 5000 });
  t.is(run.status, 0, run.stderr);
  const results = JSON.parse(run.stdout) as { database: number; certificate: number }[];
  list.forEach((s, i) => {
    t.deepEqual(certificateFlagNames(ours(s, false)), certificateFlagNames(results[i].database), `${s.name}: verify_chain`);
    const ca = TlsCertificate.newFromPem(readFileSync(s.ca, 'utf8'));
    t.deepEqual(certificateFlagNames(TlsCertificate.newFromFile(s.chain).verify(s.identity, ca)), certificateFlagNames(results[i].certificate), `${s.name}: verify`);
  });
});
