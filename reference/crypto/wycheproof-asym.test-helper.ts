/**
 * The Wycheproof driver for the asymmetric tests (ECDH, ECDSA, EdDSA). It differs from
 * `_testing.ts`'s `runWycheproof` (the symmetric one) in three ways that asymmetric vectors need:
 * checks are async (the signature API is), an accepted case that computes the wrong value is always
 * a failure (never counted as a rejection), and rejecting an `acceptable` case is allowed only for a
 * reason the test names (a `policy`), with the count per reason pinned like the skips.
 *
 * Verdicts against `result`:
 *   valid       must be accepted with the expected output
 *   invalid     must be rejected
 *   acceptable  accepted with the expected output, or rejected for a reason `policy` allows
 *   other       throws
 * A `check` that throws a CryptoError rejects the case; any other throw is a failure (a bug).
 *
 * Also here: `assertAsyncProperty`, the seeded fast-check runner for async properties.
 */
import type { ExecutionContext } from 'ava';
import * as fc from 'fast-check';
import { Fields, type WycheproofResult, propertySeed } from './_testing.ts';
import { CryptoError } from './errors.ts';

export type AsymOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'wrong-output'; readonly detail: string }
  | { readonly kind: 'rejected'; readonly why: string }
  | { readonly kind: 'skip'; readonly reason: string };

export const ACCEPTED: AsymOutcome = { kind: 'accepted' };
export const rejectedBecause = (why: string): AsymOutcome => ({ kind: 'rejected', why });
export const skipBecause = (reason: string): AsymOutcome => ({ kind: 'skip', reason });
/** Accepted: compares the output with the vector's. */
export function outputIs(actual: Uint8Array, expected: Uint8Array): AsymOutcome {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  if (hex(actual) === hex(expected)) return ACCEPTED;
  return { kind: 'wrong-output', detail: `got ${hex(actual)}, expected ${hex(expected)}` };
}

export interface AsymCase {
  readonly tcId: number;
  readonly result: WycheproofResult;
  readonly flags: readonly string[];
  readonly fields: Fields;
}

export interface AsymDriver {
  /** File name under testvectors_v1/. */
  readonly file: string;
  readonly check: (group: Fields, test: AsymCase) => Promise<AsymOutcome>;
  /**
   * Why we may reject this acceptable (or, TLS being stricter, valid) case, or undefined if we may
   * not. The reason becomes a pinned counter.
   */
  readonly policy: (test: AsymCase, why: string) => string | undefined;
}

export interface AsymRun {
  readonly total: number;
  readonly passed: number;
  readonly acceptableAccepted: number;
  /** Cases rejected under the policy, per reason. */
  readonly rejectedByPolicy: Readonly<Record<string, number>>;
  readonly skipped: Readonly<Record<string, number>>;
  readonly failures: readonly string[];
}

function isResult(value: string): value is WycheproofResult {
  return value === 'valid' || value === 'invalid' || value === 'acceptable';
}

export async function runAsymWycheproof(json: unknown, driver: AsymDriver): Promise<AsymRun> {
  const name = driver.file.replace(/\.json$/, '');
  const file = new Fields(`wycheproof/${name}`, json);
  const rejectedByPolicy: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const failures: string[] = [];
  let total = 0;
  let passed = 0;
  let acceptableAccepted = 0;
  for (const [groupIndex, rawGroup] of file.list('testGroups').entries()) {
    const group = new Fields(`wycheproof/${name}/testGroups[${groupIndex}]`, rawGroup);
    for (const rawTest of group.list('tests')) {
      total++;
      const tcId = new Fields(`wycheproof/${name}/testGroups[${groupIndex}].tests`, rawTest).int('tcId');
      const label = `wycheproof/${name}/tcId ${tcId}`;
      const fields = new Fields(label, rawTest);
      const result = fields.str('result');
      if (!isResult(result)) throw new Error(`${label}: unknown result ${JSON.stringify(result)}`);
      const flags = fields.list('flags').map(String);
      const test: AsymCase = { tcId, result, flags, fields };
      let outcome: AsymOutcome;
      try {
        outcome = await driver.check(group, test);
      } catch (error) {
        if (!(error instanceof CryptoError)) {
          failures.push(`${label}: unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
          continue;
        }
        outcome = rejectedBecause(`${error.code}: ${error.message}`);
      }
      const described = `${label} (${result}, "${fields.str('comment')}", flags ${flags.join(',')})`;
      switch (outcome.kind) {
        case 'skip':
          skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
          break;
        case 'wrong-output':
          failures.push(`${described}: accepted with the wrong output: ${outcome.detail}`);
          break;
        case 'accepted':
          if (result === 'invalid') failures.push(`${described}: accepted`);
          else {
            passed++;
            if (result === 'acceptable') acceptableAccepted++;
          }
          break;
        case 'rejected': {
          if (result === 'invalid') {
            passed++;
            break;
          }
          const reason = driver.policy(test, outcome.why);
          if (reason === undefined) {
            failures.push(`${described}: rejected: ${outcome.why}`);
          } else {
            passed++;
            rejectedByPolicy[reason] = (rejectedByPolicy[reason] ?? 0) + 1;
          }
          break;
        }
      }
    }
  }
  const declared = file.int('numberOfTests');
  if (declared !== total) failures.push(`wycheproof/${name}: numberOfTests says ${declared}, the groups hold ${total}`);
  return { total, passed, acceptableAccepted, rejectedByPolicy, skipped, failures };
}

/** What a test pins: skips and policy rejections per reason, and how many acceptable cases pass. */
export interface AsymPins {
  readonly skipped: Readonly<Record<string, number>>;
  readonly rejectedByPolicy: Readonly<Record<string, number>>;
  readonly acceptableAccepted: number;
}

export function assertAsymRun(t: ExecutionContext, run: AsymRun, pins: AsymPins): void {
  const count = (r: Readonly<Record<string, number>>): number => Object.values(r).reduce((a, b) => a + b, 0);
  t.log(
    `${run.total} cases: ${run.passed} passed (${run.acceptableAccepted} acceptable accepted, ` +
      `${count(run.rejectedByPolicy)} rejected by policy), ${count(run.skipped)} skipped, ${run.failures.length} failed`,
  );
  t.deepEqual(run.failures, []);
  t.deepEqual(run.skipped, pins.skipped, 'skip counts are pinned: a change here must be deliberate');
  t.deepEqual(run.rejectedByPolicy, pins.rejectedByPolicy, 'policy rejections are pinned: a change here must be deliberate');
  t.is(run.acceptableAccepted, pins.acceptableAccepted, 'acceptable cases accepted');
  t.is(run.passed + count(run.skipped) + run.failures.length, run.total);
}

/**
 * fast-check for async properties (the signature API is async), seeded like `_testing.ts`'s
 * `assertProperty`: `$FC_SEED` or the default seed, printed on failure with how to replay it.
 */
export async function assertAsyncProperty<Ts>(
  t: ExecutionContext,
  property: fc.IAsyncProperty<Ts>,
  numRuns: number,
): Promise<void> {
  const seed = propertySeed();
  try {
    await fc.assert(property, { seed, numRuns });
  } catch (error) {
    t.log(`fast-check failed with seed ${seed}: replay with FC_SEED=${seed}`);
    throw error;
  }
  t.pass();
}
