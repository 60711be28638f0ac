/**
 * The UDP driver on loopback, reference client against reference server: handshake, data, close,
 * the per-address server, the key log file, and the transport's own errors (address refused, port
 * in use, ICMP unreachable, handshake timeout). Real sockets, real timers: waits are on events.
 */
import test from 'ava';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TimedDatagram } from '../capture/packet.ts';
import { parseKeylogStrict } from '../capture/keylog.ts';
import { toHex } from '../capture/bytes.ts';
import { DtlsError } from '../errors.ts';
import { AlertDescription, CipherSuite } from '../wire/enums.ts';
import { testPki } from '../../testkit/credentials.ts';
import { TransportError, UdpServer, type UdpConnection, connectUdp } from './udp.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const certificate = async () => (await testPki('P-256')).credentials;

/** Echoes until the peer closes, then closes too. */
async function echo(conn: UdpConnection): Promise<void> {
  for (let d = await conn.read(); d !== undefined; d = await conn.read()) conn.send(d);
  await conn.close();
}

async function boundSocket(host = '127.0.0.1'): Promise<dgram.Socket> {
  const s = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => s.bind({ address: host, port: 0 }, () => resolve()));
  return s;
}

const closeSocket = (s: dgram.Socket): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

for (const host of ['127.0.0.1', '::1']) {
  test(`[RFC6347-4.2.1-cookie] over ${host}: cookie exchange, data both ways, close_notify, the server forgets the client`, async (t) => {
    const wire: TimedDatagram[] = [];
    const server = await UdpServer.listen({ host, config: { certificate: await certificate() }, capture: (d) => wire.push(d) });
    const served = server.accept().then(async (conn) => {
      const events: string[] = [];
      const collecting = (async () => {
        for await (const e of conn.events()) events.push(e.kind);
      })();
      await echo(conn);
      await collecting;
      return events;
    });
    const client = await connectUdp({ host, port: server.address.port, config: {} });
    const negotiated = await client.handshake();
    t.is(negotiated.cipherSuite, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    t.is(client.remote.port, server.address.port);
    client.send(utf8('one'));
    client.send(utf8('two'));
    t.is(text(await client.read()), 'one');
    t.is(text(await client.read()), 'two');
    await client.close();
    t.deepEqual(await served, ['handshake-complete', 'data', 'data', 'alert', 'peer-closed', 'alert']);
    t.is(server.connectionCount, 0);
    const hvr = wire.filter((d) => d.src.port === server.address.port && d.payload[0] === 22 && d.payload[13] === 3);
    t.is(hvr.length, 1, 'one HelloVerifyRequest');
    t.true(wire.every((d) => d.src.address === host && d.dst.address === host));
    await server.close();
  });
}

test('the server keeps one endpoint per client address: two clients at once, each gets its own echo', async (t) => {
  const server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate: await certificate() } });
  const echoes: Promise<void>[] = [];
  server.onConnection((conn) => echoes.push(echo(conn)));
  const [a, b] = await Promise.all([1, 2].map(() => connectUdp({ host: '127.0.0.1', port: server.address.port, config: {} })));
  await Promise.all([a.handshake(), b.handshake()]);
  t.is(server.connectionCount, 2);
  a.send(utf8('from a'));
  b.send(utf8('from b'));
  t.is(text(await b.read()), 'from b');
  t.is(text(await a.read()), 'from a');
  await Promise.all([a.close(), b.close()]);
  await Promise.all(echoes);
  t.is(server.connectionCount, 0);
  await server.close();
});

test('key log files: client and server append the CLIENT_RANDOM line of the session', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-udp-'));
  try {
    const server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate: await certificate() }, keyLogFile: join(dir, 'server.keys') });
    const served = server.accept().then(echo);
    const lines: string[] = [];
    const client = await connectUdp({ host: '127.0.0.1', port: server.address.port, config: { keyLog: (l) => lines.push(l) }, keyLogFile: join(dir, 'client.keys') });
    const n = await client.handshake();
    await client.close();
    await served;
    await server.close();
    for (const side of ['client', 'server']) {
      const entries = parseKeylogStrict(readFileSync(join(dir, `${side}.keys`), 'utf8'));
      t.deepEqual(entries.map((e) => [e.label, toHex(e.clientRandom), toHex(e.secret)]), [['CLIENT_RANDOM', toHex(n.clientRandom), toHex(n.masterSecret)]], side);
    }
    t.is(lines.length, 1, 'the config callback still gets the line');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('handshake() rejects with the DtlsError when the peer refuses (no common suite: handshake_failure)', async (t) => {
  const server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate: await certificate(), cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384] } });
  const client = await connectUdp({ host: '127.0.0.1', port: server.address.port, config: { cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] } });
  const e = await t.throwsAsync(client.handshake(), { instanceOf: DtlsError });
  t.like(e?.detail, { kind: 'alert-received', description: AlertDescription.handshake_failure });
  t.true(client.finished);
  t.is(client.failure, e);
  await t.throwsAsync(client.read(), { is: e });
  t.is(server.connectionCount, 0, 'the failed server endpoint is dropped');
  await server.close();
});

for (const host of ['0.0.0.0', '192.0.2.1', 'localhost', '::', '127.0.0.2']) {
  test(`addresses other than 127.0.0.1 and ::1 are refused: ${host}`, async (t) => {
    const e1 = await t.throwsAsync(connectUdp({ host, port: 4433, config: {} }), { instanceOf: TransportError });
    t.is(e1?.code, 'not-loopback');
    t.regex(e1?.message ?? '', /only binds and sends to 127\.0\.0\.1 or ::1/);
    const e2 = await t.throwsAsync(UdpServer.listen({ host, config: {} }), { instanceOf: TransportError });
    t.is(e2?.code, 'not-loopback');
  });
}

test('a port in use is a clear address-in-use error, for the server and for a client local port', async (t) => {
  const taken = await boundSocket();
  const port = taken.address().port;
  try {
    const e = await t.throwsAsync(UdpServer.listen({ host: '127.0.0.1', port, config: {} }), { instanceOf: TransportError });
    t.is(e?.code, 'address-in-use');
    t.is(e?.message, `cannot bind 127.0.0.1:${port}: the port is already in use`);
    const e2 = await t.throwsAsync(connectUdp({ host: '127.0.0.1', port: 4433, localPort: port, config: {} }), { instanceOf: TransportError });
    t.is(e2?.code, 'address-in-use');
  } finally {
    await closeSocket(taken);
  }
});

test('nothing listening: the ICMP port unreachable on the connected socket fails the handshake as peer-unreachable', async (t) => {
  const probe = await boundSocket();
  const port = probe.address().port;
  await closeSocket(probe); // now nothing listens on `port`
  const client = await connectUdp({ host: '127.0.0.1', port, config: {}, handshakeTimeoutMs: 5000 });
  const e = await t.throwsAsync(client.handshake(), { instanceOf: TransportError });
  t.is(e?.code, 'peer-unreachable');
  t.regex(e?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${port} is unreachable: ICMP port unreachable`));
  t.true(client.finished);
});

test('a peer that never answers: handshake-timeout after the wall-clock limit, with what was sent', async (t) => {
  const silent = await boundSocket();
  let heard = 0;
  silent.on('message', () => heard++);
  try {
    const client = await connectUdp({ host: '127.0.0.1', port: silent.address().port, config: { initialTimeoutMs: 100 }, handshakeTimeoutMs: 450 });
    const e = await t.throwsAsync(client.handshake(), { instanceOf: TransportError });
    t.is(e?.code, 'handshake-timeout');
    t.regex(e?.message ?? '', /within 450 ms \(state ExpectServerHelloOrHelloVerifyRequest, \d+ datagrams sent, 0 received, [1-9]\d* retransmissions\)/);
    t.true(heard >= 2, `the single timer re-armed to nextTimeout(): ${heard} ClientHellos`);
  } finally {
    await closeSocket(silent);
  }
});

test('the server drops an entry whose cookie never checks out when its handshake timeout passes', async (t) => {
  const server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate: await certificate() }, handshakeTimeoutMs: 200 });
  const raw = await boundSocket();
  const replies: Buffer[] = [];
  raw.on('message', (m) => replies.push(m));
  try {
    // Someone else's ClientHello (a live client's first flight, copied off the wire), sent from another port.
    const wire: TimedDatagram[] = [];
    const probe = await connectUdp({ host: '127.0.0.1', port: server.address.port, config: {}, capture: (d) => wire.push(d) });
    await probe.close();
    raw.send(wire[0].payload, server.address.port, '127.0.0.1');
    while (replies.length === 0) await new Promise((r) => setImmediate(r));
    t.is(replies[0][13], 3, 'answered with a HelloVerifyRequest');
    t.true(server.connectionCount >= 1);
    const gone = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        if (server.connectionCount === 0) {
          clearInterval(poll);
          resolve(true);
        }
      }, 20);
    });
    t.true(gone);
  } finally {
    await closeSocket(raw);
    await server.close();
  }
});

test('send() after close() is a closed error; events() after the end is an empty iterator', async (t) => {
  const server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate: await certificate() } });
  const served = server.accept().then(echo);
  const client = await connectUdp({ host: '127.0.0.1', port: server.address.port, config: {} });
  await client.handshake();
  await client.close();
  t.throws(() => client.send(utf8('late')), { instanceOf: TransportError, message: /is closed/ });
  const after: string[] = [];
  for await (const e of client.events()) after.push(e.kind);
  t.deepEqual(after, []);
  t.is(await client.read(), undefined);
  await served;
  await server.close();
});
