/**
 * `dtlsprobe fuzz`: fuzz one target of fuzz/targets with coverage guidance, in worker processes
 * (runner-pool.ts); list the targets; replay or minimise a crash file.
 *
 *   dtlsprobe fuzz TARGET [--time 60s | --runs N] [--corpus DIR] [--seed S] [--jobs N] [--crashes DIR]
 *   dtlsprobe fuzz --list
 *   dtlsprobe fuzz --minimize FILE --target T [--out FILE]
 *   dtlsprobe fuzz --replay FILE --target T [--mutation-seed N]
 *   dtlsprobe fuzz --external openssl|gnutls --role server|client [--time 10m | --runs N] [--seed S] [--report DIR]
 *
 * Exit 0 with no findings, 1 with findings (or a replay that fails), 2 on bad usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command, CommandIo } from '../cli.ts';
import { describeFlags, parseArgs, UsageError } from './args.ts';
import type { CoverageKind } from '../../fuzz/coverage.ts';
import type { FuzzTarget } from '../../fuzz/target.ts';
import { combine, formatProgress, parseDuration, ProgressPrinter } from '../../fuzz/runner-progress.ts';
import type { Progress } from '../../fuzz/runner.ts';

const flags = {
  time: { type: 'string', help: 'stop after this long: 60s, 5m, 2h (default 60s unless --runs)', valueName: 'DURATION' },
  runs: { type: 'number', help: 'stop after this many execs (per job)', valueName: 'N' },
  corpus: { type: 'string', help: 'corpus folder, read and written (default fuzz-corpus/TARGET)', valueName: 'DIR' },
  seed: { type: 'number', help: 'seed of the run order (default 1; job i uses S+i)', valueName: 'S' },
  jobs: { type: 'number', help: 'worker processes, sharing the corpus folder (default 1)', valueName: 'N' },
  crashes: { type: 'string', help: 'where findings go, .bin + .txt (default fuzz-crashes)', valueName: 'DIR' },
  coverage: { type: 'string', help: 'coverage guidance: istanbul (default), v8, none (unguided)', valueName: 'KIND' },
  'hang-ms': { type: 'number', help: 'an exec longer than this is a hang (default 5000)', valueName: 'MS' },
  'max-len': { type: 'number', help: 'longest input, bytes (default 4096)', valueName: 'N' },
  list: { type: 'boolean', help: 'list the targets' },
  minimize: { type: 'string', help: 'shrink this crash input (with --target)', valueName: 'FILE' },
  replay: { type: 'string', help: 'run this input once and report (with --target)', valueName: 'FILE' },
  'mutation-seed': { type: 'number', help: "with --replay: first run the target's structure-aware mutator on FILE with this seed (a finding's .txt gives it)", valueName: 'N' },
  target: { type: 'string', help: 'the target for --minimize and --replay', valueName: 'T' },
  out: { type: 'string', help: 'where --minimize writes (default FILE.min)', valueName: 'FILE' },
  external: { type: 'string', help: 'fuzz a real implementation over UDP on 127.0.0.1: openssl or gnutls', valueName: 'IMPL' },
  role: { type: 'string', help: 'with --external: the role of the implementation under test, server or client', valueName: 'ROLE' },
  report: { type: 'string', help: 'with --external: where report.json and report.md go (default reports/external-fuzz/IMPL-ROLE)', valueName: 'DIR' },
} as const;

const USAGE = `usage: dtlsprobe fuzz TARGET [--time 60s | --runs N] [--corpus DIR] [--seed S] [--jobs N] [--crashes DIR]
       dtlsprobe fuzz --list
       dtlsprobe fuzz --minimize FILE --target T [--out FILE]
       dtlsprobe fuzz --replay FILE --target T [--mutation-seed N]
       dtlsprobe fuzz --external openssl|gnutls --role server|client [--time 10m | --runs N] [--seed S] [--report DIR]

With --external, each case is one handshake with the implementation in which one datagram of one
of our flights is mutated; a crash (it died), a hang (no answer where one is due) or an acceptance
(it went on after a forged Finished, a bad MAC or unprotected data) is a finding, with its replay.

${describeFlags(flags)}`;

const COVERAGE_KINDS: readonly CoverageKind[] = ['istanbul', 'v8', 'none'];

/** The targets of fuzz/targets/index.ts (loaded only when needed: loading them loads reference/). */
export async function loadTargets(): Promise<FuzzTarget[]> {
  const { DEFAULT_TARGETS_MODULE, targetsOf } = await import('../../fuzz/runner-worker.ts');
  return targetsOf((await import(DEFAULT_TARGETS_MODULE)) as Record<string, unknown>);
}

async function findTarget(name: string): Promise<FuzzTarget> {
  const all = await loadTargets();
  const t = all.find((x) => x.name === name);
  if (t === undefined) throw new UsageError(`unknown target "${name}"; the targets are: ${all.map((x) => x.name).join(', ')}`);
  return t;
}

function positiveInt(value: number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`flag --${flag} needs a whole number of at least 1, got ${value}`);
  return value;
}

function readInput(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * `--replay FILE --mutation-seed N`: the mutation a campaign made of a corpus entry, under the same
 * watchdog (a mutator that never returns is killed with the report on stderr); what it made, for
 * the target to run. A mutator that throws is reported: the campaign would have used a bit flip.
 */
async function replayMutation(target: FuzzTarget, input: Uint8Array, mutationSeed: number, hangMs: number, io: CommandIo): Promise<Uint8Array | undefined> {
  if (target.mutate === undefined) throw new UsageError(`--mutation-seed: target ${target.name} has no structure-aware mutator`);
  const { xorshift } = await import('../../fuzz/mutate-bytes.ts');
  const { mutatorLabel } = await import('../../fuzz/findings.ts');
  const { HangWatchdog, memoryLimitFromHeap } = await import('../../fuzz/watchdog.ts');
  const watchdog = new HangWatchdog(hangMs, { memoryLimitBytes: memoryLimitFromHeap() });
  watchdog.enter(mutatorLabel(target.name, mutationSeed), input);
  try {
    const child = target.mutate(input, xorshift(mutationSeed));
    io.out(`${target.name}: the mutator (mutation seed ${mutationSeed}) made ${child.length} bytes: ${Buffer.from(child).toString('hex')}`);
    return child;
  } catch (e) {
    io.out(`${target.name}: the mutator (mutation seed ${mutationSeed}) threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return undefined;
  } finally {
    watchdog.leave();
    await watchdog.stop();
  }
}

/** `--replay FILE --target T [--mutation-seed N]`: exit 0 when the input runs without a finding. */
async function replay(file: string, targetName: string | undefined, io: CommandIo, mutation?: { seed: number; hangMs: number }): Promise<number> {
  if (targetName === undefined) throw new UsageError('--replay needs --target T');
  const read = readInput(file);
  const target = await findTarget(targetName);
  const input = mutation === undefined ? read : await replayMutation(target, read, mutation.seed, mutation.hangMs, io);
  if (input === undefined) return 1;
  const { execute } = await import('../../fuzz/findings.ts');
  const r = execute(target, input);
  if (r === undefined) {
    io.out(`${target.name}: ${mutation === undefined ? file : 'the mutated input'} (${input.length} bytes) runs without a finding`);
    return 0;
  }
  io.out(`${target.name}: ${r.kind}: ${r.detail}\n${r.stack}`);
  return 1;
}

/** `--minimize FILE --target T [--out FILE]`: exit 1 with the shrunk finding written, 0 when FILE does not fail. */
async function minimizeFile(file: string, targetName: string | undefined, out: string | undefined, io: CommandIo): Promise<number> {
  if (targetName === undefined) throw new UsageError('--minimize needs --target T');
  const input = readInput(file);
  const target = await findTarget(targetName);
  const { minimize, NotFailingError } = await import('../../fuzz/minimize.ts');
  try {
    const m = minimize(target, input, { onStep: (size, execs) => io.err(`minimize: ${size} bytes after ${execs} execs`) });
    const dest = out ?? `${file}.min`;
    writeFileSync(dest, m.input);
    io.out(`${target.name}: ${m.originalLength} -> ${m.input.length} bytes in ${m.execs} execs, still ${m.kind}: ${m.detail}`);
    io.out(`wrote ${dest}: ${Buffer.from(m.input).toString('hex')}`);
    return 1;
  } catch (e) {
    if (e instanceof NotFailingError) {
      io.err(`dtlsprobe fuzz: ${e.message}`);
      return 0;
    }
    throw e;
  }
}

const EXTERNAL_IMPLS = ['openssl', 'gnutls'] as const;

/** `--external IMPL --role ROLE`: a campaign against a real implementation (fuzz/external). */
async function external(
  f: { external?: string; role?: string; report?: string; time?: string; runs?: number; seed?: number },
  positional: readonly string[],
  io: CommandIo,
): Promise<number> {
  const impl = EXTERNAL_IMPLS.find((x) => x === f.external);
  if (impl === undefined) throw new UsageError(`flag --external takes ${EXTERNAL_IMPLS.join(' or ')}, got "${f.external}"`);
  if (f.role !== 'server' && f.role !== 'client') throw new UsageError(`--external needs --role server or --role client${f.role === undefined ? '' : `, got "${f.role}"`}`);
  if (positional.length > 0) throw new UsageError(`--external takes no TARGET, got ${positional.join(', ')}`);
  if (f.time !== undefined && f.runs !== undefined) throw new UsageError('--time and --runs do not go together');
  const timeMs = f.time === undefined ? undefined : parseDuration(f.time);
  if (f.time !== undefined && timeMs === undefined) throw new UsageError(`flag --time needs a duration such as 60s, 5m or 1h, got "${f.time}"`);
  const cases = positiveInt(f.runs, 'runs');
  if (f.seed !== undefined && !Number.isInteger(f.seed)) throw new UsageError(`flag --seed needs a whole number, got ${f.seed}`);
  const { runExternalFuzz } = await import('../../fuzz/external/run.ts');
  const { report, files } = await runExternalFuzz({
    impl,
    role: f.role,
    seed: f.seed ?? 1,
    ...(cases === undefined ? { timeMs: timeMs ?? 60_000 } : { cases }),
    ...(f.report === undefined ? {} : { reportDir: f.report }),
    log: (line) => io.err(line),
  });
  io.out(`${impl} ${f.role}: ${report.cases} case(s), ${report.findings.length} finding(s); report in ${files.markdown} and ${files.json}`);
  for (const finding of report.findings) io.out(`  ${finding.kind} (case ${finding.caseIndex}${finding.mutation === undefined ? '' : `, ${finding.mutation.kind} of ${finding.mutation.flight}`}): ${finding.evidence}`);
  return report.findings.length === 0 ? 0 : 1;
}

export const fuzzCommand: Command = {
  name: 'fuzz',
  summary: 'fuzz a parser or the engine with coverage guidance; list targets; minimise or replay a crash',
  usage: USAGE,
  async run(argv, io) {
    const { flags: f, positional } = parseArgs(argv, flags);
    if (f.list === true) {
      for (const t of await loadTargets()) io.out(`${t.name.padEnd(36)} ${t.description}`);
      return 0;
    }
    if (f.external !== undefined) return external(f, positional, io);
    if (f.role !== undefined || f.report !== undefined) throw new UsageError('--role and --report go with --external');
    if (f.minimize !== undefined && f.replay !== undefined) throw new UsageError('--minimize and --replay do not go together');
    if (f['mutation-seed'] !== undefined && f.replay === undefined) throw new UsageError('--mutation-seed goes with --replay');
    if (f.minimize !== undefined) return minimizeFile(f.minimize, f.target ?? positional[0], f.out, io);
    if (f.replay !== undefined) {
      const seed = f['mutation-seed'];
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`flag --mutation-seed needs a whole number, got ${seed}`);
      const hangMs = positiveInt(f['hang-ms'], 'hang-ms') ?? 5000;
      return replay(f.replay, f.target ?? positional[0], io, seed === undefined ? undefined : { seed, hangMs });
    }
    if (positional.length === 0) throw new UsageError('missing TARGET (dtlsprobe fuzz --list shows them)');
    if (positional.length > 1) throw new UsageError(`one TARGET at a time, got ${positional.join(', ')}`);
    if (f.time !== undefined && f.runs !== undefined) throw new UsageError('--time and --runs do not go together');
    const timeMs = f.time === undefined ? undefined : parseDuration(f.time);
    if (f.time !== undefined && timeMs === undefined) throw new UsageError(`flag --time needs a duration such as 60s, 5m or 1h, got "${f.time}"`);
    const runs = positiveInt(f.runs, 'runs');
    const jobs = positiveInt(f.jobs, 'jobs') ?? 1;
    const hangMs = positiveInt(f['hang-ms'], 'hang-ms') ?? 5000;
    const maxLen = positiveInt(f['max-len'], 'max-len') ?? 4096;
    if (f.seed !== undefined && !Number.isInteger(f.seed)) throw new UsageError(`flag --seed needs a whole number, got ${f.seed}`);
    const coverage = (f.coverage ?? 'istanbul') as CoverageKind;
    if (!COVERAGE_KINDS.includes(coverage)) throw new UsageError(`flag --coverage takes ${COVERAGE_KINDS.join(', ')}, got "${f.coverage}"`);
    const target = await findTarget(positional[0]);
    const seed = f.seed ?? 1;
    const corpusDir = f.corpus ?? `fuzz-corpus/${target.name}`;
    const crashesDir = f.crashes ?? 'fuzz-crashes';

    const { runPool } = await import('../../fuzz/runner-pool.ts');
    const printer = new ProgressPrinter(io.err);
    const latest: Progress[] = [];
    const ac = new AbortController();
    const stopOn = io.signal ?? ac.signal;
    const onSig = (): void => ac.abort();
    if (io.signal === undefined) {
      process.once('SIGINT', onSig);
      process.once('SIGTERM', onSig);
    }
    io.err(`fuzz ${target.name}: ${jobs} job(s), ${runs !== undefined ? `${runs} runs each` : `${(timeMs ?? 60_000) / 1000}s`}, seed ${seed}, coverage ${coverage}, corpus ${corpusDir}, crashes ${crashesDir}`);
    const workers = Array.from({ length: jobs }, (_, i) => [
      {
        target: target.name,
        runs,
        timeMs: runs === undefined ? (timeMs ?? 60_000) : undefined,
        seed: seed + i,
        corpusDir,
        crashesDir,
        coverage,
        guided: coverage !== 'none',
        hangMs,
        maxLen,
        syncMs: jobs > 1 ? 3000 : undefined,
      },
    ]);
    const outcomes = await runPool(workers, {
      signal: stopOn,
      onProgress: (w, _job, p) => {
        latest[w] = p;
        const all = combine(latest.filter((x) => x !== undefined));
        if (all !== undefined) printer.show(formatProgress(all, jobs > 1 ? `${target.name} x${jobs}` : target.name));
      },
      onFinding: (w, fd) => {
        printer.done();
        io.err(`FINDING (job ${w}) ${fd.kind}: ${fd.detail}${fd.file !== undefined ? `\n  input: ${fd.file}` : ''}`);
      },
      onStderr: (w, line) => {
        if (line.trim() !== '') io.err(`[job ${w}] ${line}`);
      },
    });
    printer.done();
    if (io.signal === undefined) {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    }
    const flat = outcomes.flat();
    const findings = flat.flatMap((o) => o.findings);
    const final = combine(flat.flatMap((o) => (o.result !== undefined ? [o.result] : [])));
    if (final !== undefined) io.out(formatProgress(final, jobs > 1 ? `${target.name} x${jobs}` : target.name));
    const seen = new Set<string>();
    for (const fd of findings) {
      if (seen.has(fd.signature)) continue;
      seen.add(fd.signature);
      io.out(`${fd.kind}: ${fd.detail}${fd.file !== undefined ? `  (${fd.file})` : ''}`);
    }
    io.out(findings.length === 0 ? 'no findings' : `${seen.size} distinct finding(s)`);
    return findings.length === 0 ? 0 : 1;
  },
};
