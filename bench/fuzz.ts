/**
 * `npm run bench:fuzz`: execs/s of every fuzz target on one core (one worker process, the runner's
 * full loop: pick, mutate, run; no coverage), then, for two targets, the branches reached in a fixed
 * time with istanbul coverage guidance against the same run unguided (coverage measured, nothing
 * kept), side by side.
 *
 *   node --import=tsx bench/fuzz.ts [--seconds 3] [--compare 60s] [--only a,b] [--compare-targets a,b]
 *   node --import=tsx bench/fuzz.ts --compare 5m      # the 5-minute comparison
 */
import { loadTargets } from '../harness/cli/fuzz.ts';
import { parseArgs } from '../harness/cli/args.ts';
import { runPool, type JobSpec } from '../fuzz/runner-pool.ts';
import { parseDuration, table } from '../fuzz/runner-progress.ts';

const flags = {
  seconds: { type: 'number', help: 'seconds per target for execs/s (default 3)' },
  compare: { type: 'string', help: 'duration of each guided / unguided run (default 30s; 0 skips)' },
  only: { type: 'string', help: 'targets for execs/s, comma-separated' },
  'compare-targets': { type: 'string', help: 'targets compared (default record-header,engine-server-after-clienthello)' },
} as const;

const { flags: f } = parseArgs(process.argv.slice(2), flags);
const all = await loadTargets();
const names = f.only?.split(',') ?? all.map((t) => t.name);
const seconds = f.seconds ?? 3;

const speedJobs: JobSpec[] = names.map((target) => ({ target, timeMs: seconds * 1000, seed: 1, coverage: 'none', guided: false, hangMs: 10_000 }));
const [speed] = await runPool([speedJobs], { onStderr: (_w, l) => process.stderr.write(`${l}\n`) });
const speedRows = speed.map((o) => [o.spec.target, String(o.execs), o.result === undefined ? '-' : Math.round(o.result.execsPerSec).toLocaleString('en-US'), String(o.findings.length)]);
process.stdout.write(`execs/s on one core (${seconds}s each, runner loop with mutation, no coverage)\n${table(['target', 'execs', 'execs/s', 'findings'], speedRows)}\n\n`);

const compareText = f.compare ?? '30s';
const compareMs = compareText === '0' ? 0 : parseDuration(compareText);
if (compareMs === undefined) throw new Error(`--compare needs a duration, got ${compareText}`);
if (compareMs > 0) {
  const compared = (f['compare-targets'] ?? 'record-header,engine-server-after-clienthello').split(',');
  const rows: string[][] = [];
  for (const target of compared) {
    const base = { target, timeMs: compareMs, seed: 1, coverage: 'istanbul' as const, hangMs: 10_000 };
    // one after the other, so each has the core to itself
    const [[guided]] = await runPool([[{ ...base, guided: true }]]);
    const [[unguided]] = await runPool([[{ ...base, guided: false }]]);
    const g = guided.result;
    const u = unguided.result;
    rows.push([target, g === undefined ? '-' : String(g.branches), u === undefined ? '-' : String(u.branches), g === undefined ? '-' : String(g.features), u === undefined ? '-' : String(u.features), String(guided.execs), String(unguided.execs), g === undefined ? '-' : String(g.corpus)]);
  }
  process.stdout.write(
    `coverage in ${compareMs / 1000}s, istanbul-guided vs unguided (same seed, same instrumentation)\n${table(['target', 'branches guided', 'branches unguided', 'features guided', 'features unguided', 'execs guided', 'execs unguided', 'corpus guided'], rows)}\n`,
  );
}
