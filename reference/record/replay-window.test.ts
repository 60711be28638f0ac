import test from 'ava';
import * as fc from 'fast-check';
import { DtlsError } from '../errors.ts';
import { assertProperty } from './_testing.ts';
import { DEFAULT_REPLAY_WINDOW_SIZE, ReplayWindow, type ReplayVerdict } from './replay-window.ts';

/** The obvious model: every accepted number in a Set, the window measured from the largest. */
class NaiveWindow {
  private readonly seen = new Set<number>();
  private max = -1;

  constructor(readonly size: number) {}

  check(seq: number): ReplayVerdict {
    if (seq > this.max) return 'new';
    if (seq <= this.max - this.size) return 'too-old';
    return this.seen.has(seq) ? 'duplicate' : 'new';
  }

  accept(seq: number): void {
    if (this.max >= 0 && seq <= this.max - this.size) return;
    this.seen.add(seq);
    this.max = Math.max(this.max, seq);
  }

  get highest(): number {
    return this.max;
  }
}

const SEQ_MAX = 2 ** 48 - 1;

test('[RFC6347-4.1.2.6-replay-window] a fresh window takes anything, then refuses duplicates', (t) => {
  const w = new ReplayWindow();
  t.is(w.size, DEFAULT_REPLAY_WINDOW_SIZE);
  t.is(w.highest, undefined);
  t.is(w.check(0), 'new');
  t.is(w.check(SEQ_MAX), 'new');
  w.accept(5);
  t.is(w.check(5), 'duplicate');
  t.is(w.check(4), 'new', 'left of the right edge but inside the window');
  t.is(w.check(6), 'new');
  t.is(w.highest, 5);
});

test('[RFC6347-4.1.2.6-replay-window] the left edge: right - 63 is inside a 64-wide window, right - 64 is too old', (t) => {
  const w = new ReplayWindow(64);
  w.accept(100);
  t.is(w.check(37), 'new');
  t.is(w.check(36), 'too-old');
  w.accept(37);
  t.is(w.check(37), 'duplicate');
  w.accept(101); // 37 falls out
  t.is(w.check(37), 'too-old');
  t.is(w.check(38), 'new');
});

test('[RFC6347-4.1.2.6-replay-window] a jump wider than the window forgets everything behind it', (t) => {
  const w = new ReplayWindow(64);
  for (let s = 0; s < 64; s++) w.accept(s);
  w.accept(1000);
  t.is(w.check(1000), 'duplicate');
  for (let s = 937; s < 1000; s++) t.is(w.check(s), 'new', `seq ${s}`);
  t.is(w.check(936), 'too-old');
});

test('[RFC6347-4.1.2.6-replay-window] sequence numbers up to 2^48 - 1 are exact', (t) => {
  const w = new ReplayWindow(64);
  w.accept(SEQ_MAX);
  t.is(w.check(SEQ_MAX), 'duplicate');
  t.is(w.check(SEQ_MAX - 1), 'new');
  t.is(w.check(SEQ_MAX - 64), 'too-old');
  t.throws(() => w.check(2 ** 48), { instanceOf: DtlsError });
  t.throws(() => w.check(-1), { instanceOf: DtlsError });
  t.throws(() => w.check(1.5), { instanceOf: DtlsError });
});

test('[RFC6347-4.1.2.6-window-update-after-mac] check alone never moves the window', (t) => {
  const w = new ReplayWindow(64);
  w.accept(10);
  t.is(w.check(500), 'new'); // e.g. a forged record that then fails its MAC
  t.is(w.check(500), 'new', 'still new: only accept() records it');
  t.is(w.check(10), 'duplicate');
  t.is(w.highest, 10);
});

test('[RFC6347-4.1.2.6-window-size] sizes below 64 or not integers are configuration errors; others work', (t) => {
  for (const bad of [0, 32, 63, 64.5, Number.NaN, 2 ** 21]) {
    t.throws(() => new ReplayWindow(bad), { instanceOf: DtlsError }, `size ${bad}`);
  }
  const w = new ReplayWindow(100);
  w.accept(1000);
  t.is(w.check(901), 'new');
  t.is(w.check(900), 'too-old');
});

/** One step of a run: a sequence number (absolute, or relative to the highest so far) and whether it authenticates. */
type Step = { at: 'abs' | 'rel'; value: number; authentic: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ at: fc.constant<'abs'>('abs'), value: fc.integer({ min: 0, max: 400 }), authentic: fc.boolean() }),
  fc.record({ at: fc.constant<'abs'>('abs'), value: fc.integer({ min: SEQ_MAX - 300, max: SEQ_MAX }), authentic: fc.boolean() }),
  fc.record({ at: fc.constant<'rel'>('rel'), value: fc.integer({ min: -300, max: 300 }), authentic: fc.boolean() }),
  fc.record({ at: fc.constant<'rel'>('rel'), value: fc.integer({ min: -3, max: 3 }), authentic: fc.boolean() }),
);

test('[RFC6347-4.1.2.6-replay-window] agrees with a Set-based model on random runs (seeded)', (t) => {
  const property = fc.property(
    fc.constantFrom(64, 65, 96, 100, 128, 200, 1024),
    fc.array(stepArb, { minLength: 1, maxLength: 300 }),
    (size, steps) => {
      const w = new ReplayWindow(size);
      const model = new NaiveWindow(size);
      for (const step of steps) {
        const raw = step.at === 'abs' ? step.value : Math.max(model.highest, 0) + step.value;
        const seq = Math.min(Math.max(raw, 0), SEQ_MAX);
        const verdict = w.check(seq);
        if (verdict !== model.check(seq)) return false;
        // RFC 6347 §4.1.2.6: only a new record that authenticates updates the window.
        if (verdict === 'new' && step.authentic) {
          w.accept(seq);
          model.accept(seq);
        }
        if ((w.highest ?? -1) !== model.highest) return false;
      }
      return true;
    },
  );
  assertProperty(t, property, 300);
});
