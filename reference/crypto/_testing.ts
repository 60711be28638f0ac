/**
 * Test support for the `*.test.ts` files of reference/crypto; not exported from index.ts.
 *
 * - `runWycheproof`: the one Wycheproof driver. It walks every test group, asks a per-algorithm
 *   `check` whether our code accepts the case, and holds the verdict against the vector's
 *   `result`: `valid` must be accepted, `invalid` must be rejected, `acceptable` may go either way
 *   (counted), anything else throws. Every failure is labelled `wycheproof/<file>/tcId <n>`, and
 *   skips are counted per reason so a test can pin them.
 * - `assertProperty`: fast-check with a fixed seed (or `$FC_SEED`) that prints the seed on failure.
 */
import type { ExecutionContext } from 'ava';

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not hex: ${hex.slice(0, 40)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Hex fixtures written one field per line with spaces, as RFC figures print them. */
export function hexFigure(text: string): Uint8Array {
  return hexToBytes(text.replace(/\s+/g, ''));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---------------------------------------------------------------------------------------------
// Wycheproof

/** Typed access to one JSON object of a vector file; a missing or mistyped field throws by name. */
export class Fields {
  readonly where: string;
  private readonly record: Readonly<Record<string, unknown>>;

  constructor(where: string, value: unknown) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${where}: expected an object`);
    }
    this.where = where;
    this.record = value as Record<string, unknown>;
  }

  private get(name: string): unknown {
    if (!Object.hasOwn(this.record, name)) throw new Error(`${this.where}: missing field ${name}`);
    return this.record[name];
  }

  str(name: string): string {
    const v = this.get(name);
    if (typeof v !== 'string') throw new Error(`${this.where}: field ${name} is not a string`);
    return v;
  }

  int(name: string): number {
    const v = this.get(name);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${this.where}: field ${name} is not an integer`);
    return v;
  }

  hex(name: string): Uint8Array {
    return hexToBytes(this.str(name));
  }

  object(name: string): Fields {
    return new Fields(`${this.where}.${name}`, this.get(name));
  }

  list(name: string): unknown[] {
    const v = this.get(name);
    if (!Array.isArray(v)) throw new Error(`${this.where}: field ${name} is not an array`);
    return v;
  }
}

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

/** One test case: its fields plus the parsed `result`. */
export interface WycheproofCase extends Fields {
  readonly tcId: number;
  readonly result: WycheproofResult;
}

/** What our code did with a case. `check` decides; the driver compares with `result`. */
export type Verdict = { readonly skip: string } | { readonly accepted: true } | { readonly accepted: false; readonly why: string };

export const accepted: Verdict = { accepted: true };
export const rejected = (why: string): Verdict => ({ accepted: false, why });
export const skip = (reason: string): Verdict => ({ skip: reason });

export interface WycheproofRun {
  /** Cases in the file (checked against its `numberOfTests`). */
  readonly total: number;
  readonly passed: number;
  /** Skipped cases per reason. */
  readonly skipped: Readonly<Record<string, number>>;
  /** `acceptable` cases, by what our code did with them. */
  readonly acceptable: { readonly accepted: number; readonly rejected: number };
  /** One line per case whose verdict contradicts its `result`. */
  readonly failures: readonly string[];
}

function isResult(value: string): value is WycheproofResult {
  return value === 'valid' || value === 'invalid' || value === 'acceptable';
}

/**
 * Runs every case of a Wycheproof file through `check`. A `check` that throws rejects the case
 * (our API refuses bad parameters by throwing), with the message kept for the failure line.
 */
export function runWycheproof(name: string, json: unknown, check: (group: Fields, test: WycheproofCase) => Verdict): WycheproofRun {
  const file = new Fields(`wycheproof/${name}`, json);
  const skipped: Record<string, number> = {};
  const failures: string[] = [];
  const acceptable = { accepted: 0, rejected: 0 };
  let total = 0;
  let passed = 0;
  file.list('testGroups').forEach((rawGroup, groupIndex) => {
    const group = new Fields(`wycheproof/${name}/testGroups[${groupIndex}]`, rawGroup);
    for (const rawTest of group.list('tests')) {
      total++;
      const tcId = new Fields(`wycheproof/${name}/testGroups[${groupIndex}].tests`, rawTest).int('tcId');
      const label = `wycheproof/${name}/tcId ${tcId}`;
      const fields = new Fields(label, rawTest);
      const result = fields.str('result');
      if (!isResult(result)) throw new Error(`${label}: unknown result ${JSON.stringify(result)}`);
      const test: WycheproofCase = Object.assign(fields, { tcId, result });
      let verdict: Verdict;
      try {
        verdict = check(group, test);
      } catch (error) {
        verdict = rejected(`threw: ${error instanceof Error ? error.message : String(error)}`);
      }
      if ('skip' in verdict) {
        skipped[verdict.skip] = (skipped[verdict.skip] ?? 0) + 1;
        continue;
      }
      const comment = test.str('comment');
      const described = `${label} (${result}${comment === '' ? '' : `, "${comment}"`})`;
      switch (test.result) {
        case 'valid':
          if (verdict.accepted) passed++;
          else failures.push(`${described}: rejected: ${verdict.why}`);
          break;
        case 'invalid':
          if (!verdict.accepted) passed++;
          else failures.push(`${described}: accepted`);
          break;
        case 'acceptable':
          passed++;
          if (verdict.accepted) acceptable.accepted++;
          else acceptable.rejected++;
          break;
      }
    }
  });
  const declared = file.int('numberOfTests');
  if (declared !== total) failures.push(`wycheproof/${name}: numberOfTests says ${declared}, the groups hold ${total}`);
  return { total, passed, skipped, acceptable, failures };
}

/** Asserts a run had no failures and exactly the pinned skips; logs a one-line summary. */
export function assertWycheproofRun(t: ExecutionContext, run: WycheproofRun, pinnedSkips: Readonly<Record<string, number>>): void {
  const skippedCount = Object.values(run.skipped).reduce((a, b) => a + b, 0);
  t.log(`${run.total} cases: ${run.passed} passed, ${skippedCount} skipped, ${run.failures.length} failed`);
  t.deepEqual(run.failures, []);
  t.deepEqual(run.skipped, pinnedSkips, 'skip counts are pinned: a change here must be deliberate');
  t.is(run.passed + skippedCount + run.failures.length, run.total);
}

// fast-check with a fixed seed lives in testkit/property.ts.
export { DEFAULT_FC_SEED, assertProperty, propertySeed } from '../../testkit/property.ts';
