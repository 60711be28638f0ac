/**
 * Module loader hooks (they run on Node's loader thread) that hand the fuzzer an instrumented copy of
 * every module under `reference/`: esbuild strips the types, istanbul-lib-instrument adds its
 * counters, and `toEdgeCounters` rewrites them to count into the process's one byte map (each file
 * gets its range of it as it loads). istanbul's output is cached on disk by the hash of the source,
 * so a second process starts quickly; the rewrite, which numbers files and counters for this
 * process, is made after the cache. Registered by `coverage-istanbul.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createInstrumenter } from 'istanbul-lib-instrument';

interface HookData {
  readonly roots: readonly string[];
  readonly coverageVariable: string;
}

interface LoadContext {
  readonly format?: string | null;
  readonly conditions?: readonly string[];
  readonly importAttributes?: Readonly<Record<string, string>>;
}
interface LoadResult {
  readonly format?: string | null;
  readonly source?: string | ArrayBuffer | Uint8Array;
  readonly shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: LoadContext) => Promise<LoadResult>;

let roots: readonly string[] = [];
let coverageVariable = '__dtlsprobeCoverage__';
const cacheDir = join(tmpdir(), 'dtlsprobe-fuzz-istanbul-v1');
let instrumenter = createInstrumenter({ esModules: true, compact: true, produceSourceMap: false, coverageVariable });

export function initialize(data: HookData): void {
  roots = data.roots;
  coverageVariable = data.coverageVariable;
  instrumenter = createInstrumenter({ esModules: true, compact: true, produceSourceMap: false, coverageVariable });
  mkdirSync(cacheDir, { recursive: true });
}

function wanted(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  const path = fileURLToPath(url);
  if (!path.endsWith('.ts') || path.endsWith('.test.ts') || path.includes('/node_modules/')) return undefined;
  return roots.some((r) => path.startsWith(r)) ? path : undefined;
}

export function instrumentSource(path: string, ts: string): string {
  const key = createHash('sha256').update(coverageVariable).update('\0').update(path).update('\0').update(ts).digest('hex');
  const cached = join(cacheDir, `${key.slice(0, 32)}.mjs`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // not cached yet
  }
  const js = transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: path }).code;
  const out = instrumenter.instrumentSync(js, path);
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, out);
  renameSync(tmp, cached);
  return out;
}

/** istanbul's per-file accessor, `function cov_x(){...}`; every counter goes through it. */
const ACCESSOR_NAME = /function (cov_[0-9a-zA-Z_$]+)\(\)\{/;
/** How the accessor ends, then its first call: `...return actualCoverage;}cov_x();`. */
const ACCESSOR_END = 'return actualCoverage;}';

/** Where a file's counters are in the edge map: the hooks hand out ranges as modules load. */
export interface EdgeLayout {
  /** The file's number (its byte in the `touched` array). */
  readonly fileIndex: number;
  /** Its first counter in the map (a multiple of 4, so the map can be scanned a word at a time). */
  readonly base: number;
}

export interface EdgeCounters {
  readonly source: string;
  /** Function counters, at [base, base + functions). */
  readonly functions: number;
  /** Branch arm counters, right after the function counters. */
  readonly branches: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[$()*+.?[\\\]^{|}]/g, '\\$&');
}

/**
 * istanbul's instrumented text rewritten to count into one shared byte map, AFL-style: every
 * function counter becomes `T[file]=1,M[id]++` and every branch arm counter `M[id]++`, where M is
 * the process's edge map (a Uint8Array, one byte per counter, counts wrapping at 256 as AFL's do)
 * and T its `touched` bytes, one per file, set on entering any of the file's functions so the
 * fuzzer scans only the files an exec ran code in. Statement counters go: guidance learns from
 * branches and functions, and statement counters were most of the increments. istanbul's accessor
 * function and its coverage object go too: nothing reads them.
 *
 * `registry` names the global the module takes the map from (coverage-istanbul.ts installs it);
 * the module registers its range (`file(...)`) when it is evaluated, so its functions count from
 * then on: one called before (through an import cycle, while its module is still being evaluated)
 * would find no map and throw. Nothing in reference/ does that (neither did its branch counters
 * under the previous scheme). Applied after the cache, so the cached text stays istanbul's own.
 */
export function toEdgeCounters(instrumented: string, layout: EdgeLayout, path: string, registry: string): EdgeCounters {
  const accessor = ACCESSOR_NAME.exec(instrumented)?.[1];
  if (accessor === undefined) throw new Error('fuzz coverage: istanbul output no longer names its accessor cov_...()');
  const start = instrumented.indexOf(`function ${accessor}(){`);
  const endMarker = `${ACCESSOR_END}${accessor}();`;
  const end = instrumented.indexOf(endMarker, start);
  if (start < 0 || end < 0) throw new Error('fuzz coverage: istanbul output no longer has the accessor shape the edge map relies on');
  let body = instrumented.slice(0, start) + instrumented.slice(end + endMarker.length);
  const a = escapeRegExp(accessor);
  const M = '__dtlsprobeM__';
  const T = '__dtlsprobeT__';
  // statement counters, as their own statement (`cov_x().s[3]++;`) or first in a sequence (`(cov_x().s[3]++, e)`)
  body = body.replace(new RegExp(`${a}\\(\\)\\.s\\[\\d+\\]\\+\\+[;,]`, 'g'), '');
  const fnIds = new Map<string, number>();
  const brIds = new Map<string, number>();
  const fnRe = new RegExp(`${a}\\(\\)\\.f\\[(\\d+)\\]\\+\\+`, 'g');
  const brRe = new RegExp(`${a}\\(\\)\\.b\\[(\\d+)\\]\\[(\\d+)\\]\\+\\+`, 'g');
  for (const m of body.matchAll(fnRe)) if (!fnIds.has(m[1])) fnIds.set(m[1], fnIds.size);
  for (const m of body.matchAll(brRe)) {
    const key = `${m[1]}.${m[2]}`;
    if (!brIds.has(key)) brIds.set(key, brIds.size);
  }
  const functions = fnIds.size;
  const branches = brIds.size;
  const { fileIndex, base } = layout;
  body = body
    .replace(fnRe, (_whole: string, n: string, at: number, text: string) => {
      const inc = `${T}[${fileIndex}]=1,${M}[${base + fnIds.get(n)!}]++`;
      // at the start of a function body (`{cov_x().f[3]++;`) a bare sequence is a statement; anywhere else, parenthesised
      return text[at - 1] === '{' || text[at - 1] === ';' ? inc : `(${inc})`;
    })
    .replace(brRe, (_whole: string, n: string, k: string) => `${M}[${base + functions + brIds.get(`${n}.${k}`)!}]++`);
  if (body.includes(accessor)) throw new Error(`fuzz coverage: istanbul output uses its accessor in a way the edge map does not rewrite (${path})`);
  const prelude =
    `var ${M}=globalThis[${JSON.stringify(registry)}].file(${fileIndex},${base},${functions},${branches},${JSON.stringify(path)}),` +
    `${T}=globalThis[${JSON.stringify(registry)}].touched;`;
  return { source: prelude + body, functions, branches };
}

let nextFile = 0;
let nextBase = 0;

/** The next file's place in the edge map (each file's range starts on a 4-byte boundary). */
function allocate(): EdgeLayout {
  return { fileIndex: nextFile++, base: nextBase };
}

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  const path = wanted(url);
  if (path === undefined) return nextLoad(url, context);
  const layout = allocate();
  const edges = toEdgeCounters(instrumentSource(path, readFileSync(path, 'utf8')), layout, path, coverageVariable);
  nextBase = layout.base + (((edges.functions + edges.branches + 3) >> 2) << 2);
  return { format: 'module', source: edges.source, shortCircuit: true };
}
