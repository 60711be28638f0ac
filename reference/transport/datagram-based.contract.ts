/**
 * The GDatagramBased contract, written once and run against every implementation here (the memory
 * pair on a manual clock, UDP on 127.0.0.1): order, count semantics, the three kinds of timeout,
 * cancellation, conditions, close, vectors. Each test opens a fresh pair in which `a` and `b` reach
 * each other without addresses, and closes it afterwards.
 */
import type { ExecutionContext, TestFn } from 'ava';
import type { DatagramBased, InputMessage, OutputMessage, SocketAddress } from '../api/datagram-based.ts';
import { IOCondition } from '../api/enums.ts';
import { GioError, IOErrorEnum } from '../api/errors.ts';

export interface ContractEndpoint extends DatagramBased {
  readonly localAddress: SocketAddress;
  readonly queued: number;
  readonly dropped: number;
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface ContractPair {
  readonly a: ContractEndpoint;
  readonly b: ContractEndpoint;
  /** Lets `ms` pass on the pair's clock: advances a manual clock; real time passes by itself. */
  elapse(ms: number): Promise<void>;
}

export interface ContractFixture {
  /** Prefixes every title: `memory pair`, `udp 127.0.0.1`. */
  readonly name: string;
  open(options?: { readonly queueLimit?: number }): Promise<ContractPair>;
  /** Whether closing one endpoint shows on the other as G_IO_HUP (a connection) or not at all (UDP). */
  readonly peerCloseVisible: boolean;
}

type IoErrorName = keyof typeof IOErrorEnum;

/** Asserts that `p` rejects with the G_IO_ERROR `name`; returns the error. */
export async function rejectsWith(t: ExecutionContext, p: Promise<unknown>, name: IoErrorName): Promise<GioError | undefined> {
  const e = await t.throwsAsync(p, { instanceOf: GioError });
  t.is(e?.codeName, `G_IO_ERROR_${name}`, e?.message);
  return e;
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (m: InputMessage): string => new TextDecoder().decode(m.data);
export const message = (s: string): OutputMessage => ({ vectors: [bytes(s)] });

/** Yields to the event loop until `endpoint` holds `n` datagrams (at once for the memory pair). */
export async function untilQueued(endpoint: ContractEndpoint, n: number, dropped = 0): Promise<void> {
  for (let turns = 0; endpoint.queued < n || endpoint.dropped < dropped; turns++) {
    if (turns > 10_000) throw new Error(`only ${endpoint.queued} of ${n} datagrams arrived (${endpoint.dropped} dropped)`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Lets the event loop run a few turns (to show that something did not happen). */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function datagramBasedContract(test: TestFn, fixture: ContractFixture): void {
  const { name } = fixture;
  const open = async (t: ExecutionContext, options?: { readonly queueLimit?: number }): Promise<ContractPair> => {
    const pair = await fixture.open(options);
    t.teardown(async () => {
      await pair.a.close();
      await pair.b.close();
    });
    return pair;
  };
  const { IN, OUT, HUP } = IOCondition;

  test(`${name}: datagrams arrive whole, in the order sent, from the sender's address`, async (t) => {
    const { a, b } = await open(t);
    t.is(await a.sendMessages([message('one'), message('two two')]), 2);
    t.is(await a.sendMessages([message('three three three')]), 1);
    await untilQueued(b, 3);
    const got = await b.receiveMessages(3);
    t.deepEqual(got.map(text), ['one', 'two two', 'three three three']);
    for (const m of got) t.deepEqual(m.address, a.localAddress);
  });

  test(`${name}: receiveMessages returns what is queued up to count, without waiting for more`, async (t) => {
    const { a, b } = await open(t);
    await a.sendMessages([message('1'), message('2'), message('3')]);
    await untilQueued(b, 3);
    t.deepEqual((await b.receiveMessages(2)).map(text), ['1', '2']);
    t.deepEqual((await b.receiveMessages(5)).map(text), ['3']);
    t.is(b.queued, 0);
  });

  test(`${name}: a blocked receiveMessages resolves with the first datagram that arrives`, async (t) => {
    const { a, b } = await open(t);
    const pending = b.receiveMessages(4);
    await turns();
    await a.sendMessages([message('first')]);
    t.deepEqual((await pending).map(text), ['first']);
  });

  test(`${name}: receiveMessages(0) resolves at once with no messages, even with timeoutMs 0`, async (t) => {
    const { b } = await open(t);
    t.deepEqual(await b.receiveMessages(0), []);
    t.deepEqual(await b.receiveMessages(0, { timeoutMs: 0 }), []);
  });

  test(`${name}: a count that is negative or not an integer fails with INVALID_ARGUMENT`, async (t) => {
    const { b } = await open(t);
    for (const count of [-1, 1.5, Number.NaN]) await rejectsWith(t, b.receiveMessages(count), 'INVALID_ARGUMENT');
  });

  test(`${name}: timeoutMs 0 with nothing queued fails at once with WOULD_BLOCK`, async (t) => {
    const { b } = await open(t);
    await rejectsWith(t, b.receiveMessages(1, { timeoutMs: 0 }), 'WOULD_BLOCK');
  });

  test(`${name}: timeoutMs 0 returns the datagrams already queued`, async (t) => {
    const { a, b } = await open(t);
    await a.sendMessages([message('ready')]);
    await untilQueued(b, 1);
    t.deepEqual((await b.receiveMessages(2, { timeoutMs: 0 })).map(text), ['ready']);
  });

  test(`${name}: a positive timeoutMs with nothing arriving fails with TIMED_OUT`, async (t) => {
    const { b, elapse } = await open(t);
    const check = rejectsWith(t, b.receiveMessages(1, { timeoutMs: 50 }), 'TIMED_OUT');
    await elapse(50);
    await check;
  });

  test(`${name}: an already-aborted signal fails receive, send and conditionWait with CANCELLED, sending nothing`, async (t) => {
    const { a, b } = await open(t);
    const signal = AbortSignal.abort();
    await rejectsWith(t, b.receiveMessages(1, { signal }), 'CANCELLED');
    await rejectsWith(t, a.sendMessages([message('never')], { signal }), 'CANCELLED');
    await rejectsWith(t, b.conditionWait(OUT, { signal }), 'CANCELLED');
    await a.sendMessages([message('after')]);
    t.deepEqual((await b.receiveMessages(5)).map(text), ['after']);
  });

  test(`${name}: aborting a blocked receive fails it with CANCELLED and leaves later datagrams queued`, async (t) => {
    const { a, b } = await open(t);
    const controller = new AbortController();
    const check = rejectsWith(t, b.receiveMessages(1, { signal: controller.signal }), 'CANCELLED');
    controller.abort();
    const e = await check;
    t.is(e?.cause, controller.signal.reason);
    await a.sendMessages([message('kept')]);
    await untilQueued(b, 1);
    t.deepEqual((await b.receiveMessages(1)).map(text), ['kept']);
  });

  test(`${name}: a message's vectors are concatenated into one datagram`, async (t) => {
    const { a, b } = await open(t);
    await a.sendMessages([{ vectors: [bytes('head|'), bytes(''), bytes('body|'), bytes('tail')] }, message('next')]);
    await untilQueued(b, 2);
    t.deepEqual((await b.receiveMessages(2)).map(text), ['head|body|tail', 'next']);
  });

  test(`${name}: a message with no vectors arrives as an empty datagram`, async (t) => {
    const { a, b } = await open(t);
    await a.sendMessages([{ vectors: [] }]);
    const [got] = await b.receiveMessages(1);
    t.is(got.data.length, 0);
  });

  test(`${name}: sendMessages([]) resolves with 0`, async (t) => {
    const { a } = await open(t);
    t.is(await a.sendMessages([]), 0);
  });

  test(`${name}: 65507 bytes go as one datagram; 65508 fail with MESSAGE_TOO_LARGE`, async (t) => {
    const { a, b } = await open(t);
    t.is(await a.sendMessages([{ vectors: [new Uint8Array(65_000), new Uint8Array(507).fill(7)] }]), 1);
    const [got] = await b.receiveMessages(1);
    t.is(got.data.length, 65_507);
    t.is(got.data[65_506], 7);
    await rejectsWith(t, a.sendMessages([{ vectors: [new Uint8Array(65_508)] }]), 'MESSAGE_TOO_LARGE');
  });

  test(`${name}: a batch that fails part-way resolves with the number sent before the failure`, async (t) => {
    const { a, b } = await open(t);
    t.is(await a.sendMessages([message('ok'), { vectors: [new Uint8Array(70_000)] }, message('not sent')]), 1);
    t.deepEqual((await b.receiveMessages(5)).map(text), ['ok']);
    await turns();
    t.is(b.queued, 0);
  });

  test(`${name}: datagrams beyond the queue limit are dropped and counted`, async (t) => {
    const { a, b } = await open(t, { queueLimit: 2 });
    await a.sendMessages(['1', '2', '3', '4', '5'].map(message));
    await untilQueued(b, 2, 3);
    t.is(b.dropped, 3);
    t.deepEqual((await b.receiveMessages(5)).map(text), ['1', '2']);
  });

  test(`${name}: conditionCheck reports OUT while open and IN only while a datagram is queued`, async (t) => {
    const { a, b } = await open(t);
    t.is(b.conditionCheck(IN | OUT), OUT);
    t.is(b.conditionCheck(IN), 0);
    await a.sendMessages([message('x')]);
    await untilQueued(b, 1);
    t.is(b.conditionCheck(IN | OUT), IN | OUT);
    t.is(b.conditionCheck(IN), IN);
    t.is(b.conditionCheck(0), 0);
    await b.receiveMessages(1);
    t.is(b.conditionCheck(IN), 0);
  });

  test(`${name}: conditionWait(IN) resolves when a datagram arrives, OUT at once`, async (t) => {
    const { a, b } = await open(t);
    await b.conditionWait(OUT);
    let arrived = false;
    const waiting = b.conditionWait(IN).then(() => {
      arrived = true;
    });
    await turns();
    t.false(arrived);
    await a.sendMessages([message('wake')]);
    await waiting;
    t.is(b.queued, 1);
  });

  test(`${name}: conditionWait with a positive timeout and no datagram fails with TIMED_OUT`, async (t) => {
    const { b, elapse } = await open(t);
    const check = rejectsWith(t, b.conditionWait(IN, { timeoutMs: 50 }), 'TIMED_OUT');
    await elapse(50);
    await check;
  });

  test(`${name}: conditionWait with timeoutMs 0 fails with TIMED_OUT when the condition is false, as g_socket_condition_timed_wait`, async (t) => {
    const { b } = await open(t);
    await rejectsWith(t, b.conditionWait(IN, { timeoutMs: 0 }), 'TIMED_OUT');
    await t.notThrowsAsync(b.conditionWait(OUT, { timeoutMs: 0 }));
  });

  test(`${name}: after close every operation fails with CLOSED, before CANCELLED, and conditionCheck reports nothing`, async (t) => {
    const { a } = await open(t);
    await a.close();
    t.true(a.closed);
    await rejectsWith(t, a.receiveMessages(1), 'CLOSED');
    await rejectsWith(t, a.receiveMessages(1, { timeoutMs: 0, signal: AbortSignal.abort() }), 'CLOSED');
    await rejectsWith(t, a.sendMessages([message('x')]), 'CLOSED');
    await rejectsWith(t, a.sendMessages([]), 'CLOSED');
    await rejectsWith(t, a.conditionWait(OUT), 'CLOSED');
    t.is(a.conditionCheck(IN | OUT | HUP), 0);
  });

  test(`${name}: closing twice is fine`, async (t) => {
    const { a } = await open(t);
    await a.close();
    await t.notThrowsAsync(a.close());
  });

  test(`${name}: close fails the receives and waits pending on that endpoint with CLOSED`, async (t) => {
    const { b } = await open(t);
    const receive = rejectsWith(t, b.receiveMessages(1), 'CLOSED');
    const wait = rejectsWith(t, b.conditionWait(IN), 'CLOSED');
    await turns(1);
    await b.close();
    await receive;
    await wait;
  });

  test(`${name}: ${fixture.peerCloseVisible ? "the peer's close shows as HUP, and never with OUT" : "the peer's close is invisible: no HUP, OUT still"}`, async (t) => {
    const { a, b } = await open(t);
    await a.close();
    await turns();
    if (fixture.peerCloseVisible) {
      t.is(b.conditionCheck(OUT), HUP);
      t.is(b.conditionCheck(IN | OUT) & HUP, HUP);
    } else {
      t.is(b.conditionCheck(IN | OUT), OUT);
    }
  });
}
