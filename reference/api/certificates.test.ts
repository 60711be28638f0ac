/**
 * The connection's own certificate, client certificates (authentication mode, CERTIFICATE_REQUIRED,
 * accepted CAs), the database and the interaction, over a memory pair on a virtual clock.
 */
import test from 'ava';
import { type ApiPair, apiCredentials, apiPair } from '../../testkit/api.ts';
import { RecordingDatabase, clientIdentity, handshakeBoth, outcomeName } from '../../testkit/api-certs.ts';
import { VirtualClock } from '../../testkit/virtual-clock.ts';
import { seededRandom } from '../crypto/random.ts';
import { DtlsClientConnection, type DtlsClientOptions } from './client-connection.ts';
import { TlsAuthenticationMode, TlsCertificateFlags } from './enums.ts';
import { DtlsServerConnection, type DtlsServerOptions } from './server-connection.ts';
import { TlsCertificate } from './tls-certificate.ts';
import { TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT, TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, tlsBackendDefaultDatabase } from './tls-database.ts';
import { TlsInteraction } from './tls-interaction.ts';
import { memoryPair } from '../transport/memory.ts';

async function pair(options: { client?: DtlsClientOptions; server?: DtlsServerOptions } = {}): Promise<ApiPair & { clock: VirtualClock }> {
  const clock = new VirtualClock();
  return { ...(await apiPair({ clock, ...options })), clock };
}

/** A server whose CertificateRequest names `cas` (DER distinguished names). */
const naming = (cas: readonly Uint8Array[]): DtlsServerOptions => ({ engine: { random: seededRandom('server naming CAs'), certificateAuthorities: cas } });

/** Counts a property's notify signal. */
function notifications(conn: { connect(signal: `notify::${string}`, fn: () => void): number }, property: string): { count: number } {
  const seen = { count: 0 };
  conn.connect(`notify::${property}`, () => seen.count++);
  return seen;
}

test('[SEED-certificate-get-set] getCertificate and the certificate property give back what setCertificate set', async (t) => {
  const { client, server, serverCertificate } = await pair();
  const { certificate } = await clientIdentity();
  t.is(client.getCertificate(), undefined, 'a client has no certificate until given one');
  t.is(server.getCertificate(), serverCertificate, 'the server has the one it was constructed with');
  const notified = notifications(client, 'certificate');
  client.setCertificate(certificate);
  t.is(client.getCertificate(), certificate);
  t.is(client.certificate, certificate);
  client.certificate = serverCertificate;
  t.is(client.getCertificate(), serverCertificate);
  client.setCertificate(undefined);
  t.true(client.getCertificate() === undefined);
  t.is(notified.count, 3);
});

test('[SEED-certificate-presented] each side presents the certificate set on it, even one set after construction', async (t) => {
  const { client, server, clock, serverCertificate } = await pair({ server: naming([]) });
  const id = await clientIdentity();
  server.authenticationMode = TlsAuthenticationMode.REQUESTED;
  server.setDatabase(id.database);
  server.connect('accept-certificate', () => true);
  client.setCertificate(id.certificate);
  const result = await handshakeBoth(client, server, clock);
  t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok']);
  t.true(client.getPeerCertificate()?.isSame(serverCertificate) ?? false, 'the client saw the server certificate');
  t.true(server.getPeerCertificate()?.isSame(id.certificate) ?? false, 'the server saw the client certificate');

  // A server whose certificate is replaced before the handshake presents the new one.
  const second = await pair();
  second.server.setCertificate(id.certificate);
  const seen: TlsCertificate[] = [];
  second.client.connect('accept-certificate', (cert) => seen.push(cert) > 0);
  const r2 = await handshakeBoth(second.client, second.server, second.clock);
  t.is(outcomeName(r2.client), 'ok');
  t.is(seen.length, 1);
  t.true(seen[0].isSame(id.certificate));
  t.is(seen[0].getSubjectName(), 'CN=dtlsprobe test client,O=dtlsprobe');
});

test('[SEED-server-needs-certificate] a server without a usable certificate fails its handshake with a TLS error, and its client times out', async (t) => {
  const clock = new VirtualClock();
  const [clientBase, serverBase] = memoryPair({ clock });
  const bare = DtlsServerConnection.new(serverBase, undefined, { clock, engine: { random: seededRandom('bare server') } });
  t.is(bare.getCertificate(), undefined);
  const lone = DtlsClientConnection.new(clientBase, 'localhost', { clock, engine: { random: seededRandom('lone client'), maxRetransmissions: 2 } });
  lone.setDatabase((await apiCredentials()).database);
  const result = await handshakeBoth(lone, bare, clock);
  t.is(outcomeName(result.server), 'G_TLS_ERROR_MISC');
  t.regex(result.server.ok ? '' : result.server.error.message, /needs a certificate/);
  t.is(outcomeName(result.client), 'G_IO_ERROR_TIMED_OUT');

  // A certificate without its private key cannot be presented either.
  const keyless = TlsCertificate.newFromDer((await pair()).serverCertificate.certificate);
  const second = await pair();
  second.server.setCertificate(keyless);
  await t.throwsAsync(second.server.handshake(), { message: /has no private key/ });
  t.is((await second.server.handshake().catch((e: unknown) => e)) instanceof Error, true, 'it fails again, not hangs');
});

test('[SEED-client-certificate-optional] a client without a certificate handshakes with a server that does not insist on one', async (t) => {
  for (const mode of [TlsAuthenticationMode.NONE, TlsAuthenticationMode.REQUESTED]) {
    const { client, server, clock } = await pair();
    server.authenticationMode = mode;
    const result = await handshakeBoth(client, server, clock);
    t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok'], `mode ${mode}`);
    t.is(server.getPeerCertificate(), undefined, `mode ${mode}: no client certificate`);
  }
});

test('[SEED-certificate-required-error] a server that requires a certificate refuses a client without one: CERTIFICATE_REQUIRED; with one set, the retry succeeds', async (t) => {
  const id = await clientIdentity();
  const first = await pair();
  first.server.authenticationMode = TlsAuthenticationMode.REQUIRED;
  const result = await handshakeBoth(first.client, first.server, first.clock);
  t.is(outcomeName(result.client), 'G_TLS_ERROR_CERTIFICATE_REQUIRED');
  t.false(result.server.ok);

  const retry = await pair();
  retry.server.authenticationMode = TlsAuthenticationMode.REQUIRED;
  retry.server.setDatabase(id.database);
  retry.server.connect('accept-certificate', (_cert, errors) => errors === 0);
  retry.client.setCertificate(id.certificate);
  const again = await handshakeBoth(retry.client, retry.server, retry.clock);
  t.deepEqual([outcomeName(again.client), outcomeName(again.server)], ['ok', 'ok']);
});

test('[SEED-accepted-cas] after CERTIFICATE_REQUIRED, getAcceptedCas lists the authorities the server named', async (t) => {
  const id = await clientIdentity();
  const { serverCertificate } = await pair();
  const named = [id.caSubject, serverCertificate.getIssuer()?.subjectDer ?? new Uint8Array(0)];
  const { client, server, clock } = await pair({ server: naming(named) });
  server.authenticationMode = TlsAuthenticationMode.REQUIRED;
  t.is(client.getAcceptedCas(), null, 'nothing is known before the handshake');
  const result = await handshakeBoth(client, server, clock);
  t.is(outcomeName(result.client), 'G_TLS_ERROR_CERTIFICATE_REQUIRED');
  t.deepEqual(client.getAcceptedCas(), named);
  t.deepEqual(client.acceptedCas, named);
  const copy = client.getAcceptedCas();
  copy?.[0].fill(0);
  t.deepEqual(client.getAcceptedCas(), named, 'the caller gets a copy');
});

test('[SEED-accepted-cas-shows-request] a server that asked but let the client in leaves getAcceptedCas non-null; one that did not ask, null', async (t) => {
  const asked = await pair();
  asked.server.authenticationMode = TlsAuthenticationMode.REQUESTED;
  const r1 = await handshakeBoth(asked.client, asked.server, asked.clock);
  t.is(outcomeName(r1.client), 'ok');
  t.deepEqual(asked.client.getAcceptedCas(), [], 'asked, naming no authority: an empty list, not null');

  const id = await clientIdentity();
  const naming1 = await pair({ server: naming([id.caSubject]) });
  naming1.server.authenticationMode = TlsAuthenticationMode.REQUESTED;
  const r2 = await handshakeBoth(naming1.client, naming1.server, naming1.clock);
  t.is(outcomeName(r2.client), 'ok');
  t.deepEqual(naming1.client.getAcceptedCas(), [id.caSubject]);

  const notAsked = await pair();
  const r3 = await handshakeBoth(notAsked.client, notAsked.server, notAsked.clock);
  t.is(outcomeName(r3.client), 'ok');
  t.is(notAsked.client.getAcceptedCas(), null);
});

test('[SEED-database-get-set] getDatabase and the database property give back what setDatabase set, null included', async (t) => {
  const { client, database } = await pair();
  const notified = notifications(client, 'database');
  t.is(client.getDatabase(), database, 'apiPair set it');
  const other = new RecordingDatabase({ result: 0 });
  client.setDatabase(other);
  t.is(client.getDatabase(), other);
  t.is(client.database, other);
  client.database = null;
  t.is(client.getDatabase(), null);
  t.is(notified.count, 2);
});

test('[SEED-database-default] a new connection verifies against the backend default database', async (t) => {
  const { client, server, clock, serverCertificate } = await pair();
  const fresh = DtlsServerConnection.new(memoryPair()[0], serverCertificate);
  t.is(fresh.getDatabase(), tlsBackendDefaultDatabase());
  client.setDatabase(tlsBackendDefaultDatabase());
  t.is(client.getDatabase(), tlsBackendDefaultDatabase());
  const seen: number[] = [];
  client.connect('accept-certificate', (cert, errors) => {
    seen.push(errors, tlsBackendDefaultDatabase().verifyChainSync(cert, TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, 'localhost'));
    return false;
  });
  const result = await handshakeBoth(client, server, clock);
  t.is(outcomeName(result.client), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.is(seen.length, 2);
  t.is(seen[0], seen[1], 'the flags are what the default database says');
  t.true((seen[0] & TlsCertificateFlags.UNKNOWN_CA) !== 0, 'the test CA is no system anchor');
});

test('[SEED-null-database-unknown-ca] with no database every peer gets UNKNOWN_CA, and the other checks still run', async (t) => {
  const trusted = await pair();
  trusted.client.setDatabase(null);
  const flags: number[] = [];
  trusted.client.connect('accept-certificate', (_c, errors) => flags.push(errors) > 0);
  t.is(outcomeName((await handshakeBoth(trusted.client, trusted.server, trusted.clock)).client), 'ok');
  t.deepEqual(flags, [TlsCertificateFlags.UNKNOWN_CA], 'a client emits accept-certificate');
  t.is(trusted.client.getPeerCertificateErrors(), TlsCertificateFlags.UNKNOWN_CA);

  // Validation flags without UNKNOWN_CA: no emission, and the handshake goes on.
  const relaxed = await pair();
  relaxed.client.setDatabase(null);
  relaxed.client.setValidationFlags(TlsCertificateFlags.VALIDATE_ALL & ~TlsCertificateFlags.UNKNOWN_CA);
  let emitted = 0;
  relaxed.client.connect('accept-certificate', () => ++emitted > 0);
  t.is(outcomeName((await handshakeBoth(relaxed.client, relaxed.server, relaxed.clock)).client), 'ok');
  t.is(emitted, 0);

  // ...but the identity is still checked (glib-networking adds g_tls_certificate_verify's flags).
  const misnamed = await pair();
  misnamed.client.setDatabase(null);
  misnamed.client.setServerIdentity('example.com');
  misnamed.client.setValidationFlags(TlsCertificateFlags.VALIDATE_ALL & ~TlsCertificateFlags.UNKNOWN_CA);
  const seen: number[] = [];
  misnamed.client.connect('accept-certificate', (_c, errors) => seen.push(errors) < 0);
  t.is(outcomeName((await handshakeBoth(misnamed.client, misnamed.server, misnamed.clock)).client), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.deepEqual(seen, [TlsCertificateFlags.UNKNOWN_CA | TlsCertificateFlags.BAD_IDENTITY]);
});

test('[SEED-database-verify-chain] a non-default database is asked through verifyChain, with the purpose and identity of the side', async (t) => {
  const id = await clientIdentity();
  const { client, server, clock, serverCertificate } = await pair({ server: naming([]) });
  const clientDb = new RecordingDatabase({ result: 0 });
  const serverDb = new RecordingDatabase({ inner: id.database });
  client.setDatabase(clientDb);
  server.setDatabase(serverDb);
  server.authenticationMode = TlsAuthenticationMode.REQUESTED;
  server.connect('accept-certificate', (_c, errors) => errors === 0);
  client.setCertificate(id.certificate);
  const result = await handshakeBoth(client, server, clock);
  t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok']);
  t.is(clientDb.calls.length, 1);
  const [c] = clientDb.calls;
  t.true(c.chain.isSame(serverCertificate));
  t.true(c.chain.getIssuer()?.isSame(serverCertificate.getIssuer() ?? c.chain) ?? false, 'the chain as the peer sent it, issuer linked');
  t.is(c.purpose, TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER);
  t.is(c.identity, 'localhost');
  t.is(serverDb.calls.length, 1);
  t.true(serverDb.calls[0].chain.isSame(id.certificate));
  t.is(serverDb.calls[0].purpose, TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT);
  t.is(serverDb.calls[0].identity, undefined, 'a server has no identity to match');

  // Its answer is the verdict: flags it returns are the flags reported; a failure is GENERIC_ERROR.
  for (const [db, expected] of [[new RecordingDatabase({ result: TlsCertificateFlags.REVOKED }), TlsCertificateFlags.REVOKED], [new RecordingDatabase({ fails: true }), TlsCertificateFlags.GENERIC_ERROR]] as const) {
    const p = await pair();
    p.client.setDatabase(db);
    const seen: number[] = [];
    p.client.connect('accept-certificate', (_c, errors) => seen.push(errors) < 0);
    t.is(outcomeName((await handshakeBoth(p.client, p.server, p.clock)).client), 'G_TLS_ERROR_BAD_CERTIFICATE');
    t.deepEqual(seen, [expected]);
  }
});

test('[SEED-interaction-get-set] getInteraction and the interaction property give back what setInteraction set; none by default', async (t) => {
  const { client, server } = await pair();
  t.is(client.getInteraction(), undefined);
  t.is(server.interaction, undefined);
  const notified = notifications(client, 'interaction');
  const interaction = new TlsInteraction();
  client.setInteraction(interaction);
  t.is(client.getInteraction(), interaction);
  t.is(client.interaction, interaction);
  client.interaction = undefined;
  t.is(client.getInteraction(), undefined, 'undefined (GIO: NULL): no user interaction');
  t.is(notified.count, 2);
});

test('[SEED-interaction-used] the connection hands its interaction to its database when verifying the peer', async (t) => {
  const id = await clientIdentity();
  const { client, server, clock } = await pair({ server: naming([]) });
  const clientInteraction = new TlsInteraction();
  const serverInteraction = new TlsInteraction();
  const clientDb = new RecordingDatabase({ result: 0 });
  const serverDb = new RecordingDatabase({ result: 0 });
  client.setInteraction(clientInteraction);
  client.setDatabase(clientDb);
  client.setCertificate(id.certificate);
  server.setInteraction(serverInteraction);
  server.setDatabase(serverDb);
  server.authenticationMode = TlsAuthenticationMode.REQUIRED;
  server.connect('accept-certificate', () => true);
  const result = await handshakeBoth(client, server, clock);
  t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok']);
  t.deepEqual(clientDb.calls.map((c) => c.interaction), [clientInteraction]);
  t.deepEqual(serverDb.calls.map((c) => c.interaction), [serverInteraction]);
});
