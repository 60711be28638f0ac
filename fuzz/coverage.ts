/**
 * Coverage guidance: what the runner asks of a coverage source, and the AFL-style novelty test they
 * share (an input is interesting when some counter reaches a hit-count bucket it never reached).
 *
 * Two sources are implemented, both over the modules of `reference/`:
 * - `istanbul` (coverage-istanbul.ts): esbuild + istanbul-lib-instrument counters in one flat
 *   Uint32Array, diffed after every exec. The default.
 * - `v8` (coverage-v8.ts): V8 precise block coverage through node:inspector, taken once per batch of
 *   execs; a batch that shows something new is replayed one input at a time to find which one.
 *
 * Not yet measured against each other (V8 vs istanbul coverage per minute is left to do, see the
 * report of issue 8). What is known: one takePreciseCoverage with the record targets loaded costs
 * about 4 ms, and V8 omits a nested range whose count equals its parent's, so the V8 source learns
 * a function's blocks only as they show up; istanbul is the default.
 */

export type CoverageKind = 'istanbul' | 'v8' | 'none';

export interface CoverageSummary {
  /** Counters (istanbul: statements, functions and branch arms; v8: blocks) ever hit. */
  readonly features: number;
  /** Branch arms (istanbul) or blocks (v8) ever hit. */
  readonly branches: number;
}

export interface CoverageSource {
  readonly kind: CoverageKind;
  /**
   * True when novelty can be asked after every exec; false when it is costly (v8) and the runner
   * asks once per batch, then replays the batch to find the input responsible.
   */
  readonly perExec: boolean;
  /** Forgets what the counters saw so far (call before an exec whose coverage should stand alone). */
  discard(): void;
  /** Reads the counters since the last call (and clears them); true when something new appeared. With `merge` what it saw becomes known; without, the next call can see it as new again. */
  collect(merge: boolean): boolean;
  summary(): CoverageSummary;
}

/** AFL's hit-count buckets as bits: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+. */
const BUCKET = new Uint8Array(256);
for (let v = 1; v < 256; v++) BUCKET[v] = v === 1 ? 1 : v === 2 ? 2 : v === 3 ? 4 : v < 8 ? 8 : v < 16 ? 16 : v < 32 ? 32 : v < 128 ? 64 : 128;

export function bucket(count: number): number {
  return count < 256 ? BUCKET[count] : 128;
}

/** A source that sees nothing: unguided fuzzing. */
export class NoCoverage implements CoverageSource {
  readonly kind = 'none';
  readonly perExec = true;
  discard(): void {}
  collect(_merge: boolean): boolean {
    return false;
  }
  summary(): CoverageSummary {
    return { features: 0, branches: 0 };
  }
}
