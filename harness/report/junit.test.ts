import test from 'ava';
import { parse } from 'junit2json';
import type { Property, TestCase, TestSuite, TestSuites } from 'junit2json';
import type { RunResult } from './model.ts';
import { runToJunit, xmlAttr, xmlText } from './junit.ts';
import { probe, sampleRun } from './fixtures.ts';

/** The run's junit.xml as junit2json (xml2js underneath, as CI tools use) reads it. */
async function parsed(run: RunResult): Promise<TestSuites> {
  const out = await parse(runToJunit(run, { hostname: 'ci-runner-7' }));
  if (out === null || out === undefined || !('testsuite' in out)) throw new Error('no <testsuites> root');
  return out;
}

function suite(root: TestSuites, name: string): TestSuite {
  const s = root.testsuite?.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no suite ${name}`);
  return s;
}

function testcase(root: TestSuites, suiteName: string, name: string): TestCase {
  const c = suite(root, suiteName).testcase?.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no testcase ${name} in ${suiteName}`);
  return c;
}

test('totals: fail and xpass are failures, error an error, skip skipped, xfail passed', async (t) => {
  const root = await parsed(sampleRun());
  t.is(root.name, 'dtlsprobe openssl OpenSSL 3.0.13 30 Jan 2024');
  t.is(root.tests, 9);
  t.is(root.failures, 3);
  t.is(root.errors, 1);
  t.is((root as Record<string, unknown>).skipped, 1);
  t.is(root.time, 8.123);
});

test('one testsuite per role and group, with counts, time, timestamp and hostname', async (t) => {
  const root = await parsed(sampleRun());
  t.deepEqual(root.testsuite?.map((s) => s.name), ['server/server-cookie', 'server/server-ems', 'client/client-alpn', 'client/client-retransmit']);
  const cookie = suite(root, 'server/server-cookie');
  t.like(cookie, { tests: 3, failures: 1, errors: 0, skipped: 0, time: 0.038, timestamp: '2025-03-01T12:00:00', hostname: 'ci-runner-7', package: 'dtlsprobe.server.server-cookie' });
  t.like(suite(root, 'server/server-ems'), { tests: 3, failures: 1, errors: 1, skipped: 1, time: 5.016 });
  t.like(suite(root, 'client/client-retransmit'), { tests: 2, failures: 1, errors: 0, skipped: 0 });
});

test('testcases carry classname dtlsprobe.<role>.<group>, the probe name and seconds', async (t) => {
  const root = await parsed(sampleRun());
  const c = testcase(root, 'client/client-alpn', 'alpn-offer');
  t.is(c.classname, 'dtlsprobe.client.client-alpn');
  t.is(c.time, 0.013);
  t.is(c.failure, undefined);
  t.is(c.error, undefined);
  t.is(c.skipped, undefined);
  const names = suite(root, 'server/server-cookie').testcase?.map((x) => x.name);
  t.deepEqual(names, ['cookie-exchange', 'cookie-mismatch', 'hvr-no-retransmit']);
});

test('a fail is a failure with the reason as message, and the ids, replay, steps and transcript in the body', async (t) => {
  const root = await parsed(sampleRun());
  const f = testcase(root, 'server/server-cookie', 'cookie-mismatch').failure?.[0];
  t.is(f?.message, 'expected HelloVerifyRequest, got ServerHello (the forged cookie was accepted)');
  t.is(f?.type, 'dtlsprobe.fail');
  const body = f?.inner ?? '';
  t.true(body.includes('requirements: RFC6347-4.2.1-cookie-mismatch'));
  t.true(body.includes('replay: dtlsprobe run --impl openssl --probe cookie-mismatch --seed 12'));
  t.true(body.includes('  3. ExpectHelloVerifyRequest: got ServerHello'));
  t.regex(body, /\+1\.250 ms received 48 bytes {2}HelloVerifyRequest \(seq 0\)\n {4}16fefd0000/);
});

test('an xpass is a failure that says the expectation is stale', async (t) => {
  const root = await parsed(sampleRun());
  const f = testcase(root, 'server/server-ems', 'ems-resume-legacy').failure?.[0];
  t.is(f?.type, 'dtlsprobe.xpass');
  t.is(f?.message, 'passed, but the expectations say it fails: expected to resume the legacy session (fixed upstream in 3.2?) (a stale expectation)');
  t.true((f?.inner ?? '').includes('requirements: RFC7627-5.3-server-full, RFC5246-7.3-abbreviated'));
});

test('an error is an <error>, a skip a <skipped> with its reason', async (t) => {
  const root = await parsed(sampleRun());
  const e = testcase(root, 'server/server-ems', 'ems-resume-abort').error?.[0];
  t.is(e?.message, 'the implementation did not start: bind: address 127.0.0.1:4433 in use');
  t.is(e?.type, 'dtlsprobe.error');
  t.true((e?.inner ?? '').includes('transcript:\n  (no datagrams)'));
  const s = testcase(root, 'server/server-ems', 'ems-required').skipped?.[0];
  t.is(s?.message, 'the implementation cannot be configured to require extended_master_secret');
});

test('an xfail passes, with a system-out saying it failed as expected and why', async (t) => {
  const root = await parsed(sampleRun());
  const c = testcase(root, 'server/server-cookie', 'hvr-no-retransmit');
  t.is(c.failure, undefined);
  const out = c['system-out']?.[0] ?? '';
  t.true(out.startsWith('failed as expected: known: resends HelloVerifyRequest after 1 s (upstream issue 1234)'));
  t.true(out.includes('HelloVerifyRequest again'));
});

test('properties: implementation, version, seed and requirement ids on suites; ids and seed on cases', async (t) => {
  const root = await parsed(sampleRun());
  const props = Object.fromEntries((suite(root, 'client/client-retransmit').properties ?? []).map((p) => [p.name, p.value]));
  t.like(props, { implementation: 'openssl', 'implementation.version': 'OpenSSL 3.0.13 30 Jan 2024', seed: 424242, role: 'client' });
  t.is(props.requirements, 'RFC6347-4.2.4.1-timer-double,RFC6347-4.2.4.1-timer-initial,RFC6347-4.2.4-final-flight-resend');
  // junit2json reads <properties> in a testcase too, though its TestCase type leaves the field out.
  const finished: TestCase & { properties?: Property[] } = testcase(root, 'client/client-retransmit', 'finished-resend');
  const caseProps = Object.fromEntries((finished.properties ?? []).map((p) => [p.name, p.value]));
  t.like(caseProps, { requirements: 'RFC6347-4.2.4-final-flight-resend,RFC6347-4.2.4.1-timer-initial', seed: 23, outcome: 'fail' });
});

test('markup characters in names, reasons and steps survive the round trip', async (t) => {
  const reason = `got <ServerHello> & "alert" 'fatal' ]]> in epoch 0\nsecond line\ttabbed`;
  const run: RunResult = {
    ...sampleRun(),
    implementation: { name: 'custom', version: 'a<b & "c"' },
    probes: [probe({ name: `x<y>&"'z`, group: 'g&h', role: 'server', outcome: 'fail', reason, steps: ['Expect<Alert & "x">'] })],
    roles: ['server'],
  };
  const root = await parsed(run);
  t.is(root.name, 'dtlsprobe custom a<b & "c"');
  const c = testcase(root, 'server/g&h', `x<y>&"'z`);
  t.is(c.classname, 'dtlsprobe.server.g&h');
  t.is(c.failure?.[0]?.message, reason);
  t.true((c.failure?.[0]?.inner ?? '').startsWith(`${reason}\n`));
  t.true((c.failure?.[0]?.inner ?? '').includes('1. Expect<Alert & "x">'));
});

test('control characters and lone surrogates become visible text, and the file still parses', async (t) => {
  const reason = 'bad byte \u0001 here, NUL \u0000, ESC \u001b, lone \ud800, keep é and 🔒 and U+0085 \u0085';
  const run: RunResult = { ...sampleRun(), roles: ['client'], probes: [probe({ name: 'ctl\u0007', group: 'client-x', role: 'client', outcome: 'error', reason, steps: ['step\u000b'] })] };
  const xml = runToJunit(run, { hostname: 'h' });
  t.false(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(xml));
  const root = await parsed(run);
  const c = testcase(root, 'client/client-x', 'ctl\\u0007');
  t.is(c.error?.[0]?.message, 'bad byte \\u0001 here, NUL \\u0000, ESC \\u001b, lone \\ud800, keep é and 🔒 and U+0085 \u0085');
  t.true((c.error?.[0]?.inner ?? '').includes('1. step\\u000b'));
});

test('escaping helpers: attributes keep whitespace as references, text keeps it literal', (t) => {
  t.is(xmlAttr(`<&>"'\t\n\r`), '&lt;&amp;&gt;&quot;&apos;&#9;&#10;&#13;');
  t.is(xmlText(`<&>"'\t\n\r`), `&lt;&amp;&gt;"'\t\n&#13;`);
  t.is(xmlText('a\u0002b\uffffc'), 'a\\u0002b\\uffffc');
});

test('the timestamp is the run date in UTC without a zone, as the JUnit schema has it', async (t) => {
  const root = await parsed({ ...sampleRun(), date: '2025-03-01T14:30:05.250+02:00' });
  t.is(suite(root, 'server/server-cookie').timestamp, '2025-03-01T12:30:05');
});

test('a run with no probes is an empty <testsuites> that still parses', async (t) => {
  const root = await parse(runToJunit({ ...sampleRun(), probes: [] }, { hostname: 'h' }));
  t.like(root, { tests: 0, failures: 0, errors: 0 });
});
