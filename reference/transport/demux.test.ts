/**
 * UdpDemux: the DatagramBased contract on a view (against a connected UDP socket), then what the
 * demultiplexing adds: one view per address, accept(), the gate, capacity, close. Real sockets on
 * 127.0.0.1; no test sleeps.
 */
import test from 'ava';
import { IOCondition } from '../api/enums.ts';
import { bytes, datagramBasedContract, message, rejectsWith, text, turns, untilQueued } from './datagram-based.contract.ts';
import { UdpDemux } from './demux.ts';
import { type UdpDatagramBased, udpConnect } from './udp-datagram-based.ts';

const opened: UdpDemux[] = [];
test.after.always(async () => {
  for (const d of opened) await d.close();
});

async function demux(options: Omit<Parameters<typeof UdpDemux.bind>[0], 'address'> = {}): Promise<UdpDemux> {
  const d = await UdpDemux.bind({ address: '127.0.0.1', ...options });
  opened.push(d);
  return d;
}

async function client(d: UdpDemux): Promise<UdpDatagramBased> {
  return udpConnect({ remote: d.localAddress });
}

datagramBasedContract(test, {
  name: 'demux view',
  peerCloseVisible: false,
  async open(options) {
    const d = await demux({ queueLimit: options?.queueLimit });
    const a = await udpConnect({ remote: d.localAddress, queueLimit: options?.queueLimit });
    return { a, b: d.view(a.localAddress), elapse: async () => {} };
  },
});

test('each address gets its own view from accept(), with its first datagram; replies go only to it', async (t) => {
  const d = await demux();
  const [c1, c2] = [await client(d), await client(d)];
  t.teardown(async () => {
    await c1.close();
    await c2.close();
  });
  await c1.sendMessages([message('from one')]);
  const v1 = await d.accept();
  t.deepEqual(v1.remoteAddress, c1.localAddress);
  await c2.sendMessages([message('from two')]);
  await c1.sendMessages([message('one again')]);
  const v2 = await d.accept();
  t.deepEqual(v2.remoteAddress, c2.localAddress);
  await untilQueued(v1, 2);
  t.deepEqual((await v1.receiveMessages(5)).map(text), ['from one', 'one again']);
  t.deepEqual((await v2.receiveMessages(5)).map(text), ['from two']);
  t.is(d.peers, 2);

  await v2.sendMessages([message('to two')]);
  await v1.sendMessages([message('to one')]);
  const [m2] = await c2.receiveMessages(1);
  t.is(text(m2), 'to two');
  t.deepEqual(m2.address, d.localAddress);
  t.is(text((await c1.receiveMessages(1))[0]), 'to one');
  await turns();
  t.is(c1.queued + c2.queued, 0);
});

test('a view refuses a message addressed to another peer with INVALID_ARGUMENT', async (t) => {
  const d = await demux();
  const c = await client(d);
  t.teardown(() => c.close());
  const v = d.view(c.localAddress);
  const e = await rejectsWith(t, v.sendMessages([{ address: { address: '127.0.0.1', port: 9 }, vectors: [bytes('x')] }]), 'INVALID_ARGUMENT');
  t.regex(e?.message ?? '', /127\.0\.0\.1:9/);
  t.is(await v.sendMessages([{ address: c.localAddress, vectors: [bytes('ok')] }]), 1);
});

test('closing a view forgets the peer: its next datagram opens a new view for accept(); the others go on', async (t) => {
  const d = await demux();
  const [c1, c2] = [await client(d), await client(d)];
  t.teardown(async () => {
    await c1.close();
    await c2.close();
  });
  await c1.sendMessages([message('first')]);
  const v1 = await d.accept();
  await c2.sendMessages([message('other')]);
  const v2 = await d.accept();
  await v1.close();
  t.true(v1.closed);
  await rejectsWith(t, v1.receiveMessages(1), 'CLOSED');
  t.is(d.peers, 1);
  await c1.sendMessages([message('again')]);
  const v1b = await d.accept();
  t.not(v1b, v1);
  t.is(text((await v1b.receiveMessages(1))[0]), 'again');
  t.is(text((await v2.receiveMessages(1))[0]), 'other');
});

test('the gate decides on new addresses: refused datagrams are dropped and its replies go back; admitted ones open a view', async (t) => {
  const seen: string[] = [];
  const d = await demux({
    gate: (datagram, from) => {
      seen.push(`${from.port}:${new TextDecoder().decode(datagram)}`);
      return new TextDecoder().decode(datagram) === 'let me in' ? { admit: true } : { admit: false, replies: [bytes('knock first')] };
    },
  });
  const c = await client(d);
  t.teardown(() => c.close());
  await c.sendMessages([message('hello?')]);
  t.is(text((await c.receiveMessages(1))[0]), 'knock first');
  t.is(d.refused, 1);
  t.is(d.peers, 0);
  await c.sendMessages([message('let me in'), message('and this')]);
  const v = await d.accept();
  await untilQueued(v, 2);
  t.deepEqual((await v.receiveMessages(5)).map(text), ['let me in', 'and this']);
  t.deepEqual(seen, [`${c.localAddress.port}:hello?`, `${c.localAddress.port}:let me in`], 'the gate sees only datagrams from addresses without a view');
});

test('beyond maxPeers, datagrams from new addresses are dropped and counted', async (t) => {
  const d = await demux({ maxPeers: 1 });
  const [c1, c2] = [await client(d), await client(d)];
  t.teardown(async () => {
    await c1.close();
    await c2.close();
  });
  await c1.sendMessages([message('in')]);
  const v1 = await d.accept();
  await c2.sendMessages([message('no room')]);
  await c1.sendMessages([message('still in')]);
  await untilQueued(v1, 2);
  t.is(d.droppedOverCapacity, 1);
  await t.throwsAsync(d.accept({ timeoutMs: 0 }), { message: /would block/ });
});

test('accept with timeoutMs 0 and nobody new fails with WOULD_BLOCK; close fails a pending accept with CLOSED, then every view', async (t) => {
  const d = await demux();
  await rejectsWith(t, d.accept({ timeoutMs: 0 }), 'WOULD_BLOCK');
  const c = await client(d);
  t.teardown(() => c.close());
  const v = d.view(c.localAddress);
  const pending = rejectsWith(t, d.accept(), 'CLOSED');
  const receiving = rejectsWith(t, v.receiveMessages(1), 'CLOSED');
  await turns(1);
  await d.close();
  await pending;
  await receiving;
  t.is(v.conditionCheck(IOCondition.OUT), 0);
  await rejectsWith(t, d.accept(), 'CLOSED');
  t.true(d.base.closed);
});

test('bind refuses an address that is not loopback (INVALID_ARGUMENT naming it) and a port in use (ADDRESS_IN_USE)', async (t) => {
  const e = await rejectsWith(t, UdpDemux.bind({ address: '192.0.2.1' }), 'INVALID_ARGUMENT');
  t.regex(e?.message ?? '', /192\.0\.2\.1/);
  const d = await demux();
  await rejectsWith(t, UdpDemux.bind({ address: '127.0.0.1', port: d.localAddress.port }), 'ADDRESS_IN_USE');
});

test('close waits for the datagrams being sent: a reply sent just before close arrives', async (t) => {
  const d = await UdpDemux.bind({ address: '127.0.0.1' });
  const c = await client(d);
  t.teardown(() => c.close());
  const v = d.view(c.localAddress);
  void v.sendMessages([message('last words')]);
  await d.close();
  t.is(text((await c.receiveMessages(1, { timeoutMs: 2000 }))[0]), 'last words');
});
