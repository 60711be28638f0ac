/**
 * V8 coverage guidance: precise block coverage (call counts, detailed) through node:inspector.
 * Taking it costs milliseconds (every script's every function is serialised), so the runner asks
 * once per batch of execs and replays a batch that showed something new. Novelty is a block hit for
 * the first time (hit counts summed over a batch say nothing about one input, so no count buckets). Only scripts whose URL is
 * under one of the roots (default `reference/`) count. `installV8()` must run before the modules to
 * measure are loaded, so their functions are compiled with block counters.
 */
import { Session } from 'node:inspector';
import { pathToFileURL } from 'node:url';
import { type CoverageSource, type CoverageSummary } from './coverage.ts';
import { defaultRoots } from './coverage-istanbul.ts';

interface Range {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}
interface FunctionCoverage {
  readonly ranges: readonly Range[];
}
interface ScriptCoverage {
  readonly scriptId: string;
  readonly url: string;
  readonly functions: readonly FunctionCoverage[];
}

let session: Session | undefined;
/**
 * The blocks of each function seen so far, shared by every campaign of the process: V8 only shows a
 * block once its count differs from its parent's, and a fresh campaign should not have to wait for that.
 */
const knownBlocks = new Map<string, Array<{ start: number; end: number; key: string; fnRange: boolean }>>();

function post(method: string, params?: object): unknown {
  if (session === undefined) throw new Error('fuzz coverage: installV8() first');
  let out: unknown;
  let error: Error | null = null;
  session.post(method, params ?? {}, (err, result) => {
    error = err;
    out = result;
  });
  if (error !== null) throw error;
  return out;
}

/** Starts V8's precise block coverage in this process (once). */
export function installV8(): void {
  if (session !== undefined) return;
  session = new Session();
  session.connect();
  post('Profiler.enable');
  post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
}

function take(): readonly ScriptCoverage[] {
  const r = post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] } | undefined;
  if (r === undefined) throw new Error('fuzz coverage: takePreciseCoverage did not answer synchronously');
  return r.result;
}

export class V8Coverage implements CoverageSource {
  readonly kind = 'v8';
  readonly perExec = false;
  private readonly seen = new Set<string>();
  private readonly blocks = knownBlocks;
  private readonly prefixes: string[];
  private features = 0;
  private branches = 0;

  constructor(roots: readonly string[] = defaultRoots()) {
    installV8();
    this.prefixes = roots.map((r) => pathToFileURL(r).href);
    take();
  }

  discard(): void {
    take();
  }

  /**
   * V8 leaves out a nested range whose count equals its parent's, so a block's count is that of the
   * innermost range reported around it. Every range ever reported for a function is remembered as a
   * block of it, and each take is read through that structure.
   */
  collect(merge: boolean): boolean {
    let novel = false;
    for (const script of take()) {
      if (!this.prefixes.some((p) => script.url.startsWith(p))) continue;
      for (const fn of script.functions) {
        const ranges = fn.ranges;
        if (ranges.length === 0) continue;
        const fnKey = `${script.scriptId}:${ranges[0].startOffset}`;
        let blocks = this.blocks.get(fnKey);
        if (blocks === undefined) {
          blocks = [];
          this.blocks.set(fnKey, blocks);
        }
        for (const r of ranges) {
          if (!blocks.some((b) => b.start === r.startOffset && b.end === r.endOffset)) {
            blocks.push({ start: r.startOffset, end: r.endOffset, key: `${fnKey}:${r.startOffset}:${r.endOffset}`, fnRange: r === ranges[0] });
          }
        }
        for (const b of blocks) {
          // innermost reported range that contains the block (ranges come outermost first)
          let count = 0;
          for (const r of ranges) if (r.startOffset <= b.start && b.end <= r.endOffset) count = r.count;
          if (count === 0) continue;
          if (this.seen.has(b.key)) continue;
          novel = true;
          if (!merge) return true;
          this.features++;
          if (!b.fnRange) this.branches++;
          this.seen.add(b.key);
        }
      }
    }
    return novel;
  }

  summary(): CoverageSummary {
    return { features: this.features, branches: this.branches };
  }
}
