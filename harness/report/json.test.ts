import test from 'ava';
import type { ProbeResult, RunResult } from './model.ts';
import { readRun, runToJson } from './json.ts';
import { RunFormatError } from './schema.ts';
import { CLIENT_HELLO, HELLO_VERIFY_REQUEST, sampleRun } from './fixtures.ts';

/** The same probe with its keys in reverse order. */
function reversed(p: ProbeResult): ProbeResult {
  const entries = Object.entries(p).reverse();
  return Object.fromEntries(entries) as unknown as ProbeResult;
}

test('run.json reads back to the same run', (t) => {
  const run = sampleRun();
  t.deepEqual(readRun(runToJson(run)), run);
});

test('keys come out in the model order whatever order the object was built in', (t) => {
  const run = sampleRun();
  const shuffled: RunResult = {
    probes: run.probes.map(reversed),
    roles: run.roles,
    durationMs: run.durationMs,
    seed: run.seed,
    date: run.date,
    implementation: { version: run.implementation.version, name: run.implementation.name, commands: run.implementation.commands },
    tool: { version: run.tool.version, name: 'dtlsprobe' },
    schema: 'dtlsprobe.run/1',
  };
  const text = runToJson(shuffled);
  t.is(text, runToJson(run));
  t.true(text.startsWith('{\n  "schema": "dtlsprobe.run/1",\n  "tool": {\n    "name": "dtlsprobe",\n    "version": "0.1.0"\n  },\n  "implementation": {\n'));
  const keys = [...text.slice(text.indexOf('"probes"')).matchAll(/^ {6}"(\w+)":/gm)].slice(0, 13).map((m) => m[1]);
  t.deepEqual(keys, ['name', 'group', 'role', 'title', 'requirements', 'outcome', 'seed', 'durationMs', 'clockMs', 'clock', 'steps', 'transcript', 'name']);
});

test('two-space indent, a final newline, and the transcript kept whole with its notes', (t) => {
  const text = runToJson(sampleRun());
  t.true(text.endsWith('}\n'));
  t.regex(text, /^ {2}"probes": \[$/m);
  t.true(text.includes(`"hex": "${CLIENT_HELLO}"`));
  t.true(text.includes(`"hex": "${HELLO_VERIFY_REQUEST}"`));
  t.true(text.includes('"note": "HelloVerifyRequest again"'));
});

test('absent optional fields are left out, never written as null, and stray fields are dropped', (t) => {
  const run = sampleRun();
  const withExtra = { ...run, probes: run.probes.map((p) => ({ ...p, internal: { retries: 3 } })) };
  const text = runToJson(withExtra);
  t.false(text.includes('null'));
  t.false(text.includes('internal'));
  t.false(text.includes('"shard"'));
  const first = JSON.parse(text).probes[0] as Record<string, unknown>;
  t.false('reason' in first);
});

test('readRun names the first bad field', (t) => {
  const value = JSON.parse(runToJson(sampleRun()));
  value.probes[2].outcome = 'flaky';
  value.probes[4].seed = 'x';
  const e = t.throws(() => readRun(JSON.stringify(value)), { instanceOf: RunFormatError });
  t.regex(e.message, /^run\.json is not a valid dtlsprobe\.run\/1 document: \/probes\/2\/outcome: must be one of /);
  t.regex(e.message, /and 1 more: \/probes\/4\/seed: must be integer/);
  t.is(e.errors.length, 2);
});

test('readRun refuses text that is not JSON, and a run of another version', (t) => {
  t.throws(() => readRun('{"schema": ', 'reports/openssl/run.json'), { instanceOf: SyntaxError, message: /^reports\/openssl\/run\.json is not JSON: / });
  const value = JSON.parse(runToJson(sampleRun()));
  value.schema = 'dtlsprobe.run/7';
  t.throws(() => readRun(JSON.stringify(value)), { message: /\/schema: this dtlsprobe reads dtlsprobe\.run\/1, not "dtlsprobe\.run\/7"/ });
});

test('runToJson refuses to write a run readers would refuse', (t) => {
  const run = sampleRun();
  const broken: RunResult = { ...run, probes: run.probes.map((p, i) => (i === 3 ? { ...p, durationMs: Number.NaN } : p)) };
  t.throws(() => runToJson(broken), { instanceOf: RunFormatError, message: /the run to write is not a valid dtlsprobe\.run\/1 document: \/probes\/3\/durationMs: must be number/ });
});
