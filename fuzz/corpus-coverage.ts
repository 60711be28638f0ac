/**
 * Counts what corpus folders cover, the same way for all of them: each folder's inputs run once
 * under istanbul (whatever guidance produced them), and the branch arms and counters they reach are
 * printed. This is how the V8 and istanbul guidance were compared (fuzz/coverage.ts): a corpus
 * grown under V8 replayed here counts the same branches as one grown under istanbul.
 *
 *   node --import=tsx fuzz/corpus-coverage.ts TARGET DIR [DIR...] [--seeds]
 *
 * Without --seeds only the folder's inputs run; with it, the target's seeds run first (what a
 * campaign starts from), so the numbers are the seeds' coverage plus what the folder adds.
 */
import { parseArgs } from '../harness/cli/args.ts';
import { installIstanbul, IstanbulCoverage } from './coverage-istanbul.ts';

const flags = {
  seeds: { type: 'boolean', help: "run the target's seeds before each folder" },
} as const;

const { flags: f, positional } = parseArgs(process.argv.slice(2), flags);
if (positional.length < 2) {
  process.stderr.write('usage: node --import=tsx fuzz/corpus-coverage.ts TARGET DIR [DIR...] [--seeds]\n');
  process.exit(2);
}
// before anything loads reference/
const store = installIstanbul();
const { loadTargets } = await import('../harness/cli/fuzz.ts');
const { execute } = await import('./findings.ts');
const { readCorpusDir } = await import('./runner.ts');
const { table } = await import('./runner-progress.ts');
const [name, ...dirs] = positional;
const target = (await loadTargets()).find((t) => t.name === name);
if (target === undefined) throw new Error(`no target ${name}`);

const rows: string[][] = [];
const run = (label: string, inputs: readonly Uint8Array[]): void => {
  const coverage = new IstanbulCoverage(store);
  let failing = 0;
  for (const input of inputs) {
    if (execute(target, input) !== undefined) failing++;
    coverage.collect(true);
  }
  const s = coverage.summary();
  rows.push([label, String(inputs.length), String(s.branches), String(s.features), String(failing)]);
};
// Seeds first in every mode: making them can run reference code (the engine targets record a whole
// handshake), which must not count for whichever folder happens to run first.
const allSeeds = [...target.seeds()];
execute(target, new Uint8Array(0));
const seeds = f.seeds === true ? allSeeds : [];
if (f.seeds === true) run('(seeds only)', seeds);
for (const dir of dirs) run(dir, [...seeds, ...readCorpusDir(dir).map((x) => x.data)]);
process.stdout.write(`${target.name}: coverage under istanbul${f.seeds === true ? ' (seeds, then the folder)' : ''}\n${table(['corpus', 'inputs', 'branches', 'features', 'failing'], rows)}\n`);
