/**
 * Connection IDs over real UDP on 127.0.0.1 (RFC 9146): a reference client whose address changes
 * mid-association (two sockets on the client side, the second one taking over) keeps its
 * association with the reference UdpServer, which finds it by its CID and moves its replies to the
 * new address only after a datagram from there authenticates and is the newest (§6). Without CIDs
 * the same move starts a new, unrelated association.
 */
import test from 'ava';
import dgram from 'node:dgram';
import { Endpoint } from '../engine.ts';
import { testPki } from '../../testkit/credentials.ts';
import { type UdpAddress, UdpConnection, UdpServer, formatAddress } from './udp.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

async function boundSocket(): Promise<{ socket: dgram.Socket; address: UdpAddress }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
  const a = socket.address();
  return { socket, address: { address: a.address, port: a.port } };
}

const closeSocket = (s: dgram.Socket): Promise<void> => new Promise((resolve) => s.close(() => resolve()));
const sendFrom = (s: dgram.Socket, d: Uint8Array, to: UdpAddress): Promise<void> =>
  new Promise((resolve, reject) => s.send(d, to.port, to.address, (e) => (e === null ? resolve() : reject(e))));

/**
 * A reference client on two sockets: it sends from `sockets[active]` and hears on both, as a host
 * whose NAT binding or interface changed would. `sent` keeps every datagram it sent.
 */
async function roamingClient(server: UdpAddress, connectionId: Uint8Array | undefined) {
  const sockets = [await boundSocket(), await boundSocket()];
  const state = { active: 0 };
  const sent: Uint8Array[] = [];
  const conn = new UdpConnection(new Endpoint({ role: 'client', ...(connectionId === undefined ? {} : { connectionId }) }), {
    local: sockets[0].address,
    remote: server,
    send: async (d) => {
      sent.push(d);
      await sendFrom(sockets[state.active].socket, d, server);
    },
    close: async () => {
      await Promise.all(sockets.map((s) => closeSocket(s.socket)));
    },
  });
  for (const s of sockets) s.socket.on('message', (m) => conn.input(new Uint8Array(m)));
  conn.start();
  return { conn, sockets, state, sent };
}

/** Echoes until the peer closes. */
async function echo(conn: UdpConnection): Promise<void> {
  for (let d = await conn.read(); d !== undefined; d = await conn.read()) conn.send(d);
}

test('[RFC9146-6-address-update] [RFC9146-3-cid-records] over UDP: the client changes address, the server finds it by CID and follows it only on an authentic, newest datagram', async (t) => {
  const pki = await testPki('P-256');
  const server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate: pki.credentials }, connectionIdLength: 6 });
  // The client asks for no CID of its own (empty): it sends the server's, the server sends none.
  const client = await roamingClient(server.address, new Uint8Array(0));
  const attacker = await boundSocket();
  try {
    const accepted = server.accept();
    const negotiated = await client.conn.handshake();
    t.is(negotiated.connectionIds?.send.length, 6, 'the server gave us a 6-byte CID');
    const served = await accepted;
    const echoing = echo(served);
    t.is(formatAddress(served.remote), formatAddress(client.sockets[0].address));

    client.conn.send(utf8('from the first address'));
    t.is(text(await client.conn.read()), 'from the first address');

    // The client's address changes: the next datagram leaves from the second socket.
    client.state.active = 1;
    client.conn.send(utf8('from the second address'));
    t.is(text(await client.conn.read()), 'from the second address');
    t.is(formatAddress(served.remote), formatAddress(client.sockets[1].address), 'replies follow the client');
    t.is(server.connectionCount, 1, 'the same association, not a new one');
    t.is(server.addressChanges, 1);

    // From a third address: a replay of an authentic datagram, then a forged one with the CID.
    // Neither may move the client (a replay is not newer; a forgery does not authenticate).
    const before = served.endpoint.stats().records.discarded;
    const last = client.sent[client.sent.length - 1];
    await sendFrom(attacker.socket, last, server.address);
    const forged = last.slice();
    forged[10] += 100; // a sequence number not seen yet: past the replay check, failing the MAC
    await sendFrom(attacker.socket, forged, server.address);
    client.conn.send(utf8('still here'));
    t.is(text(await client.conn.read()), 'still here');
    t.is(formatAddress(served.remote), formatAddress(client.sockets[1].address), 'the client stays where it is');
    t.is(server.addressChanges, 1);
    const discarded = served.endpoint.stats().records.discarded;
    t.is(discarded.replayed - before.replayed, 1);
    t.is(discarded['bad-mac'] - before['bad-mac'], 1);

    await client.conn.close();
    await echoing;
  } finally {
    await client.conn.close().catch(() => {});
    await closeSocket(attacker.socket);
    await server.close();
  }
});

test('[RFC9146-3-rfc6347-format] over UDP without CIDs: a datagram from the new address reaches no association', async (t) => {
  const pki = await testPki('P-256');
  const server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate: pki.credentials } });
  const client = await roamingClient(server.address, undefined);
  try {
    const accepted = server.accept();
    const negotiated = await client.conn.handshake();
    t.is(negotiated.connectionIds, undefined);
    const served = await accepted;
    const received: string[] = [];
    const reading = (async () => {
      for (let d = await served.read(); d !== undefined; d = await served.read()) received.push(text(d) ?? '');
    })();
    client.conn.send(utf8('first'));
    client.state.active = 1;
    client.conn.send(utf8('lost'));
    client.state.active = 0;
    client.conn.send(utf8('third'));
    await client.conn.close();
    await reading;
    t.deepEqual(received, ['first', 'third'], 'the datagram from the new address went to a new, cookie-less entry');
    t.is(server.addressChanges, 0);
  } finally {
    await client.conn.close().catch(() => {});
    await server.close();
  }
});
