/**
 * istanbul coverage guidance. `installIstanbul()` registers the loader hooks of
 * `coverage-istanbul-hooks.ts` (esbuild + istanbul-lib-instrument for every module of `reference/`)
 * and a global coverage object whose files keep their counters in one flat Uint32Array; diffing an
 * exec is then one pass over that array. It must run before anything imports `reference/`: modules
 * already loaded stay uninstrumented, which is why fuzzing runs in a worker process
 * (runner-worker.ts) rather than in the process of the `dtlsprobe` command.
 */
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bucket, type CoverageSource, type CoverageSummary } from './coverage.ts';

export const COVERAGE_VARIABLE = '__dtlsprobeCoverage__';
/** Kinds of counter in the store (statement counters are left out: see the hooks). */
const FUNCTION = 1;
const BRANCH = 2;
const CAPACITY = 1 << 21;

const MAX_FILES = 4096;

/**
 * Every counter of every instrumented module that has loaded, back to back, a file's counters in
 * one range. The hooks make each module's coverage accessor also set the file's byte of `touched`,
 * so after an exec only the files it ran code in are scanned (a record-header exec runs code in a
 * handful of the ~60 modules: a few thousand counters, not all of them).
 */
export class CounterStore {
  /** Length a multiple of 2 so the Float64Array view below covers it. */
  readonly counters = new Uint32Array(CAPACITY);
  readonly pairs = new Float64Array(this.counters.buffer);
  readonly kinds = new Uint8Array(CAPACITY);
  used = 0;
  readonly files: string[] = [];
  /** Set to 1 (by the instrumented code) when a file's counters moved; cleared by whoever scans. */
  readonly touched = new Uint8Array(MAX_FILES);
  /** Each file's counters: [fileStart[i], fileEnd[i]). */
  readonly fileStart: number[] = [];
  readonly fileEnd: number[] = [];

  /** Clears every counter and every touched mark. */
  clear(): void {
    this.counters.fill(0, 0, this.used);
    this.touched.fill(0);
  }

  alloc(n: number, kind: number): Uint32Array {
    if (this.used + n > CAPACITY) throw new Error('fuzz coverage: counter store full');
    const view = this.counters.subarray(this.used, this.used + n);
    this.kinds.fill(kind, this.used, this.used + n);
    this.used += n;
    return view;
  }

  /** How many counters of each kind exist (in the modules loaded so far). */
  totals(): CoverageSummary {
    let branches = 0;
    for (let i = 0; i < this.used; i++) if (this.kinds[i] === BRANCH) branches++;
    return { features: this.used, branches };
  }
}

interface FileCoverageData {
  path?: string;
  s: Record<string, number> | Uint32Array;
  f: Record<string, number> | Uint32Array;
  b: Record<string, number[]> | Uint32Array[];
}

function isFileCoverage(v: unknown): v is FileCoverageData {
  return typeof v === 'object' && v !== null && 's' in v && 'f' in v && 'b' in v;
}

function adopt(store: CounterStore, data: FileCoverageData): FileCoverageData & { touched: Uint8Array; fileIndex: number } {
  const fileIndex = store.fileStart.length;
  if (fileIndex >= MAX_FILES) throw new Error('fuzz coverage: too many instrumented files');
  store.fileStart.push(store.used);
  // The hooks take statement counters out of the instrumented code: none of them ever counts,
  // so they stay out of the store and out of every scan.
  const s = new Uint32Array(Object.keys(data.s).length);
  const f = store.alloc(Object.keys(data.f).length, FUNCTION);
  const b: Uint32Array[] = [];
  for (const [k, arms] of Object.entries(data.b)) b[Number(k)] = store.alloc(arms.length, BRANCH);
  store.fileEnd.push(store.used);
  store.files.push(data.path ?? `(file ${fileIndex})`);
  // module-level code ran before adoption could mark it: scan it once
  store.touched[fileIndex] = 1;
  return { ...data, s, f, b, touched: store.touched, fileIndex };
}

let installed: CounterStore | undefined;

/** The default instrumented roots: the reference implementation. */
export function defaultRoots(): string[] {
  return [fileURLToPath(new URL('../reference/', import.meta.url))];
}

/** Registers the hooks (once per process) and returns the store the instrumented modules count into. */
export function installIstanbul(roots: readonly string[] = defaultRoots()): CounterStore {
  if (installed !== undefined) return installed;
  const store = new CounterStore();
  const files: Record<string, unknown> = {};
  const handler: ProxyHandler<Record<string, unknown>> = {
    set(target, key, value) {
      target[key as string] = isFileCoverage(value) ? adopt(store, value) : value;
      return true;
    },
  };
  (globalThis as unknown as Record<string, unknown>)[COVERAGE_VARIABLE] = new Proxy(files, handler);
  register(new URL('./coverage-istanbul-hooks.ts', import.meta.url), {
    parentURL: import.meta.url,
    data: { roots: [...roots], coverageVariable: COVERAGE_VARIABLE },
  });
  installed = store;
  return store;
}

export function istanbulInstalled(): CounterStore | undefined {
  return installed;
}

/** One campaign's view of the counters: its own record of the buckets each counter reached. */
export class IstanbulCoverage implements CoverageSource {
  readonly kind = 'istanbul';
  readonly perExec = true;
  private virgin = new Uint8Array(0);
  private features = 0;
  private branches = 0;

  constructor(private readonly store: CounterStore) {
    store.clear();
  }

  discard(): void {
    const { counters, touched, fileStart, fileEnd } = this.store;
    const files = fileStart.length;
    for (let f = 0; f < files; f++) {
      if (touched[f] === 0) continue;
      touched[f] = 0;
      counters.fill(0, fileStart[f], fileEnd[f]);
    }
  }

  /** Scans the counters of the files marked touched since the last call (and only those). */
  collect(merge: boolean): boolean {
    const { counters, pairs, kinds, used, touched, fileStart, fileEnd } = this.store;
    if (this.virgin.length < used) {
      const grown = new Uint8Array(Math.max(used, this.virgin.length * 2));
      grown.set(this.virgin);
      this.virgin = grown;
    }
    const virgin = this.virgin;
    let novel = false;
    const files = fileStart.length;
    for (let f = 0; f < files; f++) {
      if (touched[f] === 0) continue;
      touched[f] = 0;
      // pairs of counters at a time (a Float64 is 0 only when both are); files are not pair-aligned
      const end = (fileEnd[f] + 1) >> 1;
      for (let j = fileStart[f] >> 1; j < end; j++) {
        if (pairs[j] === 0) continue;
        for (let i = j * 2; i < j * 2 + 2; i++) {
          const c = counters[i];
          if (c === 0) continue;
          counters[i] = 0;
          const bit = bucket(c);
          const seen = virgin[i];
          if ((seen & bit) !== 0) continue;
          novel = true;
          if (!merge) continue;
          if (seen === 0) {
            this.features++;
            if (kinds[i] === BRANCH) this.branches++;
          }
          virgin[i] = seen | bit;
        }
      }
    }
    return novel;
  }

  summary(): CoverageSummary {
    return { features: this.features, branches: this.branches };
  }
}
