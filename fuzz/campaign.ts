/**
 * `npm run fuzz:campaign`: a long run over every target (default 30m in all, split evenly), with
 * istanbul guidance, corpora kept in fuzz-corpus/TARGET and findings in fuzz-crashes; writes a
 * summary JSON.
 *
 *   node --import=tsx fuzz/campaign.ts [--time 30m] [--jobs 1] [--out fuzz-campaign.json] [--only a,b]
 */
import { writeFileSync } from 'node:fs';
import { loadTargets } from '../harness/cli/fuzz.ts';
import { parseArgs } from '../harness/cli/args.ts';
import { runPool, type JobSpec } from './runner-pool.ts';
import { formatProgress, parseDuration, table } from './runner-progress.ts';

const flags = {
  time: { type: 'string', help: 'total time (default 30m)' },
  jobs: { type: 'number', help: 'worker processes; targets are dealt out among them (default 1)' },
  out: { type: 'string', help: 'summary JSON (default fuzz-campaign.json)' },
  only: { type: 'string', help: 'comma-separated target names' },
  seed: { type: 'number', help: 'seed (default the time)' },
} as const;

const { flags: f } = parseArgs(process.argv.slice(2), flags);
const total = parseDuration(f.time ?? '30m');
if (total === undefined) throw new Error(`--time needs a duration, got ${f.time}`);
const names = f.only?.split(',') ?? (await loadTargets()).map((t) => t.name);
const jobs = Math.max(1, f.jobs ?? 1);
const seed = f.seed ?? Date.now() % 1_000_000;
const each = (total * jobs) / names.length;
const workers: JobSpec[][] = Array.from({ length: jobs }, () => []);
names.forEach((target, i) => workers[i % jobs].push({ target, timeMs: each, seed, coverage: 'istanbul', guided: true, hangMs: 5000, corpusDir: `fuzz-corpus/${target}`, crashesDir: 'fuzz-crashes' }));
const started = new Date();
const outcomes = (
  await runPool(workers, {
    onProgress: (_w, _j, p) => process.stderr.write(`${formatProgress(p)}\n`),
    onFinding: (_w, fd) => process.stderr.write(`FINDING ${fd.target} ${fd.kind}: ${fd.detail}${fd.file !== undefined ? ` (${fd.file})` : ''}\n`),
    onStderr: (_w, l) => process.stderr.write(`${l}\n`),
  })
).flat();
const summary = {
  started: started.toISOString(),
  finished: new Date().toISOString(),
  totalMs: total,
  seed,
  targets: outcomes.map((o) => ({
    target: o.spec.target,
    execs: o.execs,
    execsPerSec: o.result?.execsPerSec,
    features: o.result?.features,
    branches: o.result?.branches,
    corpus: o.result?.corpus,
    newCorpusFiles: o.result?.newCorpusFiles,
    findings: o.findings.map((fd) => ({ kind: fd.kind, detail: fd.detail, file: fd.file })),
  })),
};
writeFileSync(f.out ?? 'fuzz-campaign.json', `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `${table(
    ['target', 'execs', 'execs/s', 'branches', 'corpus', 'findings'],
    summary.targets.map((t) => [t.target, String(t.execs), String(Math.round(t.execsPerSec ?? 0)), String(t.branches ?? '-'), String(t.corpus ?? '-'), String(t.findings.length)]),
  )}\n`,
);
process.exit(summary.targets.some((t) => t.findings.length > 0) ? 1 : 0);
