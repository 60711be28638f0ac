/**
 * A DtlsConnection's handshake and what it reports (seed: handshake, protocol version, ciphersuite
 * name, rehandshake mode, the async forms), including misuse: cancelled handshakes and a peer that
 * vanishes mid-handshake, which times out on virtual time.
 */
import test from 'ava';
import { RecordType, hasSettled, message, rejectsWith, text, typesSent, wiredPair } from '../../testkit/api-io.ts';
import { VirtualClock } from '../../testkit/virtual-clock.ts';
import { CipherSuite } from '../wire/enums.ts';
import { TlsAuthenticationMode, TlsProtocolVersion, TlsRehandshakeMode } from './enums.ts';
import { GioError } from './errors.ts';

/** RFC 6347 §4.2.4.1 defaults: 1 s doubling to 60 s, ten retransmissions, the eleventh expiry fails. */
const HANDSHAKE_BUDGET_MS = (1 + 2 + 4 + 8 + 16 + 32 + 60 * 5) * 1000;

test('[SEED-client-implicit-handshake] a client that sends before handshaking handshakes by itself first', async (t) => {
  const { client, server } = await wiredPair();
  t.is(client.getProtocolVersion(), TlsProtocolVersion.UNKNOWN);
  const sent = client.sendMessages([message('first')]);
  const [m] = await server.receiveMessages(1);
  t.is(await sent, 1);
  t.is(text(m), 'first');
  t.is(client.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2);
  await client.close();
  await server.close();
});

test('[SEED-client-implicit-handshake] a client that receives before handshaking handshakes by itself first', async (t) => {
  const { client, server } = await wiredPair();
  const received = client.receiveMessages(1);
  await server.handshake();
  await server.sendMessages([message('welcome')]);
  const [m] = await received;
  t.is(text(m), 'welcome');
  await client.close();
  await server.close();
});

test('[SEED-server-implicit-handshake] a server handshakes by itself on its first receive or send', async (t) => {
  const { client, server } = await wiredPair();
  t.is(server.getCiphersuiteName(), null);
  const received = server.receiveMessages(1);
  const serverSent = server.sendMessages([message('from the server')]);
  await client.sendMessages([message('from the client')]);
  const [m] = await received;
  t.is(text(m), 'from the client');
  t.is(await serverSent, 1);
  const [r] = await client.receiveMessages(1);
  t.is(text(r), 'from the server');
  t.is(server.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2);
  await client.close();
  await server.close();
});

test('[SEED-handshake-reports-outcome] handshake() resolves when the handshake succeeds', async (t) => {
  const { client, server } = await wiredPair();
  await t.notThrowsAsync(Promise.all([client.handshake(), server.handshake()]));
  t.is(client.getPeerCertificateErrors(), 0);
  await client.close();
  await server.close();
});

test('[SEED-handshake-reports-outcome] handshake() rejects with the handshake\'s error on both sides when it fails', async (t) => {
  const { client, server } = await wiredPair();
  client.setServerIdentity('not-the-server.example');
  const [c, s] = await Promise.allSettled([client.handshake(), server.handshake()]);
  t.is(c.status, 'rejected');
  t.is(s.status, 'rejected');
  const ce = c.status === 'rejected' ? c.reason : undefined;
  const se = s.status === 'rejected' ? s.reason : undefined;
  t.true(ce instanceof GioError && ce.codeName === 'G_TLS_ERROR_BAD_CERTIFICATE', String(ce));
  t.true(se instanceof GioError && se.domain === 'g-tls-error-quark', String(se));
  // The failure stays: later I/O reports it too, and nothing hangs.
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_TLS_ERROR_BAD_CERTIFICATE');
  await rejectsWith(t, client.handshake(), 'G_TLS_ERROR_BAD_CERTIFICATE');
  await client.close();
  await server.close();
});

test('[SEED-handshake-success-not-usable] a client handshake can succeed while the server refuses the client afterwards: the next read fails', async (t) => {
  const { client, server, serverBase } = await wiredPair();
  server.authenticationMode = TlsAuthenticationMode.REQUESTED;
  await Promise.all([client.handshake(), server.handshake()]);
  t.is(client.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2, 'the client\'s handshake succeeded');
  // The server's policy wanted a client certificate; it got none and drops the session.
  t.is(server.getPeerCertificate(), undefined);
  await serverBase.close();
  await rejectsWith(t, client.receiveMessages(1), 'G_TLS_ERROR_EOF');
  await client.close();
  await server.close();
});

test('[SEED-handshake-once] handshake() after the initial handshake resolves and sends nothing', async (t) => {
  const { client, server, wire } = await wiredPair();
  await Promise.all([client.handshake(), server.handshake()]);
  const after = wire.length;
  await client.handshake();
  await server.handshake();
  await Promise.all([client.handshake(), client.handshake()]);
  t.is(wire.length, after, 'no renegotiation was started');
  await client.sendMessages([message('still the same session')]);
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'still the same session');
  await client.close();
  await server.close();
});

test('[SEED-handshake-once] concurrent first handshake() calls run one handshake', async (t) => {
  const clock = new VirtualClock();
  const once = await wiredPair({ clock });
  await Promise.all([once.client.handshake(), once.server.handshake()]);
  const twice = await wiredPair({ clock });
  await Promise.all([twice.client.handshake(), twice.client.handshake(), twice.server.handshake(), twice.server.handshake()]);
  t.is(twice.wire.length, once.wire.length);
  t.deepEqual(twice.wire.map((d) => d.from), once.wire.map((d) => d.from));
  for (const p of [once, twice]) {
    await p.client.close();
    await p.server.close();
  }
});

test('[SEED-rehandshake-mode-deprecated] the rehandshake mode reads back what was set and changes nothing on the wire', async (t) => {
  const runWith = async (mode: number | undefined): Promise<Uint8Array[]> => {
    const pair = await wiredPair({ clock: new VirtualClock() });
    t.is(pair.client.getRehandshakeMode(), TlsRehandshakeMode.SAFELY, 'GIO\'s default');
    if (mode === TlsRehandshakeMode.NEVER || mode === TlsRehandshakeMode.UNSAFELY) {
      let notified = 0;
      pair.client.connect('notify::rehandshake-mode', () => notified++);
      pair.client.setRehandshakeMode(mode);
      pair.server.rehandshakeMode = mode;
      t.is(pair.client.getRehandshakeMode(), mode);
      t.is(pair.server.getRehandshakeMode(), mode);
      t.is(notified, 1);
    }
    await Promise.all([pair.client.handshake(), pair.server.handshake()]);
    await pair.client.handshake();
    await pair.client.sendMessages([message('ping')]);
    await pair.server.receiveMessages(1);
    await pair.client.close();
    await pair.server.close();
    return pair.wire.map((d) => d.bytes);
  };
  const base = await runWith(undefined);
  t.deepEqual(await runWith(TlsRehandshakeMode.NEVER), base);
  t.deepEqual(await runWith(TlsRehandshakeMode.UNSAFELY), base);
});

test('[SEED-protocol-version-unknown-before-handshake] [SEED-protocol-version] [SEED-protocol-version-unknown-after-close] UNKNOWN, then DTLS_1_2 with a notify, then UNKNOWN again', async (t) => {
  const { client, server } = await wiredPair();
  t.is(client.getProtocolVersion(), TlsProtocolVersion.UNKNOWN);
  t.is(server.protocolVersion, TlsProtocolVersion.UNKNOWN);
  const seen: number[] = [];
  client.connect('notify::protocol-version', () => seen.push(client.protocolVersion));
  await Promise.all([client.handshake(), server.handshake()]);
  t.is(client.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2);
  t.is(server.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2);
  t.is(client.protocolVersion, client.getProtocolVersion());
  await client.close();
  t.is(client.getProtocolVersion(), TlsProtocolVersion.UNKNOWN);
  t.deepEqual(seen, [TlsProtocolVersion.DTLS_1_2, TlsProtocolVersion.UNKNOWN]);
  t.is(server.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2, 'the peer\'s close does not close us');
  await server.close();
  t.is(server.getProtocolVersion(), TlsProtocolVersion.UNKNOWN);
});

test('[SEED-protocol-version-unknown-before-handshake] a failed handshake leaves the protocol version UNKNOWN', async (t) => {
  const { client, server } = await wiredPair();
  client.setServerIdentity('not-the-server.example');
  await Promise.allSettled([client.handshake(), server.handshake()]);
  t.is(client.getProtocolVersion(), TlsProtocolVersion.UNKNOWN);
  t.is(client.getCiphersuiteName(), null);
  await client.close();
  await server.close();
});

test('[SEED-ciphersuite-null-before-handshake] [SEED-ciphersuite-name] [SEED-ciphersuite-null-after-close] null, then the negotiated suite with a notify, then null', async (t) => {
  const { client, server } = await wiredPair();
  t.is(client.getCiphersuiteName(), null);
  t.is(server.ciphersuiteName, null);
  const seen: (string | null)[] = [];
  server.connect('notify::ciphersuite-name', () => seen.push(server.ciphersuiteName));
  await Promise.all([client.handshake(), server.handshake()]);
  t.is(client.getCiphersuiteName(), 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  t.is(server.getCiphersuiteName(), client.getCiphersuiteName());
  await server.close();
  t.is(server.getCiphersuiteName(), null);
  t.deepEqual(seen, ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', null]);
  await client.close();
  t.is(client.ciphersuiteName, null);
});

test('[SEED-ciphersuite-name] the name follows the suite actually negotiated', async (t) => {
  const { client, server } = await wiredPair({ client: { engine: { cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256] } } });
  await Promise.all([client.handshake(), server.handshake()]);
  t.is(client.getCiphersuiteName(), 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
  t.is(server.getCiphersuiteName(), 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
  await client.close();
  await server.close();
});

test('[SEED-async-forms] close, handshake and shutdown return promises, take an AbortSignal, and an aborted one fails with CANCELLED', async (t) => {
  const { client, server } = await wiredPair();
  const live = new AbortController();
  const hs = client.handshake({ signal: live.signal });
  t.true(hs instanceof Promise);
  await Promise.all([hs, server.handshake({ signal: live.signal })]);
  const aborted = new AbortController();
  aborted.abort();
  // After the handshake there is nothing to cancel: handshake() resolves and the session lives on.
  await t.notThrowsAsync(client.handshake({ signal: aborted.signal }));
  await client.sendMessages([message('still usable')]);
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'still usable');
  await rejectsWith(t, client.shutdown(false, true, { signal: aborted.signal }), 'G_IO_ERROR_CANCELLED');
  await rejectsWith(t, client.close({ signal: aborted.signal }), 'G_IO_ERROR_CANCELLED');
  const shut = client.shutdown(false, true, { signal: live.signal });
  t.true(shut instanceof Promise);
  await shut;
  const closing = client.close({ signal: live.signal });
  t.true(closing instanceof Promise);
  await closing;
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  await server.close();
});

test('[SEED-async-forms] a handshake cancelled through its AbortSignal fails with CANCELLED and stops retransmitting', async (t) => {
  const clock = new VirtualClock();
  const { client, server, wire } = await wiredPair({ clock });
  const cancel = new AbortController();
  const hs = client.handshake({ signal: cancel.signal }); // the server never answers: it is not running
  t.false(await hasSettled(hs));
  await clock.advance(1_000);
  t.is(typesSent(wire, 'client').length, 2, 'the ClientHello and one retransmission');
  cancel.abort();
  await rejectsWith(t, hs, 'G_IO_ERROR_CANCELLED');
  t.is(clock.pending, 0, 'no timer is left running');
  await clock.advance(HANDSHAKE_BUDGET_MS);
  t.is(typesSent(wire, 'client').length, 2, 'nothing more is sent');
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CANCELLED');
  await client.close();
  await server.close();
});

test('[SEED-async-forms] a handshake whose signal is already aborted fails with CANCELLED without an unhandled rejection', async (t) => {
  const { client, server } = await wiredPair({ clock: new VirtualClock() });
  const cancel = new AbortController();
  cancel.abort();
  await rejectsWith(t, client.handshake({ signal: cancel.signal }), 'G_IO_ERROR_CANCELLED');
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_CANCELLED');
  await client.close();
  await server.close();
});

test('[SEED-handshake-reports-outcome] a server that never answers: the client\'s handshake fails with TIMED_OUT after the retransmission budget, on virtual time', async (t) => {
  const clock = new VirtualClock();
  const { client, server, wire } = await wiredPair({ clock });
  const hs = client.handshake();
  hs.catch(() => undefined);
  await clock.advance(HANDSHAKE_BUDGET_MS - 1);
  t.false(await hasSettled(hs), 'still retransmitting just before the budget runs out');
  t.is(typesSent(wire, 'client').length, 11, 'the ClientHello and ten retransmissions');
  await clock.advance(1);
  await rejectsWith(t, hs, 'G_IO_ERROR_TIMED_OUT');
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_TIMED_OUT');
  t.is(clock.pending, 0);
  await client.close();
  await server.close();
});

test('[SEED-handshake-reports-outcome] a client that vanishes mid-handshake: the server\'s handshake fails with TIMED_OUT on virtual time', async (t) => {
  const clock = new VirtualClock();
  // The client's two ClientHellos get through; everything it sends after them is lost.
  const { client, server, wire } = await wiredPair({ clock, drop: (d, sentBefore) => d.from === 'client' && sentBefore >= 2 });
  const serverHs = server.handshake();
  serverHs.catch(() => undefined);
  const clientHs = client.handshake();
  clientHs.catch(() => undefined);
  await clock.advance(HANDSHAKE_BUDGET_MS - 1);
  t.true(typesSent(wire, 'server').includes(RecordType.handshake));
  t.false(await hasSettled(serverHs), 'the server still retransmits its flight just before the budget runs out');
  await clock.advance(1);
  await rejectsWith(t, serverHs, 'G_IO_ERROR_TIMED_OUT');
  await clock.runAll();
  await rejectsWith(t, clientHs, 'G_IO_ERROR_TIMED_OUT');
  t.is(clock.pending, 0);
  await client.close();
  await server.close();
});
