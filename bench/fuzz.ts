/**
 * `npm run bench:fuzz`: execs/s of every fuzz target on one core, and what coverage guidance buys.
 *
 * Speed: each target runs `--seconds` in the runner, twice, each time in one worker process:
 * - raw loop: pick, mutate, run; no coverage (what the code under test and the mutators cost);
 * - guided: the runner with its default settings (`dtlsprobe fuzz TARGET`: istanbul coverage,
 *   inputs that reach new coverage kept). This is the acceptance figure of issue 8.
 * Rates are wall-clock (execs / elapsed) and per CPU second (execs / the worker's user+system time),
 * which is the one-core rate when the machine is shared; the load average is printed with them.
 *
 * Compare (`--compare 5m`): branches reached in that time by a coverage-guided run and an unguided
 * one (istanbul measures both; the unguided run keeps nothing), both starting from the SAME single
 * minimal input instead of the seed corpus, one after the other, for each of `--compare-targets`.
 *
 *   node --import=tsx bench/fuzz.ts [--seconds 3] [--only a,b] [--compare 60s] [--compare-targets hello] [--from shortest|empty|HEX]
 *   node --import=tsx bench/fuzz.ts --seconds 0 --compare 5m     # the 5-minute comparison only
 */
import { loadavg } from 'node:os';
import { loadTargets } from '../harness/cli/fuzz.ts';
import { parseArgs } from '../harness/cli/args.ts';
import { runPool, type JobOutcome, type JobSpec } from '../fuzz/runner-pool.ts';
import { parseDuration, table } from '../fuzz/runner-progress.ts';

const flags = {
  seconds: { type: 'number', help: 'seconds per target and mode for execs/s (default 3; 0 skips)' },
  compare: { type: 'string', help: 'duration of each guided / unguided run (default 0: skipped)' },
  only: { type: 'string', help: 'targets for execs/s, comma-separated' },
  'compare-targets': { type: 'string', help: 'targets compared (default hello)' },
  from: { type: 'string', help: 'the single input both compared runs start from: shortest (of the seeds, default), empty, or hex' },
} as const;

/** The acceptance thresholds of issue 8 (guided rate, one core). */
const THRESHOLDS: Readonly<Record<string, number>> = { 'record-header': 200_000, 'engine-server-after-clienthello': 2_000 };

const { flags: f } = parseArgs(process.argv.slice(2), flags);
const all = await loadTargets();
const names = f.only?.split(',') ?? all.map((t) => t.name);
const seconds = f.seconds ?? 3;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const perCpu = (o: JobOutcome): number => (o.result === undefined || o.result.cpuMs <= 0 ? 0 : (o.result.execs * 1000) / o.result.cpuMs);
const onStderr = (_w: number, l: string): void => void process.stderr.write(`${l}\n`);

if (seconds > 0) {
  const loadBefore = load();
  const jobs = (coverage: 'none' | 'istanbul'): JobSpec[] =>
    names.map((target) => ({ target, timeMs: seconds * 1000, seed: 1, coverage, guided: coverage !== 'none', hangMs: 10_000 }));
  const [raw] = await runPool([jobs('none')], { onStderr });
  const [guided] = await runPool([jobs('istanbul')], { onStderr });
  const rows = names.map((target, i) => {
    const r = raw[i];
    const g = guided[i];
    const need = THRESHOLDS[target];
    const verdict = need === undefined ? '' : perCpu(g) >= need ? `>= ${fmt(need)} ok` : `< ${fmt(need)} NOT MET`;
    return [
      target,
      r.result === undefined ? '-' : fmt(r.result.execsPerSec),
      fmt(perCpu(r)),
      g.result === undefined ? '-' : fmt(g.result.execsPerSec),
      fmt(perCpu(g)),
      String(r.findings.length + g.findings.length),
      verdict,
    ];
  });
  process.stdout.write(
    [
      `execs/s per target, ${seconds}s each per mode, one worker process per mode (load average ${loadBefore} before, ${load()} after; 2 cores)`,
      '  raw    = runner loop, mutate + fuzz, no coverage',
      '  guided = the runner with its default settings (istanbul coverage guidance): the ACCEPTANCE figure, per CPU second',
      table(['target', 'raw wall', 'raw /cpu-s', 'guided wall', 'guided /cpu-s', 'findings', 'acceptance (guided /cpu-s)'], rows),
      '',
    ].join('\n'),
  );
}

const compareText = f.compare ?? '0';
const compareMs = compareText === '0' ? 0 : parseDuration(compareText);
if (compareMs === undefined) throw new Error(`--compare needs a duration, got ${compareText}`);
if (compareMs > 0) {
  const compared = (f['compare-targets'] ?? 'hello').split(',');
  const rows: string[][] = [];
  const from = f.from ?? 'shortest';
  for (const name of compared) {
    const target = all.find((t) => t.name === name);
    if (target === undefined) throw new Error(`no target ${name}`);
    let start: Uint8Array;
    if (from === 'shortest') start = [...target.seeds()].reduce((a, b) => (b.length < a.length ? b : a));
    else if (from === 'empty') start = new Uint8Array(0);
    else start = new Uint8Array(Buffer.from(from, 'hex'));
    const startHex = Buffer.from(start).toString('hex');
    const base = { target: name, timeMs: compareMs, seed: 1, coverage: 'istanbul' as const, hangMs: 10_000, seedHex: [startHex] };
    const loadBefore = load();
    // one after the other, each in its own worker process
    const [[guided]] = await runPool([[{ ...base, guided: true }]], { onStderr });
    const [[unguided]] = await runPool([[{ ...base, guided: false }]], { onStderr });
    const g = guided.result;
    const u = unguided.result;
    const cell = (x: number | undefined): string => (x === undefined ? '-' : String(x));
    rows.push([
      name,
      `${start.length} B`,
      cell(g?.branches),
      cell(u?.branches),
      cell(g?.features),
      cell(u?.features),
      fmt(guided.execs),
      fmt(unguided.execs),
      g === undefined ? '-' : (g.cpuMs / 1000).toFixed(0),
      u === undefined ? '-' : (u.cpuMs / 1000).toFixed(0),
      cell(g?.corpus),
      `${loadBefore} / ${load()}`,
    ]);
    process.stderr.write(`compare ${name}: started from ${start.length} bytes ${startHex.slice(0, 80)}${startHex.length > 80 ? '…' : ''}\n`);
  }
  process.stdout.write(
    `branches reached in ${compareMs / 1000}s, coverage-guided vs unguided, both from the same single input (istanbul counts both; same seed)\n${table(
      ['target', 'start', 'branches guided', 'branches unguided', 'features guided', 'features unguided', 'execs guided', 'execs unguided', 'cpu s guided', 'cpu s unguided', 'corpus guided', 'load before / after'],
      rows,
    )}\n`,
  );
}
