/**
 * Every fuzz target runs its seeds and a bounded number of seeded mutants without a finding, and
 * the checks can fail: a target whose property is broken on purpose is reported.
 */
import test from 'ava';
import { DecodeError } from '../../reference/wire/errors.ts';
import { xorshift } from '../mutate-bytes.ts';
import { FuzzFinding, type FuzzTarget, readOrReject, runOne } from '../target.ts';
import { engineStatusAfter } from './engine.ts';
import { targetByName, targets } from './index.ts';

/** Targets whose every execution replays a real handshake (tens of ms each): fewer inputs. */
const SLOW = new Set(['x509', 'engine-server-after-flight3', 'engine-server-established', 'engine-client-after-flight4', 'engine-client-established']);

function limits(t: FuzzTarget): { seeds: number; mutants: number } {
  return SLOW.has(t.name) ? { seeds: 8, mutants: 12 } : { seeds: 150, mutants: 250 };
}

test('target names are unique and each is found by name', (t) => {
  const names = targets.map((x) => x.name);
  t.is(new Set(names).size, names.length);
  for (const n of names) t.is(targetByName(n).name, n);
  t.throws(() => targetByName('no-such-target'), { message: /targets: record-header/ });
});

for (const target of targets) {
  test.serial(`fuzz target ${target.name}: seeds and seeded mutants give no finding`, (t) => {
    const { seeds: maxSeeds, mutants } = limits(target);
    const all = [...target.seeds()];
    t.true(all.length > 0, 'the target has seeds');
    const step = Math.max(1, Math.floor(all.length / maxSeeds));
    const chosen = all.filter((_, i) => i % step === 0).slice(0, maxSeeds);
    const report = (input: Uint8Array, f: FuzzFinding): string => `${f.kind}: ${f.detail}\ninput: ${Buffer.from(input).toString('hex')}`;
    for (const s of chosen) {
      const f = runOne(target, s);
      if (f !== undefined) t.fail(`seed: ${report(s, f)}`);
    }
    const rng = xorshift(0x5eed);
    for (let i = 0; i < mutants; i++) {
      let input = chosen[Math.floor(rng() * chosen.length)];
      const steps = 1 + Math.floor(rng() * 3);
      for (let k = 0; k < steps; k++) input = target.mutate === undefined ? input : target.mutate(input, rng);
      const f = runOne(target, input);
      if (f !== undefined) {
        t.fail(`mutant ${i}: ${report(input, f)}`);
        return;
      }
    }
    t.pass();
  });
}

test('a target that throws something other than a FuzzFinding is reported as a crash', (t) => {
  const broken: FuzzTarget = {
    name: 'broken',
    description: 'throws a TypeError on inputs starting with 0x16',
    fuzz(data) {
      if (data[0] === 0x16) throw new TypeError('cannot read properties of undefined');
    },
    seeds: () => [Uint8Array.of(0x15)],
  };
  t.is(runOne(broken, Uint8Array.of(0x15)), undefined);
  const f = runOne(broken, Uint8Array.of(0x16, 0xfe));
  t.truthy(f);
  t.is(f?.kind, 'crash');
  t.regex(f?.detail ?? '', /TypeError: cannot read properties of undefined/);
});

test('a reader that throws something other than DecodeError fails the property check', (t) => {
  t.is(readOrReject('Fake', () => { throw new DecodeError('Fake.x', 'truncated', 0); }), undefined);
  t.is(readOrReject('Fake', () => 7), 7);
  const e = t.throws(() => readOrReject('Fake', () => { throw new RangeError('offset is out of bounds'); }), { instanceOf: FuzzFinding });
  t.is(e?.kind, 'property');
  t.regex(e?.detail ?? '', /Fake: the reader threw RangeError: offset is out of bounds, not a DecodeError/);
});

test('a forged Finished does not complete the client handshake, and the real one does', (t) => {
  const target = targetByName('engine-client-after-flight4');
  const seeds = [...target.seeds()];
  // The first seed is the server's genuine last flight: it completes the handshake, legitimately.
  t.is(runOne(target, seeds[0]), undefined);
  t.is(engineStatusAfter(target.name, seeds[0]), 'established');
  t.is(engineStatusAfter(target.name, new Uint8Array(0)), 'handshaking');
  // Every single-bit change of the protected Finished record is dropped (bad MAC), never accepted.
  const genuine = seeds[0];
  for (const at of [genuine.length - 1, genuine.length - 20, genuine.length - 40]) {
    const forged = genuine.slice();
    forged[at] ^= 0x01;
    t.is(runOne(target, forged), undefined);
    t.not(engineStatusAfter(target.name, forged), 'established');
  }
});

test('the genuine rest of the conversation completes each engine target that starts mid-handshake', (t) => {
  for (const name of ['engine-server-after-clienthello', 'engine-server-after-flight3', 'engine-client-after-clienthello', 'engine-client-after-flight2']) {
    const all = [...targetByName(name).seeds()];
    // Seeds start with the peer's remaining flights, one more at a time; the longest completes.
    const complete = all.filter((s) => engineStatusAfter(name, s) === 'established');
    t.true(complete.length > 0, `${name}: some seed completes the handshake`);
  }
});
