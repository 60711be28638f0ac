/**
 * The pool's supervision of worker processes: a worker the watchdog kills (a stuck exec, a stuck
 * structure-aware mutator, a runaway allocation) becomes a finding that carries the input and the
 * command that replays it. Real forked workers on the small targets of runner-testkit.ts.
 */
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzCommand } from '../harness/cli/fuzz.ts';
import type { Finding } from './findings.ts';
import { xorshift } from './mutate-bytes.ts';
import { type JobSpec, runPool } from './runner-pool.ts';

const KIT = new URL('./runner-testkit.ts', import.meta.url).href;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'dtlsprobe-pool-test-'));
}

/** One job on one worker, not restarted: the findings of its one life. */
async function onlyFindings(target: string, extra: Partial<JobSpec>, maxOldSpaceMb?: number): Promise<{ findings: Finding[]; crashes: string }> {
  const crashes = tmp();
  const spec: JobSpec = { target, runs: 200_000, seed: 1, coverage: 'none', guided: false, hangMs: 400, crashesDir: crashes, targetsModule: KIT, ...extra };
  const [[outcome]] = await runPool([[spec]], { restarts: 0, ...(maxOldSpaceMb === undefined ? {} : { maxOldSpaceMb }) });
  return { findings: outcome.findings, crashes };
}

test('a stuck exec becomes a hang finding with the input that stuck', async (t) => {
  const { findings } = await onlyFindings('hanging', {});
  t.is(findings.length, 1, findings.map((f) => f.detail).join('; '));
  const f = findings[0];
  t.is(f.kind, 'hang');
  t.is(f.detail, 'hanging did not return within 400 ms');
  t.deepEqual([...f.input.subarray(0, 2)], [0xde, 0xad]);
  t.is(f.mutationSeed, undefined);
});

test("a structure-aware mutator that never returns is reported as the mutator's, with its entry and seed, and replays", async (t) => {
  const { findings } = await onlyFindings('stuck-mutator', {});
  t.is(findings.length, 1, findings.map((f) => f.detail).join('; '));
  const f = findings[0];
  t.is(f.kind, 'hang');
  t.regex(f.detail, /^the structure-aware mutator of stuck-mutator \(mutation seed \d+\) did not return within 400 ms$/);
  t.deepEqual([...f.input], [0xee, 1, 2, 3], 'the corpus entry the mutator was given');
  t.true(f.mutationSeed !== undefined && Number.isInteger(f.mutationSeed) && f.mutationSeed >= 0);
  const txt = readFileSync(f.file!.replace(/\.bin$/, '.txt'), 'utf8');
  t.true(txt.includes(`--replay ${f.file} --target stuck-mutator --mutation-seed ${f.mutationSeed}`), txt);
  t.true(txt.includes(`mutation seed: ${f.mutationSeed}`), txt);
});

test('an exec that keeps allocating is stopped at the memory limit and reported with its input', async (t) => {
  const { findings } = await onlyFindings('ballooning', { hangMs: 60_000 }, 128);
  t.is(findings.length, 1, findings.map((f) => f.detail).join('; '));
  const f = findings[0];
  t.is(f.kind, 'memory');
  t.regex(f.detail, /^ballooning took the worker to \d+ MB, past its \d+ MB limit, while running on this input$/);
  t.deepEqual([...f.input], [0xbb]);
});

test('fuzz --replay --mutation-seed runs the mutation a finding names, then the target', async (t) => {
  const dir = tmp();
  const file = join(dir, 'entry.bin');
  const { writeFileSync } = await import('node:fs');
  const { recordHeaderTarget } = await import('./targets/records.ts');
  const [entry] = [...recordHeaderTarget.seeds()];
  writeFileSync(file, entry);
  const out: string[] = [];
  const code = await fuzzCommand.run(['--replay', file, '--target', 'record-header', '--mutation-seed', '12345'], { out: (l) => out.push(l), err: (l) => out.push(l) });
  const made = recordHeaderTarget.mutate!(entry, xorshift(12345));
  t.is(code, 0, out.join('\n'));
  t.true(out[0].startsWith(`record-header: the mutator (mutation seed 12345) made ${made.length} bytes: ${Buffer.from(made).toString('hex')}`), out.join('\n'));
  t.regex(out[1], /runs without a finding/);
});

test('fuzz --mutation-seed: errors name the flag', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['record-header', '--mutation-seed', '3'], /--mutation-seed goes with --replay/],
    [['--replay', 'x.bin', '--target', 'record-header', '--mutation-seed', '1.5'], /--mutation-seed needs a whole number/],
  ];
  for (const [argv, re] of cases) {
    const err = await t.throwsAsync(fuzzCommand.run(argv, { out: () => undefined, err: () => undefined }), { name: 'UsageError' });
    t.regex(err?.message ?? '', re, argv.join(' '));
  }
});
