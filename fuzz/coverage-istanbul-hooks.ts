/**
 * Module loader hooks (they run on Node's loader thread) that hand the fuzzer an instrumented copy of
 * every module under `reference/`: esbuild strips the types, istanbul-lib-instrument adds the
 * statement, function and branch counters. The instrumented text is cached on disk by the hash of
 * the source, so a second process starts quickly. Registered by `coverage-istanbul.ts`.
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

const ACCESSOR = 'var actualCoverage=coverage[path];';
/**
 * A statement counter, as its own statement (`cov_x().s[3]++;`) or first in a sequence
 * (`(cov_x().s[3]++, expr)`). Guidance learns from branches and functions; statement counters are
 * most of the increments and add little to them, so they are taken out.
 */
const ACCESSOR_NAME = /function (cov_[0-9a-zA-Z_$]+)\(\)\{/;
const STATEMENT_COUNTER = /cov_[0-9a-z]+\(\)\.s\[\d+\]\+\+[;,]/g;
const ACCESSOR_BODY = '=function(){return actualCoverage;}';

/**
 * istanbul's per-file accessor (`cov_x()`, called by every counter increment) made to also mark
 * the file touched in the CounterStore (coverage-istanbul.ts `adopt` gives the file's coverage
 * object `touched` and `fileIndex`), so the fuzzer scans only the files an exec ran code in.
 * Applied after the cache, so the cached text stays istanbul's own.
 */
export function markTouched(instrumented: string): string {
  if (instrumented.split(ACCESSOR).length !== 2 || instrumented.split(ACCESSOR_BODY).length !== 2) {
    throw new Error('fuzz coverage: istanbul output no longer has the accessor shape the touched marks rely on');
  }
  const accessor = ACCESSOR_NAME.exec(instrumented)?.[1];
  if (accessor === undefined) throw new Error('fuzz coverage: istanbul output no longer names its accessor cov_...()');
  const shaped = instrumented
    .replace(ACCESSOR, `${ACCESSOR}var touched__=actualCoverage.touched,fileIndex__=actualCoverage.fileIndex;`)
    .replace(ACCESSOR_BODY, '=function(){touched__[fileIndex__]=1;return actualCoverage;}')
    .replace(STATEMENT_COUNTER, '')
    .replaceAll(`${accessor}().b[`, 'branches__[');
  // Branch counters go straight to the file's arrays; entering a function still goes through the
  // accessor, which marks the file touched before any of its branches can count.
  return `var branches__=${accessor}().b;${shaped}`;
}

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  const path = wanted(url);
  if (path === undefined) return nextLoad(url, context);
  return { format: 'module', source: markTouched(instrumentSource(path, readFileSync(path, 'utf8'))), shortCircuit: true };
}
