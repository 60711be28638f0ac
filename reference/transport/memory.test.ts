/**
 * The in-memory pair: the DatagramBased contract on a manual clock (no test waits on real time),
 * then what only the pair has: the delivery hook, the peer's close as a hang-up, its addresses.
 */
import test from 'ava';
import type { Clock, SocketAddress } from '../api/datagram-based.ts';
import { IOCondition } from '../api/enums.ts';
import { GioError } from '../api/errors.ts';
import { bytes, datagramBasedContract, message, rejectsWith, text, turns } from './datagram-based.contract.ts';
import { type DeliveryHook, memoryPair } from './memory.ts';

/** Virtual time: nothing happens until `advance`, which fires the timers that fall due, in order. */
class ManualClock implements Clock {
  private time = 0;
  private timers: { readonly at: number; readonly fn: () => void }[] = [];

  now(): number {
    return this.time;
  }

  setTimer(at: number, fn: () => void): () => void {
    const timer = { at, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((x, y) => x.at - y.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}

datagramBasedContract(test, {
  name: 'memory pair',
  peerCloseVisible: true,
  async open(options) {
    const clock = new ManualClock();
    const [a, b] = memoryPair({ clock, queueLimit: options?.queueLimit });
    return { a, b, elapse: async (ms) => clock.advance(ms) };
  },
});

const { IN, OUT, HUP } = IOCondition;

/** Whether `p` has settled after the microtasks and a few event-loop turns. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await turns(2);
  return done;
}

test('memory pair: a timeout fires exactly when timeoutMs has passed on the clock, and no real time is spent', async (t) => {
  const clock = new ManualClock();
  const [, b] = memoryPair({ clock });
  const started = performance.now();
  const receive = b.receiveMessages(1, { timeoutMs: 3_600_000 });
  clock.advance(3_599_999);
  t.false(await settled(receive));
  clock.advance(1);
  await rejectsWith(t, receive, 'TIMED_OUT');
  t.true(performance.now() - started < 1_000);
});

test('memory pair: a receive or wait that completes, is cancelled or times out leaves no timer behind', async (t) => {
  const clock = new ManualClock();
  const [a, b] = memoryPair({ clock });
  const receive = b.receiveMessages(1, { timeoutMs: 100 });
  t.is(clock.pendingTimers, 1);
  await a.sendMessages([message('in time')]);
  t.deepEqual((await receive).map(text), ['in time']);
  t.is(clock.pendingTimers, 0);
  const controller = new AbortController();
  const wait = b.conditionWait(IN, { timeoutMs: 100, signal: controller.signal });
  controller.abort();
  await rejectsWith(t, wait, 'CANCELLED');
  t.is(clock.pendingTimers, 0);
  clock.advance(100);
  t.is(b.queued, 0);
});

test('memory pair: concurrent receives are served in the order they were made', async (t) => {
  const [a, b] = memoryPair();
  const first = b.receiveMessages(1);
  const second = b.receiveMessages(1);
  await a.sendMessages([message('1'), message('2')]);
  t.deepEqual((await first).map(text), ['1']);
  t.deepEqual((await second).map(text), ['2']);
});

test('memory pair: every datagram goes through the hook with its from and to; nothing arrives until the hook delivers', async (t) => {
  const held: { datagram: Uint8Array; from: SocketAddress; to: SocketAddress; deliver: (d: Uint8Array) => void }[] = [];
  const hook: DeliveryHook = (datagram, from, to, deliver) => held.push({ datagram, from, to, deliver });
  const [a, b] = memoryPair({ hook });
  await a.sendMessages([message('ping')]);
  await b.sendMessages([message('pong')]);
  t.deepEqual(
    held.map((h) => [new TextDecoder().decode(h.datagram), h.from, h.to]),
    [
      ['ping', a.localAddress, b.localAddress],
      ['pong', b.localAddress, a.localAddress],
    ],
  );
  t.is(b.queued, 0);
  t.is(a.queued, 0);
  held[0].deliver(held[0].datagram);
  t.deepEqual((await b.receiveMessages(1)).map(text), ['ping']);
});

test('memory pair: the hook can drop, duplicate, alter and reorder; each delivery is its own copy', async (t) => {
  const held: { datagram: Uint8Array; deliver: (d: Uint8Array) => void }[] = [];
  const [a, b] = memoryPair({ hook: (datagram, _from, _to, deliver) => held.push({ datagram, deliver }) });
  await a.sendMessages(['lost', 'twice', 'flipped', 'late'].map(message));
  const [, twice, flipped, late] = held;
  late.deliver(late.datagram);
  twice.deliver(twice.datagram);
  twice.deliver(twice.datagram);
  flipped.deliver(bytes('FLIPPED'));
  const got = await b.receiveMessages(10);
  t.deepEqual(got.map(text), ['late', 'twice', 'twice', 'FLIPPED']);
  got[1].data[0] = 0x54; // 'T'
  t.deepEqual(got.map(text), ['late', 'Twice', 'twice', 'FLIPPED']);
});

test('memory pair: the sender may reuse its buffers once sendMessages resolves', async (t) => {
  const [a, b] = memoryPair();
  const buffer = bytes('original');
  await a.sendMessages([{ vectors: [buffer] }]);
  buffer.fill(0);
  t.deepEqual((await b.receiveMessages(1)).map(text), ['original']);
});

test("memory pair: after the peer closes, queued datagrams are still received, then receives resolve with no messages (end of stream)", async (t) => {
  const [a, b] = memoryPair();
  await a.sendMessages([message('last words')]);
  await a.close();
  t.is(b.conditionCheck(IN | OUT), IN | HUP);
  t.deepEqual((await b.receiveMessages(5)).map(text), ['last words']);
  t.deepEqual(await b.receiveMessages(5), []);
  t.deepEqual(await b.receiveMessages(5, { timeoutMs: 0 }), []);
  t.is(b.conditionCheck(IN), IN | HUP);
});

test("memory pair: a receive and a wait pending when the peer closes resolve (end of stream, HUP)", async (t) => {
  const [a, b] = memoryPair();
  const receive = b.receiveMessages(1);
  const wait = b.conditionWait(OUT);
  await turns(1);
  await a.close();
  t.deepEqual(await receive, []);
  await t.notThrowsAsync(wait);
});

test('memory pair: after the peer closes, sends fail with BROKEN_PIPE naming the peer', async (t) => {
  const [a, b] = memoryPair();
  await a.close();
  const e = await rejectsWith(t, b.sendMessages([message('anyone?')]), 'BROKEN_PIPE');
  t.regex(e?.message ?? '', /memory-a:1/);
});

test('memory pair: a datagram the hook delivers after its destination closed is discarded', async (t) => {
  const held: ((d: Uint8Array) => void)[] = [];
  const [a, b] = memoryPair({ hook: (_d, _from, _to, deliver) => held.push(deliver) });
  await a.sendMessages([message('in flight')]);
  await b.close();
  t.notThrows(() => held[0](bytes('in flight')));
  t.is(b.queued, 0);
  t.is(b.dropped, 0);
});

test('memory pair: the addresses option names the endpoints; a message addressed elsewhere fails with INVALID_ARGUMENT', async (t) => {
  const client = { address: '127.0.0.1', port: 50_000 };
  const server = { address: '127.0.0.1', port: 4433 };
  const [a, b] = memoryPair({ addresses: [client, server] });
  t.deepEqual([a.localAddress, a.remoteAddress], [client, server]);
  t.is(await a.sendMessages([{ address: server, vectors: [bytes('to the server')] }]), 1);
  const [got] = await b.receiveMessages(1);
  t.deepEqual(got.address, client);
  const e = await rejectsWith(t, a.sendMessages([{ address: { address: '127.0.0.1', port: 4434 }, vectors: [] }]), 'INVALID_ARGUMENT');
  t.regex(e?.message ?? '', /127\.0\.0\.1:4434/);
});

test('memory pair: maxDatagramSize sets the MESSAGE_TOO_LARGE limit', async (t) => {
  const [a, b] = memoryPair({ maxDatagramSize: 1200 });
  t.is(await a.sendMessages([{ vectors: [new Uint8Array(1200)] }]), 1);
  await rejectsWith(t, a.sendMessages([{ vectors: [new Uint8Array(1201)] }]), 'MESSAGE_TOO_LARGE');
  t.is(b.queued, 1);
});

test('memoryPair refuses a queueLimit that is not a positive integer with INVALID_ARGUMENT', (t) => {
  for (const queueLimit of [0, -1, 2.5]) {
    const e = t.throws(() => memoryPair({ queueLimit }), { instanceOf: GioError });
    t.is(e?.codeName, 'G_IO_ERROR_INVALID_ARGUMENT');
  }
});

test('memory pair: a NaN timeoutMs fails with INVALID_ARGUMENT; Infinity blocks like a negative timeout', async (t) => {
  const clock = new ManualClock();
  const [a, b] = memoryPair({ clock });
  await rejectsWith(t, b.receiveMessages(1, { timeoutMs: Number.NaN }), 'INVALID_ARGUMENT');
  const forever = b.receiveMessages(1, { timeoutMs: Number.POSITIVE_INFINITY });
  t.is(clock.pendingTimers, 0);
  await a.sendMessages([message('eventually')]);
  t.deepEqual((await forever).map(text), ['eventually']);
});
