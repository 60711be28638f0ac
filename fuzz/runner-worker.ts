/**
 * A fuzzing worker process (forked by runner-pool.ts with `--import=tsx`). It installs the coverage
 * source before anything loads `reference/` (istanbul instruments modules as they load; V8 gives
 * block counters only to functions compiled after it starts), then runs the jobs it is sent one
 * after the other, reporting progress, findings and results over IPC. A HangWatchdog guards every
 * exec and every structure-aware mutation: a stuck one, or one that takes the memory, kills this
 * process with the input on stderr, for the pool to record.
 */
import type { CoverageKind, CoverageSource } from './coverage.ts';
import type { FuzzTarget } from './target.ts';
import type { CampaignResult, Progress } from './runner.ts';
import type { Finding } from './findings.ts';

export interface JobSpec {
  readonly target: string;
  readonly runs?: number;
  readonly timeMs?: number;
  readonly seed: number;
  readonly corpusDir?: string;
  readonly crashesDir?: string;
  readonly coverage: CoverageKind;
  readonly guided: boolean;
  readonly hangMs: number;
  readonly syncMs?: number;
  readonly maxLen?: number;
  readonly heapLimitMb?: number;
  readonly maxFindings?: number;
  /** A module exporting the targets (default fuzz/targets/index.ts). */
  readonly targetsModule?: string;
  /** Start from these inputs (hex) instead of the target's seeds. */
  readonly seedHex?: readonly string[];
  /** Share of structure-aware mutations (default: the target's, else the runner's). */
  readonly structureRatio?: number;
}

export type WireFinding = Omit<Finding, 'input'> & { readonly inputHex: string };

export type WorkerMessage =
  | { readonly type: 'progress'; readonly job: number; readonly progress: Progress }
  | { readonly type: 'finding'; readonly job: number; readonly finding: WireFinding }
  | { readonly type: 'done'; readonly job: number; readonly result: Omit<CampaignResult, 'findingList'> & { findingList: WireFinding[] } }
  | { readonly type: 'error'; readonly message: string };

export type ParentMessage = { readonly type: 'start'; readonly jobs: readonly JobSpec[] };

export function toWire(f: Finding): WireFinding {
  const { input, ...rest } = f;
  return { ...rest, inputHex: Buffer.from(input).toString('hex') };
}

function isTarget(v: unknown): v is FuzzTarget {
  return typeof v === 'object' && v !== null && typeof (v as { fuzz?: unknown }).fuzz === 'function' && typeof (v as { name?: unknown }).name === 'string';
}

/** Every target a module exports: in arrays, as single exports, or as a function returning an array. */
export function targetsOf(mod: Record<string, unknown>): FuzzTarget[] {
  const out = new Map<string, FuzzTarget>();
  for (const v of Object.values(mod)) {
    if (Array.isArray(v)) for (const t of v) if (isTarget(t)) out.set(t.name, t);
    if (isTarget(v)) out.set(v.name, v);
  }
  return [...out.values()];
}

export const DEFAULT_TARGETS_MODULE = new URL('./targets/index.ts', import.meta.url).href;

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

async function coverageFor(kind: CoverageKind): Promise<() => CoverageSource> {
  if (kind === 'istanbul') {
    const { installIstanbul, IstanbulCoverage } = await import('./coverage-istanbul.ts');
    const store = installIstanbul();
    return () => new IstanbulCoverage(store);
  }
  if (kind === 'v8') {
    const { installV8, V8Coverage } = await import('./coverage-v8.ts');
    installV8();
    return () => new V8Coverage();
  }
  const { NoCoverage } = await import('./coverage.ts');
  return () => new NoCoverage();
}

async function runJobs(jobs: readonly JobSpec[]): Promise<void> {
  if (jobs.length === 0) return;
  const makeCoverage = await coverageFor(jobs[0].coverage);
  const { runCampaign } = await import('./runner.ts');
  const { HangWatchdog, memoryLimitFromHeap } = await import('./watchdog.ts');
  const modules = new Map<string, FuzzTarget[]>();
  const watchdogs = new Map<number, InstanceType<typeof HangWatchdog>>();
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    const modUrl = job.targetsModule ?? DEFAULT_TARGETS_MODULE;
    if (!modules.has(modUrl)) modules.set(modUrl, targetsOf((await import(modUrl)) as Record<string, unknown>));
    const target = modules.get(modUrl)!.find((t) => t.name === job.target);
    if (target === undefined) {
      await send({ type: 'error', message: `no target named ${job.target}` });
      continue;
    }
    let watchdog = watchdogs.get(job.hangMs);
    if (watchdog === undefined && job.hangMs > 0) {
      watchdog = new HangWatchdog(job.hangMs, { memoryLimitBytes: memoryLimitFromHeap() });
      watchdogs.set(job.hangMs, watchdog);
    }
    // The target's seeds (fast-check samples, corpus files, a recorded handshake) are made before the
    // campaign's clock starts, like loading the target: setup, not fuzzing (targets keep them made).
    if (job.seedHex === undefined) void [...target.seeds()];
    const pending: Array<Promise<void>> = [];
    const result = await runCampaign(target, {
      runs: job.runs,
      timeMs: job.timeMs,
      seed: job.seed,
      corpusDir: job.corpusDir,
      crashesDir: job.crashesDir,
      coverage: makeCoverage(),
      guided: job.guided,
      watchdog,
      syncMs: job.syncMs,
      maxLen: job.maxLen,
      heapLimitMb: job.heapLimitMb,
      maxFindings: job.maxFindings,
      seedInputs: job.seedHex?.map((h) => new Uint8Array(Buffer.from(h, 'hex'))),
      structureRatio: job.structureRatio,
      onProgress: (progress) => void pending.push(send({ type: 'progress', job: i, progress })),
      onFinding: (f) => void pending.push(send({ type: 'finding', job: i, finding: toWire(f) })),
    });
    await Promise.all(pending);
    await send({ type: 'done', job: i, result: { ...result, findingList: result.findingList.map(toWire) } });
  }
  for (const w of watchdogs.values()) await w.stop();
}

process.on('message', (m: ParentMessage) => {
  if (m.type !== 'start') return;
  runJobs(m.jobs).then(
    () => process.disconnect?.(),
    async (e: unknown) => {
      await send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      process.exit(3);
    },
  );
});
