import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outcome, ProbeResult } from '../report/model.ts';
import {
  applyExpectation,
  expectationsFor,
  expectationsPathFor,
  ExpectationsError,
  globToRegExp,
  loadExpectations,
  NO_EXPECTATIONS,
  parseExpectations,
} from './expectations.ts';
import { parseJsonText } from './json-text.ts';

const IDS = ['server/sanity', 'server/cookie-mismatch', 'server/cookie-missing', 'server/fragment-1', 'server/fragment-12', 'client/sanity', 'client/alpn-mismatch'];

const FILE = JSON.stringify({
  implementation: 'openssl',
  DisabledTests: { 'client/**': 's_client cannot be scripted to send data' },
  ExpectedFailures: {
    'server/cookie-*': 'RFC 6347 §4.2.1: the server MUST verify the cookie',
    'server/cookie-missing': 'exact entry wins over the glob',
  },
});

function result(id: string, outcome: Outcome): ProbeResult {
  const [role, name] = id.split('/') as ['server' | 'client', string];
  return { name, group: `${role}-x`, role, title: name, requirements: ['X'], outcome, seed: 1, durationMs: 0, clockMs: 0, clock: 'virtual', steps: [], transcript: [] };
}

function parseError(text: string, ids?: readonly string[]): string {
  const e = (() => {
    try {
      parseExpectations(text, 'openssl.json', ids);
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  if (!(e instanceof ExpectationsError)) throw new Error(`expected an ExpectationsError for ${text}`);
  return e.message;
}

test('globs: * and ? stay within a segment, ** crosses segments', (t) => {
  t.true(globToRegExp('server/*').test('server/cookie-mismatch'));
  t.false(globToRegExp('server/*').test('server/a/b'));
  t.true(globToRegExp('server/**').test('server/a/b'));
  t.true(globToRegExp('**').test('client/alpn'));
  t.true(globToRegExp('*/sanity').test('client/sanity'));
  t.false(globToRegExp('*').test('client/sanity'));
  t.true(globToRegExp('server/fragment-?').test('server/fragment-1'));
  t.false(globToRegExp('server/fragment-?').test('server/fragment-12'));
  t.false(globToRegExp('server/frag.ent-1').test('server/fragXent-1'), 'a dot is literal');
});

test('lookups: disabled and expected failures with their reasons; an exact key wins over an earlier glob', (t) => {
  const e = parseExpectations(FILE, 'openssl.json');
  t.is(e.source, 'openssl.json');
  t.is(e.implementation, 'openssl');
  t.is(e.disabled('client/sanity'), 's_client cannot be scripted to send data');
  t.is(e.disabled('server/sanity'), undefined);
  t.is(e.expectedFailure('server/cookie-mismatch'), 'RFC 6347 §4.2.1: the server MUST verify the cookie');
  t.is(e.expectedFailure('server/cookie-missing'), 'exact entry wins over the glob');
  t.is(e.expectedFailure('server/sanity'), undefined);
});

test('sections are optional', (t) => {
  const e = parseExpectations('{"implementation": "gnutls"}', 'gnutls.json');
  t.is(e.disabled('server/sanity'), undefined);
  t.deepEqual(e.stale([], IDS), []);
});

test('bad JSON is reported with the file, line and column', (t) => {
  t.is(parseError('{\n  "implementation": "x",\n  "DisabledTests": {,}\n}'), 'openssl.json: not valid JSON: line 3, column 21: expected a property name in double quotes, found ","');
  t.regex(parseError('{"implementation": "x",}'), /^openssl\.json: not valid JSON: line 1, column 24: trailing comma/);
  t.regex(parseError(''), /line 1, column 1: expected a value, found end of input/);
});

test('a key given twice is an error, not a silent overwrite', (t) => {
  t.regex(parseError('{"implementation": "x", "DisabledTests": {"server/a": "r", "server/a": "s"}}'), /line 1, column 60: duplicate key "server\/a"/);
});

test('the shape is checked: top-level keys, implementation, sections, reasons, globs', (t) => {
  t.is(parseError('[]'), 'openssl.json: the file must hold a JSON object, found an array');
  t.regex(parseError('{"implementation": "x", "ErrorMap": {}}'), /^openssl\.json: unknown top-level key "ErrorMap"/);
  t.regex(parseError('{"DisabledTests": {}}'), /"implementation" must be a non-empty string/);
  t.regex(parseError('{"implementation": "x", "DisabledTests": ["server/a"]}'), /"DisabledTests" must be an object of glob -> reason, found an array/);
  t.is(parseError('{"implementation": "x", "DisabledTests": {"server/a": 3}}'), 'openssl.json: DisabledTests "server/a": the reason must be a string, found a number');
  t.regex(parseError('{"implementation": "x", "ExpectedFailures": {"server/a": "  "}}'), /^openssl\.json: ExpectedFailures "server\/a": the reason is empty; say why, quoting the RFC text/);
  t.regex(parseError('{"implementation": "x", "DisabledTests": {"server/[ab]": "r"}}'), /DisabledTests "server\/\[ab\]": bad glob: it has "\[" at 8/);
  t.regex(parseError('{"implementation": "x", "DisabledTests": {"server/a b": "r"}}'), /bad glob: it has whitespace at 9/);
  t.regex(parseError('{"implementation": "x", "DisabledTests": {"server/***": "r"}}'), /bad glob: it has "\*\*\*"/);
  t.regex(parseError('{"implementation": "x", "DisabledTests": {"server/": "r"}}'), /bad glob: it has an empty segment/);
  t.regex(parseError('{"implementation": "x", "DisabledTests": {"": "r"}}'), /DisabledTests "": bad glob: it is empty/);
});

test('a probe cannot be both disabled and expected to fail', (t) => {
  t.regex(parseError('{"implementation": "x", "DisabledTests": {"server/a": "r"}, "ExpectedFailures": {"server/a": "s"}}'), /"server\/a" is both in DisabledTests and in ExpectedFailures/);
  const overlapping = '{"implementation": "x", "DisabledTests": {"server/cookie-*": "r"}, "ExpectedFailures": {"server/*-mismatch": "s"}}';
  t.notThrows(() => parseExpectations(overlapping, 'x.json'), 'without probe ids only identical globs can be caught');
  t.is(
    parseError(overlapping, IDS),
    'openssl.json: probe server/cookie-mismatch is both disabled (DisabledTests "server/cookie-*") and expected to fail (ExpectedFailures "server/*-mismatch"); a probe is either skipped or run',
  );
});

test('stale entries: a glob matching no probe, an expected failure that passed (once per probe)', (t) => {
  const e = parseExpectations(
    JSON.stringify({
      implementation: 'openssl',
      DisabledTests: { 'client/**': 'r', 'server/renegotiation-*': 'gone' },
      ExpectedFailures: { 'server/cookie-*': 'RFC 6347 §4.2.1', 'server/fragment-?': 'RFC 6347 §4.2.3', 'server/epoch-*': 'old' },
    }),
    'openssl.json',
  );
  const results = [
    result('server/sanity', 'pass'),
    result('server/cookie-mismatch', 'xpass'),
    result('server/cookie-missing', 'xfail'),
    result('server/fragment-1', 'pass'),
    result('server/sanity', 'pass'),
    result('server/cookie-mismatch', 'xpass'),
  ];
  t.deepEqual(e.stale(results, IDS), [
    'openssl.json: DisabledTests "server/renegotiation-*" matches no probe',
    'openssl.json: ExpectedFailures "server/epoch-*" matches no probe',
    'openssl.json: ExpectedFailures "server/cookie-*": probe server/cookie-mismatch passed; the entry is stale, remove it',
    'openssl.json: ExpectedFailures "server/fragment-?": probe server/fragment-1 passed; the entry is stale, remove it',
  ]);
});

test('applying expectations: expected failures become xfail or xpass, errors stay errors', (t) => {
  const e = parseExpectations(FILE, 'openssl.json');
  t.deepEqual(applyExpectation(e, 'server/cookie-mismatch', 'fail', 'got ServerHello, expected HelloVerifyRequest'), {
    outcome: 'xfail',
    reason: 'RFC 6347 §4.2.1: the server MUST verify the cookie; failed with: got ServerHello, expected HelloVerifyRequest',
  });
  t.deepEqual(applyExpectation(e, 'server/cookie-mismatch', 'fail'), { outcome: 'xfail', reason: 'RFC 6347 §4.2.1: the server MUST verify the cookie' });
  t.deepEqual(applyExpectation(e, 'server/cookie-mismatch', 'pass'), { outcome: 'xpass', reason: 'RFC 6347 §4.2.1: the server MUST verify the cookie' });
  t.deepEqual(applyExpectation(e, 'server/cookie-mismatch', 'error', 'port taken'), { outcome: 'error', reason: 'port taken' });
  t.deepEqual(applyExpectation(e, 'server/sanity', 'pass'), { outcome: 'pass' });
  t.deepEqual(applyExpectation(e, 'server/sanity', 'fail', 'no ServerHello'), { outcome: 'fail', reason: 'no ServerHello' });
  t.deepEqual(applyExpectation(NO_EXPECTATIONS, 'server/cookie-mismatch', 'fail', 'x'), { outcome: 'fail', reason: 'x' });
});

test('files: an unreadable file is a clear error; paths live in harness/expectations', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-exp-'));
  try {
    const missing = join(dir, 'nope.json');
    t.is(t.throws(() => loadExpectations(missing), { instanceOf: ExpectationsError }).message, `${missing}: cannot read the expectations file: no such file`);
    t.regex(t.throws(() => loadExpectations(dir), { instanceOf: ExpectationsError }).message, /cannot read the expectations file: it is a directory/);
    const good = join(dir, 'openssl.json');
    writeFileSync(good, FILE);
    t.is(loadExpectations(good).expectedFailure('server/cookie-mismatch'), 'RFC 6347 §4.2.1: the server MUST verify the cookie');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  t.regex(expectationsPathFor('openssl'), /harness[/\\]expectations[/\\]openssl\.json$/);
  t.throws(() => expectationsPathFor('../etc/passwd'), { instanceOf: ExpectationsError });
  t.is(expectationsFor('no-such-implementation-here'), NO_EXPECTATIONS);
});

test('the JSON reader keeps __proto__ as data and rejects what JSON.parse rejects', (t) => {
  t.deepEqual(Object.keys(parseJsonText('{"__proto__": {"a": 1}}') as object), ['__proto__']);
  t.deepEqual(parseJsonText(' [1, -2.5e3, "a\\u00e9\\n", true, false, null, {}] '), [1, -2500, 'aé\n', true, false, null, {}]);
  for (const bad of ['01', '[1,]', '{"a":1', '"\t"', 'nul', '1 2', '-', '"\\x"']) t.throws(() => parseJsonText(bad), undefined, bad);
});
