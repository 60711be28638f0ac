import test from 'ava';
import { ImpairedLink, type LinkRecord, fateCounts, scriptFromTranscript } from './link.ts';
import { ModelError, type NetworkModel, type ScriptRule, type Side, parseNetworkModel, parseScript } from './model.ts';
import { Prng } from './prng.ts';
import { Scheduler } from './scheduler.ts';

interface Arrival {
  readonly to: Side;
  readonly at: number;
  readonly bytes: Uint8Array;
}

/** Sends `n` numbered datagrams from the client, `gapMs` apart, and returns what arrived. */
function run(model: NetworkModel, options: { n?: number; gapMs?: number; script?: ScriptRule[]; seed?: number; size?: number } = {}) {
  const clock = new Scheduler();
  const arrivals: Arrival[] = [];
  const link = new ImpairedLink({
    clock,
    model,
    seed: options.seed ?? 1,
    ...(options.script === undefined ? {} : { script: options.script }),
    deliver: (to, bytes) => arrivals.push({ to, at: clock.now(), bytes }),
  });
  const n = options.n ?? 100;
  for (let i = 0; i < n; i++) {
    clock.setTimer(i * (options.gapMs ?? 10), () => {
      const d = new Uint8Array(options.size ?? 8).fill(0);
      new DataView(d.buffer).setUint32(0, i);
      link.send('client', d);
    });
  }
  clock.runUntil(Number.POSITIVE_INFINITY);
  return { arrivals, transcript: link.transcript as readonly LinkRecord[], link };
}

const idOf = (a: Arrival): number => new DataView(a.bytes.buffer, a.bytes.byteOffset).getUint32(0);

test('the scheduler runs events in time order, ties in the order they were set, and cancelled ones never', (t) => {
  const clock = new Scheduler();
  const seen: string[] = [];
  clock.setTimer(20, () => seen.push('b'));
  clock.setTimer(10, () => seen.push('a1'));
  clock.setTimer(10, () => seen.push('a2'));
  const cancel = clock.setTimer(15, () => seen.push('never'));
  clock.setTimer(5, () => clock.after(100, () => seen.push('later')));
  cancel();
  t.is(clock.pending, 4);
  clock.runUntil(50);
  t.deepEqual(seen, ['a1', 'a2', 'b']);
  t.is(clock.now(), 50);
  clock.runUntil(Number.POSITIVE_INFINITY);
  t.deepEqual(seen, ['a1', 'a2', 'b', 'later']);
  t.is(clock.lastEventAt, 105);
  t.is(clock.pending, 0);
});

test('the prng replays from its seed and spreads evenly', (t) => {
  const a = new Prng('x');
  const b = new Prng('x');
  const xs = Array.from({ length: 1000 }, () => a.next());
  t.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  t.true(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  t.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => new Prng('y').next()));
});

test('a clean link delivers everything at once, in order, and says so in the transcript', (t) => {
  const { arrivals, transcript } = run({}, { n: 20 });
  t.deepEqual(arrivals.map(idOf), [...Array(20).keys()]);
  t.true(transcript.every((r) => r.fate === 'delivered' && r.deliveries.length === 1 && r.deliveries[0].at === r.sentAt));
  t.deepEqual(transcript.map((r) => r.index), [...Array(20).keys()]);
});

test('Bernoulli loss drops about its rate; Gilbert–Elliott loss comes in bursts', (t) => {
  const n = 4000;
  const bern = run({ client: { loss: { kind: 'bernoulli', rate: 0.2 } } }, { n });
  const lost = fateCounts(bern.transcript).client.dropped;
  t.true(Math.abs(lost / n - 0.2) < 0.03, `lost ${lost} of ${n}`);
  const ge = run({ client: { loss: { kind: 'gilbert-elliott', goodToBad: 0.05, badToGood: 0.25, lossGood: 0, lossBad: 1 } } }, { n });
  const drops = ge.transcript.map((r) => r.fate === 'dropped');
  // Mean burst length of a GE chain with lossBad 1 is 1 / badToGood = 4; independent loss at the
  // same rate has bursts near 1.
  let bursts = 0;
  let dropped = 0;
  drops.forEach((d, i) => {
    if (d) dropped++;
    if (d && !drops[i - 1]) bursts++;
  });
  t.true(dropped / bursts > 2.5, `mean burst ${dropped / bursts}`);
  t.true(ge.transcript.every((r) => r.fate !== 'dropped' || r.cause === 'burst-loss'));
});

test('duplication delivers a second copy; corruption flips bits; the MTU drops or truncates', (t) => {
  const dup = run({ client: { duplicate: 1 } }, { n: 5 });
  t.is(dup.arrivals.length, 10);
  t.true(dup.transcript.every((r) => r.fate === 'duplicated'));
  const bad = run({ client: { corrupt: { rate: 1, bits: 1 } } }, { n: 50 });
  t.true(bad.transcript.every((r) => r.fate === 'corrupted' && r.deliveries[0].altered));
  const big = run({ client: { mtu: { size: 6, action: 'drop' } } }, { n: 3 });
  t.is(big.arrivals.length, 0);
  t.true(big.transcript.every((r) => r.cause === 'mtu'));
  const cut = run({ client: { mtu: { size: 6, action: 'truncate' } } }, { n: 3 });
  t.deepEqual(cut.arrivals.map((a) => a.bytes.length), [6, 6, 6]);
  t.true(cut.transcript.every((r) => r.fate === 'truncated'));
});

test('reordering holds a datagram back behind `window` later ones; delay and jitter move arrivals', (t) => {
  const r = run({ client: { reorder: { rate: 1, window: 2 } } }, { n: 1, gapMs: 10 });
  t.is(r.arrivals[0].at, 500, 'with nothing following, a held datagram goes after maxHoldMs');
  const held = run({ client: { reorder: { rate: 0.3, window: 2 } } }, { n: 200, gapMs: 10, seed: 3 });
  const order = held.arrivals.map(idOf);
  t.is(order.length, 200);
  t.notDeepEqual(order, [...Array(200).keys()]);
  // No datagram ends up more than window + the held ones released with it out of place.
  t.true(order.every((id, pos) => Math.abs(id - pos) <= 6), `${order}`);
  const slow = run({ client: { delay: { baseMs: 50, jitterMs: 20 } } }, { n: 50, gapMs: 100 });
  t.true(slow.arrivals.every((a, i) => a.at - i * 100 >= 50 && a.at - i * 100 <= 70));
});

test('blackouts drop everything sent inside them', (t) => {
  const r = run({ client: { blackouts: [{ startMs: 100, durationMs: 200 }] } }, { n: 50, gapMs: 10 });
  for (const rec of r.transcript) t.is(rec.fate === 'dropped', rec.sentAt >= 100 && rec.sentAt < 300, `at ${rec.sentAt}`);
});

test('scripts act on exact datagrams and bursts and take precedence over the model', (t) => {
  const script = parseScript([
    { from: 'client', datagram: 1, action: { kind: 'drop' } },
    { from: 'client', datagram: 3, action: { kind: 'delay', ms: 1000 } },
    { from: 'client', burst: 5, action: { kind: 'duplicate' } },
  ]);
  const r = run({ client: { loss: { kind: 'bernoulli', rate: 1 } } }, { n: 6, script });
  t.deepEqual(r.arrivals.map(idOf), [5, 5, 3]);
  t.deepEqual(r.transcript.map((x) => x.fate), ['dropped', 'dropped', 'dropped', 'delivered', 'dropped', 'duplicated']);
  t.deepEqual(r.transcript.map((x) => x.cause), ['loss', 'script', 'loss', 'script', 'loss', 'script']);
});

test('a recorded run written as a script replays exactly on a clean network', (t) => {
  const model: NetworkModel = {
    client: { loss: { kind: 'bernoulli', rate: 0.2 }, duplicate: 0.2, reorder: { rate: 0.2, window: 3 }, delay: { baseMs: 5, jitterMs: 30 }, corrupt: { rate: 0.1, bits: 2 } },
  };
  const first = run(model, { n: 300, seed: 9 });
  const script = scriptFromTranscript(first.transcript);
  const again = run({}, { n: 300, script });
  t.deepEqual(
    again.arrivals.map((a) => [a.at, Buffer.from(a.bytes).toString('hex')]),
    first.arrivals.map((a) => [a.at, Buffer.from(a.bytes).toString('hex')]),
  );
  t.deepEqual(parseScript(JSON.parse(JSON.stringify(script))), script, 'the script survives JSON');
});

test('changing one direction or one parameter does not move the dice for the others', (t) => {
  const a = run({ client: { loss: { kind: 'bernoulli', rate: 0.3 } } }, { n: 200, seed: 4 });
  const b = run({ client: { loss: { kind: 'bernoulli', rate: 0.3 }, duplicate: 0.5 }, server: { loss: { kind: 'bernoulli', rate: 0.9 } } }, { n: 200, seed: 4 });
  t.deepEqual(
    a.transcript.map((r) => r.fate === 'dropped'),
    b.transcript.map((r) => r.fate === 'dropped'),
  );
});

test('models and scripts from JSON are checked, and errors name the field', (t) => {
  t.deepEqual(parseNetworkModel({ client: { loss: { kind: 'bernoulli', rate: 0.1 } } }), { client: { loss: { kind: 'bernoulli', rate: 0.1 } } });
  const bad: [unknown, string][] = [
    [{ client: { loss: { kind: 'bernoulli', rate: 2 } } }, 'network.client.loss.rate'],
    [{ client: { lose: 1 } }, 'unknown field "lose"'],
    [{ sideways: {} }, 'unknown field "sideways"'],
    [{ server: { mtu: { size: 100, action: 'squash' } } }, 'network.server.mtu.action'],
    [{ server: { reorder: { rate: 0.1, window: 0 } } }, 'network.server.reorder.window'],
    [{ client: { blackouts: [{ startMs: -1, durationMs: 5 }] } }, 'network.client.blackouts[0].startMs'],
  ];
  for (const [v, field] of bad) t.throws(() => parseNetworkModel(v), { instanceOf: ModelError, message: new RegExp(field.replace(/[[\].]/g, '\\$&')) });
  t.throws(() => parseScript([{ from: 'client', action: { kind: 'drop' } }]), { message: /exactly one of "datagram" and "burst"/ });
  t.throws(() => parseScript([{ from: 'middle', datagram: 1, action: { kind: 'drop' } }]), { message: /script\[0\]\.from/ });
  t.throws(() => parseScript([{ from: 'server', datagram: 1, action: { kind: 'copies', copies: [{ flips: [[1, 0]] }] } }]), { message: /flips\[0\]\[1\]/ });
});
