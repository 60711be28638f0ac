/**
 * Runs fuzzing jobs in worker processes (runner-worker.ts) and supervises them: a worker the
 * watchdog killed becomes a `hang` or `memory` finding with the input from its stderr (the
 * target's, or the corpus entry its structure-aware mutator was given, with the mutation's seed),
 * one that ran out of heap unseen a `memory` finding without an input, any other death a `crash`
 * finding; then the worker is started again on what was left (new seed, the time that remained),
 * a few times at most. Parallel workers on one target share a corpus folder, each re-reading it
 * every few seconds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CampaignResult, Progress } from './runner.ts';
import { type Finding, defaultReplayHint, parseMutatorLabel, signatureOf, writeFinding } from './findings.ts';
import type { JobSpec, ParentMessage, WireFinding, WorkerMessage } from './runner-worker.ts';

export type { JobSpec } from './runner-worker.ts';

export interface PoolOptions {
  onProgress?(worker: number, job: number, p: Progress): void;
  onFinding?(worker: number, f: Finding): void;
  /** Lines the workers write to stderr (hang reports included). */
  onStderr?(worker: number, line: string): void;
  /** Heap limit of each worker, MB (default 2048). */
  readonly maxOldSpaceMb?: number;
  /** How many times a dead worker is restarted (default 3). */
  readonly restarts?: number;
  readonly signal?: AbortSignal;
}

export interface JobOutcome {
  readonly spec: JobSpec;
  /** The last campaign's result (absent when the worker never finished it). */
  readonly result?: CampaignResult;
  /** Findings of all attempts, including hangs and deaths seen by the pool. */
  readonly findings: Finding[];
  readonly execs: number;
}

export function fromWire(w: WireFinding): Finding {
  const { inputHex, ...rest } = w;
  return { ...rest, input: new Uint8Array(Buffer.from(inputHex, 'hex')) };
}

const HANG_LINE = /HANG: (.*) did not return within (\d+) ms on input \((\d+) bytes\) ([0-9a-f]*)/;
const MEMORY_LINE = /MEMORY: (.*) took the process to (\d+) MB \(limit (\d+) MB\) (while running on|after) input \((\d+) bytes\) ([0-9a-f]*)/;
/** tsx by its own URL, so a worker starts from any working folder. */
const TSX = import.meta.resolve('tsx');
const WORKER = fileURLToPath(new URL('./runner-worker.ts', import.meta.url));

interface Attempt {
  readonly died?: { code: number | null; signal: NodeJS.Signals | null; stderr: string[] };
}

function startWorker(index: number, jobs: readonly JobSpec[], opts: PoolOptions, outcomes: Map<JobSpec, { result?: CampaignResult; findings: Finding[]; execs: number; lastProgress?: Progress }>): Promise<Attempt & { doneJobs: number }> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(WORKER, [], {
      execArgv: [`--import=${TSX}`, `--max-old-space-size=${opts.maxOldSpaceMb ?? 2048}`, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const stderr: string[] = [];
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        if (stderr.length < 200) stderr.push(l);
        opts.onStderr?.(index, l);
      }
    });
    let doneJobs = 0;
    const abort = (): void => void child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', abort, { once: true });
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'error') {
        stderr.push(m.message);
        opts.onStderr?.(index, m.message);
        return;
      }
      const o = outcomes.get(jobs[m.job])!;
      if (m.type === 'progress') {
        o.lastProgress = m.progress;
        opts.onProgress?.(index, m.job, m.progress);
      } else if (m.type === 'finding') {
        const f = fromWire(m.finding);
        o.findings.push(f);
        opts.onFinding?.(index, f);
      } else if (m.type === 'done') {
        o.result = { ...m.result, findingList: m.result.findingList.map(fromWire) };
        o.execs += m.result.execs;
        o.lastProgress = undefined;
        doneJobs = m.job + 1;
      }
    });
    // 'close' rather than 'exit': by then its stderr has been read to the end
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', abort);
      if (partial !== '') stderr.push(partial);
      const clean = code === 0 && doneJobs === jobs.length;
      resolve(clean || opts.signal?.aborted === true ? { doneJobs } : { doneJobs, died: { code, signal, stderr } });
    });
    const start: ParentMessage = { type: 'start', jobs };
    child.send(start);
  });
}

/** Who a watchdog label names: the target, or its mutator (with the mutation's seed). */
function culprit(label: string): { who: string; mutationSeed?: number } {
  const m = parseMutatorLabel(label);
  return m === undefined ? { who: label } : { who: `the structure-aware mutator of ${m.target} (mutation seed ${m.mutationSeed})`, mutationSeed: m.mutationSeed };
}

/** What killed a worker, as a finding. */
function deathFinding(spec: JobSpec, died: NonNullable<Attempt['died']>, exec: number): Omit<Finding, 'file'> {
  const text = died.stderr.join('\n');
  const base = { target: spec.target, exec, seed: spec.seed };
  const hang = HANG_LINE.exec(text);
  if (hang !== null) {
    const { who, mutationSeed } = culprit(hang[1]);
    const detail = `${who} did not return within ${hang[2]} ms`;
    return { ...base, kind: 'hang', detail, signature: signatureOf('hang', detail), input: new Uint8Array(Buffer.from(hang[4], 'hex')), stack: hang[0], ...(mutationSeed === undefined ? {} : { mutationSeed }) };
  }
  const memory = MEMORY_LINE.exec(text);
  if (memory !== null) {
    const { who, mutationSeed } = culprit(memory[1]);
    const detail = `${who} took the worker to ${memory[2]} MB, past its ${memory[3]} MB limit, ${memory[4]} this input`;
    return { ...base, kind: 'memory', detail, signature: signatureOf('memory', detail), input: new Uint8Array(Buffer.from(memory[6], 'hex')), stack: memory[0], ...(mutationSeed === undefined ? {} : { mutationSeed }) };
  }
  if (/heap out of memory|Allocation failed/i.test(text)) {
    const detail = 'the worker ran out of heap before its watchdog saw it (input not known)';
    return { ...base, kind: 'memory', detail, signature: signatureOf('memory', detail), input: new Uint8Array(0), stack: text.slice(-4000) };
  }
  const detail = `the worker died (exit code ${died.code}, signal ${died.signal})`;
  return { ...base, kind: 'crash', detail, signature: signatureOf('crash', detail), input: new Uint8Array(0), stack: text.slice(-4000) };
}

/** Runs each list of jobs in its own worker process; resolves with every job's outcome, in order. */
export async function runPool(workers: ReadonlyArray<readonly JobSpec[]>, opts: PoolOptions = {}): Promise<JobOutcome[][]> {
  const outcomes = new Map<JobSpec, { result?: CampaignResult; findings: Finding[]; execs: number; lastProgress?: Progress }>();
  for (const jobs of workers) for (const j of jobs) outcomes.set(j, { findings: [], execs: 0 });
  await Promise.all(
    workers.map(async (jobs, index) => {
      let todo = [...jobs];
      let restarts = opts.restarts ?? 3;
      // a restarted job's result is filed under the original spec
      const original = new Map<JobSpec, JobSpec>(jobs.map((j) => [j, j]));
      while (todo.length > 0) {
        const attemptOutcomes = new Map(todo.map((j) => [j, outcomes.get(original.get(j)!)!]));
        const r = await startWorker(index, todo, opts, attemptOutcomes);
        if (r.died === undefined) break;
        const spec = todo[r.doneJobs];
        if (spec === undefined) break;
        const o = attemptOutcomes.get(spec)!;
        const progressed = o.lastProgress;
        const execsBefore = progressed?.execs ?? 0;
        o.execs += execsBefore;
        const f = deathFinding(spec, r.died, execsBefore);
        const file = spec.crashesDir !== undefined ? writeFinding(spec.crashesDir, f, defaultReplayHint) : undefined;
        const finding: Finding = file === undefined ? f : { ...f, file };
        o.findings.push(finding);
        opts.onFinding?.(index, finding);
        if (restarts-- <= 0 || opts.signal?.aborted === true) break;
        const elapsed = progressed?.elapsedMs ?? 0;
        const left = spec.timeMs !== undefined ? spec.timeMs - elapsed : undefined;
        const runsLeft = spec.runs !== undefined ? spec.runs - execsBefore : undefined;
        const rest = todo.slice(r.doneJobs + 1);
        todo = [];
        if ((left === undefined || left > 500) && (runsLeft === undefined || runsLeft > 0)) {
          const again: JobSpec = { ...spec, seed: spec.seed + 1_000_003, timeMs: left, runs: runsLeft };
          original.set(again, original.get(spec)!);
          todo.push(again);
        }
        todo.push(...rest);
      }
    }),
  );
  return workers.map((jobs) =>
    jobs.map((spec) => {
      const o = outcomes.get(spec)!;
      return { spec, result: o.result, findings: o.findings, execs: o.execs };
    }),
  );
}
