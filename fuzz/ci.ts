/**
 * `npm run fuzz:ci`: every target for a bounded time (about a minute in all, split evenly), in one
 * worker process with istanbul guidance; zero findings required. Prints a summary table.
 *
 *   node --import=tsx fuzz/ci.ts [--time 60s] [--coverage istanbul|v8|none] [--crashes DIR] [--only a,b]
 *   FUZZ_CI_TIME=120s npm run fuzz:ci
 *
 * Exit 0 with no findings, 1 with findings (their inputs are in the crashes folder), 2 bad usage.
 */
import { loadTargets } from '../harness/cli/fuzz.ts';
import { parseArgs, UsageError } from '../harness/cli/args.ts';
import type { CoverageKind } from './coverage.ts';
import { runPool, type JobSpec } from './runner-pool.ts';
import { formatProgress, parseDuration, table } from './runner-progress.ts';

const flags = {
  time: { type: 'string', help: 'total time for all targets (default $FUZZ_CI_TIME or 60s)' },
  coverage: { type: 'string', help: 'istanbul (default), v8, none' },
  crashes: { type: 'string', help: 'where findings go (default fuzz-crashes/ci)' },
  only: { type: 'string', help: 'comma-separated target names' },
  seed: { type: 'number', help: 'seed (default 1)' },
} as const;

async function main(): Promise<number> {
  const { flags: f } = parseArgs(process.argv.slice(2), flags);
  const timeText = f.time ?? process.env.FUZZ_CI_TIME ?? '60s';
  const total = parseDuration(timeText);
  if (total === undefined) throw new UsageError(`--time needs a duration, got "${timeText}"`);
  const all = await loadTargets();
  const names = f.only === undefined ? all.map((t) => t.name) : f.only.split(',');
  for (const n of names) if (!all.some((t) => t.name === n)) throw new UsageError(`unknown target "${n}"; the targets are: ${all.map((t) => t.name).join(', ')}`);
  const coverage = (f.coverage ?? 'istanbul') as CoverageKind;
  const each = total / names.length;
  const jobs: JobSpec[] = names.map((target) => ({ target, timeMs: each, seed: f.seed ?? 1, coverage, guided: coverage !== 'none', hangMs: 5000, crashesDir: f.crashes ?? 'fuzz-crashes/ci' }));
  process.stderr.write(`fuzz:ci: ${names.length} targets, ${(each / 1000).toFixed(1)}s each, coverage ${coverage}\n`);
  const [outcomes] = await runPool([jobs], {
    onFinding: (_w, fd) => process.stderr.write(`FINDING ${fd.target} ${fd.kind}: ${fd.detail}${fd.file !== undefined ? ` (${fd.file})` : ''}\n`),
    onStderr: (_w, line) => process.stderr.write(`${line}\n`),
    onProgress: (_w, _j, p) => {
      if (p.elapsedMs >= each - 50) process.stderr.write(`${formatProgress(p)}\n`);
    },
  });
  const rows = outcomes.map((o) => {
    const r = o.result;
    return [o.spec.target, String(o.execs), r === undefined ? '-' : String(Math.round(r.execsPerSec)), r === undefined ? '-' : `${r.features}/${r.branches}`, r === undefined ? '-' : String(r.corpus), String(o.findings.length)];
  });
  process.stdout.write(`${table(['target', 'execs', 'execs/s', 'coverage (features/branches)', 'corpus', 'findings'], rows)}\n`);
  const findings = outcomes.reduce((a, o) => a + o.findings.length, 0);
  const missing = outcomes.filter((o) => o.result === undefined && o.findings.length === 0).length;
  process.stdout.write(findings === 0 && missing === 0 ? 'fuzz:ci: no findings\n' : `fuzz:ci: ${findings} finding(s), ${missing} target(s) did not run\n`);
  return findings === 0 && missing === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz:ci: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
