import test, { type ExecutionContext } from 'ava';
import { existsSync } from 'node:fs';
import { PrivateKey } from '../crypto/private-key.ts';
import { seededRandom } from '../crypto/random.ts';
import { createCertificate } from '../crypto/x509-create.ts';
import { TlsCertificateFlags as F, certificateFlagNames } from './enums.ts';
import { GioError } from './errors.ts';
import { TlsCertificate } from './tls-certificate.ts';
import {
  SYSTEM_TRUST_FILE,
  TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT as CLIENT,
  TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER as SERVER,
  TlsDatabase,
  TlsDatabaseLookupFlags,
  TlsFileDatabase,
  tlsBackendDefaultDatabase,
  verifyChainWithDatabase,
} from './tls-database.ts';
import { IN_DEFAULT_WINDOW, IN_VECTOR_WINDOW, TempDir, makeChain, tamperSignature, vector } from './tls-testing.ts';

const dir = new TempDir();
test.after.always(() => dir.cleanup());

const names = (flags: number): string[] => certificateFlagNames(flags);
const at = (date: Date) => ({ now: () => date });
const chainPromise = makeChain('database');

async function gioErrorAsync(t: ExecutionContext, p: Promise<unknown>): Promise<string> {
  const e = await t.throwsAsync(p, { instanceOf: GioError });
  return e?.codeName ?? 'no GioError';
}

/** The leaf with its intermediate, as a peer would send them; a database of the root. */
let fixtures = 0;
async function fixture(options: { now?: Date; revoked?: string[] } = {}): Promise<{ peer: TlsCertificate; db: TlsFileDatabase }> {
  const { leaf, intermediate, root } = await chainPromise;
  const db = TlsFileDatabase.newFromFile(dir.write(`root-${++fixtures}.pem`, root.certificate), { ...at(options.now ?? IN_DEFAULT_WINDOW), revoked: options.revoked ?? [] });
  return { peer: TlsCertificate.newFromDerChain([leaf.certificate.der, intermediate.certificate.der]), db };
}

test('a TlsFileDatabase reads its anchors from a PEM file (the anchors property) and accepts a good chain', async (t) => {
  const { root } = await chainPromise;
  const { peer, db } = await fixture();
  t.true(db.anchors.endsWith('.pem'));
  t.deepEqual(db.anchorCertificates().map((c) => c.subjectName), [TlsCertificate.newFromDer(root.certificate.der).subjectName]);
  t.is(db.verifyChainSync(peer, SERVER, 'localhost'), 0);
  t.is(db.verifyChainSync(peer, CLIENT, '127.0.0.1'), 0);
  t.is(await db.verifyChain(peer, SERVER, 'localhost'), 0);
  t.is(TlsFileDatabase.new(db.anchors, at(IN_DEFAULT_WINDOW)).verifyChainSync(peer, SERVER, undefined), 0);
});

test('verifyChain sets UNKNOWN_CA, BAD_IDENTITY, NOT_ACTIVATED and EXPIRED as g_tls_database_verify_chain does', async (t) => {
  const { leaf } = await chainPromise;
  const { peer, db } = await fixture();
  const other = await makeChain('database other');
  t.deepEqual(names(TlsFileDatabase.newFromCertificates([TlsCertificate.newFromDer(other.root.certificate.der)], at(IN_DEFAULT_WINDOW)).verifyChainSync(peer, SERVER, 'localhost')), ['UNKNOWN_CA']);
  t.deepEqual(names(db.verifyChainSync(TlsCertificate.newFromDer(leaf.certificate.der), SERVER, 'localhost')), ['UNKNOWN_CA'], 'no intermediate');
  t.deepEqual(names(db.verifyChainSync(peer, SERVER, 'www.example.com')), ['BAD_IDENTITY']);
  t.is(db.verifyChainSync(peer, SERVER, undefined), 0, 'no identity, no BAD_IDENTITY');
  const early = (await fixture({ now: new Date(Date.UTC(2019, 5, 1)) })).db;
  const late = (await fixture({ now: new Date(Date.UTC(2050, 0, 2)) })).db;
  t.deepEqual(names(early.verifyChainSync(peer, SERVER, 'localhost')), ['NOT_ACTIVATED']);
  t.deepEqual(names(late.verifyChainSync(peer, SERVER, 'localhost')), ['EXPIRED']);
});

test('verifyChain sets REVOKED for a serial number or SHA-256 fingerprint on the database\'s revocation list', async (t) => {
  const { leaf, intermediate } = await chainPromise;
  const serial = (await fixture({ revoked: [leaf.certificate.serialNumber.toLowerCase()] })).db;
  const peer = (await fixture()).peer;
  t.deepEqual(names(serial.verifyChainSync(peer, SERVER, 'localhost')), ['REVOKED']);
  const colons = Buffer.from(intermediate.certificate.sha256Fingerprint).toString('hex').match(/../g)?.join(':') ?? '';
  t.deepEqual(names((await fixture({ revoked: [colons] })).db.verifyChainSync(peer, SERVER, 'localhost')), ['REVOKED'], 'the intermediate, by fingerprint');
  const later = (await fixture()).db;
  t.is(later.verifyChainSync(peer, SERVER, 'localhost'), 0);
  later.revoke(`00${leaf.certificate.serialNumber}`);
  t.deepEqual(names(later.verifyChainSync(peer, SERVER, 'localhost')), ['REVOKED'], 'a leading zero byte does not matter');
});

test('verifyChain sets INSECURE for SHA-1 signatures and RSA keys below the minimum (2048 unless set)', (t) => {
  const db = TlsFileDatabase.newFromFile(vector('openssl-ca.pem'), at(IN_VECTOR_WINDOW));
  const load = (f: string): TlsCertificate => TlsCertificate.newFromFile(vector(f));
  t.is(db.verifyChainSync(load('openssl-leaf.pem'), SERVER, 'localhost'), 0);
  t.deepEqual(names(db.verifyChainSync(load('openssl-leaf-sha1.pem'), SERVER, 'localhost')), ['INSECURE']);
  t.deepEqual(names(db.verifyChainSync(load('openssl-leaf-rsa1024.pem'), SERVER, 'localhost')), ['INSECURE']);
  const lenient = TlsFileDatabase.newFromFile(vector('openssl-ca.pem'), { ...at(IN_VECTOR_WINDOW), minimumRsaBits: 1024 });
  t.is(lenient.verifyChainSync(load('openssl-leaf-rsa1024.pem'), SERVER, 'localhost'), 0);
});

test('verifyChain sets GENERIC_ERROR for a broken signature, also when an anchor has the issuer\'s name', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const { db } = await fixture();
  const broken = TlsCertificate.newFromDerChain([leaf.certificate.der, tamperSignature(intermediate.certificate)]);
  t.deepEqual(names(db.verifyChainSync(broken, SERVER, 'localhost')), ['GENERIC_ERROR']);
  // An impostor root: the real root's name on another key.
  const impostorKey = await PrivateKey.generate('P-256', { random: seededRandom('impostor') });
  const impostor = await createCertificate({ subject: root.certificate.subject, publicKey: impostorKey.publicKey, isCA: true }, { privateKey: impostorKey });
  const fooled = TlsFileDatabase.newFromCertificates([TlsCertificate.newFromDer(impostor.der)], at(IN_DEFAULT_WINDOW));
  t.deepEqual(names(fooled.verifyChainSync((await fixture()).peer, SERVER, 'localhost')), ['GENERIC_ERROR']);
});

test('the purpose is checked against extendedKeyUsage (RFC 5280 §4.2.1.12); "server" and "client" name GIO\'s two', async (t) => {
  const db = TlsFileDatabase.newFromFile(vector('openssl-ca.pem'), at(IN_VECTOR_WINDOW));
  const serverOnly = TlsCertificate.newFromFile(vector('openssl-leaf.pem')); // extendedKeyUsage = serverAuth
  t.is(db.verifyChainSync(serverOnly, SERVER, 'localhost'), 0);
  t.deepEqual(names(db.verifyChainSync(serverOnly, CLIENT, 'localhost')), ['GENERIC_ERROR']);
  t.is(db.verifyChainSync(serverOnly, 'server', 'localhost'), 0);
  t.deepEqual(names(db.verifyChainSync(serverOnly, 'client', 'localhost')), ['GENERIC_ERROR']);
  const { peer, db: ours } = await fixture(); // createCertificate's leaves allow both
  t.is(ours.verifyChainSync(peer, 'client', undefined), 0);
});

test('trust anchors may come in the chain, or be the leaf itself', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const { db } = await fixture();
  t.is(db.verifyChainSync(TlsCertificate.newFromDerChain([leaf.certificate.der, intermediate.certificate.der, root.certificate.der]), SERVER, 'localhost'), 0);
  const selfSigned = TlsCertificate.newFromFile(vector('openssl-p256.pem'));
  const pinned = TlsFileDatabase.newFromFile(vector('openssl-p256.pem'), at(IN_VECTOR_WINDOW));
  t.is(pinned.verifyChainSync(selfSigned, SERVER, 'localhost'), 0);
  t.deepEqual(names(db.verifyChainSync(selfSigned, SERVER, 'localhost')), ['UNKNOWN_CA']);
});

test('[SEED-null-database-unknown-ca] with no database (null) every chain gets UNKNOWN_CA, even one a database accepts', async (t) => {
  const { peer, db } = await fixture();
  t.is(verifyChainWithDatabase(db, peer, SERVER, 'localhost'), 0);
  t.is(verifyChainWithDatabase(null, peer, SERVER, 'localhost'), F.UNKNOWN_CA);
  t.is(verifyChainWithDatabase(null, TlsCertificate.newFromFile(vector('openssl-p256.pem')), SERVER, undefined), F.UNKNOWN_CA);
  // An empty anchors file behaves the same.
  const empty = TlsFileDatabase.newFromFile(dir.write('empty.pem', ''), at(IN_DEFAULT_WINDOW));
  t.is(empty.verifyChainSync(peer, SERVER, 'localhost'), F.UNKNOWN_CA);
});

test('[SEED-verify-failure-sets-flag] every failed verifyChain sets at least one flag', async (t) => {
  const { leaf, intermediate } = await chainPromise;
  const { peer, db } = await fixture();
  const revoked = (await fixture({ revoked: [leaf.certificate.serialNumber] })).db;
  const vectors = TlsFileDatabase.newFromFile(vector('openssl-ca.pem'), at(IN_VECTOR_WINDOW));
  const cases: [string, number][] = [
    ['no anchor', TlsFileDatabase.newFromCertificates([]).verifyChainSync(peer, SERVER, 'localhost')],
    ['missing intermediate', db.verifyChainSync(TlsCertificate.newFromDer(leaf.certificate.der), SERVER, 'localhost')],
    ['wrong identity', db.verifyChainSync(peer, SERVER, '198.51.100.1')],
    ['not yet valid', (await fixture({ now: new Date(Date.UTC(2000, 0, 1)) })).db.verifyChainSync(peer, SERVER, 'localhost')],
    ['expired', (await fixture({ now: new Date(Date.UTC(2060, 0, 1)) })).db.verifyChainSync(peer, SERVER, 'localhost')],
    ['revoked', revoked.verifyChainSync(peer, SERVER, 'localhost')],
    ['bad signature', db.verifyChainSync(TlsCertificate.newFromDerChain([tamperSignature(leaf.certificate), intermediate.certificate.der]), SERVER, 'localhost')],
    ['SHA-1', vectors.verifyChainSync(TlsCertificate.newFromFile(vector('openssl-leaf-sha1.pem')), SERVER, 'localhost')],
    ['RSA 1024', vectors.verifyChainSync(TlsCertificate.newFromFile(vector('openssl-leaf-rsa1024.pem')), SERVER, 'localhost')],
    ['wrong purpose', vectors.verifyChainSync(TlsCertificate.newFromFile(vector('openssl-leaf.pem')), CLIENT, 'localhost')],
  ];
  for (const [what, flags] of cases) t.not(flags, 0, what);
});

test('cancellation: an aborted signal is G_IO_ERROR_CANCELLED, sync and async', async (t) => {
  const { peer, db } = await fixture();
  const abort = new AbortController();
  abort.abort();
  t.is(await gioErrorAsync(t, db.verifyChain(peer, SERVER, 'localhost', undefined, 0, abort.signal)), 'G_IO_ERROR_CANCELLED');
  t.throws(() => db.verifyChainSync(peer, SERVER, 'localhost', undefined, 0, abort.signal), { instanceOf: GioError });
  t.is(await gioErrorAsync(t, db.lookupCertificateIssuer(peer, undefined, 0, abort.signal)), 'G_IO_ERROR_CANCELLED');
});

test('lookups: the issuer of a certificate, certificates issued by a name, handles', async (t) => {
  const { leaf, intermediate, root } = await chainPromise;
  const rootCert = TlsCertificate.newFromDer(root.certificate.der);
  const intermediateCert = TlsCertificate.newFromDer(intermediate.certificate.der);
  const db = TlsFileDatabase.newFromFile(dir.write('two.pem', root.certificate, intermediate.certificate), at(IN_DEFAULT_WINDOW));
  t.true((await db.lookupCertificateIssuer(TlsCertificate.newFromDer(leaf.certificate.der)))?.isSame(intermediateCert));
  t.true((await db.lookupCertificateIssuer(intermediateCert))?.isSame(rootCert));
  t.is(await db.lookupCertificateIssuer(TlsCertificate.newFromFile(vector('openssl-p256.pem'))), undefined);
  t.is(await db.lookupCertificateIssuer(intermediateCert, undefined, TlsDatabaseLookupFlags.KEYPAIR), undefined, 'no private keys here');
  const issued = await db.lookupCertificatesIssuedBy(rootCert.subjectDer);
  t.deepEqual(issued.map((c) => c.subjectName).sort(), [intermediateCert.subjectName, rootCert.subjectName].sort());
  const handle = db.createCertificateHandle(intermediateCert);
  t.is(handle, `file://${db.anchors}#${intermediateCert.sha256Fingerprint}`);
  t.true((await db.lookupCertificateForHandle(handle ?? ''))?.isSame(intermediateCert));
  t.is(db.createCertificateHandle(TlsCertificate.newFromDer(leaf.certificate.der)), undefined, 'not in the database');
  t.is(await db.lookupCertificateForHandle(`file:///elsewhere.pem#${intermediateCert.sha256Fingerprint}`), undefined);
});

test('loading errors: a missing anchors file is G_IO_ERROR_NOT_FOUND, a broken one G_TLS_ERROR_BAD_CERTIFICATE', (t) => {
  t.is(t.throws(() => TlsFileDatabase.newFromFile(`${dir.path}/absent.pem`), { instanceOf: GioError })?.codeName, 'G_IO_ERROR_NOT_FOUND');
  const broken = dir.write('broken.pem', '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n');
  t.is(t.throws(() => TlsFileDatabase.newFromFile(broken), { instanceOf: GioError })?.codeName, 'G_TLS_ERROR_BAD_CERTIFICATE');
  // The lazy form (the system store) leaves out what it cannot read instead.
  t.is(TlsFileDatabase.lazy(`${dir.path}/absent.pem`).anchorCertificates().length, 0);
  const mixed = dir.write('mixed.pem', `${TlsCertificate.newFromFile(vector('openssl-ca.pem')).certificatePem}-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n`);
  t.is(TlsFileDatabase.lazy(mixed).anchorCertificates().length, 1);
});

const systemStore = existsSync(SYSTEM_TRUST_FILE);
(systemStore ? test : test.skip)(`the backend default database is one lazily read instance of the system store${systemStore ? '' : ` (skipped: no ${SYSTEM_TRUST_FILE})`}`, async (t) => {
  const db = tlsBackendDefaultDatabase();
  t.is(tlsBackendDefaultDatabase(), db);
  t.true(db instanceof TlsFileDatabase);
  if (!(db instanceof TlsFileDatabase)) return;
  t.is(db.anchors, SYSTEM_TRUST_FILE);
  t.true(db.anchorCertificates().length > 10);
  const { peer } = await fixture();
  t.deepEqual(names(db.verifyChainSync(peer, SERVER, 'localhost')), ['UNKNOWN_CA'], 'our test CA is not a public one');
});

test('TlsDatabase is open to subclasses: verifyChain runs their verifyChainSync, the lookups default to nothing', async (t) => {
  class PinningDatabase extends TlsDatabase {
    constructor(private readonly pin: string) {
      super();
    }
    override verifyChainSync(chain: TlsCertificate): number {
      return chain.sha256Fingerprint === this.pin ? 0 : F.UNKNOWN_CA;
    }
  }
  const { peer } = await fixture();
  const db = new PinningDatabase(peer.sha256Fingerprint);
  t.is(await db.verifyChain(peer, SERVER, 'anything'), 0);
  t.is(await db.verifyChain(TlsCertificate.newFromFile(vector('openssl-p256.pem')), SERVER), F.UNKNOWN_CA);
  t.is(await db.lookupCertificateIssuer(peer), undefined);
  t.deepEqual(await db.lookupCertificatesIssuedBy(peer.issuerDer), []);
  t.is(db.createCertificateHandle(peer), undefined);
  t.is(await db.lookupCertificateForHandle('x'), undefined);
});
