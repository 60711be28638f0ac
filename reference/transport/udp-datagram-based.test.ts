/**
 * The UDP DatagramBased on loopback with ephemeral ports: the DatagramBased contract on a pair of
 * sockets connected to each other, then binding, addressing, the loopback rule, ICMP errors and
 * IPv6. Real sockets and real timers; no test sleeps beyond the timeout it checks (50 ms).
 */
import test from 'ava';
import { GioError } from '../api/errors.ts';
import { IOCondition } from '../api/enums.ts';
import { bytes, datagramBasedContract, message, rejectsWith, text, turns, untilQueued } from './datagram-based.contract.ts';
import { type UdpDatagramBased, udpBind, udpConnect } from './udp-datagram-based.ts';

datagramBasedContract(test, {
  name: 'udp 127.0.0.1',
  peerCloseVisible: false,
  async open(options) {
    const b = await udpBind({ address: '127.0.0.1', queueLimit: options?.queueLimit });
    const a = await udpConnect({ remote: b.localAddress, queueLimit: options?.queueLimit });
    await b.connect(a.localAddress);
    return { a, b, elapse: async () => {} };
  },
});

const { IN, OUT, ERR } = IOCondition;

/** Sockets closed when the test ends. */
function closing(t: { teardown(fn: () => Promise<void>): void }, ...sockets: UdpDatagramBased[]): void {
  t.teardown(async () => {
    for (const s of sockets) await s.close();
  });
}

/** A socket connected to a port nothing listens on (bound, noted, released after the socket has its own port). */
async function connectedToNobody(): Promise<UdpDatagramBased> {
  const client = await udpBind({ address: '127.0.0.1' });
  const gone = await udpBind({ address: '127.0.0.1' });
  const { port } = gone.localAddress;
  await gone.close();
  await client.connect({ address: '127.0.0.1', port });
  return client;
}

test('udpBind refuses an address that is not loopback with INVALID_ARGUMENT naming it', async (t) => {
  for (const address of ['0.0.0.0', '::', '192.0.2.1', '::ffff:127.0.0.1', 'example.com']) {
    const e = await rejectsWith(t, udpBind({ address }), 'INVALID_ARGUMENT');
    t.true(e?.message.includes(JSON.stringify(address)), e?.message);
  }
});

test('udpConnect refuses a remote that is not loopback, or a local address of the other family, with INVALID_ARGUMENT', async (t) => {
  const e = await rejectsWith(t, udpConnect({ remote: { address: '198.51.100.7', port: 4433 } }), 'INVALID_ARGUMENT');
  t.regex(e?.message ?? '', /198\.51\.100\.7/);
  await rejectsWith(t, udpConnect({ remote: { address: '::1', port: 4433 }, localAddress: { address: '127.0.0.1' } }), 'INVALID_ARGUMENT');
});

test('udpBind and udpConnect refuse ports out of range with INVALID_ARGUMENT', async (t) => {
  await rejectsWith(t, udpBind({ address: '127.0.0.1', port: 65_536 }), 'INVALID_ARGUMENT');
  await rejectsWith(t, udpBind({ address: '127.0.0.1', port: -1 }), 'INVALID_ARGUMENT');
  await rejectsWith(t, udpConnect({ remote: { address: '127.0.0.1', port: 0 } }), 'INVALID_ARGUMENT');
});

test('udpBind on a port already bound fails with ADDRESS_IN_USE', async (t) => {
  const first = await udpBind({ address: '127.0.0.1' });
  closing(t, first);
  const e = await rejectsWith(t, udpBind({ address: '127.0.0.1', port: first.localAddress.port }), 'ADDRESS_IN_USE');
  t.regex(e?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${first.localAddress.port}`));
});

test('close releases the port: it can be bound again at once; localAddress stays readable', async (t) => {
  const first = await udpBind({ address: '127.0.0.1' });
  const { port } = first.localAddress;
  await first.close();
  t.deepEqual(first.localAddress, { address: '127.0.0.1', port });
  const again = await udpBind({ address: '127.0.0.1', port });
  closing(t, again);
  t.is(again.localAddress.port, port);
});

test('localhost means 127.0.0.1, for binding and as a destination', async (t) => {
  const server = await udpBind({ address: 'localhost' });
  const client = await udpConnect({ remote: { address: 'localhost', port: server.localAddress.port } });
  closing(t, server, client);
  t.is(server.localAddress.address, '127.0.0.1');
  t.deepEqual(client.remoteAddress, { address: '127.0.0.1', port: server.localAddress.port });
  await client.sendMessages([message('hello')]);
  t.deepEqual((await server.receiveMessages(1)).map(text), ['hello']);
});

test('a bound socket receives from anyone and answers each sender at its address', async (t) => {
  const server = await udpBind({ address: '127.0.0.1' });
  const one = await udpConnect({ remote: server.localAddress });
  const two = await udpConnect({ remote: server.localAddress });
  closing(t, server, one, two);
  t.is(server.remoteAddress, undefined);
  await one.sendMessages([message('from one')]);
  await two.sendMessages([message('from two')]);
  await untilQueued(server, 2);
  const got = await server.receiveMessages(2);
  t.deepEqual(got.map((m) => [text(m), m.address]), [
    ['from one', one.localAddress],
    ['from two', two.localAddress],
  ]);
  t.is(await server.sendMessages(got.map((m) => ({ address: m.address, vectors: [bytes('re: '), m.data] }))), 2);
  t.deepEqual((await one.receiveMessages(1)).map(text), ['re: from one']);
  t.deepEqual((await two.receiveMessages(1)).map(text), ['re: from two']);
});

test('a bound socket sending a message without an address fails with NOT_CONNECTED: no destination', async (t) => {
  const server = await udpBind({ address: '127.0.0.1' });
  closing(t, server);
  const e = await rejectsWith(t, server.sendMessages([message('where to?')]), 'NOT_CONNECTED');
  t.regex(e?.message ?? '', /no destination/);
});

test('sendMessages to an address that is not loopback fails with INVALID_ARGUMENT naming it', async (t) => {
  const server = await udpBind({ address: '127.0.0.1' });
  closing(t, server);
  const e = await rejectsWith(t, server.sendMessages([{ address: { address: '10.0.0.1', port: 53 }, vectors: [bytes('x')] }]), 'INVALID_ARGUMENT');
  t.regex(e?.message ?? '', /"10\.0\.0\.1"/);
});

test('a connected socket: sends without an address go to the peer; one addressed elsewhere fails with INVALID_ARGUMENT', async (t) => {
  const server = await udpBind({ address: '127.0.0.1' });
  const other = await udpBind({ address: '127.0.0.1' });
  const client = await udpConnect({ remote: server.localAddress });
  closing(t, server, other, client);
  t.is(await client.sendMessages([message('plain'), { address: server.localAddress, vectors: [bytes('addressed')] }]), 2);
  await rejectsWith(t, client.sendMessages([{ address: other.localAddress, vectors: [bytes('stray')] }]), 'INVALID_ARGUMENT');
  await untilQueued(server, 2);
  t.deepEqual((await server.receiveMessages(5)).map(text), ['plain', 'addressed']);
  await turns();
  t.is(other.queued, 0);
});

test('a connected socket receives only its peer’s datagrams', async (t) => {
  const peer = await udpBind({ address: '127.0.0.1' });
  const stranger = await udpBind({ address: '127.0.0.1' });
  const client = await udpConnect({ remote: peer.localAddress });
  closing(t, peer, stranger, client);
  await stranger.sendMessages([{ address: client.localAddress, vectors: [bytes('intruder')] }]);
  await peer.sendMessages([{ address: client.localAddress, vectors: [bytes('peer')] }]);
  t.deepEqual((await client.receiveMessages(5)).map(text), ['peer']);
  await turns();
  t.is(client.queued, 0);
});

test('connect() again switches a socket to a new peer', async (t) => {
  const hub = await udpBind({ address: '127.0.0.1' });
  const first = await udpBind({ address: '127.0.0.1' });
  const second = await udpBind({ address: '127.0.0.1' });
  closing(t, hub, first, second);
  await hub.connect(first.localAddress);
  await hub.sendMessages([message('to first')]);
  await hub.connect(second.localAddress);
  t.deepEqual(hub.remoteAddress, second.localAddress);
  await hub.sendMessages([message('to second')]);
  t.deepEqual((await first.receiveMessages(1)).map(text), ['to first']);
  t.deepEqual((await second.receiveMessages(1)).map(text), ['to second']);
});

test('ICMP port unreachable on a connected socket: ERR in conditionCheck, then CONNECTION_REFUSED on the next receive, once', async (t) => {
  const client = await connectedToNobody();
  closing(t, client);
  await client.sendMessages([message('anyone?')]);
  await client.conditionWait(IN, { timeoutMs: 500 }); // ERR is always reported, so this wakes
  t.is(client.conditionCheck(IN | OUT), ERR | OUT);
  const e = await rejectsWith(t, client.receiveMessages(1, { timeoutMs: 0 }), 'CONNECTION_REFUSED');
  t.true(e?.cause instanceof Error && (e.cause as NodeJS.ErrnoException).code === 'ECONNREFUSED');
  t.is(client.conditionCheck(IN | OUT), OUT);
  await rejectsWith(t, client.receiveMessages(1, { timeoutMs: 0 }), 'WOULD_BLOCK');
});

test('a receive blocked on a connected socket fails with CONNECTION_REFUSED when the ICMP error comes back', async (t) => {
  const client = await connectedToNobody();
  closing(t, client);
  const receive = rejectsWith(t, client.receiveMessages(1, { timeoutMs: 500 }), 'CONNECTION_REFUSED');
  await client.sendMessages([message('anyone?')]);
  await receive;
});

test('::1: a connected pair works, the limit is 65527 bytes, and an IPv4 destination fails with INVALID_ARGUMENT', async (t) => {
  const server = await udpBind({ address: '::1' });
  const client = await udpConnect({ remote: server.localAddress });
  closing(t, server, client);
  t.is(client.localAddress.address, '::1');
  t.is(await client.sendMessages([{ vectors: [new Uint8Array(65_527)] }]), 1);
  const [got] = await server.receiveMessages(1);
  t.is(got.data.length, 65_527);
  t.deepEqual(got.address, client.localAddress);
  await rejectsWith(t, client.sendMessages([{ vectors: [new Uint8Array(65_528)] }]), 'MESSAGE_TOO_LARGE');
  const e = await rejectsWith(t, server.sendMessages([{ address: { address: '127.0.0.1', port: 9 }, vectors: [] }]), 'INVALID_ARGUMENT');
  t.regex(e?.message ?? '', /IPv6/);
});

test('udpBind refuses a queueLimit that is not a positive integer with INVALID_ARGUMENT', async (t) => {
  const e = await t.throwsAsync(udpBind({ address: '127.0.0.1', queueLimit: 0 }), { instanceOf: GioError });
  t.is(e?.codeName, 'G_IO_ERROR_INVALID_ARGUMENT');
});
