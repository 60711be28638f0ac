/**
 * fast-check in tests: a fixed seed, or `$FC_SEED` to replay a run; a failure logs the seed and
 * the command line that replays it.
 */
import type { ExecutionContext } from 'ava';
import * as fc from 'fast-check';

/** The seed used when `$FC_SEED` is not set. */
export const DEFAULT_FC_SEED = 0x5eed_d715;

export function propertySeed(): number {
  const fromEnv = process.env.FC_SEED;
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_FC_SEED;
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(fromEnv)}`);
  return seed;
}

/** Runs a synchronous property with a fixed seed; on failure logs how to replay it. */
export function assertProperty<Ts>(t: ExecutionContext, property: fc.IProperty<Ts>, numRuns: number): void {
  const seed = propertySeed();
  try {
    fc.assert(property, { seed, numRuns });
  } catch (error) {
    t.log(`fast-check failed with seed ${seed}: replay with FC_SEED=${seed}`);
    throw error;
  }
  t.pass();
}
