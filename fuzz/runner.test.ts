import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installIstanbul, IstanbulCoverage } from './coverage-istanbul.ts';
import { installV8, V8Coverage } from './coverage-v8.ts';
import { minimize } from './minimize.ts';
import { execute } from './findings.ts';
import { runCampaign } from './runner.ts';
import { fuzzCommand } from '../harness/cli/fuzz.ts';

// Both coverage sources must be in place before the targets load: istanbul instruments the kit as it
// loads, and V8 gives block counters only to code compiled after it starts.
const kit = fileURLToPath(new URL('./runner-testkit.ts', import.meta.url));
const store = installIstanbul([kit]);
installV8();
const { planted, ladderTarget } = await import('./runner-testkit.ts');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'dtlsprobe-fuzz-test-'));
}

test('the runner finds the planted bug within bounded runs and writes a replayable crash', async (t) => {
  const crashes = tmp();
  const r = await runCampaign(planted, { runs: 200_000, seed: 7, crashesDir: crashes, stopOnFinding: true });
  t.is(r.findingList.length, 1);
  const f = r.findingList[0];
  t.is(f.kind, 'crash');
  t.regex(f.detail, /TypeError/);
  t.true(r.execs < 200_000);
  const files = readdirSync(crashes).sort();
  t.deepEqual(
    files.map((n) => n.replace(/-[0-9a-f]{16}\./, '-X.')),
    ['crash-X.bin', 'crash-X.txt'],
  );
  const bin = new Uint8Array(readFileSync(join(crashes, files[0])));
  const again = execute(planted, bin);
  t.is(again?.kind, 'crash');
  t.regex(again?.detail ?? '', /TypeError/);
  const txt = readFileSync(join(crashes, files[1]), 'utf8');
  t.regex(txt, /target: planted/);
  t.regex(txt, /seed: 7/);
  t.regex(txt, /replay: npx dtlsprobe fuzz --replay/);
  t.regex(txt, /plantedParse/);
});

test('a seed and a run count give the same run', async (t) => {
  const a = await runCampaign(planted, { runs: 5000, seed: 3, maxFindings: 1 });
  const b = await runCampaign(planted, { runs: 5000, seed: 3, maxFindings: 1 });
  t.is(a.execs, b.execs);
  t.deepEqual(a.findingList.map((f) => [...f.input]), b.findingList.map((f) => [...f.input]));
});

// istanbul (per exec) here: with V8 every batch that shows something new is replayed input by
// input, one takePreciseCoverage each, which made this test take seconds.
test('the corpus grows with coverage, and guidance goes deeper than no guidance', async (t) => {
  const dir = tmp();
  const guided = await runCampaign(ladderTarget, { runs: 20_000, seed: 5, corpusDir: dir, coverage: new IstanbulCoverage(store) });
  t.true(guided.corpus > 1, `corpus ${guided.corpus}`);
  t.true(readdirSync(dir).length >= guided.corpus - 1);
  t.true(guided.features > 0);
  const unguided = await runCampaign(ladderTarget, { runs: 20_000, seed: 5, coverage: new IstanbulCoverage(store), guided: false });
  t.is(unguided.corpus, 1);
  t.true(guided.branches > unguided.branches, `guided ${guided.branches} > unguided ${unguided.branches}`);
  // a second campaign starts from what the first wrote
  const again = await runCampaign(ladderTarget, { runs: 1, seed: 9, corpusDir: dir, coverage: new IstanbulCoverage(store) });
  t.true(again.corpus > 1, `corpus ${again.corpus}`);
});

test('V8 guidance keeps inputs that reach new blocks', async (t) => {
  const guided = await runCampaign(ladderTarget, { runs: 3000, seed: 5, coverage: new V8Coverage([kit]), batch: 256 });
  t.true(guided.corpus > 1, `corpus ${guided.corpus}`);
  t.true(guided.features > 0);
});

test('the minimiser shrinks the planted crash to the minimal input', (t) => {
  const big = new Uint8Array(300);
  for (let i = 0; i < big.length; i++) big[i] = (i * 37 + 11) & 0xff;
  big[3] = 0x42;
  const m = minimize(planted, big);
  t.deepEqual([...m.input], [0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0]);
  t.is(m.kind, 'crash');
  t.is(m.originalLength, 300);
});

test('the minimiser refuses an input that does not fail', (t) => {
  t.throws(() => minimize(planted, new Uint8Array(5)), { name: 'NotFailingError' });
});

function io(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

test('fuzz command: usage errors exit 2 and name the flag', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['record-header', '--bogus'], /--bogus/],
    [['record-header', '--runs', 'many'], /--runs/],
    [['record-header', '--time', 'soon'], /--time/],
    [['record-header', '--time', '5s', '--runs', '10'], /--time.*--runs|--runs.*--time/],
    [['record-header', '--jobs', '0'], /--jobs/],
    [['--minimize', 'x.bin'], /--target/],
    [[], /TARGET/],
    [['--external', 'nss', '--role', 'server'], /--external takes openssl or gnutls/],
    [['--external', 'openssl'], /--role server or --role client/],
    [['--external', 'gnutls', '--role', 'middle'], /"middle"/],
    [['--external', 'openssl', '--role', 'server', 'hello'], /no TARGET/],
    [['hello', '--role', 'server'], /go with --external/],
  ];
  for (const [argv, re] of cases) {
    const c = io();
    const code = await fuzzCommand.run(argv, c.io).catch((e: unknown) => (e instanceof Error && e.name === 'UsageError' ? (c.err.push(e.message), 2) : Promise.reject(e)));
    t.is(code, 2, argv.join(' '));
    t.regex(c.err.join('\n'), re, argv.join(' '));
  }
});
