/**
 * The engine targets start each exec from a copy of the endpoint after their prefix, or from a
 * resume point after the leading datagrams an earlier input shared (engine.ts, snapshot.ts). That
 * must change nothing but the time: every input gets the same datagrams sent, the same events, the
 * same end state and the same findings as when the endpoint is built and fed from the start, and
 * (under istanbul guidance) the same counts.
 */
import test from 'ava';
import { installIstanbul } from '../coverage-istanbul.ts';
import { deepCopy, reachable } from './snapshot.ts';

// istanbul first: it instruments reference/ as the targets load it
const store = installIstanbul();
const { targets } = await import('./index.ts');
const { engineResumeStats, engineRun, useEngineSnapshots } = await import('./engine.ts');
const { mutateBytes, xorshift } = await import('../mutate-bytes.ts');
const { stacksBack, stacksOff } = await import('../target.ts');

const engineTargets = targets.filter((t) => t.name.startsWith('engine-'));

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x instanceof Uint8Array ? Buffer.from(x).toString('hex') : typeof x === 'bigint' ? String(x) : x instanceof Error ? `${x.name}: ${x.message}` : x,
  );
}

/** Everything an exec shows: what it sent and reported, the endpoint at the end (or the finding), and what it counted. */
function observe(name: string, data: Uint8Array): { run: string; counts: string } {
  store.clear();
  const seen: string[] = [];
  let end: string;
  try {
    const e = engineRun(name, data, (what, value) => seen.push(`${what} ${show(value)}`));
    end = show({ status: e.status, state: e.handshakeState, stats: e.stats(), buffered: e.bufferedBytes(), next: e.nextTimeout(), negotiated: e.negotiated });
  } catch (err) {
    end = `threw ${err instanceof Error ? err.message : String(err)}`;
  }
  const c = store.saveCounts();
  return { run: [...seen, end].join('\n'), counts: Array.from(c.indices, (at, k) => `${at}:${c.values[k]}`).join(' ') };
}

/** Mutants of the seeds that run deepest (they share leading datagrams), the seeds now and then, and the other seeds. */
function inputsFor(name: string): Uint8Array[] {
  const t = engineTargets.find((x) => x.name === name)!;
  const seeds = [...t.seeds()];
  const deep = seeds.slice(0, 4);
  const rng = xorshift(0x5a9);
  const out: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const base = deep[i % deep.length];
    out.push(i % 3 === 0 && t.mutate !== undefined ? t.mutate(base, rng) : mutateBytes(base, rng));
    if (i % 8 === 0) out.push(base);
  }
  out.push(...seeds.slice(4, 16));
  return out;
}

for (const target of engineTargets) {
  test.serial(`${target.name}: a copy of the endpoint, or a resume point, answers every input as a fresh endpoint does`, (t) => {
    const stacks = stacksOff();
    try {
      const inputs = inputsFor(target.name);
      useEngineSnapshots(false);
      const fresh = inputs.map((d) => observe(target.name, d));
      // a resume point after every whole datagram, not after those the clock found slow: the same
      // resume points on every machine, and the most of them to check
      useEngineSnapshots(true, { resumeAfterMs: 0 });
      const resumedBefore = engineResumeStats().resumed;
      // twice: the second time most inputs find resume points the first made
      for (let pass = 0; pass < 2; pass++) {
        inputs.forEach((d, i) => {
          const got = observe(target.name, d);
          t.is(got.run, fresh[i].run, `input ${i}, pass ${pass}: ${Buffer.from(d).toString('hex').slice(0, 80)}`);
          t.is(got.counts, fresh[i].counts, `counts of input ${i}, pass ${pass}`);
        });
      }
      t.true(engineResumeStats().resumed > resumedBefore, 'some inputs resumed from a resume point');
    } finally {
      useEngineSnapshots(true);
      stacksBack(stacks);
    }
  });
}

test('deepCopy: copies keep prototypes, shared references and cycles, and share nothing mutable', (t) => {
  class Box {
    items: unknown[] = [];
    map = new Map<string, Uint8Array>();
    seen = new Set<number>();
    self: Box | undefined;
    constructor(readonly label: string) {}
    size(): number {
      return this.items.length;
    }
  }
  const bytes = Uint8Array.of(1, 2, 3);
  const keep = { shared: true };
  const frozen = Object.freeze({ n: 1 });
  const b = new Box('a');
  b.items.push(bytes, bytes, keep, frozen, [1, , 3]);
  b.map.set('k', bytes);
  b.seen.add(7);
  b.self = b;
  const c = deepCopy(b, new Set([keep]));
  t.true(c instanceof Box);
  t.not(c, b);
  t.is(c.self, c, 'a cycle stays a cycle');
  t.is(c.size(), 5);
  t.not(c.items[0], bytes);
  t.is(c.items[0], c.items[1], 'two references to one array stay one copy');
  t.is(c.map.get('k'), c.items[0] as Uint8Array);
  t.deepEqual([...(c.items[0] as Uint8Array)], [1, 2, 3]);
  t.is(c.items[2], keep, 'a shared object is not copied');
  t.is(c.items[3], frozen, 'a frozen object is not copied');
  t.false(1 in (c.items[4] as unknown[]), 'holes stay holes');
  (c.items[0] as Uint8Array)[0] = 9;
  c.seen.add(8);
  t.is(bytes[0], 1);
  t.false(b.seen.has(8));
  t.throws(() => deepCopy({ w: new WeakMap() }, new Set()), { message: /cannot copy/ });
  t.true(reachable(b).has(bytes));
});
