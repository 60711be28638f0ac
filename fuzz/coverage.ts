/**
 * Coverage guidance: what the runner asks of a coverage source, and the AFL-style novelty test they
 * share (an input is interesting when some counter reaches a hit-count bucket it never reached).
 *
 * Two sources are implemented, both over the modules of `reference/`:
 * - `istanbul` (coverage-istanbul.ts): esbuild + istanbul-lib-instrument finds the functions and
 *   branch arms; each counts into one shared byte map (AFL-style, `map[id]++`), and after every
 *   exec only the files the exec ran code in are scanned (entering a function marks its file).
 *   Each exec also tells which counters it hit, from which the runner picks its favoured corpus
 *   entries (schedule.ts). The default.
 * - `v8` (coverage-v8.ts): V8 precise block coverage through node:inspector, taken once per batch of
 *   execs; a batch that shows something new is replayed one input at a time to find which one.
 *
 * Measured (issue 8, 2026-11-27), same target, same time, same seed: 60 s of `dtlsprobe fuzz` with
 * each source, the two runs of a target side by side on the 2-core machine (load average 12-14:
 * other engineers' tests and a campaign; each run got 10-12.5 CPU seconds of its 60 s, the pair
 * within 15% of each other), then both corpora replayed under istanbul so the branches are counted
 * the same way (fuzz/corpus-coverage.ts; "+seeds" = the target's seeds, then the corpus):
 *
 *   target                            source    execs    cpu s  corpus  branches: corpus alone / +seeds (seeds alone)
 *   hello                             istanbul  119,552  10.8   125     90 / 92  (80)
 *   hello                             v8          2,691  10.2    27     79 / 90  (80)
 *   engine-server-after-clienthello   istanbul    8,520  12.5   170    659 / 661 (558)
 *   engine-server-after-clienthello   v8          1,125  10.9    52    616 / 616 (558)
 *
 * istanbul gives more coverage per minute on both, so it stays the default. V8's counters are cheap,
 * but early in a campaign most batches hold something new, and each is then replayed with one
 * takePreciseCoverage (milliseconds) per input: 20-45 execs/s. V8 also omits a nested range whose
 * count equals its parent's, so it learns a function's blocks only as they show up.
 *
 *   for k in v8 istanbul; do node bin/dtlsprobe.js fuzz hello --time 60s --coverage $k --seed 1 \
 *     --corpus /tmp/fz/c3/$k-hello --crashes /tmp/fz/c3/crashes-$k & done; wait
 *   node --import=tsx fuzz/corpus-coverage.ts hello /tmp/fz/c3/istanbul-hello /tmp/fz/c3/v8-hello [--seeds]
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
  /**
   * The counters the last `collect` found hit (ids of the source's own), when the source tells them
   * per exec: the runner keeps them with a corpus entry to choose its favoured entries. A view valid
   * until the next call of `collect`.
   */
  hits?(): Int32Array;
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
