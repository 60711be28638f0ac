/**
 * The probe-group scripts end to end: against the built-in reference implementation (in-process,
 * virtual time) and against a `remote` address where nothing answers, through `main` as
 * `dtlsprobe script` and `node harness/suites/script.ts` call it. tlsfuzzer behaviour checked
 * here: -x/-X verdicts and exit codes, -e counted as SKIP, sanity first and last and twice in
 * TOTAL, a bad command line ending the script with exit code 1.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { freeUdpPort } from '../ports.ts';
import { repoRootPath } from '../locations.ts';
import type { ProbeResult } from '../report/model.ts';
import { applyExpectedFailure, main, runScript, SCRIPT_VERSION } from './script.ts';

interface Captured {
  code: number;
  out: string[];
  err: string[];
}

async function run(...argv: string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** The summary block from `Test end` on. */
function summary(c: Captured): string[] {
  return c.out.slice(c.out.indexOf('Test end'));
}

const block = (counts: { total: number; skip: number; pass: number; xfail: number; fail: number; xpass: number }): string[] => [
  'Test end',
  '====================',
  `version: ${SCRIPT_VERSION}`,
  '====================',
  `TOTAL: ${counts.total}`,
  `SKIP: ${counts.skip}`,
  `PASS: ${counts.pass}`,
  `XFAIL: ${counts.xfail}`,
  `FAIL: ${counts.fail}`,
  `XPASS: ${counts.xpass}`,
  '====================',
];

test('a group against the reference: every probe OK, sanity first and last, exit 0', async (t) => {
  const c = await run('server-sanity', '--impl', 'reference', '--seed', '1');
  t.is(c.code, 0, c.out.join('\n'));
  t.deepEqual(c.out.slice(0, 9), ['sanity ...', 'OK', '', 'sanity-psk ...', 'OK', '', 'sanity ...', 'OK', '']);
  t.deepEqual(c.out.slice(9, 12), ['dtlsprobe-server-sanity: server probes of group server-sanity against reference (built in)', 'seed 1: replay with --seed 1', '']);
  t.deepEqual(summary(c), block({ total: 3, skip: 0, pass: 3, xfail: 0, fail: 0, xpass: 0 }));
  t.deepEqual(c.err, []);
});

test('the tlsfuzzer script name dtlsprobe-GROUP works too', async (t) => {
  const c = await run('dtlsprobe-server-sanity', '--impl', 'reference', '--seed', '1', '-n', '0');
  t.is(c.code, 0);
  t.true(c.out.includes('TOTAL: 3'));
});

test('-x on a probe that passes: XPASS, listed, exit 1', async (t) => {
  const c = await run('server-sanity', '--impl', 'reference', '--seed', '2', '-x', 'sanity-psk');
  t.is(c.code, 1);
  t.deepEqual(c.out.slice(3, 6), ['sanity-psk ...', 'XPASS-expected failure but test passed', '']);
  t.deepEqual(summary(c), [...block({ total: 3, skip: 0, pass: 2, xfail: 0, fail: 0, xpass: 1 }), 'XPASSED:', "\t'sanity-psk'"]);
});

test('-e excludes a probe and counts it as SKIP; names run only those', async (t) => {
  const c = await run('server-sanity', '--impl', 'reference', '--seed', '3', '-e', 'sanity-psk');
  t.is(c.code, 0);
  t.false(c.out.includes('sanity-psk ...'));
  t.deepEqual(summary(c), block({ total: 2, skip: 1, pass: 2, xfail: 0, fail: 0, xpass: 0 }));
  const only = await run('server-sanity', '--impl', 'reference', '--seed', '3', 'sanity');
  t.deepEqual(summary(only), block({ total: 2, skip: 0, pass: 2, xfail: 0, fail: 0, xpass: 0 }));
});

test('against a remote address where nothing listens: -x makes the failures XFAIL, -X checks the message', async (t) => {
  const port = String(await freeUdpPort());
  const [plain, expected, wrongText] = await Promise.all([
    run('server-sanity', '-h', '127.0.0.1', '-p', port, '--seed', '4'),
    run('server-sanity', '-h', '127.0.0.1', '-p', port, '--seed', '4', '-x', 'sanity'),
    run('server-sanity', '-h', '127.0.0.1', '-p', port, '--seed', '4', '-x', 'sanity', '-X', 'no such text in any failure'),
  ]);
  t.is(plain.code, 1);
  t.is(plain.out[0], 'sanity ...');
  t.is(plain.out[1], 'Error while processing');
  t.true(plain.out.includes('sanity-psk ...'));
  t.deepEqual(summary(plain), [...block({ total: 2, skip: 1, pass: 0, xfail: 0, fail: 2, xpass: 0 }), 'FAILED:', "\t'sanity'", "\t'sanity'"]);

  t.is(expected.code, 0, expected.out.join('\n'));
  t.deepEqual(summary(expected), block({ total: 2, skip: 1, pass: 0, xfail: 2, fail: 0, xpass: 0 }));
  t.true(expected.out.includes('OK-expected failure'));

  t.is(wrongText.code, 1);
  t.true(wrongText.out.includes('Expected error message: no such text in any failure'));
  t.deepEqual(summary(wrongText), [...block({ total: 2, skip: 1, pass: 0, xfail: 0, fail: 2, xpass: 0 }), 'FAILED:', "\t'sanity'", "\t'sanity'"]);

  // a substring of the real failure (the line after "Error while processing") satisfies -X
  const failureLine = plain.out[2];
  const rightText = await run('server-sanity', '-h', '127.0.0.1', '-p', port, '--seed', '4', '-x', 'sanity', '-X', failureLine.slice(0, 12));
  t.is(rightText.code, 0, `${failureLine}\n${rightText.out.join('\n')}`);
});

test('bad command lines: usage on stderr and exit 1, as tlsfuzzer', async (t) => {
  for (const argv of [
    ['server-sanity', '-q'],
    ['server-sanity', '-p'],
    ['server-sanity', '-X', 'text'],
    ['server-sanity', '-n', 'x'],
    ['server-sanity', 'no-such-probe'],
    ['server-sanity', '-e', 'no-such-probe'],
    ['no-such-group'],
    [],
    ['server-sanity', '--impl', 'reference', '-p', '4433'],
    ['server-sanity', '--impl', 'reference', '--features', 'psk'],
    ['client-sanity', '-h', 'localhost'],
    ['server-sanity', '--impl', 'no-such-implementation'],
  ]) {
    const c = await run(...argv);
    t.is(c.code, 1, argv.join(' '));
    t.deepEqual(c.out, [], argv.join(' '));
    t.regex(c.err[0] ?? '', /^dtlsprobe script: /, argv.join(' '));
    t.true(c.err.some((l) => l.startsWith('Usage: dtlsprobe script ')), argv.join(' '));
  }
  const outcome = await runScript(['server-sanity', '-q'], { out: () => {}, err: () => {} });
  t.true(outcome.usageError);
});

test('--help prints the usage on stdout and exits 0', async (t) => {
  const c = await run('server-sanity', '--help');
  t.is(c.code, 0);
  t.true(c.out[0].startsWith('Usage: dtlsprobe script server-sanity '));
  t.deepEqual(c.err, []);
});

test('the file runs as a script: node --import=tsx harness/suites/script.ts', async (t) => {
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(process.execPath, ['--import=tsx', repoRootPath('harness', 'suites', 'script.ts'), 'server-sanity', '--impl', 'reference', '--seed', '5', '-x', 'sanity-psk'], { cwd: repoRootPath() }, (error, stdout) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout }),
    );
  });
  t.is(code, 1, stdout);
  t.true(stdout.endsWith("====================\nXPASSED:\n\t'sanity-psk'\n"), stdout);
});

test('the -x verdict alone: pass to xpass, failure to xfail, -X text missing to fail, skips untouched', (t) => {
  const r = (outcome: ProbeResult['outcome'], reason?: string): ProbeResult => ({
    name: 'p', group: 'g', role: 'server', title: 't', requirements: ['X'], outcome, ...(reason === undefined ? {} : { reason }), seed: 1, durationMs: 0, clockMs: 0, clock: 'virtual', steps: [], transcript: [],
  });
  const x = new Map<string, string | undefined>([['p', undefined]]);
  const xText = new Map<string, string | undefined>([['p', 'bad_record_mac']]);
  t.is(applyExpectedFailure(r('pass'), x).result.outcome, 'xpass');
  t.is(applyExpectedFailure(r('fail', 'got alert bad_record_mac'), x).result.outcome, 'xfail');
  t.is(applyExpectedFailure(r('error', 'port taken'), x).result.outcome, 'xfail');
  t.is(applyExpectedFailure(r('fail', 'got alert bad_record_mac'), xText).result.outcome, 'xfail');
  t.deepEqual(applyExpectedFailure(r('fail', 'timed out'), xText), { result: r('fail', 'timed out'), missingMessage: 'bad_record_mac' });
  t.is(applyExpectedFailure(r('skip', 'lacks psk'), x).result.outcome, 'skip');
  t.is(applyExpectedFailure(r('fail', 'x'), new Map()).result.outcome, 'fail');
});
