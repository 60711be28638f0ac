import test from 'ava';
import type { RunResult } from './model.ts';
import { formatDuration, mdCell, mdCode, replayCommand, runToMarkdown } from './markdown.ts';
import { complianceOf } from './compliance.ts';
import { probe, sampleRun } from './fixtures.ts';

const lines = (md: string): string[] => md.split('\n');

test('the header names implementation, version, date, seed and duration, and says the run failed', (t) => {
  const md = lines(runToMarkdown(sampleRun()));
  t.is(md[0], '## dtlsprobe: openssl — ❌ 2 failed, 1 erred, 1 passed unexpectedly');
  for (const line of [
    '- **Implementation:** openssl',
    '- **Version:** OpenSSL 3.0.13 30 Jan 2024',
    '- **Command (server):** `openssl s_server -dtls1_2 -accept {port} -cert {cert} -key {key}`',
    '- **Date:** 2025-03-01T12:00:00.000Z',
    '- **Seed:** 424242',
    '- **Duration:** 8.1 s',
    '- **Roles:** server, client',
  ]) t.true(md.includes(line), line);
  t.false(md.some((l) => l.startsWith('- **Shard:**')));
  t.true(lines(runToMarkdown({ ...sampleRun(), shard: { index: 2, count: 3 } })).includes('- **Shard:** 2/3'));
});

test('counts per outcome per role, with a total row', (t) => {
  const md = lines(runToMarkdown(sampleRun()));
  const at = md.indexOf('| Role | pass | fail | xfail | xpass | skip | error | total |');
  t.true(at > 0);
  t.deepEqual(md.slice(at + 2, at + 5), [
    '| server | 1 | 1 | 1 | 1 | 1 | 1 | 6 |',
    '| client | 2 | 1 | 0 | 0 | 0 | 0 | 3 |',
    '| **all** | 3 | 2 | 1 | 1 | 1 | 1 | 9 |',
  ]);
});

test('the non-passing table lists every probe that did not pass, worst first, with reason and ids', (t) => {
  const md = lines(runToMarkdown(sampleRun()));
  const at = md.indexOf('### Not passing (6)');
  t.true(at > 0);
  t.deepEqual(md.slice(at + 2, at + 10), [
    '| Probe | Outcome | Reason | Requirements |',
    '|---|---|---|---|',
    '| server/server-cookie/cookie-mismatch | fail | expected HelloVerifyRequest, got ServerHello (the forged cookie was accepted) | RFC6347-4.2.1-cookie-mismatch |',
    '| client/client-retransmit/finished-resend | fail | no retransmission of the final flight within 60 s; first retransmission came at 3 s | RFC6347-4.2.4-final-flight-resend, RFC6347-4.2.4.1-timer-initial |',
    '| server/server-ems/ems-resume-abort | error | the implementation did not start: bind: address 127.0.0.1:4433 in use | RFC7627-5.3-server-abort |',
    '| server/server-ems/ems-resume-legacy | xpass | expected to resume the legacy session (fixed upstream in 3.2?) | RFC7627-5.3-server-full, RFC5246-7.3-abbreviated |',
    '| server/server-cookie/hvr-no-retransmit | xfail | known: resends HelloVerifyRequest after 1 s (upstream issue 1234) | RFC6347-3.2.1-hvr-no-retransmit |',
    '| server/server-ems/ems-required | skip | the implementation cannot be configured to require extended\\_master\\_secret | RFC7627-5.2-ems-required |',
  ]);
  t.false(md.some((l) => l.startsWith('| server/server-cookie/cookie-exchange |')));
});

test('the compliance table sits folded in a details block', (t) => {
  const md = runToMarkdown(sampleRun());
  const block = /<details>\n<summary>Compliance: 4 violated, 6 satisfied, \d+ untested of \d+ requirements \(RFC5246, RFC6347, RFC7301, RFC7627\)<\/summary>\n\n([^]*?)\n\n<\/details>/.exec(md);
  t.truthy(block);
  const table = block?.[1] ?? '';
  t.true(table.startsWith('| Requirement | Level | Verdict | Probes |'));
  t.true(table.includes('| RFC6347-4.2.1-cookie-mismatch | SHOULD | violated | server/server-cookie/cookie-mismatch (fail) |'));
});

test('unknown requirement ids show as a warning outside the fold', (t) => {
  const run: RunResult = { ...sampleRun(), probes: [probe({ name: 'a', group: 'g', role: 'server', outcome: 'pass', requirements: ['RFC6347-0-nope'] })] };
  const md = runToMarkdown(run);
  t.true(md.includes('> **Warning:** probes cite requirement ids that are not in the catalogue: RFC6347-0-nope (server/g/a (pass))'));
  t.true(md.indexOf('> **Warning:**') < md.indexOf('<details>'));
});

test('the replay section gives the command for each failing, erring or unexpectedly passing probe with its own seed', (t) => {
  const md = runToMarkdown(sampleRun());
  const block = /### Replay a probe\n\n.*\n\n```sh\n([^]*?)\n```/.exec(md);
  t.deepEqual(block?.[1].split('\n'), [
    'dtlsprobe run --impl openssl --probe cookie-mismatch --seed 12',
    'dtlsprobe run --impl openssl --probe finished-resend --seed 23',
    'dtlsprobe run --impl openssl --probe ems-resume-abort --seed 16',
    'dtlsprobe run --impl openssl --probe ems-resume-legacy --seed 15',
  ]);
});

test('a green run says so, and its replay example is the first probe', (t) => {
  const run: RunResult = {
    ...sampleRun(),
    roles: ['client'],
    probes: [probe({ name: 'alpn-offer', group: 'client-alpn', role: 'client', outcome: 'pass', seed: 99 }), probe({ name: 'other', group: 'client-alpn', role: 'client', outcome: 'xfail' })],
  };
  const md = lines(runToMarkdown(run));
  t.is(md[0], '## dtlsprobe: openssl — ✅ passed');
  t.true(md.includes('| client | 1 | 0 | 1 | 0 | 0 | 0 | 2 |'));
  t.false(md.some((l) => l.startsWith('| **all** |')));
  t.true(md.includes('dtlsprobe run --impl openssl --probe alpn-offer --seed 99'));
  const all = lines(runToMarkdown({ ...run, probes: run.probes.slice(0, 1) }));
  t.true(all.includes('All 1 probes passed.'));
});

test('replay adds --role when the other role has a probe of the same name, and quotes odd names', (t) => {
  const run: RunResult = {
    ...sampleRun(),
    implementation: { name: 'my impl', version: '1' },
    probes: [
      probe({ name: 'close', group: 'a', role: 'server', outcome: 'fail', seed: 5 }),
      probe({ name: 'close', group: 'b', role: 'client', outcome: 'pass' }),
      probe({ name: "it's", group: 'b', role: 'client', outcome: 'pass', seed: 6 }),
    ],
  };
  t.is(replayCommand(run, run.probes[0]), "dtlsprobe run --impl 'my impl' --role server --probe close --seed 5");
  t.is(replayCommand(run, run.probes[2]), `dtlsprobe run --impl 'my impl' --probe 'it'\\''s' --seed 6`);
});

test('text from the run cannot break a table cell or inject markup', (t) => {
  t.is(mdCell('a | b'), 'a \\| b');
  t.is(mdCell('<script>x</script> & *bold* _it_ `code` [link](u)'), '&lt;script&gt;x&lt;/script&gt; &amp; \\*bold\\* \\_it\\_ \\`code\\` \\[link\\](u)');
  t.is(mdCell('line one\nline two'), 'line one<br>line two');
  t.is(mdCell('nul\u0000 bell\u0007'), 'nul\\\\u0000 bell\\\\u0007');
  const run: RunResult = { ...sampleRun(), probes: [probe({ name: 'p', group: 'g', role: 'server', outcome: 'fail', reason: 'alert | <fatal>\nthen closed' })] };
  t.true(lines(runToMarkdown(run)).includes('| server/g/p | fail | alert \\| &lt;fatal&gt;<br>then closed | — |'));
});

test('mdCode uses a code span when it can', (t) => {
  t.is(mdCode('openssl s_server -port {port}'), '`openssl s_server -port {port}`');
  t.is(mdCode('has `ticks`'), 'has \\`ticks\\`');
});

test('durations read naturally', (t) => {
  t.is(formatDuration(850.4), '850 ms');
  t.is(formatDuration(8123.4), '8.1 s');
  t.is(formatDuration(123_000), '2 min 3 s');
  t.is(formatDuration(3_725_000), '1 h 2 min');
});

test('the compliance passed in is the one rendered', (t) => {
  const run = sampleRun();
  const c = complianceOf(run, [{ id: 'RFC6347-4.2.1', source: 'RFC6347', section: '4.2.1', level: 'documented', summary: 's' }]);
  t.true(runToMarkdown(run, c).includes('<summary>Compliance: 0 violated, 1 satisfied, 0 untested of 1 requirement (RFC5246, RFC6347, RFC7301, RFC7627); 11 unknown requirement ids cited</summary>'));
});
