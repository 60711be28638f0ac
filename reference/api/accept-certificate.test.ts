/**
 * The accept-certificate signal and the peer certificate it decides on: when each side emits it,
 * what a handler's answer does, and when peer-certificate and its errors become visible.
 * (Split from certificates.test.ts to keep files small.)
 */
import test from 'ava';
import { type ApiPair, apiPair } from '../../testkit/api.ts';
import { clientIdentity, handshakeBoth, outcomeName } from '../../testkit/api-certs.ts';
import { message, text } from '../../testkit/api-io.ts';
import { VirtualClock } from '../../testkit/virtual-clock.ts';
import { TlsAuthenticationMode, TlsCertificateFlags, TlsProtocolVersion, certificateFlagNames } from './enums.ts';
import type { DtlsConnection } from './connection.ts';
import type { TlsCertificate } from './tls-certificate.ts';
import { TlsFileDatabase } from './tls-database.ts';

async function pair(): Promise<ApiPair & { clock: VirtualClock }> {
  const clock = new VirtualClock();
  return { ...(await apiPair({ clock })), clock };
}

/** A pair whose server asks for a client certificate, and a client that has one the server's database trusts. */
async function clientAuthPair(): Promise<ApiPair & { clock: VirtualClock; clientCertificate: TlsCertificate }> {
  const p = await pair();
  const id = await clientIdentity();
  p.server.authenticationMode = TlsAuthenticationMode.REQUESTED;
  p.server.setDatabase(id.database);
  p.client.setCertificate(id.certificate);
  return { ...p, clientCertificate: id.certificate };
}

/** Records each emission with what the connection showed at that moment, and answers `answer`. */
function watch(conn: DtlsConnection, answer: boolean): { cert: TlsCertificate; errors: number; peerSet: boolean; peerErrors: number; version: number }[] {
  const seen: { cert: TlsCertificate; errors: number; peerSet: boolean; peerErrors: number; version: number }[] = [];
  conn.connect('accept-certificate', (cert, errors) => {
    seen.push({ cert, errors, peerSet: conn.getPeerCertificate() !== undefined, peerErrors: conn.getPeerCertificateErrors(), version: conn.getProtocolVersion() });
    return answer;
  });
  return seen;
}

test('[SEED-emit-accept-certificate] emitAcceptCertificate runs the handlers in order with the certificate and flags, and says whether one accepted', async (t) => {
  const { client, serverCertificate } = await pair();
  t.false(client.emitAcceptCertificate(serverCertificate, TlsCertificateFlags.UNKNOWN_CA), 'no handler: not accepted');
  const calls: string[] = [];
  const first = client.connect('accept-certificate', (cert, errors) => {
    calls.push(`first ${cert.getSubjectName()} ${certificateFlagNames(errors).join('|')}`);
    return false;
  });
  client.connect('accept-certificate', () => {
    calls.push('second');
    return true;
  });
  client.connect('accept-certificate', () => {
    calls.push('third');
    return true;
  });
  const flags = TlsCertificateFlags.UNKNOWN_CA | TlsCertificateFlags.EXPIRED;
  t.true(client.emitAcceptCertificate(serverCertificate, flags));
  t.deepEqual(calls, ['first CN=localhost,O=dtlsprobe UNKNOWN_CA|EXPIRED', 'second'], 'the first handler to accept ends the emission');
  client.disconnect(first);
  calls.length = 0;
  t.true(client.emitAcceptCertificate(serverCertificate, 0));
  t.deepEqual(calls, ['second']);
});

test('[SEED-accept-certificate-after-receipt] accept-certificate comes during the handshake, with a certificate whose issuer chain can be walked', async (t) => {
  const { client, server, clock, serverCertificate } = await pair();
  client.setDatabase(null);
  const seen = watch(client, true);
  const result = await handshakeBoth(client, server, clock);
  t.is(outcomeName(result.client), 'ok');
  t.is(seen.length, 1);
  t.is(seen[0].version, TlsProtocolVersion.UNKNOWN, 'the handshake had not completed');
  t.true(seen[0].cert.isSame(serverCertificate));
  const issuer = seen[0].cert.getIssuer();
  t.is(issuer?.getSubjectName(), 'CN=dtlsprobe test CA,O=dtlsprobe');
  t.is(issuer?.getIssuer(), undefined, 'the chain ends at the CA');
});

test('[SEED-accept-certificate-client-on-failure] a client emits accept-certificate only for a certificate its validation flags reject', async (t) => {
  const good = await pair();
  const quiet = watch(good.client, false);
  t.is(outcomeName((await handshakeBoth(good.client, good.server, good.clock)).client), 'ok');
  t.is(quiet.length, 0, 'a valid certificate: no emission');

  const misnamed = await pair();
  misnamed.client.setServerIdentity('example.com');
  const loud = watch(misnamed.client, true);
  t.is(outcomeName((await handshakeBoth(misnamed.client, misnamed.server, misnamed.clock)).client), 'ok');
  t.deepEqual(loud.map((s) => s.errors), [TlsCertificateFlags.BAD_IDENTITY]);

  const ignored = await pair();
  ignored.client.setServerIdentity('example.com');
  ignored.client.setValidationFlags(TlsCertificateFlags.VALIDATE_ALL & ~TlsCertificateFlags.BAD_IDENTITY);
  const none = watch(ignored.client, false);
  t.is(outcomeName((await handshakeBoth(ignored.client, ignored.server, ignored.clock)).client), 'ok', 'an error the flags leave out is no reason to fail');
  t.is(none.length, 0);
});

test('[SEED-accept-certificate-client-override] a client handler returning true lets the handshake go on, and the connection works', async (t) => {
  const { client, server, clock } = await pair();
  client.setDatabase(TlsFileDatabase.newFromCertificates([]));
  const seen = watch(client, true);
  const result = await handshakeBoth(client, server, clock);
  t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok']);
  t.is(seen.length, 1);
  t.is(client.getPeerCertificateErrors(), seen[0].errors, 'the errors it overrode stay on record');
  await client.sendMessages([message('despite the errors')]);
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'despite the errors');
});

test('[SEED-bad-certificate-when-rejected] with no handler, or none returning true, the handshake fails with BAD_CERTIFICATE', async (t) => {
  for (const handlers of [0, 1, 2]) {
    const { client, server, clock } = await pair();
    client.setServerIdentity('example.com');
    for (let i = 0; i < handlers; i++) watch(client, false);
    const result = await handshakeBoth(client, server, clock);
    t.is(outcomeName(result.client), 'G_TLS_ERROR_BAD_CERTIFICATE', `${handlers} handlers`);
    t.is(outcomeName(result.server), 'G_TLS_ERROR_BAD_CERTIFICATE', `${handlers} handlers: the server hears the bad_certificate alert`);
  }
});

test('[SEED-accept-certificate-server-always] a server emits for every client certificate, even a valid one, and accepts only if a handler says so', async (t) => {
  const accepted = await clientAuthPair();
  const seen = watch(accepted.server, true);
  const r1 = await handshakeBoth(accepted.client, accepted.server, accepted.clock);
  t.deepEqual([outcomeName(r1.client), outcomeName(r1.server)], ['ok', 'ok']);
  t.is(seen.length, 1);
  t.is(seen[0].errors, 0, 'emitted although verification found nothing wrong');
  t.true(seen[0].cert.isSame(accepted.clientCertificate));

  const unheard = await clientAuthPair();
  const r2 = await handshakeBoth(unheard.client, unheard.server, unheard.clock);
  t.is(outcomeName(r2.server), 'G_TLS_ERROR_BAD_CERTIFICATE', 'no handler: a valid certificate is still refused');
  t.is(outcomeName(r2.client), 'G_TLS_ERROR_BAD_CERTIFICATE');

  const refused = await clientAuthPair();
  watch(refused.server, false);
  t.is(outcomeName((await handshakeBoth(refused.client, refused.server, refused.clock)).server), 'G_TLS_ERROR_BAD_CERTIFICATE');

  const anonymous = await pair();
  anonymous.server.authenticationMode = TlsAuthenticationMode.REQUESTED;
  const never = watch(anonymous.server, false);
  t.is(outcomeName((await handshakeBoth(anonymous.client, anonymous.server, anonymous.clock)).server), 'ok');
  t.is(never.length, 0, 'no certificate presented: nothing to emit');
});

test('[SEED-peer-certificate-after-handshake] getPeerCertificate is the peer certificate once the handshake completed, or failed', async (t) => {
  const ok = await clientAuthPair();
  watch(ok.server, true);
  t.is(ok.client.getPeerCertificate(), undefined);
  t.is(ok.server.peerCertificate, undefined);
  await handshakeBoth(ok.client, ok.server, ok.clock);
  t.true(ok.client.getPeerCertificate()?.isSame(ok.serverCertificate) ?? false);
  t.true(ok.client.peerCertificate?.isSame(ok.serverCertificate) ?? false);
  t.true(ok.server.getPeerCertificate()?.isSame(ok.clientCertificate) ?? false);

  const failed = await pair();
  failed.client.setServerIdentity('example.com');
  const result = await handshakeBoth(failed.client, failed.server, failed.clock);
  t.is(outcomeName(result.client), 'G_TLS_ERROR_BAD_CERTIFICATE');
  t.true(failed.client.getPeerCertificate()?.isSame(failed.serverCertificate) ?? false, 'also after a failed handshake');
  t.is(failed.client.getPeerCertificateErrors(), TlsCertificateFlags.BAD_IDENTITY);
});

test('[SEED-peer-certificate-unset-during-signal] during accept-certificate neither the peer certificate nor its errors are set, on either side', async (t) => {
  const { client, server, clock } = await clientAuthPair();
  client.setDatabase(null);
  const onClient = watch(client, true);
  const onServer = watch(server, true);
  const result = await handshakeBoth(client, server, clock);
  t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok']);
  t.deepEqual(onClient.map((s) => [s.peerSet, s.peerErrors]), [[false, 0]]);
  t.deepEqual(onServer.map((s) => [s.peerSet, s.peerErrors]), [[false, 0]]);
  t.is(client.getPeerCertificateErrors(), TlsCertificateFlags.UNKNOWN_CA, 'set afterwards');
});

test('[SEED-peer-certificate-notify] setting the peer certificate notifies peer-certificate once, after the decision, as the handshake ends', async (t) => {
  const { client, server, clock, serverCertificate } = await pair();
  client.setDatabase(null);
  const events: string[] = [];
  client.connect('accept-certificate', () => events.push('accept-certificate') > 0);
  client.connect('notify::peer-certificate', () => events.push(`peer-certificate ${client.getPeerCertificate()?.isSame(serverCertificate) === true ? 'set' : 'unset'}`));
  client.connect('notify::peer-certificate-errors', () => events.push(`peer-certificate-errors ${client.getPeerCertificateErrors()}`));
  await handshakeBoth(client, server, clock);
  t.deepEqual(events, ['accept-certificate', 'peer-certificate set', `peer-certificate-errors ${TlsCertificateFlags.UNKNOWN_CA}`]);
  await client.close();
  await server.close();
  t.is(events.length, 3, 'no notification at close');
});

test('[SEED-peer-certificate-errors] getPeerCertificateErrors is 0 for a valid peer, and keeps the flags that relaxed validation or a handler let through', async (t) => {
  const valid = await pair();
  await handshakeBoth(valid.client, valid.server, valid.clock);
  t.is(valid.client.getPeerCertificateErrors(), 0);
  t.is(valid.client.peerCertificateErrors, 0);

  const relaxed = await pair();
  relaxed.client.setServerIdentity('example.com');
  relaxed.client.setValidationFlags(TlsCertificateFlags.UNKNOWN_CA);
  t.is(outcomeName((await handshakeBoth(relaxed.client, relaxed.server, relaxed.clock)).client), 'ok');
  t.is(relaxed.client.getPeerCertificateErrors(), TlsCertificateFlags.BAD_IDENTITY, 'relaxed validation flags');

  const overridden = await pair();
  overridden.client.setDatabase(null);
  overridden.client.setServerIdentity('example.com');
  watch(overridden.client, true);
  t.is(outcomeName((await handshakeBoth(overridden.client, overridden.server, overridden.clock)).client), 'ok');
  t.is(overridden.client.getPeerCertificateErrors(), TlsCertificateFlags.UNKNOWN_CA | TlsCertificateFlags.BAD_IDENTITY, 'a handler accepted');
});

test('[SEED-verify-failure-sets-flag] every way the peer certificate can fail reaches accept-certificate with at least one flag', async (t) => {
  const { serverCertificate } = await pair();
  const ca = serverCertificate.getIssuer();
  if (ca === undefined) throw new Error('the test certificate comes with its CA');
  const failures: [string, (p: ApiPair) => void][] = [
    ['untrusted CA', (p) => p.client.setDatabase(TlsFileDatabase.newFromCertificates([]))],
    ['no database', (p) => p.client.setDatabase(null)],
    ['wrong identity', (p) => p.client.setServerIdentity('example.com')],
    ['expired', (p) => p.client.setDatabase(TlsFileDatabase.newFromCertificates([ca], { now: () => new Date(Date.UTC(2060, 0, 1)) }))],
    ['not yet valid', (p) => p.client.setDatabase(TlsFileDatabase.newFromCertificates([ca], { now: () => new Date(Date.UTC(2010, 0, 1)) }))],
    ['revoked', (p) => p.client.setDatabase(TlsFileDatabase.newFromCertificates([ca], { revoked: [serverCertificate.sha256Fingerprint] }))],
  ];
  for (const [name, spoil] of failures) {
    const p = await pair();
    spoil(p);
    const seen = watch(p.client, false);
    const result = await handshakeBoth(p.client, p.server, p.clock);
    t.is(outcomeName(result.client), 'G_TLS_ERROR_BAD_CERTIFICATE', name);
    t.is(seen.length, 1, name);
    t.not(seen[0]?.errors ?? 0, 0, `${name}: ${certificateFlagNames(seen[0]?.errors ?? 0).join('|')}`);
    t.is(p.client.getPeerCertificateErrors(), seen[0]?.errors ?? -1, `${name}: the same flags on the connection`);
  }
});

test('[SEED-accept-certificate-no-user-prompt] the advised flow works: reject in the handler, ask after BAD_CERTIFICATE, accept on a new connection', async (t) => {
  // First connection: the handler must not prompt, so it rejects and remembers the certificate.
  const first = await pair();
  first.client.setServerIdentity('example.com');
  let remembered: TlsCertificate | undefined;
  first.client.connect('accept-certificate', (cert) => {
    remembered = cert;
    return false;
  });
  const r1 = await handshakeBoth(first.client, first.server, first.clock);
  t.is(outcomeName(r1.client), 'G_TLS_ERROR_BAD_CERTIFICATE');
  if (remembered === undefined) return t.fail('the handler never saw the certificate');
  // The user is asked now, outside the handler, and says yes: a new connection accepts that certificate.
  const approved = remembered;
  const second = await pair();
  second.client.setServerIdentity('example.com');
  second.client.connect('accept-certificate', (cert) => cert.isSame(approved));
  const r2 = await handshakeBoth(second.client, second.server, second.clock);
  t.deepEqual([outcomeName(r2.client), outcomeName(r2.server)], ['ok', 'ok']);
  t.true(second.client.getPeerCertificate()?.isSame(approved));
});
