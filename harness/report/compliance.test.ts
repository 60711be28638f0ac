import test from 'ava';
import type { Requirement } from '../../spec/requirement.ts';
import { REQUIREMENTS } from '../../spec/requirement.ts';
import type { RunResult } from './model.ts';
import { complianceHeadline, complianceOf, complianceTable, complianceToJson, evidenceOf, verdictOf } from './compliance.ts';
import type { Compliance, RequirementVerdict } from './compliance.ts';
import { probe, sampleRun } from './fixtures.ts';

function entry(c: Compliance, id: string): RequirementVerdict {
  const r = c.requirements.find((x) => x.id === id);
  if (r === undefined) throw new Error(`no verdict for ${id}`);
  return r;
}

const names = (refs: readonly { name: string }[]): string[] => refs.map((r) => r.name);

test('a failed probe violates what it cites', (t) => {
  const r = entry(complianceOf(sampleRun()), 'RFC6347-4.2.1-cookie-mismatch');
  t.is(r.verdict, 'violated');
  t.deepEqual(names(r.failed), ['cookie-mismatch']);
  t.is(r.failed[0].reason, 'expected HelloVerifyRequest, got ServerHello (the forged cookie was accepted)');
  t.is(r.level, 'SHOULD');
});

test('an expected failure still violates: the expectation excuses the run, not the implementation', (t) => {
  const r = entry(complianceOf(sampleRun()), 'RFC6347-3.2.1-hvr-no-retransmit');
  t.is(r.verdict, 'violated');
  t.deepEqual(r.failed.map((p) => p.outcome), ['xfail']);
});

test('one failure outweighs a pass, and the pass is kept beside it', (t) => {
  const r = entry(complianceOf(sampleRun()), 'RFC6347-4.2.4.1-timer-initial');
  t.is(r.verdict, 'violated');
  t.deepEqual(names(r.failed), ['finished-resend']);
  t.deepEqual(names(r.passed), ['timer-double']);
  t.deepEqual(evidenceOf(r), r.failed);
});

test('passes satisfy, and an unexpected pass counts as a pass', (t) => {
  const c = complianceOf(sampleRun());
  t.is(entry(c, 'RFC6347-4.2.1').verdict, 'satisfied');
  t.is(entry(c, 'RFC7301-3.1').verdict, 'satisfied');
  const xpass = entry(c, 'RFC7627-5.3-server-full');
  t.is(xpass.verdict, 'satisfied');
  t.deepEqual(xpass.passed.map((p) => p.outcome), ['xpass']);
});

test('a requirement whose only probe was skipped or erred is untested, with that probe listed', (t) => {
  const c = complianceOf(sampleRun());
  const skipped = entry(c, 'RFC7627-5.2-ems-required');
  t.is(skipped.verdict, 'untested');
  t.deepEqual(skipped.notRun.map((p) => p.outcome), ['skip']);
  const erred = entry(c, 'RFC7627-5.3-server-abort');
  t.is(erred.verdict, 'untested');
  t.deepEqual(evidenceOf(erred).map((p) => p.outcome), ['error']);
});

test('a requirement no probe cites is untested with no probes', (t) => {
  const r = entry(complianceOf(sampleRun()), 'RFC6347-4.1.2.6-replay');
  t.is(r.verdict, 'untested');
  t.deepEqual([r.failed, r.passed, r.notRun], [[], [], []]);
});

test('a pass beside a skip satisfies, with the skipped probe shown under notRun', (t) => {
  const run: RunResult = {
    ...sampleRun(),
    probes: [
      probe({ name: 'a', group: 'g', role: 'server', outcome: 'pass', requirements: ['RFC6347-4.2.1-cookie'] }),
      probe({ name: 'b', group: 'g', role: 'server', outcome: 'skip', requirements: ['RFC6347-4.2.1-cookie'], reason: 'no cookies' }),
    ],
  };
  const r = entry(complianceOf(run), 'RFC6347-4.2.1-cookie');
  t.is(r.verdict, 'satisfied');
  t.deepEqual(names(r.notRun), ['b']);
});

test('verdictOf over every combination of outcomes', (t) => {
  t.is(verdictOf([]), 'untested');
  t.is(verdictOf(['skip', 'error']), 'untested');
  t.is(verdictOf(['pass', 'error']), 'satisfied');
  t.is(verdictOf(['xpass']), 'satisfied');
  t.is(verdictOf(['pass', 'xpass', 'fail']), 'violated');
  t.is(verdictOf(['skip', 'xfail']), 'violated');
});

test('only the sources the probes cite are listed, every entry of them, in catalogue order', (t) => {
  const c = complianceOf(sampleRun());
  t.deepEqual(c.sources, ['RFC5246', 'RFC6347', 'RFC7301', 'RFC7627']);
  const expected = REQUIREMENTS.filter((r) => c.sources.includes(r.source)).map((r) => r.id);
  t.deepEqual(c.requirements.map((r) => r.id), expected);
  t.false(c.requirements.some((r) => r.source === 'RFC9147' || r.source === 'seed'));
  t.deepEqual(c.counts, { violated: 4, satisfied: 6, untested: expected.length - 10 });
});

test('ids missing from the catalogue are reported with the probes citing them', (t) => {
  const run: RunResult = {
    ...sampleRun(),
    probes: [
      ...sampleRun().probes,
      probe({ name: 'typo', group: 'client-alpn', role: 'client', outcome: 'pass', requirements: ['RFC7301-3.9-made-up', 'RFC7301-3.1'] }),
      probe({ name: 'other-rfc', group: 'client-alpn', role: 'client', outcome: 'fail', requirements: ['RFC9999-1'] }),
    ],
  };
  const c = complianceOf(run);
  t.deepEqual(c.unknownIds.map((u) => [u.id, names(u.probes)]), [['RFC7301-3.9-made-up', ['typo']], ['RFC9999-1', ['other-rfc']]]);
  t.true(c.sources.includes('RFC9999'));
  t.deepEqual(names(entry(c, 'RFC7301-3.1').passed), ['alpn-offer', 'typo']);
  t.regex(complianceHeadline(c), /; 2 unknown requirement ids cited$/);
});

test('a probe citing an id twice counts once', (t) => {
  const run: RunResult = { ...sampleRun(), probes: [probe({ name: 'a', group: 'g', role: 'server', outcome: 'fail', requirements: ['RFC7301-3.1', 'RFC7301-3.1'] })] };
  t.is(entry(complianceOf(run), 'RFC7301-3.1').failed.length, 1);
});

test('another catalogue can be given', (t) => {
  const catalogue: Requirement[] = [
    { id: 'RFC6347-4.2.1', source: 'RFC6347', section: '4.2.1', level: 'documented', summary: 'cookie exchange' },
    { id: 'RFC6347-9.9-extra', source: 'RFC6347', section: '9.9', level: 'MUST', summary: 'an extra one' },
  ];
  const c = complianceOf(sampleRun(), catalogue);
  t.deepEqual(c.requirements.map((r) => [r.id, r.verdict]), [['RFC6347-4.2.1', 'satisfied'], ['RFC6347-9.9-extra', 'untested']]);
  t.true(c.unknownIds.some((u) => u.id === 'RFC6347-4.2.1-cookie-mismatch'));
});

test('a run without probes has nothing to say', (t) => {
  const c = complianceOf({ ...sampleRun(), probes: [] });
  t.deepEqual([c.sources, c.requirements, c.unknownIds], [[], [], []]);
  t.is(complianceHeadline(c), '0 violated, 0 satisfied, 0 untested of 0 requirements (no requirements cited)');
});

test('compliance.json carries its schema id, the run it came from, and parses back', (t) => {
  const c = complianceOf(sampleRun());
  const text = complianceToJson(c);
  t.true(text.endsWith('}\n'));
  const back = JSON.parse(text) as Compliance;
  t.deepEqual(back, c);
  t.is(back.schema, 'dtlsprobe.compliance/1');
  t.deepEqual(back.implementation, { name: 'openssl', version: 'OpenSSL 3.0.13 30 Jan 2024' });
  t.is(back.seed, 424242);
});

test('the table puts violations first and names the probes behind each verdict', (t) => {
  const table = complianceTable(complianceOf(sampleRun()), (s) => s).split('\n');
  t.is(table[0], '| Requirement | Level | Verdict | Probes |');
  t.is(table[2], '| RFC6347-3.2.1-hvr-no-retransmit | documented | violated | server/server-cookie/hvr-no-retransmit (xfail) |');
  t.true(table.includes('| RFC6347-4.2.4.1-timer-initial | SHOULD | violated | client/client-retransmit/finished-resend (fail); also: client/client-retransmit/timer-double (pass) |'));
  t.true(table.includes('| RFC7627-5.3-server-full | MUST NOT | satisfied | server/server-ems/ems-resume-legacy (xpass) |'));
  t.true(table.includes('| RFC7627-5.2-ems-required | SHOULD | untested | server/server-ems/ems-required (skip) |'));
  t.true(table.includes('| RFC6347-4.1.2.6-replay | MUST | untested | — |'));
  const firstSatisfied = table.findIndex((l) => l.includes('| satisfied |'));
  const lastViolated = table.map((l) => l.includes('| violated |')).lastIndexOf(true);
  t.true(lastViolated < firstSatisfied);
});
