/**
 * The expected texts below are written from tlsfuzzer's scripts, tlsfuzzer/tlsfuzzer @ 0b793088,
 * `tlsfuzzer/_apps/test_conversation.py`, `main()` (the same block closes every script; see also
 * `scripts/test-record-size-limit.py` and `scripts/test-tls13-*.py`):
 *   per test:   print("{0} ...".format(c_name)); then print("OK\n"), or print("Error while processing")
 *               + print(traceback.format_exc()), then under -x print("OK-expected failure\n"),
 *               print("Expected error message: {0}\n".format(...)) or
 *               print("XPASS-expected failure but test passed\n")
 *   summary:    print("Test end"); print(20 * '='); print("version: {0}".format(version));
 *               print(20 * '='); print("TOTAL: {0}".format(len(sampled_tests) + 2*len(sanity_tests)));
 *               print("SKIP: {0}".format(len(run_exclude.intersection(conversations.keys()))));
 *               PASS, XFAIL, FAIL, XPASS the same way; print(20 * '=');
 *               then, when non-empty, print("XPASSED:\n\t{0}".format('\n\t'.join(repr(i) for i in sort)))
 *               and the same for "FAILED:", each list sorted with key=natural_sort_keys
 *               (tlsfuzzer/utils/lists.py: re.split('([0-9]+)'), digits as int, text lowercased).
 */
import test from 'ava';
import type { Outcome, ProbeResult } from './model.ts';
import { formatProbeLines, naturalCompare, pythonRepr, RULE, tlsfuzzerCounts, tlsfuzzerReport, tlsfuzzerSummary } from './tlsfuzzer.ts';

function r(name: string, outcome: Outcome, reason?: string, role: 'server' | 'client' = 'server'): ProbeResult {
  return { name, group: 'server-x', role, title: name, requirements: ['X'], outcome, ...(reason === undefined ? {} : { reason }), seed: 7, durationMs: 1, clockMs: 1, clock: 'virtual', steps: [], transcript: [] };
}

test('the rule is twenty equals signs', (t) => {
  t.is(RULE, '====================');
});

test('repr() as Python 3 writes it', (t) => {
  t.is(pythonRepr('sanity'), "'sanity'");
  t.is(pythonRepr("Jan's probe"), `"Jan's probe"`);
  t.is(pythonRepr(`a'b"c`), `'a\\'b"c'`);
  t.is(pythonRepr('a\\b\tc\nd\re'), "'a\\\\b\\tc\\nd\\re'");
  t.is(pythonRepr('\x00\x1f\x7f'), "'\\x00\\x1f\\x7f'");
  t.is(pythonRepr('é ü €'), "'é ü €'");
  t.is(pythonRepr('\u00a0\u0085'), "'\\xa0\\x85'");
  t.is(pythonRepr('\u200b\u2028'), "'\\u200b\\u2028'");
  t.is(pythonRepr('\u{e0001}\u{1f600}'), "'\\U000e0001\u{1f600}'");
});

test('natural order: numbers by value, text without case', (t) => {
  t.deepEqual(['ab100', 'ab20', 'AB3', 'ab', 'fragment 10', 'fragment 9', 'Zeta', 'alpha'].sort(naturalCompare), ['ab', 'AB3', 'ab20', 'ab100', 'alpha', 'fragment 9', 'fragment 10', 'Zeta']);
  t.deepEqual(['x007', 'x7', 'X7'].sort(naturalCompare), ['x007', 'x7', 'X7'], 'equal keys keep their order, as sorted() does');
});

test('per-probe lines for every verdict', (t) => {
  t.deepEqual(formatProbeLines('sanity', { outcome: 'pass' }), ['sanity ...', 'OK', '']);
  t.deepEqual(formatProbeLines('cookie-mismatch', { outcome: 'fail', reason: 'Expected HelloVerifyRequest\ngot ServerHello' }), [
    'cookie-mismatch ...',
    'Error while processing',
    'Expected HelloVerifyRequest',
    'got ServerHello',
    '',
  ]);
  t.deepEqual(formatProbeLines('cookie-mismatch', { outcome: 'xfail', reason: 'Expected HelloVerifyRequest' }), [
    'cookie-mismatch ...',
    'Error while processing',
    'Expected HelloVerifyRequest',
    '',
    'OK-expected failure',
    '',
  ]);
  t.deepEqual(formatProbeLines('cookie-mismatch', { outcome: 'fail', reason: 'timed out', missingMessage: 'handshake_failure' }), [
    'cookie-mismatch ...',
    'Error while processing',
    'timed out',
    '',
    'Expected error message: handshake_failure',
    '',
  ]);
  t.deepEqual(formatProbeLines('cookie-mismatch', { outcome: 'xpass' }), ['cookie-mismatch ...', 'XPASS-expected failure but test passed', '']);
  t.deepEqual(formatProbeLines('cid', { outcome: 'skip', reason: 'needs feature cid' }), ['cid ...', 'Skipped: needs feature cid', '']);
  t.deepEqual(formatProbeLines('x', { outcome: 'error', reason: 'PASS: 3\n' }), ['x ...', 'Error while processing', '  PASS: 3', ''], 'a count-like line is indented for log parsers');
});

test('the summary, line for line, with sanity counted twice', (t) => {
  const results = [
    r('sanity', 'pass'),
    r('fragment 10', 'fail', 'no ServerHello'),
    r("Jan's probe", 'xpass'),
    r('cookie-mismatch', 'xfail', 'x'),
    r('fragment 9', 'error', 'port taken'),
    r('cid', 'skip', 'needs cid'),
    r('sanity', 'pass'),
  ];
  const expected = [
    'Test end',
    '====================',
    'version: 3',
    '====================',
    'TOTAL: 6',
    'SKIP: 3',
    'PASS: 2',
    'XFAIL: 1',
    'FAIL: 2',
    'XPASS: 1',
    '====================',
    'XPASSED:',
    `\t"Jan's probe"`,
    'FAILED:',
    "\t'fragment 9'",
    "\t'fragment 10'",
    '',
  ].join('\n');
  t.is(tlsfuzzerSummary(results, 3, { excluded: 2 }), expected);
  t.deepEqual(tlsfuzzerCounts(results, 2), { total: 6, skip: 3, pass: 2, xfail: 1, fail: 2, xpass: 1 });
});

test('a clean run prints no lists', (t) => {
  t.is(
    tlsfuzzerSummary([r('sanity', 'pass'), r('a', 'pass'), r('sanity', 'pass')], 1),
    'Test end\n====================\nversion: 1\n====================\nTOTAL: 3\nSKIP: 0\nPASS: 3\nXFAIL: 0\nFAIL: 0\nXPASS: 0\n====================\n',
  );
});

test('a sanity probe failing first and last is listed twice, as tlsfuzzer appends it each time', (t) => {
  const text = tlsfuzzerSummary([r('sanity', 'fail', 'x'), r('sanity', 'fail', 'x')], 1);
  t.true(text.endsWith("FAILED:\n\t'sanity'\n\t'sanity'\n"));
});

test('results of both roles are named role/name', (t) => {
  const text = tlsfuzzerSummary([r('sanity', 'fail', 'x', 'client'), r('sanity', 'pass')], 1);
  t.true(text.endsWith("FAILED:\n\t'client/sanity'\n"));
});

test('a whole report: probes, description, summary', (t) => {
  const results = [r('sanity', 'pass'), r('cookie-mismatch', 'fail', 'timed out'), r('sanity', 'pass')];
  const text = tlsfuzzerReport(results, 2, ['Cookie exchange (RFC 6347 4.2.1)'], { missingMessages: new Map([[1, 'unexpected_message']]) });
  t.is(
    text,
    [
      'sanity ...',
      'OK',
      '',
      'cookie-mismatch ...',
      'Error while processing',
      'timed out',
      '',
      'Expected error message: unexpected_message',
      '',
      'sanity ...',
      'OK',
      '',
      'Cookie exchange (RFC 6347 4.2.1)',
      '',
      'Test end',
      RULE,
      'version: 2',
      RULE,
      'TOTAL: 3',
      'SKIP: 0',
      'PASS: 2',
      'XFAIL: 0',
      'FAIL: 1',
      'XPASS: 0',
      RULE,
      'FAILED:',
      "\t'cookie-mismatch'",
      '',
    ].join('\n'),
  );
});
