import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'junit2json';
import type { RunResult } from './model.ts';
import { readRun } from './json.ts';
import { tlsfuzzerText, writeReports } from './write.ts';
import type { Compliance } from './compliance.ts';
import { sampleRun } from './fixtures.ts';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'dtlsprobe-report-'));
}

test('writes run.json, junit.xml, summary.md, compliance.json and tlsfuzzer.txt into a new folder', async (t) => {
  const root = scratch();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'reports', 'openssl');
  const run = sampleRun();
  const written = await writeReports(run, dir, { hostname: 'ci' });
  t.deepEqual(written, {
    dir,
    json: join(dir, 'run.json'),
    junit: join(dir, 'junit.xml'),
    markdown: join(dir, 'summary.md'),
    compliance: join(dir, 'compliance.json'),
    tlsfuzzer: join(dir, 'tlsfuzzer.txt'),
  });
  t.deepEqual(readdirSync(dir).sort(), ['compliance.json', 'junit.xml', 'run.json', 'summary.md', 'tlsfuzzer.txt']);
  t.deepEqual(readRun(readFileSync(written.json, 'utf8')), run);
  const junit = await parse(readFileSync(written.junit, 'utf8'));
  t.like(junit, { tests: 9, failures: 3, errors: 1 });
  t.true(readFileSync(written.markdown, 'utf8').startsWith('## dtlsprobe: openssl'));
  const compliance = JSON.parse(readFileSync(written.compliance, 'utf8')) as Compliance;
  t.is(compliance.schema, 'dtlsprobe.compliance/1');
  t.deepEqual(compliance.counts, { ...compliance.counts, violated: 4, satisfied: 6 });
  const tlsfuzzer = readFileSync(join(dir, 'tlsfuzzer.txt'), 'utf8');
  t.is(tlsfuzzer, tlsfuzzerText(run));
  t.regex(tlsfuzzer, /^Test end$/m);
  t.regex(tlsfuzzer, /^dtlsprobe 0\.1\.0 against openssl OpenSSL 3\.0\.13 30 Jan 2024, seed 424242, 2025-03-01T12:00:00\.000Z$/m);
});

test('the tlsfuzzer text can be replaced or left out', async (t) => {
  const root = scratch();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const replaced = await writeReports(sampleRun(), join(root, 'a'), { tlsfuzzer: (run) => `${run.probes.length} probes\n` });
  t.is(readFileSync(join(root, 'a', 'tlsfuzzer.txt'), 'utf8'), '9 probes\n');
  t.is(replaced.tlsfuzzer, join(root, 'a', 'tlsfuzzer.txt'));
  const without = await writeReports(sampleRun(), join(root, 'b'), { tlsfuzzer: false });
  t.is(without.tlsfuzzer, undefined);
  t.false(existsSync(join(root, 'b', 'tlsfuzzer.txt')));
});

test('a run that would not read back leaves nothing behind', async (t) => {
  const root = scratch();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const broken: RunResult = { ...sampleRun(), roles: ['server'] };
  const dir = join(root, 'never');
  await t.throwsAsync(writeReports(broken, dir), { message: /\/probes\/6\/role: "client" is not one of the run's roles/ });
  t.false(existsSync(dir));
});
