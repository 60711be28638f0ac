/**
 * istanbul coverage guidance, counted AFL-style. `installIstanbul()` registers the loader hooks of
 * `coverage-istanbul-hooks.ts` (esbuild + istanbul-lib-instrument for every module of `reference/`,
 * its counters rewritten to count into one shared byte map) and the global registry the
 * instrumented modules take the map from. It must run before anything imports `reference/`:
 * modules already loaded stay uninstrumented, which is why fuzzing runs in a worker process
 * (runner-worker.ts) rather than in the process of the `dtlsprobe` command.
 *
 * The map: one byte per function and per branch arm of every instrumented module, each module's
 * in one range that starts on a 4-byte boundary; an instrumented branch arm does `map[id]++`
 * (counts wrap at 256, as AFL's do), a function entry also sets its file's `touched` byte. After an
 * exec only the files it ran code in are scanned, four counters (an Int32) at a time, and each
 * counter's hit-count bucket is compared with what the campaign has seen of it (its virgin bits).
 */
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bucket, type CoverageSource, type CoverageSummary } from './coverage.ts';

export const COVERAGE_VARIABLE = '__dtlsprobeCoverage__';
/** Kinds of counter in the map (statement counters are left out: see the hooks). */
const FUNCTION = 1;
const BRANCH = 2;
/** Bytes of the map: every module of `reference/` together has a few thousand counters. */
const CAPACITY = 1 << 20;
const MAX_FILES = 4096;

/**
 * The edge map every instrumented module counts into, and what the fuzzer needs to read it: which
 * files an exec touched, where each file's counters are, which counters are branch arms.
 */
export class CounterStore {
  /** One counter a byte. */
  readonly map = new Uint8Array(CAPACITY);
  /** The same bytes four at a time, for scanning (files start on 4-byte boundaries). */
  readonly words = new Int32Array(this.map.buffer);
  readonly kinds = new Uint8Array(CAPACITY);
  /** Set to 1 (by the instrumented code) when a file's function ran; cleared by whoever scans. */
  readonly touched = new Uint8Array(MAX_FILES);
  /** The same marks four at a time, for scanning. */
  readonly touchedWords = new Int32Array(this.touched.buffer);
  /** Each file's counters as words of `words`: [wordStart[i], wordEnd[i]). */
  readonly wordStart = new Int32Array(MAX_FILES);
  readonly wordEnd = new Int32Array(MAX_FILES);
  /** Files by index (a gap where a module was instrumented but never evaluated). */
  readonly files: string[] = [];
  /** One past the highest file index registered. */
  fileCount = 0;
  /** One past the highest counter in use. */
  used = 0;
  private functions = 0;
  private branches = 0;

  /** Called by each instrumented module as it is evaluated: its range of the map, which it counts into. */
  file(index: number, base: number, functions: number, branches: number, path: string): Uint8Array {
    const end = base + functions + branches;
    if (index < 0 || index >= MAX_FILES) throw new Error('fuzz coverage: too many instrumented files');
    if (base % 4 !== 0 || end > CAPACITY) throw new Error('fuzz coverage: edge map full');
    this.files[index] = path;
    this.wordStart[index] = base >> 2;
    this.wordEnd[index] = (end + 3) >> 2;
    this.kinds.fill(FUNCTION, base, base + functions);
    this.kinds.fill(BRANCH, base + functions, end);
    this.fileCount = Math.max(this.fileCount, index + 1);
    this.used = Math.max(this.used, end);
    this.functions += functions;
    this.branches += branches;
    // module-level code runs before any function could mark the file: scan it once
    this.touched[index] = 1;
    return this.map;
  }

  /** Clears every counter and every touched mark. */
  clear(): void {
    this.map.fill(0, 0, this.used);
    this.touched.fill(0);
  }

  /**
   * The counts the map holds now (the current exec's so far), to add again later with
   * `addCounts`: for a target that resumes an exec from a state it saved instead of re-running
   * what led there, so the exec counts as if it had (fuzz/targets/engine.ts).
   */
  saveCounts(): SavedCounts {
    const indices: number[] = [];
    const values: number[] = [];
    const files: number[] = [];
    for (let f = 0; f < this.fileCount; f++) {
      if (this.touched[f] === 0) continue;
      files.push(f);
      for (let i = this.wordStart[f] * 4, end = this.wordEnd[f] * 4; i < end; i++) {
        if (this.map[i] === 0) continue;
        indices.push(i);
        values.push(this.map[i]);
      }
    }
    return { indices: Int32Array.from(indices), values: Uint8Array.from(values), files: Int32Array.from(files) };
  }

  /** Adds counts `saveCounts` took (wrapping at 256, as the counters themselves do). */
  addCounts(saved: SavedCounts): void {
    const { indices, values, files } = saved;
    for (let k = 0; k < indices.length; k++) this.map[indices[k]] += values[k];
    for (let k = 0; k < files.length; k++) this.touched[files[k]] = 1;
  }

  /** How many counters exist (in the modules loaded so far), and how many of them are branch arms. */
  totals(): CoverageSummary {
    return { features: this.functions + this.branches, branches: this.branches };
  }
}

/** Counts of the map at some point: which counters, how much, and the files they are in. */
export interface SavedCounts {
  readonly indices: Int32Array;
  readonly values: Uint8Array;
  readonly files: Int32Array;
}

/** The counts `later` holds beyond `earlier` (both from `saveCounts`, `earlier` first). */
export function countsSince(earlier: SavedCounts, later: SavedCounts): SavedCounts {
  const before = new Map<number, number>();
  for (let k = 0; k < earlier.indices.length; k++) before.set(earlier.indices[k], earlier.values[k]);
  const indices: number[] = [];
  const values: number[] = [];
  for (let k = 0; k < later.indices.length; k++) {
    const v = (later.values[k] - (before.get(later.indices[k]) ?? 0)) & 0xff;
    if (v === 0) continue;
    indices.push(later.indices[k]);
    values.push(v);
  }
  return { indices: Int32Array.from(indices), values: Uint8Array.from(values), files: later.files };
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
  (globalThis as unknown as Record<string, unknown>)[COVERAGE_VARIABLE] = store;
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

/**
 * AFL's hit-count bucket of each count, as one bit (coverage.ts `bucket`), two counters at a time:
 * BUCKETS[a | b << 8] is bucket(a) | bucket(b) << 8 (128 KB; the entries small counts use are a few KB).
 */
const BUCKETS = new Uint16Array(65536);
for (let v = 0; v < 65536; v++) BUCKETS[v] = bucket(v & 0xff) | (bucket(v >>> 8) << 8);

/** The bucket bits of the four counters of a word. */
function buckets(word: number): number {
  return BUCKETS[word & 0xffff] | (BUCKETS[word >>> 16] << 16);
}

/**
 * One campaign's view of the map: its own record of the buckets each counter reached (its virgin
 * bits), a word (four counters) at a time: a word's counters become their bucket bits, and the word
 * is new when it has a bit the campaign's word of bits has not.
 */
export class IstanbulCoverage implements CoverageSource {
  readonly kind = 'istanbul';
  readonly perExec = true;
  /** Bucket bits seen, four counters to a word, as `CounterStore.words`. */
  private virgin = new Int32Array(0);
  private features = 0;
  private branches = 0;
  /** The words the last collect found non-zero and their bucket bits, [0, hitCount). */
  private hitWords = new Int32Array(256);
  private hitBits = new Int32Array(256);
  private hitCount = 0;

  constructor(private readonly store: CounterStore) {
    store.clear();
  }

  discard(): void {
    const { words, touched, touchedWords, wordStart, wordEnd, fileCount } = this.store;
    for (let t = 0, tn = (fileCount + 3) >> 2; t < tn; t++) {
      if (touchedWords[t] === 0) continue;
      for (let f = t << 2, fn = f + 4; f < fn; f++) if (touched[f] !== 0) words.fill(0, wordStart[f], wordEnd[f]);
      touchedWords[t] = 0;
    }
  }

  /** Scans the counters of the files marked touched since the last call (and only those), clearing them. */
  collect(merge: boolean): boolean {
    const { words, touched, touchedWords, wordStart, wordEnd, fileCount } = this.store;
    const usedWords = (this.store.used + 3) >> 2;
    if (this.virgin.length < usedWords) {
      const grown = new Int32Array(Math.max(usedWords, this.virgin.length * 2));
      grown.set(this.virgin);
      this.virgin = grown;
      this.hitWords = new Int32Array(grown.length);
      this.hitBits = new Int32Array(grown.length);
    }
    const { virgin, hitWords, hitBits } = this;
    let hitCount = 0;
    let novel = false;
    for (let t = 0, tn = (fileCount + 3) >> 2; t < tn; t++) {
      if (touchedWords[t] === 0) continue;
      // the marks are read a byte at a time, then cleared a word at a time
      for (let f = t << 2, fn = f + 4; f < fn; f++) {
        if (touched[f] === 0) continue;
        for (let w = wordStart[f], end = wordEnd[f]; w < end; w++) {
          const word = words[w];
          if (word === 0) continue;
          words[w] = 0;
          const bits = buckets(word);
          hitWords[hitCount] = w;
          hitBits[hitCount++] = bits;
          const seen = virgin[w];
          if ((bits & ~seen) === 0) continue;
          novel = true;
          if (merge) this.learn(w, seen, bits);
        }
      }
      touchedWords[t] = 0;
    }
    this.hitCount = hitCount;
    return novel;
  }

  /** Word `w` showed `bits`; the campaign had seen `seen` of it. */
  private learn(w: number, seen: number, bits: number): void {
    const kinds = this.store.kinds;
    for (let k = 0; k < 4; k++) {
      if (((seen >>> (8 * k)) & 0xff) === 0 && ((bits >>> (8 * k)) & 0xff) !== 0) {
        this.features++;
        if (kinds[w * 4 + k] === BRANCH) this.branches++;
      }
    }
    this.virgin[w] = seen | bits;
  }

  /** The counters (map indices) the last collect found hit. */
  hits(): Int32Array {
    const out: number[] = [];
    for (let i = 0; i < this.hitCount; i++) {
      const w = this.hitWords[i];
      const bits = this.hitBits[i];
      for (let k = 0; k < 4; k++) if (((bits >>> (8 * k)) & 0xff) !== 0) out.push(w * 4 + k);
    }
    return Int32Array.from(out);
  }

  summary(): CoverageSummary {
    return { features: this.features, branches: this.branches };
  }
}
