/**
 * The generic properties every wire codec must have, run over every case (codec + arbitrary):
 *   (a) read(write(m)) deep-equals m;
 *   (b) write(read(b)) equals b byte for byte;
 *   (c) mutation robustness: truncations, trailing bytes, bumped length prefixes and other 1-3 byte
 *       big-endian values, byte flips, insertions and deletions of a valid encoding are either
 *       accepted (and then (b) holds) or rejected with a DecodeError whose path starts with the
 *       codec's root name. Anything else (TypeError, RangeError, a hang) fails, naming the case and
 *       the input in hex; a hang is caught by a watchdog thread.
 * Seeded (FC_SEED overrides); fast-check prints the seed and path of a failure. At least
 * 100,000 generated inputs are read in all, and the last test checks the count.
 */
import test from 'ava';
import fc from 'fast-check';
import { inspect } from 'node:util';
import type { WireCase } from '../../fuzz/arbitraries/wire/case.ts';
import { extensionCases } from '../../fuzz/arbitraries/wire/extensions.ts';
import { helloCases } from '../../fuzz/arbitraries/wire/hello.ts';
import { messages12Cases } from '../../fuzz/arbitraries/wire/messages12.ts';
import { recordCases } from '../../fuzz/arbitraries/wire/records.ts';
import { HangWatchdog } from '../../fuzz/watchdog.ts';
import type { Codec } from './codec.ts';
import { DecodeError } from './errors.ts';
import { Reader, hex } from './reader.ts';
import { Trace } from './trace.ts';
import { Writer } from './writer.ts';

function seedFromEnv(): number {
  const text = process.env.FC_SEED;
  if (text === undefined || text === '') return 0x5eed;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(text)}`);
  return seed;
}

const SEED = seedFromEnv();
/** The floor the last test checks. */
const TARGET_INPUTS = 100_000;
/** What the runs are sized for: half again the floor, spread evenly over the cases. */
const PLANNED_INPUTS = 1.5 * TARGET_INPUTS;
const MUTANTS_PER_VALUE = 15;
const HANG_LIMIT_MS = 5_000;

/** Every case once (helloCases already holds the extension cases), each with a unique title. */
function collect(sources: Record<string, readonly WireCase<unknown>[]>): { title: string; c: WireCase<unknown> }[] {
  const seen = new Set<WireCase<unknown>>();
  const titles = new Map<string, number>();
  const out: { title: string; c: WireCase<unknown> }[] = [];
  for (const [source, list] of Object.entries(sources)) {
    for (const c of list) {
      if (seen.has(c)) continue;
      seen.add(c);
      const base = `${source}: ${c.codec.name}`;
      const n = (titles.get(base) ?? 0) + 1;
      titles.set(base, n);
      out.push({ title: n === 1 ? base : `${base} #${n}`, c });
    }
  }
  return out;
}

const cases = collect({
  records: recordCases,
  extensions: extensionCases,
  hello: helloCases,
  messages12: messages12Cases,
});

/** Runs per case so that all cases together read comfortably more than the target. */
const RUNS = Math.max(60, Math.ceil(PLANNED_INPUTS / cases.length / (MUTANTS_PER_VALUE + 1)));

const watchdog = new HangWatchdog(HANG_LIMIT_MS);
test.after.always(() => watchdog.stop());

let inputsRead = 0;
let mutantsAccepted = 0;
const started = Date.now();

function read<T>(codec: Codec<T>, bytes: Uint8Array, trace?: Trace): T {
  inputsRead++;
  watchdog.enter(codec.name, bytes);
  try {
    const r = Reader.from(bytes, codec.name, trace);
    const value = codec.read(r);
    r.done();
    return value;
  } finally {
    watchdog.leave();
  }
}

function write<T>(codec: Codec<T>, value: T): Uint8Array {
  const w = new Writer();
  codec.write(w, value);
  return w.finish();
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Structural equality of models: plain objects by their own keys (a key holding undefined is not a
 * missing key: optional-on-the-wire parts are explicit), whatever their prototype (fast-check builds
 * null-prototype objects); arrays and byte strings element by element; other values by Object.is.
 */
function sameModel(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && equalBytes(a, b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameModel(v, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && sameModel(ra[k], rb[k]));
}

const show = (v: unknown): string => inspect(v, { depth: 8, maxArrayLength: 64, breakLength: 120 });

// ---- mutations

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; extra: Uint8Array }
  | { kind: 'bump'; pick: number; delta: number }
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'insert'; at: number; extra: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

const arbDelta = fc.oneof(
  { arbitrary: fc.constantFrom(-3, -2, -1, 1, 2, 3), weight: 4 },
  { arbitrary: fc.integer({ min: -0x10000, max: 0x10000 }), weight: 1 },
);

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  { arbitrary: fc.record({ kind: fc.constant('bump' as const), pick: fc.nat(), delta: arbDelta }), weight: 3 },
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), extra: fc.uint8Array({ minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
);

/** Each mutant is one to three mutations applied in turn. */
const arbMutants = fc.array(fc.array(arbMutation, { minLength: 1, maxLength: 3 }), {
  minLength: MUTANTS_PER_VALUE,
  maxLength: MUTANTS_PER_VALUE,
});

interface Field {
  start: number;
  width: number;
}

/** The 1-3 byte numeric fields of a valid encoding, from its trace; length prefixes count twice. */
function numericFields(trace: Trace): Field[] {
  const out: Field[] = [];
  for (const e of trace.entries) {
    const width = e.end - e.start;
    if (e.isStruct || width < 1 || width > 3 || !/\(0x[0-9a-f]+\)$/.test(e.value)) continue;
    out.push({ start: e.start, width });
    if (e.path.endsWith('<length>')) out.push({ start: e.start, width });
  }
  return out;
}

function applyOne(b: Uint8Array, m: Mutation, fields: readonly Field[]): Uint8Array {
  const at = (n: number, span: number): number => (span <= 0 ? 0 : n % span);
  switch (m.kind) {
    case 'truncate':
      return b.slice(0, at(m.at, b.length));
    case 'append':
      return Uint8Array.from([...b, ...m.extra]);
    case 'bump': {
      const usable = fields.filter((f) => f.start + f.width <= b.length);
      const f = usable.length > 0 ? usable[m.pick % usable.length] : { start: at(m.pick, b.length), width: 1 };
      if (f.start >= b.length) return b;
      const out = b.slice();
      const modulus = 2 ** (8 * f.width);
      let v = 0;
      for (let i = 0; i < f.width; i++) v = v * 256 + out[f.start + i];
      v = (((v + m.delta) % modulus) + modulus) % modulus;
      for (let i = f.width - 1; i >= 0; i--, v = Math.floor(v / 256)) out[f.start + i] = v % 256;
      return out;
    }
    case 'flip': {
      if (b.length === 0) return b;
      const out = b.slice();
      out[at(m.at, b.length)] ^= m.mask;
      return out;
    }
    case 'insert': {
      const i = at(m.at, b.length + 1);
      return Uint8Array.from([...b.subarray(0, i), ...m.extra, ...b.subarray(i)]);
    }
    case 'delete': {
      const i = at(m.at, b.length);
      return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + m.count)]);
    }
  }
}

/** (c): a mutant is accepted and re-encodes to itself, or is rejected by a DecodeError on the root. */
function checkMutant<T>(codec: Codec<T>, input: Uint8Array): void {
  let value: T;
  try {
    value = read(codec, input);
  } catch (e) {
    if (e instanceof DecodeError && e.path.startsWith(codec.name)) return;
    const what = e instanceof DecodeError ? `a DecodeError outside the root (${e.path})` : show(e);
    throw new Error(`${codec.name}: on input ${hex(input)} the reader threw ${what}`);
  }
  let again: Uint8Array;
  try {
    again = write(codec, value);
  } catch (e) {
    throw new Error(`${codec.name}: accepted ${hex(input)} but writing it back threw ${show(e)}`);
  }
  if (!equalBytes(again, input)) {
    throw new Error(`${codec.name}: accepted ${hex(input)} but it re-encodes as ${hex(again)}`);
  }
  mutantsAccepted++;
}

/** (a), (b) and (c) for one generated value. */
function checkValue<T>(codec: Codec<T>, m: T, mutants: readonly Mutation[][]): void {
  const b = write(codec, m);
  const trace = new Trace();
  let back: T;
  try {
    back = read(codec, b, trace);
  } catch (e) {
    throw new Error(`${codec.name}: the reader rejects a valid encoding ${hex(b)}: ${show(e)}`);
  }
  if (!sameModel(back, m)) {
    throw new Error(`${codec.name}: read(write(m)) differs from m\n  m:    ${show(m)}\n  read: ${show(back)}\n  bytes: ${hex(b)}`);
  }
  const again = write(codec, back);
  if (!equalBytes(again, b)) throw new Error(`${codec.name}: write(read(b)) differs: ${hex(b)} -> ${hex(again)}`);
  const fields = numericFields(trace);
  for (const steps of mutants) checkMutant(codec, steps.reduce((x, step) => applyOne(x, step, fields), b));
}

for (const [index, { title, c }] of cases.entries()) {
  test.serial(`[wire-properties] ${title}: round trips, byte-exact re-encoding, mutants only raise DecodeError`, (t) => {
    const seed = SEED + index;
    const before = inputsRead;
    const acceptedBefore = mutantsAccepted;
    const property = fc.property(c.arbitrary, arbMutants, (m, mutants) => checkValue(c.codec, m, mutants));
    try {
      fc.assert(property, { seed, numRuns: RUNS, includeErrorInReport: true });
    } catch (e) {
      t.fail(`case ${c.codec.name} (case seed ${seed}; rerun with FC_SEED=${SEED}):\n${e instanceof Error ? e.message : show(e)}`);
      return;
    }
    t.log(`${inputsRead - before} inputs, ${mutantsAccepted - acceptedBefore} mutants accepted`);
    t.pass();
  });
}

test.serial(`[wire-properties] at least ${TARGET_INPUTS} generated inputs were read`, (t) => {
  t.log(`${inputsRead} inputs over ${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED})`);
  t.true(inputsRead >= TARGET_INPUTS, `only ${inputsRead} inputs`);
});
