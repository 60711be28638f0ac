/**
 * `dtlsprobe run`: the default run against the reference writes every report; bad input — an
 * unknown implementation, a server command that exits at once or never listens, a port in use,
 * an unreadable or malformed config, a malformed expectations file, a bad flag — is one clear
 * message and exit code 2, before any probe runs.
 */
import test from 'ava';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli.ts';
import { readRun } from '../report/json.ts';

const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-run-test-'));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['run', ...argv], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('run against the reference writes run.json, junit.xml, summary.md, compliance.json and tlsfuzzer.txt', async (t) => {
  const report = join(dir, 'ref');
  const r = await run(['--probe', '*sanity*', '--report', report, '--quiet']);
  t.is(r.code, 0, r.err + r.out);
  for (const f of ['run.json', 'junit.xml', 'summary.md', 'compliance.json', 'tlsfuzzer.txt']) t.true(existsSync(join(report, f)), f);
  const result = readRun(readFileSync(join(report, 'run.json'), 'utf8'));
  t.is(result.implementation.name, 'reference');
  t.true(result.probes.every((p) => p.outcome === 'pass'));
  t.deepEqual([...new Set(result.probes.map((p) => p.role))].sort(), ['client', 'server']);
  t.regex(r.out, /reference: \d+ results in [\d.]+ s: \d+ pass, 0 fail/);
});

test('--list prints the selected probes with their requirement ids', async (t) => {
  const r = await run(['--list', '--role', 'server', '--probe', 'sanity']);
  t.is(r.code, 0);
  t.regex(r.out, /^server\/sanity\s+RFC6347-/m);
  t.notRegex(r.out, /^client\//m);
});

test('an unknown implementation name lists the known ones', async (t) => {
  const r = await run(['--impl', 'nosuch']);
  t.is(r.code, 2);
  t.regex(r.err, /unknown implementation "nosuch"; known: reference, .*openssl/);
});

test('a server command that exits at once is reported with its exit code before any probe runs', async (t) => {
  const r = await run(['--server-cmd', 'false', '--report', join(dir, 'x')]);
  t.is(r.code, 2);
  t.regex(r.err, /exited with code 1 before it listened on 127\.0\.0\.1:\d+/);
  t.false(existsSync(join(dir, 'x')));
});

test('a server command that never listens is reported with the port and the time waited', async (t) => {
  const cfg = file('never.json', JSON.stringify({ name: 'sleeper', features: ['certificate'], suites: { server: ['c02b'] }, server: { command: 'sleep 20', startupTimeoutMs: 300 } }));
  const r = await run(['--config', cfg]);
  t.is(r.code, 2);
  t.regex(r.err, /did not listen on 127\.0\.0\.1:\d+ within 300 ms/);
});

test('a fixed port already in use is named', async (t) => {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
  const port = s.address().port;
  try {
    const cfg = file('busy.json', JSON.stringify({ name: 'busy', features: ['certificate'], suites: { server: ['c02b'] }, server: { command: 'sleep 20', port } }));
    const r = await run(['--config', cfg]);
    t.is(r.code, 2);
    t.regex(r.err, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
  } finally {
    s.close();
  }
});

test('an unreadable or malformed config names the file and the field', async (t) => {
  const missing = await run(['--config', join(dir, 'nope.json')]);
  t.is(missing.code, 2);
  t.regex(missing.err, /nope\.json: cannot read/);
  const bad = await run(['--config', file('bad.json', '{ "name": "x", "features": ["telepathy"], "suites": {}, "server": { "command": "true" } }')]);
  t.is(bad.code, 2);
  t.regex(bad.err, /telepathy/);
  const notJson = await run(['--config', file('notjson.json', '{ name: x }')]);
  t.is(notJson.code, 2);
  t.regex(notJson.err, /notjson\.json/);
});

test('a malformed expectations file names the file and the key', async (t) => {
  const bad = file('exp.json', JSON.stringify({ implementation: 'reference', ExpectedFailures: { 'server/sanity': 42 } }));
  const r = await run(['--expectations', bad, '--probe', 'sanity']);
  t.is(r.code, 2);
  t.regex(r.err, /exp\.json/);
  t.regex(r.err, /server\/sanity/);
});

test('bad flags are usage errors naming the flag', async (t) => {
  t.is((await run(['--jobs'])).code, 2);
  t.regex((await run(['--shard', '3/2'])).err, /--shard needs I\/N/);
  t.regex((await run(['--probe', 'no-such-probe-*'])).err, /no probe matches "no-such-probe-\*"/);
  t.regex((await run(['--impl', 'openssl', '--server-cmd', 'x'])).err, /choose one of/);
  t.regex((await run(['--frobnicate'])).err, /unknown flag --frobnicate/);
});
