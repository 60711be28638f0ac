import test from 'ava';
import { computeCoverage, describeRef, extractIdUses, extractProbeUses, findProbeFiles, findTestFiles, leadingIds, type TestRef } from './coverage.ts';
import { PENDING_RENAMES } from './renames.ts';
import type { Requirement } from './requirement.ts';

/**
 * How many catalogue entries carry an `untested` reason. Pinned so the number cannot grow
 * silently: when a test lands for one, remove its mark and lower this.
 */
const UNTESTED_ENTRIES = 2;
/** How many ids test titles use that should be renamed (renames.ts). */
const PENDING_RENAME_COUNT = 0;

const coverage = computeCoverage();

const list = (refs: ReadonlyMap<string, readonly TestRef[]>): string[] =>
  [...refs].flatMap(([id, tests]) => tests.map((t) => `${id} <- ${describeRef(t)}`));

test('every id a test title names is in the catalogue or a pending rename', (t) => {
  t.deepEqual(list(coverage.unknown), [], 'add these to spec/ or fix the titles');
});

test('every catalogue entry has a test or says why not (untested)', (t) => {
  t.deepEqual(coverage.missing.map((r) => `${r.id} (${r.source} §${r.section})`), []);
});

test('an entry marked untested has no test yet: once one names it, the mark goes', (t) => {
  t.deepEqual(coverage.staleUntested.map((r) => `${r.id}: ${r.untested ?? ''}`), []);
});

test(`exactly ${UNTESTED_ENTRIES} entries are marked untested, each listed with its reason`, (t) => {
  const lines = coverage.untested.map((r: Requirement) => `${r.id}: ${r.untested ?? ''}`);
  t.is(coverage.untested.length, UNTESTED_ENTRIES, `untested entries:\n${lines.join('\n')}`);
});

test(`exactly ${PENDING_RENAME_COUNT} pending renames, each still used by a test and pointing into the catalogue`, (t) => {
  t.is(PENDING_RENAMES.length, PENDING_RENAME_COUNT, PENDING_RENAMES.map((r) => `${r.from} -> ${r.to ?? '(no id)'}`).join('\n'));
  t.deepEqual(coverage.staleRenames.map((r) => r.from), [], 'renamed in the tests: remove from renames.ts');
  t.deepEqual(PENDING_RENAMES.filter((r) => r.to !== null && !coverage.byRequirement.has(r.to)).map((r) => r.to), []);
});

test('test files an entry lists in `tests` exist', (t) => {
  t.deepEqual(coverage.missingFiles, []);
});

test('the scan reads test files from every test folder and none from node_modules', (t) => {
  const files = findTestFiles();
  t.true(files.includes('spec/coverage.test.ts'));
  t.true(files.some((f) => f.startsWith('reference/')));
  t.false(files.some((f) => f.includes('node_modules')));
  t.true(files.every((f) => f.endsWith('.test.ts')));
  t.deepEqual(coverage.files, [...files, ...findProbeFiles()]);
});

test('probe definitions count as uses of the ids they list', (t) => {
  const source = `export const P = [{ name: 'x', group: 'g', requirements: ['RFC6347-4.2', 'RFC5246-7.2'], build: () => undefined }];`;
  const uses = extractProbeUses(source, 'harness/suites/x.ts');
  t.deepEqual(uses.map((u) => u.id), ['RFC6347-4.2', 'RFC5246-7.2']);
  t.is(uses[0]!.test.title, 'probe x');
  t.true(findProbeFiles().includes('harness/suites/server-sanity.ts'));
});

/** `[id]`, spelt so that this file's own literals never open with an id the scan would count. */
const br = (...ids: string[]): string => ids.map((id) => `[${id}]`).join('');

test('leadingIds takes the bracketed ids opening a text, adjacent or spaced, and skips other tags', (t) => {
  t.deepEqual(leadingIds(`${br('RFC6347-4.2.4.1-timer-initial', 'RFC6347-4.2.4.1-timer-cap')} deadlines`), ['RFC6347-4.2.4.1-timer-initial', 'RFC6347-4.2.4.1-timer-cap']);
  t.deepEqual(leadingIds(`  ${br('SEED-close-twice-ok')} [wycheproof] ${br('RFC8446-4.2.8')} x`), ['SEED-close-twice-ok', 'RFC8446-4.2.8']);
  t.deepEqual(leadingIds('a title that mentions [RFC6347-4.1] later'), []);
  t.deepEqual(leadingIds('[RFC 6347] is not an id, nor [RFCX-1]'), []);
});

test('extractIdUses reads string, template and table literals with their line, not mid-string mentions', (t) => {
  const q = "'";
  const source = [
    'import test from "ava";',
    `test(${q}[RFC6347-4.1] plain${q}, () => {});`,
    'for (const s of suites) test(`[RFC5246-7.2] [SEED-close-twice-ok] ${name(s)}: close`, () => {});',
    `const cases = [${q}[RFC8422-5.11] from a table${q}];`,
    `test(${q}no id here, though it says [RFC6347-4.1]${q}, () => {});`,
  ].join('\n');
  const uses = extractIdUses(source, 'x.test.ts');
  t.deepEqual(uses.map((u) => [u.id, u.test.line]), [['RFC6347-4.1', 2], ['RFC5246-7.2', 3], ['SEED-close-twice-ok', 3], ['RFC8422-5.11', 4]]);
  t.is(uses[1].test.title, `${br('RFC5246-7.2')} ${br('SEED-close-twice-ok')} \${name(s)}: close`);
});

test('computeCoverage sorts ids into covered, renamed, unknown, untested and missing', (t) => {
  const req = (id: string, extra: Partial<Requirement> = {}): Requirement => ({ id, source: 'seed', section: 's', level: 'documented', summary: 'x.', ...extra });
  const q = "'";
  const c = computeCoverage({
    requirements: [req('SEED-a'), req('SEED-b', { untested: 'later' }), req('SEED-c'), req('SEED-d', { untested: 'later' }), req('SEED-e')],
    renames: [{ from: 'SEED-old', to: 'SEED-e', why: 'w' }, { from: 'SEED-gone', to: null, why: 'w' }],
    sources: [{ file: 'a.test.ts', text: `test(${q}[SEED-a][SEED-zz] t${q}); test(${q}[SEED-d] t${q}); test(${q}[SEED-old] t${q});` }],
  });
  t.deepEqual([...c.byRequirement].map(([id, refs]) => [id, refs.length]), [['SEED-a', 1], ['SEED-b', 0], ['SEED-c', 0], ['SEED-d', 1], ['SEED-e', 1]]);
  t.deepEqual([...c.unknown.keys()], ['SEED-zz']);
  t.deepEqual([...c.renamed.keys()], ['SEED-old']);
  t.deepEqual(c.staleRenames.map((r) => r.from), ['SEED-gone']);
  t.deepEqual(c.untested.map((r) => r.id), ['SEED-b']);
  t.deepEqual(c.staleUntested.map((r) => r.id), ['SEED-d']);
  t.deepEqual(c.missing.map((r) => r.id), ['SEED-c']);
});
