/**
 * Closing a DtlsConnection (seed: close, shutdown, require-close-notify): what goes on the wire,
 * what the peer sees, what fails afterwards and with which GIO error.
 */
import test from 'ava';
import { HeldSendSocket, RecordType, hasSettled, message, rejectsWith, text, typesSent, wiredPair } from '../../testkit/api-io.ts';
import { VirtualClock } from '../../testkit/virtual-clock.ts';
import { IOCondition, TlsProtocolVersion } from './enums.ts';

const handshaken = async (options: Parameters<typeof wiredPair>[0] = {}): Promise<Awaited<ReturnType<typeof wiredPair>>> => {
  const pair = await wiredPair(options);
  await Promise.all([pair.client.handshake(), pair.server.handshake()]);
  return pair;
};

test('[SEED-close-shuts-both] close() shuts both directions: sending and receiving then fail with CLOSED', async (t) => {
  const { client, server } = await handshaken();
  await client.close();
  await rejectsWith(t, client.sendMessages([message('after')]), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_CLOSED');
  // The peer saw our close_notify: its read side ends cleanly.
  const [end] = await server.receiveMessages(1);
  t.is(end.data.length, 0);
  await server.close();
});

test('[SEED-close-sends-close-notify] close() sends a close_notify alert after the data, and the peer reads it as a clean end', async (t) => {
  const { client, server, wire } = await handshaken();
  const since = wire.length;
  await client.sendMessages([message('last words')]);
  await client.close();
  t.deepEqual(typesSent(wire, 'client', since), [RecordType.application_data, RecordType.alert]);
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'last words');
  const [end] = await server.receiveMessages(1);
  t.is(end.data.length, 0, 'close_notify shows as a 0-length read, not G_TLS_ERROR_EOF');
  await server.close();
});

test('[SEED-close-flushes-pending] close() completes only once data the base socket has not yet sent has gone out', async (t) => {
  let held: HeldSendSocket | undefined;
  const { client, server } = await handshaken({ wrapClient: (b) => (held = new HeldSendSocket(b)) });
  if (held === undefined) throw new Error('no wrapper');
  held.hold();
  const sent = client.sendMessages([message('buffered')]);
  const closing = client.close();
  t.false(await hasSettled(closing), 'close() must wait for the held datagrams');
  t.true(held.heldCount >= 1);
  held.release();
  await closing;
  await sent.catch(() => undefined);
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'buffered');
  const [end] = await server.receiveMessages(1);
  t.is(end.data.length, 0);
  await server.close();
});

test('[SEED-close-may-await-peer-notify] close() completes whether or not the peer ever answers with its own close_notify', async (t) => {
  const { client, server, cut } = await handshaken();
  cut.server = true; // the server's answer, if any, never arrives
  const closing = client.close();
  t.true(await hasSettled(closing), 'close() must not hang on a peer that never answers');
  await closing;
  await server.close();
});

test('[SEED-close-keeps-base-socket] close() leaves the base socket open and usable; the caller closes it', async (t) => {
  const { client, server, clientBase, serverBase } = await handshaken();
  await client.close();
  await server.close();
  t.false(clientBase.closed);
  t.false(serverBase.closed);
  // The raw sockets still carry datagrams.
  t.is(await clientBase.sendMessages([message('plain')]), 1);
  const [raw] = await serverBase.receiveMessages(1);
  t.is(text(raw), 'plain');
  await clientBase.close();
  t.true(clientBase.closed);
});

test('[SEED-closed-ops-fail-closed] after close(), send, receive, handshake and condition waits fail with G_IO_ERROR_CLOSED', async (t) => {
  const { client, server } = await handshaken();
  await client.close();
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.receiveMessages(1, { timeoutMs: 0 }), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.handshake(), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.conditionWait(IOCondition.IN), 'G_IO_ERROR_CLOSED');
  t.is(client.conditionCheck(IOCondition.IN | IOCondition.OUT), 0, 'a closed connection is never ready for I/O');
  await server.close();
});

test('[SEED-closed-ops-fail-closed] a connection closed before it ever handshook fails its I/O with CLOSED and sends nothing', async (t) => {
  const { client, server, wire } = await wiredPair();
  await client.close();
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.handshake(), 'G_IO_ERROR_CLOSED');
  t.is(wire.length, 0);
  await server.close();
});

test('[SEED-closed-ops-fail-closed] close() during the handshake fails the pending handshake and receive with CLOSED and stops retransmitting', async (t) => {
  const clock = new VirtualClock();
  const { client, server, wire } = await wiredPair({ clock }); // the server never runs: no answer
  const hs = client.handshake();
  const receive = client.receiveMessages(1);
  await clock.advance(1_000);
  const sentBefore = wire.length;
  await client.close();
  await rejectsWith(t, hs, 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, receive, 'G_IO_ERROR_CLOSED');
  t.is(clock.pending, 0);
  await clock.advance(60_000);
  t.is(wire.length, sentBefore, 'nothing is sent after close()');
  await server.close();
});

test('[SEED-close-twice-ok] closing twice, or twice at once, is not an error', async (t) => {
  const { client, server } = await handshaken();
  await Promise.all([client.close(), client.close()]);
  await t.notThrowsAsync(client.close());
  await t.notThrowsAsync(client.shutdown(true, true));
  const fresh = await wiredPair();
  await fresh.client.close();
  await t.notThrowsAsync(fresh.client.close());
  await server.close();
  await fresh.server.close();
});

test('[SEED-close-on-release] disposing of a connection (await using) closes it: close_notify goes out and I/O fails with CLOSED', async (t) => {
  const { client, server, wire } = await handshaken();
  const since = wire.length;
  {
    await using conn = client;
    t.is(conn.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2);
  }
  t.deepEqual(typesSent(wire, 'client', since), [RecordType.alert]);
  t.is(client.getProtocolVersion(), TlsProtocolVersion.UNKNOWN);
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  await server[Symbol.asyncDispose]();
  await rejectsWith(t, server.receiveMessages(1), 'G_IO_ERROR_CLOSED');
});

test('[SEED-close-cancelled-recall] a close() cancelled while data waits may leave the connection half closed; close() again finishes it', async (t) => {
  let held: HeldSendSocket | undefined;
  const { client, server } = await handshaken({ wrapClient: (b) => (held = new HeldSendSocket(b)) });
  if (held === undefined) throw new Error('no wrapper');
  held.hold();
  void client.sendMessages([message('pending')]).catch(() => undefined);
  const cancel = new AbortController();
  const closing = client.close({ signal: cancel.signal });
  cancel.abort();
  await rejectsWith(t, closing, 'G_IO_ERROR_CANCELLED');
  // Half closed: the write side is shut, the connection is not closed yet.
  await rejectsWith(t, client.sendMessages([message('more')]), 'G_IO_ERROR_CLOSED');
  held.release();
  await client.close();
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_CLOSED');
  t.is(client.getProtocolVersion(), TlsProtocolVersion.UNKNOWN);
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'pending');
  const [end] = await server.receiveMessages(1);
  t.is(end.data.length, 0, 'the second close() sent close_notify');
  await server.close();
});

test('[SEED-close-cancelled-recall] a close() whose signal is already aborted fails with CANCELLED and a later close() works', async (t) => {
  const { client, server } = await handshaken();
  const cancel = new AbortController();
  cancel.abort();
  await rejectsWith(t, client.close({ signal: cancel.signal }), 'G_IO_ERROR_CANCELLED');
  await client.close();
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  const [end] = await server.receiveMessages(1);
  t.is(end.data.length, 0);
  await server.close();
});

test('[SEED-shutdown-read] after shutdown(read), receiving fails with CLOSED while sending still works', async (t) => {
  const { client, server } = await handshaken();
  await client.shutdown(true, false);
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_CLOSED');
  await server.sendMessages([message('ignored')]);
  await client.sendMessages([message('still writing')]);
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'still writing');
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_CLOSED');
  t.is(client.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2, 'half shut is not closed');
  await client.close();
  await server.close();
});

test('[SEED-shutdown-write] after shutdown(write), sending fails with CLOSED, the peer reads the end, and receiving still works', async (t) => {
  const { client, server, wire } = await handshaken();
  const since = wire.length;
  await client.shutdown(false, true);
  t.deepEqual(typesSent(wire, 'client', since), [RecordType.alert]);
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  const [end] = await server.receiveMessages(1);
  t.is(end.data.length, 0);
  await server.sendMessages([message('reply')]);
  const [m] = await client.receiveMessages(1);
  t.is(text(m), 'reply');
  await client.close();
  await server.close();
});

test('[SEED-shutdown-both-is-close] shutdown(read, write) does what close() does', async (t) => {
  const { client, server, wire } = await handshaken();
  const since = wire.length;
  await client.shutdown(true, true);
  t.deepEqual(typesSent(wire, 'client', since), [RecordType.alert]);
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.receiveMessages(1), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.handshake(), 'G_IO_ERROR_CLOSED');
  t.is(client.getProtocolVersion(), TlsProtocolVersion.UNKNOWN);
  t.is(client.getCiphersuiteName(), null);
  await t.notThrowsAsync(client.close());
  t.deepEqual(typesSent(wire, 'client', since), [RecordType.alert], 'close() after it sends nothing more');
  // Two half shutdowns add up to a close as well.
  await server.shutdown(true, false);
  await server.shutdown(false, true);
  await rejectsWith(t, server.handshake(), 'G_IO_ERROR_CLOSED');
});

test('[SEED-shutdown-cancelled-recall] a shutdown(write) cancelled while data waits can be called again to finish', async (t) => {
  let held: HeldSendSocket | undefined;
  const { client, server } = await handshaken({ wrapClient: (b) => (held = new HeldSendSocket(b)) });
  if (held === undefined) throw new Error('no wrapper');
  held.hold();
  void client.sendMessages([message('pending')]).catch(() => undefined);
  const cancel = new AbortController();
  const shutting = client.shutdown(false, true, { signal: cancel.signal });
  cancel.abort();
  await rejectsWith(t, shutting, 'G_IO_ERROR_CANCELLED');
  const again = client.shutdown(false, true);
  t.false(await hasSettled(again), 'the second shutdown waits for the held data');
  held.release();
  await again;
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'pending');
  const [end] = await server.receiveMessages(1);
  t.is(end.data.length, 0);
  await client.close();
  await server.close();
});

test('[SEED-require-close-notify-default] require-close-notify is true on a new connection and reads back what was set, with a notify', async (t) => {
  const { client, server } = await wiredPair();
  t.true(client.getRequireCloseNotify());
  t.true(server.requireCloseNotify);
  let notified = 0;
  client.connect('notify::require-close-notify', () => notified++);
  client.setRequireCloseNotify(false);
  t.false(client.getRequireCloseNotify());
  t.false(client.requireCloseNotify);
  client.requireCloseNotify = true;
  t.true(client.getRequireCloseNotify());
  t.is(notified, 2);
  await client.close();
  await server.close();
});

test('[SEED-require-close-notify-eof] with require-close-notify, a peer gone without close_notify fails reads with G_TLS_ERROR_EOF', async (t) => {
  const { client, server, serverBase } = await handshaken();
  const pending = client.receiveMessages(1);
  await serverBase.close(); // the server vanishes: no close_notify
  await rejectsWith(t, pending, 'G_TLS_ERROR_EOF');
  await rejectsWith(t, client.receiveMessages(1), 'G_TLS_ERROR_EOF');
  await client.close();
  await server.close();
});

test('[SEED-require-close-notify-eof] data that arrived before the unannounced close is still read, then EOF', async (t) => {
  const { client, server, serverBase } = await handshaken();
  await server.sendMessages([message('before')]);
  await serverBase.close();
  const [m] = await client.receiveMessages(1);
  t.is(text(m), 'before');
  await rejectsWith(t, client.receiveMessages(1), 'G_TLS_ERROR_EOF');
  await client.close();
  await server.close();
});

test('[SEED-no-require-close-notify-zero-read] without require-close-notify, a peer gone without close_notify is a 0-length read', async (t) => {
  const { client, server, serverBase } = await handshaken();
  client.setRequireCloseNotify(false);
  const pending = client.receiveMessages(1);
  await serverBase.close();
  const [end] = await pending;
  t.is(end.data.length, 0);
  const [again] = await client.receiveMessages(1);
  t.is(again.data.length, 0, 'the end stays the end');
  await client.close();
  await server.close();
});

test('[SEED-close-notify-regardless] our own close() sends close_notify even with require-close-notify off', async (t) => {
  const { client, server, wire } = await handshaken();
  client.setRequireCloseNotify(false);
  const since = wire.length;
  await client.close();
  t.deepEqual(typesSent(wire, 'client', since), [RecordType.alert]);
  const [end] = await server.receiveMessages(1);
  t.is(end.data.length, 0, 'the server (require-close-notify on) sees a clean end, not EOF');
  await server.close();
});

test('[SEED-unclean-close-base-socket] closing the base socket instead closes without close_notify, and the peer reads EOF', async (t) => {
  const { client, server, clientBase, wire } = await handshaken();
  const since = wire.length;
  await clientBase.close();
  t.deepEqual(typesSent(wire, 'client', since), []);
  await rejectsWith(t, server.receiveMessages(1), 'G_TLS_ERROR_EOF');
  await client.close();
  t.deepEqual(typesSent(wire, 'client', since), [], 'a later close() cannot send on the closed base socket');
  await server.close();
});
