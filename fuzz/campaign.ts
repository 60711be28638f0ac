/**
 * `npm run fuzz:campaign`: a long run over every target (default 30m in all, split evenly), with
 * istanbul guidance, corpora kept in fuzz-corpus/TARGET and findings in fuzz-crashes; writes a
 * summary JSON.
 *
 *   node --import=tsx fuzz/campaign.ts [--time 30m] [--jobs 1] [--out fuzz-campaign.json] [--only a,b]
 */
import { writeFileSync } from 'node:fs';
import { loadTargets } from '../harness/cli/fuzz.ts';
import { parseArgs, UsageError } from '../harness/cli/args.ts';
import { runPool, type JobSpec } from './runner-pool.ts';
import { formatProgress, parseDuration, table } from './runner-progress.ts';

const flags = {
  time: { type: 'string', help: 'total time (default 30m)' },
  jobs: { type: 'number', help: 'worker processes; targets are dealt out among them (default 1)' },
  out: { type: 'string', help: 'summary JSON (default fuzz-campaign.json)' },
  only: { type: 'string', help: 'comma-separated target names' },
  seed: { type: 'number', help: 'seed (default the time)' },
} as const;

async function main(): Promise<number> {
  const { flags: f } = parseArgs(process.argv.slice(2), flags);
  const total = parseDuration(f.time ?? '30m');
  if (total === undefined) throw new UsageError(`flag --time needs a duration such as 30m or 2h, got "${f.time}"`);
  if (f.jobs !== undefined && !(Number.isInteger(f.jobs) && f.jobs >= 1)) throw new UsageError(`flag --jobs needs a whole number of at least 1, got ${f.jobs}`);
  if (f.seed !== undefined && !Number.isInteger(f.seed)) throw new UsageError(`flag --seed needs a whole number, got ${f.seed}`);
  const all = await loadTargets();
  const names = f.only?.split(',') ?? all.map((t) => t.name);
  for (const n of names) if (!all.some((t) => t.name === n)) throw new UsageError(`flag --only: unknown target "${n}"; the targets are: ${all.map((t) => t.name).join(', ')}`);
  const jobs = f.jobs ?? 1;
  const seed = f.seed ?? Date.now() % 1_000_000;
  const each = (total * jobs) / names.length;
  const workers: JobSpec[][] = Array.from({ length: jobs }, () => []);
  names.forEach((target, i) => workers[i % jobs].push({ target, timeMs: each, seed, coverage: 'istanbul', guided: true, hangMs: 5000, corpusDir: `fuzz-corpus/${target}`, crashesDir: 'fuzz-crashes' }));
  process.stderr.write(`fuzz:campaign: ${names.length} targets, ${(each / 1000).toFixed(1)}s each on ${jobs} worker(s), seed ${seed}\n`);
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
    execs: outcomes.reduce((a, o) => a + o.execs, 0),
    findings: outcomes.reduce((a, o) => a + o.findings.length, 0),
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
  const out = f.out ?? 'fuzz-campaign.json';
  writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(
    `${table(
      ['target', 'execs', 'execs/s', 'branches', 'corpus', 'findings'],
      summary.targets.map((t) => [t.target, String(t.execs), String(Math.round(t.execsPerSec ?? 0)), String(t.branches ?? '-'), String(t.corpus ?? '-'), String(t.findings.length)]),
    )}\n`,
  );
  process.stdout.write(`fuzz:campaign: ${summary.execs.toLocaleString('en-US')} execs over ${names.length} targets, ${summary.findings} finding(s); summary in ${out}\n`);
  return summary.findings > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz:campaign: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
