/**
 * A DtlsConnection as a DatagramBased over a base DatagramBased (seed: overview, :base-socket):
 * protected datagrams on the base, application datagrams on the connection, the two sides as
 * subclasses of one class, and the base socket left to the caller (its peer address, its close).
 */
import test from 'ava';
import { HeldSendSocket, RecordType, message, rejectsWith, text, typesSent, wiredPair } from '../../testkit/api-io.ts';
import { VirtualClock } from '../../testkit/virtual-clock.ts';
import { udpBind } from '../transport/udp-datagram-based.ts';
import { DtlsClientConnection } from './client-connection.ts';
import { DtlsConnection } from './connection.ts';
import type { DatagramBased } from './datagram-based.ts';
import { IOCondition } from './enums.ts';
import { GioError } from './errors.ts';
import { DtlsServerConnection } from './server-connection.ts';
import { apiCredentials } from '../../testkit/api.ts';
import { seededRandom } from '../crypto/random.ts';

const { IN, OUT, HUP } = IOCondition;

/** Whether `needle` occurs in `haystack`. */
function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

test('[SEED-wraps-datagram-based] each application datagram is one protected record on the base socket, never in the clear', async (t) => {
  const { client, server, wire } = await wiredPair();
  const asDatagramBased: DatagramBased = client; // the connection is itself a DatagramBased
  await Promise.all([client.handshake(), server.handshake()]);
  const since = wire.length;
  const secret = new TextEncoder().encode('a secret nobody on the wire may read');
  t.is(await asDatagramBased.sendMessages([{ vectors: [secret.subarray(0, 9), secret.subarray(9)] }, message('second')]), 2);
  const sent = wire.slice(since);
  t.is(sent.length, 2, 'one datagram per message');
  t.deepEqual(typesSent(wire, 'client', since), [RecordType.application_data, RecordType.application_data]);
  t.true(sent.every((d) => d.records.every((r) => r.epoch === 1)), 'protected under the negotiated keys');
  t.false(sent.some((d) => contains(d.bytes, secret)), 'the plaintext does not appear on the base socket');
  const got = await server.receiveMessages(4);
  t.deepEqual(got.map(text), ['a secret nobody on the wire may read', 'second'], 'boundaries are kept; vectors make one datagram');
  await client.close();
  await server.close();
});

test('[SEED-wraps-datagram-based] condition check and wait report the connection\'s own readiness', async (t) => {
  const { client, server } = await wiredPair();
  t.is(client.conditionCheck(IN | OUT), 0, 'nothing before the handshake');
  await Promise.all([client.handshake(), server.handshake()]);
  t.is(client.conditionCheck(IN | OUT), OUT, 'writable, nothing to read');
  const readable = client.conditionWait(IN);
  await server.sendMessages([message('wake up')]);
  await readable;
  t.is(client.conditionCheck(IN), IN);
  const [m] = await client.receiveMessages(1);
  t.is(text(m), 'wake up');
  t.is(client.conditionCheck(IN), 0);
  await server.close(); // close_notify: the end is readable, and a hang-up
  await client.conditionWait(IN);
  t.is(client.conditionCheck(IN | HUP), IN | HUP);
  await client.close();
});

test('[SEED-wraps-datagram-based] GIO\'s timeouts: 0 fails with WOULD_BLOCK, a positive one with TIMED_OUT on the clock', async (t) => {
  const clock = new VirtualClock();
  const { client, server } = await wiredPair({ clock });
  await Promise.all([client.handshake(), server.handshake()]);
  await rejectsWith(t, client.receiveMessages(1, { timeoutMs: 0 }), 'G_IO_ERROR_WOULD_BLOCK');
  const waiting = client.receiveMessages(1, { timeoutMs: 5_000 });
  await clock.advance(5_000);
  await rejectsWith(t, waiting, 'G_IO_ERROR_TIMED_OUT');
  const condition = client.conditionWait(IN, { timeoutMs: 10 });
  await clock.advance(10);
  await rejectsWith(t, condition, 'G_IO_ERROR_TIMED_OUT');
  await client.close();
  await server.close();
});

test('[SEED-client-server-subclasses] the client and server connections are the two sides of the one DtlsConnection class', async (t) => {
  const { client, server } = await wiredPair();
  t.true(client instanceof DtlsClientConnection);
  t.true(client instanceof DtlsConnection);
  t.true(server instanceof DtlsServerConnection);
  t.true(server instanceof DtlsConnection);
  t.false((client as DtlsConnection) instanceof DtlsServerConnection);
  t.false((server as DtlsConnection) instanceof DtlsClientConnection);
  // Code written against DtlsConnection drives either side.
  const sideOf = async (conn: DtlsConnection, peer: DtlsConnection, words: string): Promise<string> => {
    await conn.sendMessages([message(words)]);
    const [m] = await peer.receiveMessages(1);
    return text(m);
  };
  const both: DtlsConnection[] = [client, server];
  await Promise.all(both.map((c) => c.handshake()));
  t.is(await sideOf(client, server, 'to the server'), 'to the server');
  t.is(await sideOf(server, client, 'to the client'), 'to the client');
  for (const c of both) await c.close();
});

test('[SEED-no-peer-address-set] neither side addresses its datagrams or connects its base socket: that is the caller\'s job', async (t) => {
  const { certificate, database } = await apiCredentials();
  const clientUdp = await udpBind({ address: '127.0.0.1' });
  const serverUdp = await udpBind({ address: '127.0.0.1' });
  t.teardown(async () => {
    await clientUdp.close();
    await serverUdp.close();
  });
  const watched = new HeldSendSocket(clientUdp);
  const client = DtlsClientConnection.new(watched, 'localhost', { engine: { random: seededRandom('udp client') } });
  client.setDatabase(database);
  // Left unconnected, the base socket has nowhere to send the ClientHello: the base's own error.
  await rejectsWith(t, client.handshake(), 'G_IO_ERROR_NOT_CONNECTED');
  t.is(clientUdp.remoteAddress, undefined, 'the connection did not connect its base socket');
  t.true(watched.sent.length > 0 && watched.sent.every((m) => m.address === undefined), 'nor address its datagrams');
  await client.close();

  // Connected by the caller, the same kind of socket carries a handshake.
  await clientUdp.connect(serverUdp.localAddress);
  await serverUdp.connect(clientUdp.localAddress);
  const client2 = DtlsClientConnection.new(clientUdp, 'localhost', { engine: { random: seededRandom('udp client 2') } });
  client2.setDatabase(database);
  const server = DtlsServerConnection.new(serverUdp, certificate, { engine: { random: seededRandom('udp server') }, peerAddress: '127.0.0.1' });
  await Promise.all([client2.handshake(), server.handshake()]);
  await client2.sendMessages([message('over udp')]);
  const [m] = await server.receiveMessages(1);
  t.is(text(m), 'over udp');
  t.deepEqual(clientUdp.remoteAddress, serverUdp.localAddress, 'the peer is the one the caller set');
  await client2.close();
  await server.close();
});

test('[SEED-base-closed-no-not-connected] an unconnected base socket closed by the caller: I/O fails with CLOSED, not NOT_CONNECTED', async (t) => {
  const clientUdp = await udpBind({ address: '127.0.0.1' });
  const { database } = await apiCredentials();
  const client = DtlsClientConnection.new(clientUdp, 'localhost', { engine: { random: seededRandom('closed udp client') } });
  client.setDatabase(database);
  await clientUdp.close();
  const e = await rejectsWith(t, client.handshake(), 'G_IO_ERROR_CLOSED');
  t.not(e?.codeName, 'G_IO_ERROR_NOT_CONNECTED');
  const send = await t.throwsAsync(client.sendMessages([message('x')]), { instanceOf: GioError });
  t.not(send?.codeName, 'G_IO_ERROR_NOT_CONNECTED');
  const receive = await t.throwsAsync(client.receiveMessages(1), { instanceOf: GioError });
  t.not(receive?.codeName, 'G_IO_ERROR_NOT_CONNECTED');
  await client.close();
});

test('[SEED-base-closed-no-not-connected] a handshake over a base socket closed beforehand fails with CLOSED and leaves no timer running', async (t) => {
  const clock = new VirtualClock();
  const { client, server, clientBase } = await wiredPair({ clock });
  await clientBase.close();
  await rejectsWith(t, client.handshake(), 'G_IO_ERROR_CLOSED');
  t.is(clock.pending, 0, 'no retransmission into a closed socket');
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  await client.close();
  await server.close();
});

test('[SEED-base-closed-no-not-connected] a base socket closed under an established connection: sends fail with CLOSED, reads end, never NOT_CONNECTED', async (t) => {
  const { client, server, clientBase } = await wiredPair();
  await Promise.all([client.handshake(), server.handshake()]);
  await clientBase.close();
  await rejectsWith(t, client.sendMessages([message('x')]), 'G_IO_ERROR_CLOSED');
  await rejectsWith(t, client.sendMessages([message('y')]), 'G_IO_ERROR_CLOSED');
  const read = await t.throwsAsync(client.receiveMessages(1), { instanceOf: GioError });
  t.not(read?.codeName, 'G_IO_ERROR_NOT_CONNECTED');
  client.setRequireCloseNotify(false);
  const [end] = await client.receiveMessages(1);
  t.is(end.data.length, 0);
  await t.notThrowsAsync(client.close());
  await server.close();
});

test('[SEED-base-socket-property] base-socket is the wrapped DatagramBased, which may be anything: here another DTLS connection', async (t) => {
  const clock = new VirtualClock();
  const outer = await wiredPair({ clock });
  t.is(outer.client.baseSocket, outer.clientSocket);
  t.is(outer.server.baseSocket, outer.serverBase);
  await Promise.all([outer.client.handshake(), outer.server.handshake()]);
  // DTLS inside DTLS: the inner pair's base sockets are the outer connections.
  const { certificate, database } = await apiCredentials();
  const engine = { mtu: 1_000 };
  const innerClient = DtlsClientConnection.new(outer.client, 'localhost', { clock, engine: { ...engine, random: seededRandom('inner client') } });
  innerClient.setDatabase(database);
  const innerServer = DtlsServerConnection.new(outer.server, certificate, { clock, engine: { ...engine, random: seededRandom('inner server') }, peerAddress: 'inner' });
  t.is(innerClient.baseSocket, outer.client);
  t.is(innerServer.baseSocket, outer.server);
  await Promise.all([innerClient.handshake(), innerServer.handshake()]);
  await innerClient.sendMessages([message('nested')]);
  const [m] = await innerServer.receiveMessages(1);
  t.is(text(m), 'nested');
  await innerClient.close();
  await innerServer.close();
  for (const c of [outer.client, outer.server]) await c.close();
});
