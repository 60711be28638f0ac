/**
 * The fuzz runner: one campaign over one target. Start from the target's seeds and the corpus
 * folder, pick an input, mutate it (the target's structure-aware `mutate` when it has one, mixed with
 * the byte-level mutations and splicing of fuzz/mutate.ts), run it, keep it when it reaches new coverage, record what it finds.
 *
 * - Given a seed, a run of `runs` execs is the same run every time (same inputs, same order), as long
 *   as the corpus folder holds the same files and no other job writes to it meanwhile.
 * - The corpus folder is read at the start and written as the campaign goes (files named by the
 *   first 16 hex digits of their sha256); with `syncMs` it is re-read now and then, which is how
 *   parallel jobs share what they find.
 * - Each distinct finding (kind + message, with hex runs and numbers blurred) is written once to the
 *   crashes folder: the exact input as `<kind>-<sha>.bin` and a `.txt` with the target, the error,
 *   its stack, the seed and the command that replays it.
 * - A HangWatchdog (fuzz/watchdog.ts) marks each exec; a stuck exec kills the process with the input
 *   on stderr, which the supervising process (runner-pool.ts) turns into a hang finding.
 * - Memory stays bounded: inputs at most `maxLen` bytes, at most `maxCorpus` inputs held, at most
 *   `maxFindings` distinct findings kept; the heap is checked now and then against `heapLimitMb`.
 * - Per exec the loop does as little as it can: byte mutations most of the time (the target's
 *   structure-aware mutator a `structureRatio` share), made in one reused buffer; no stack capture
 *   while the target runs (a new finding is run again with stacks for its report), the clock read
 *   every ~2 ms rather than every exec, and with istanbul only the counters of the files the exec
 *   touched are scanned.
 * - With a coverage source that tells each exec's counters (istanbul), most picks go to the favoured
 *   corpus entries (schedule.ts): the shortest entry for each counter, so the few long inputs that
 *   guidance keeps for a higher hit count (more records in a datagram) do not take most of the time.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { asFinding, stacksBack, stacksOff, type FindingKind, type FuzzTarget } from './target.ts';
import { NoCoverage, type CoverageSource } from './coverage.ts';
import { ByteScratch, xorshift, type Rng } from './mutate-bytes.ts';
import { CorpusSchedule } from './schedule.ts';
import { type Finding, defaultReplayHint, execute, mutatorLabel, sha256Hex, signatureOf, writeAtomic, writeFinding } from './findings.ts';
import type { HangWatchdog } from './watchdog.ts';

export interface CampaignOptions {
  /** Stop after this many execs. */
  readonly runs?: number;
  /** Stop after this long (ms). Without runs or timeMs the campaign runs 10 s. */
  readonly timeMs?: number;
  /** Seed of the run order; default 1. */
  readonly seed?: number;
  readonly corpusDir?: string;
  readonly crashesDir?: string;
  /** The coverage source; default none (unguided). */
  readonly coverage?: CoverageSource;
  /** Keep inputs that reach new coverage (default true); false measures coverage but keeps nothing. */
  readonly guided?: boolean;
  readonly maxLen?: number;
  readonly maxCorpus?: number;
  readonly maxFindings?: number;
  /** Stop at the first finding. */
  readonly stopOnFinding?: boolean;
  readonly watchdog?: HangWatchdog;
  /** A 'memory' finding when the heap is above this after an exec (checked every few thousand execs). */
  readonly heapLimitMb?: number;
  /** Re-read the corpus folder this often (ms) for inputs other jobs wrote. */
  readonly syncMs?: number;
  /**
   * Share of mutations done by the target's structure-aware `mutate` (default the target's own
   * `structureRatio`, else 0.25; it parses and re-writes, so it is far slower than a byte
   * mutation), 0.1 splices, the rest byte mutations.
   */
  readonly structureRatio?: number;
  /** Start from these inputs instead of the target's seeds (e.g. one minimal input, to compare guidance). */
  readonly seedInputs?: readonly Uint8Array[];
  /** Execs per batch when the coverage source is not per-exec (v8). */
  readonly batch?: number;
  readonly progressMs?: number;
  onProgress?(p: Progress): void;
  onFinding?(f: Finding): void;
  readonly signal?: AbortSignal;
  /** How a crash file is replayed, for the .txt; default the dtlsprobe command. */
  replayHint?(binFile: string, target: string, mutationSeed?: number): string;
}

export interface Progress {
  readonly target: string;
  readonly execs: number;
  readonly elapsedMs: number;
  readonly execsPerSec: number;
  readonly coverage: CoverageSource['kind'];
  readonly features: number;
  readonly branches: number;
  readonly corpus: number;
  readonly findings: number;
}

export interface CampaignResult extends Progress {
  readonly seed: number;
  /** CPU time the process spent during the campaign (user + system, ms): execs / CPU time is the rate on one core when the machine is shared. */
  readonly cpuMs: number;
  readonly findingList: readonly Finding[];
  readonly newCorpusFiles: number;
  /** Times a mutator threw (its bug; the runner fell back to a bit flip). */
  readonly mutatorErrors: number;
}

/** Reads every regular file of a folder, in name order (so runs are reproducible). */
export function readCorpusDir(dir: string, maxLen = Number.POSITIVE_INFINITY): Array<{ name: string; data: Uint8Array }> {
  if (!existsSync(dir)) return [];
  const out: Array<{ name: string; data: Uint8Array }> = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.endsWith('.tmp') || name.endsWith('.txt')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (!st.isFile() || st.size > maxLen) continue;
    out.push({ name, data: new Uint8Array(readFileSync(path)) });
  }
  return out;
}

interface Entry {
  readonly data: Uint8Array;
}

/** Share of picks that go to the favoured entries when there are some (schedule.ts). */
const FAVOURED_SHARE = 0.95;
/** Picks that go to the latest additions (where the frontier is). */
const RECENT_SHARE = 0.25;
const RECENT_WINDOW = 16;

export async function runCampaign(target: FuzzTarget, opts: CampaignOptions = {}): Promise<CampaignResult> {
  const seed = opts.seed ?? 1;
  const rng: Rng = xorshift(seed);
  const coverage: CoverageSource = opts.coverage ?? new NoCoverage();
  const guided = opts.guided ?? true;
  const maxLen = opts.maxLen ?? 4096;
  const maxCorpus = opts.maxCorpus ?? 20_000;
  const maxFindings = opts.maxFindings ?? 20;
  const batchSize = coverage.perExec ? 1 : (opts.batch ?? 512);
  const hint = opts.replayHint ?? defaultReplayHint;
  const limitMs = opts.timeMs ?? (opts.runs === undefined ? 10_000 : Number.POSITIVE_INFINITY);
  const runs = opts.runs ?? Number.POSITIVE_INFINITY;
  const heapLimit = (opts.heapLimitMb ?? 0) * 1024 * 1024;
  const progressMs = opts.progressMs ?? 1000;

  const corpus: Entry[] = [];
  const schedule = new CorpusSchedule();
  const known = new Set<string>();
  const signatures = new Set<string>();
  const findings: Finding[] = [];
  let execs = 0;
  let newCorpusFiles = 0;
  let stop = false;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  let lastProgress = started;
  let lastSync = started;

  if (opts.corpusDir !== undefined) mkdirSync(opts.corpusDir, { recursive: true });
  if (opts.crashesDir !== undefined) mkdirSync(opts.crashesDir, { recursive: true });

  const progress = (): Progress => {
    const elapsedMs = performance.now() - started;
    const s = coverage.summary();
    return {
      target: target.name,
      execs,
      elapsedMs,
      execsPerSec: elapsedMs > 0 ? (execs * 1000) / elapsedMs : 0,
      coverage: coverage.kind,
      features: s.features,
      branches: s.branches,
      corpus: corpus.length,
      findings: findings.length,
    };
  };

  const record = (data: Uint8Array, r: { kind: FindingKind; detail: string; stack: string }): void => {
    const signature = signatureOf(r.kind, r.detail);
    if (signatures.has(signature)) return;
    if (signatures.size >= maxFindings) {
      stop = true;
      return;
    }
    signatures.add(signature);
    const base = { target: target.name, kind: r.kind, detail: r.detail, signature, input: data.slice(), stack: r.stack, exec: execs, seed };
    const file = opts.crashesDir !== undefined ? writeFinding(opts.crashesDir, base, hint) : undefined;
    const f: Finding = file === undefined ? base : { ...base, file };
    findings.push(f);
    opts.onFinding?.(f);
    if (opts.stopOnFinding === true || findings.length >= maxFindings) stop = true;
  };

  /**
   * One exec: run, record a finding. Stack capture is off while the target runs (most inputs are
   * rejected with an error somewhere inside, and capturing each one's stack is much of what an exec
   * costs); an input that fails in a way not seen before runs again with stacks, for the report.
   */
  const exec = (data: Uint8Array): void => {
    execs++;
    opts.watchdog?.enter(target.name, data);
    let thrown: unknown;
    let threw = false;
    const stacks = stacksOff();
    try {
      target.fuzz(data);
    } catch (e) {
      threw = true;
      thrown = e;
    }
    stacksBack(stacks);
    if (threw) {
      const first = asFinding(thrown);
      if (!signatures.has(signatureOf(first.kind, first.detail))) {
        // again with stacks (targets are deterministic); the first failure if it does not recur
        const again = execute(target, data);
        record(data, again !== undefined && again.kind === first.kind ? again : { kind: first.kind, detail: first.detail, stack: '(no stack: the input did not fail again)' });
      }
    }
    opts.watchdog?.leave();
  };

  /** `hits`: what the input's exec hit, when the coverage source tells (for the favoured set). */
  const keep = (data: Uint8Array, write: boolean, hits: Int32Array | undefined): void => {
    const h = sha256Hex(data);
    if (known.has(h)) return;
    known.add(h);
    if (corpus.length < maxCorpus) {
      schedule.add(corpus.length, data.length, hits?.slice());
      corpus.push({ data });
    }
    if (write && opts.corpusDir !== undefined) {
      const path = join(opts.corpusDir, h.slice(0, 16));
      if (!existsSync(path)) {
        writeAtomic(path, data);
        newCorpusFiles++;
      }
    }
  };

  /** Runs inputs one at a time, keeping those that add coverage (or all, unguided). */
  const absorb = (inputs: Iterable<Uint8Array>, write: boolean, keepAll: boolean): void => {
    coverage.discard();
    for (const raw of inputs) {
      const data = raw.length > maxLen ? raw.subarray(0, maxLen) : raw;
      exec(data);
      const novel = coverage.collect(true);
      if (keepAll || (guided && novel)) keep(data, write && novel, guided ? coverage.hits?.() : undefined);
      if (stop || performance.now() - started >= limitMs) return;
    }
  };

  // Start: the seeds, then the corpus folder.
  const seeds = [...(opts.seedInputs ?? target.seeds())];
  absorb(seeds, false, !guided || coverage.kind === 'none');
  const dirNames = new Set<string>();
  if (opts.corpusDir !== undefined) {
    const files = readCorpusDir(opts.corpusDir, maxLen);
    for (const f of files) dirNames.add(f.name);
    absorb(
      files.map((f) => f.data),
      false,
      !guided || coverage.kind === 'none',
    );
  }
  if (corpus.length === 0) {
    const first = seeds[0] ?? new Uint8Array(0);
    schedule.add(0, first.length, undefined);
    corpus.push({ data: first });
  }

  const sync = (): void => {
    if (opts.corpusDir === undefined) return;
    const fresh: Uint8Array[] = [];
    for (const name of readdirSync(opts.corpusDir).sort()) {
      if (dirNames.has(name) || name.endsWith('.tmp')) continue;
      dirNames.add(name);
      try {
        const data = new Uint8Array(readFileSync(join(opts.corpusDir, name)));
        if (data.length <= maxLen && !known.has(sha256Hex(data))) fresh.push(data);
      } catch {
        // a file another job is renaming; the next sync sees it
      }
    }
    if (fresh.length > 0) absorb(fresh, false, false);
  };

  const batch: Uint8Array[] = [];
  /**
   * A corpus entry to mutate: mostly a favoured one when there are some (short entries that together
   * hit all the corpus hits), else any; in either, sometimes one of the latest (the frontier).
   */
  const pickEntry = (): Entry => {
    const favoured = schedule.favouredEntries();
    const m = favoured.length;
    if (m > 0 && rng() < FAVOURED_SHARE) {
      return corpus[rng() < RECENT_SHARE && m > RECENT_WINDOW ? favoured[m - 1 - Math.floor(rng() * RECENT_WINDOW)] : favoured[Math.floor(rng() * m)]];
    }
    const n = corpus.length;
    return corpus[rng() < RECENT_SHARE && n > RECENT_WINDOW ? n - 1 - Math.floor(rng() * RECENT_WINDOW) : Math.floor(rng() * n)];
  };
  let clockEvery = 1;
  let untilClock = 1;
  let lastClock = performance.now();
  const hasMutate = typeof target.mutate === 'function';
  const structureRatio = opts.structureRatio ?? target.structureRatio ?? 0.25;
  let mutatorErrors = 0;
  /**
   * Byte mutations and splices are made in one buffer: the child is a view of it, valid until the
   * next mutation, copied when it is kept (an array of more than 64 bytes is allocated outside V8's
   * heap, at about the cost of a cheap target's exec). Targets see it only during their exec.
   */
  const scratch = new ByteScratch();
  /** A mutator that throws is a bug of the mutator, not a finding: fall back to a bit flip. */
  const bytesOf = (parent: Uint8Array): Uint8Array => {
    try {
      return scratch.mutate(parent, rng, maxLen);
    } catch {
      mutatorErrors++;
      const out = parent.length > 0 ? parent.slice() : new Uint8Array(1);
      out[Math.floor(rng() * out.length)] ^= 1 << Math.floor(rng() * 8);
      return out;
    }
  };

  while (!stop && execs < runs) {
    if (opts.signal?.aborted === true) break;
    const parent = pickEntry().data;
    let child: Uint8Array;
    const roll = rng();
    if (hasMutate && roll < structureRatio) {
      // Structure-aware mutators parse, and most of what they parse is rejected: no stacks either.
      // Each mutation draws from its own seed, so one that never returns (the watchdog reports the
      // entry and the seed) replays alone: dtlsprobe fuzz --replay ENTRY --mutation-seed N.
      const mutationSeed = Math.floor(rng() * 0x1_0000_0000);
      const stacks = stacksOff();
      opts.watchdog?.enter(mutatorLabel(target.name, mutationSeed), parent);
      try {
        child = target.mutate!(parent, xorshift(mutationSeed));
      } catch {
        mutatorErrors++;
        child = bytesOf(parent);
      }
      opts.watchdog?.leave();
      stacksBack(stacks);
      if (child.length > maxLen) child = child.subarray(0, maxLen);
      // a structure-aware mutator runs reference code: forget the counters it moved
      if (coverage.perExec) coverage.discard();
    } else if (roll < structureRatio + 0.1) {
      child = scratch.splice(parent, pickEntry().data, rng, maxLen);
    } else {
      child = bytesOf(parent);
    }
    exec(child);
    if (coverage.perExec) {
      if (coverage.collect(true) && guided) keep(child.slice(), true, coverage.hits?.());
    } else {
      batch.push(child.slice());
      if (batch.length >= batchSize || execs >= runs) {
        // Something new in the batch: replay it one input at a time to find who found it.
        if (coverage.collect(false) && guided) absorb(batch, true, false);
        batch.length = 0;
      }
    }
    // The clock is read about every 2 ms, not every exec (it costs as much as a cheap target's exec).
    if (--untilClock > 0) continue;
    const now = performance.now();
    const spent = now - lastClock;
    lastClock = now;
    clockEvery = spent > 0 ? Math.max(1, Math.min(4096, Math.round((clockEvery * 2) / spent))) : Math.min(4096, clockEvery * 2);
    untilClock = clockEvery;
    if (now - started >= limitMs) break;
    if (now - lastProgress >= progressMs) {
      lastProgress = now;
      if (heapLimit > 0 && process.memoryUsage().heapUsed > heapLimit) {
        global.gc?.();
        const used = process.memoryUsage().heapUsed;
        if (used > heapLimit) {
          record(child, { kind: 'memory', detail: `heap ${Math.round(used / 1048576)} MB above the ${opts.heapLimitMb} MB limit after this input`, stack: '' });
          break;
        }
      }
      opts.onProgress?.(progress());
      // let IPC and signals through
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (opts.syncMs !== undefined && now - lastSync >= opts.syncMs) {
      lastSync = now;
      sync();
    }
  }
  if (batch.length > 0 && coverage.collect(false) && guided) absorb(batch, true, false);
  const final = progress();
  const cpu = process.cpuUsage(cpuAtStart);
  opts.onProgress?.(final);
  return { ...final, seed, cpuMs: (cpu.user + cpu.system) / 1000, findingList: findings, newCorpusFiles, mutatorErrors };
}
