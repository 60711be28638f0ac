/**
 * Joins the catalogue to the tests: reads every `*.test.ts` of the test folders with the
 * TypeScript parser and takes the requirement ids that open string and template literals
 * (`'[RFC6347-4.2.4.1-timer-cap] ...'`, `` `[SEED-close-twice-ok] ${x}` ``, several per title).
 * Catching literals rather than `test(` calls also finds titles built in tables and helpers.
 */
import ts from 'typescript';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REQUIREMENTS, type Requirement } from './requirement.ts';
import { PENDING_RENAMES, type PendingRename } from './renames.ts';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folders whose `*.test.ts` files are scanned (node_modules below them is skipped). */
export const TEST_FOLDERS: readonly string[] = ['reference', 'harness', 'fuzz', 'spec', 'interop', 'testkit', 'scripts'];

/** A literal that names requirement ids: its text (`${...}` kept as source), file and line. */
export interface TestRef {
  readonly title: string;
  readonly file: string;
  readonly line: number;
}

export interface IdUse {
  readonly id: string;
  readonly test: TestRef;
}

/** Ids are bracketed tokens starting with these; others (`[wycheproof]`) are tags, not ids. */
const ID_TOKEN = /^(?:RFC\d+-|SEED-)[0-9A-Za-z.-]+$/;
const LEADING_TAGS = /^\s*((?:\[[^\]\s]+\]\s*)+)/;

/** The ids at the start of one literal's text, in order. */
export function leadingIds(text: string): string[] {
  const m = LEADING_TAGS.exec(text);
  if (m === null) return [];
  return [...m[1].matchAll(/\[([^\]\s]+)\]/g)].map((t) => t[1]).filter((t) => ID_TOKEN.test(t));
}

function literalText(node: ts.Node, sf: ts.SourceFile): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((s) => `\${${s.expression.getText(sf)}}${s.literal.text}`).join('');
  }
  return undefined;
}

/** Every id use in one test file's source. */
export function extractIdUses(source: string, file: string): IdUse[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const uses: IdUse[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node, sf);
    if (text !== undefined) {
      const ids = leadingIds(text);
      if (ids.length > 0) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        const test: TestRef = { title: text.trim(), file, line };
        for (const id of ids) uses.push({ id, test });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return uses;
}

/**
 * Probes are tests too: each runs against the reference in `harness/suites/reference.test.ts`
 * (and against every implementation in a `dtlsprobe run`). A probe is an object literal with a
 * string `name` and a `requirements` array of string literals; each id it lists is a use.
 */
export function extractProbeUses(source: string, file: string): IdUse[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const uses: IdUse[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      let name: string | undefined;
      let ids: ts.ArrayLiteralExpression | undefined;
      for (const p of node.properties) {
        if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) continue;
        if (p.name.text === 'name' && ts.isStringLiteral(p.initializer)) name = p.initializer.text;
        if (p.name.text === 'requirements' && ts.isArrayLiteralExpression(p.initializer)) ids = p.initializer;
      }
      if (name !== undefined && ids !== undefined) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        const test: TestRef = { title: `probe ${name}`, file, line };
        for (const e of ids.elements) if (ts.isStringLiteral(e)) uses.push({ id: e.text, test });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return uses;
}

/** Folders whose non-test `*.ts` files define probes. */
export const PROBE_FOLDERS: readonly string[] = ['harness/suites'];

/** The probe definition files, as sorted '/'-separated paths from `root`. */
export function findProbeFiles(root: string = REPO_ROOT): string[] {
  const out: string[] = [];
  for (const folder of PROBE_FOLDERS) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(`${folder}/${entry.name}`);
    }
  }
  return out.sort();
}

/** The `*.test.ts` files of the test folders, as sorted '/'-separated paths from `root`. */
export function findTestFiles(root: string = REPO_ROOT, folders: readonly string[] = TEST_FOLDERS): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  for (const folder of folders) {
    const dir = join(root, folder);
    if (existsSync(dir)) walk(dir);
  }
  return out.sort();
}

export interface Coverage {
  /** The test files read. */
  readonly files: readonly string[];
  /** Every catalogue id, with the tests that name it (pending renames credited to their target). */
  readonly byRequirement: ReadonlyMap<string, readonly TestRef[]>;
  /** Ids tests use that are neither in the catalogue nor pending renames. */
  readonly unknown: ReadonlyMap<string, readonly TestRef[]>;
  /** Pending renames still used by tests, by the id they use today. */
  readonly renamed: ReadonlyMap<string, readonly TestRef[]>;
  /** Pending renames no test uses any more: done, to be removed from renames.ts. */
  readonly staleRenames: readonly PendingRename[];
  /** Entries marked `untested` that no test names. */
  readonly untested: readonly Requirement[];
  /** Entries marked `untested` that a test now names: the mark should go. */
  readonly staleUntested: readonly Requirement[];
  /** Entries with no test and no `untested` reason. */
  readonly missing: readonly Requirement[];
  /** `tests` files an entry lists that do not exist. */
  readonly missingFiles: readonly { readonly id: string; readonly file: string }[];
}

export interface CoverageOptions {
  readonly root?: string;
  readonly requirements?: readonly Requirement[];
  readonly renames?: readonly PendingRename[];
  /** Test sources to use instead of reading the folders. */
  readonly sources?: readonly { readonly file: string; readonly text: string }[];
  /** Probe definition sources to use instead of reading `PROBE_FOLDERS` (none when `sources` is given). */
  readonly probeSources?: readonly { readonly file: string; readonly text: string }[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

export function computeCoverage(options: CoverageOptions = {}): Coverage {
  const root = options.root ?? REPO_ROOT;
  const requirements = options.requirements ?? REQUIREMENTS;
  const renames = options.renames ?? PENDING_RENAMES;
  const sources = options.sources ?? findTestFiles(root).map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));
  const probeSources =
    options.probeSources ?? (options.sources !== undefined ? [] : findProbeFiles(root).map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') })));

  const known = new Set(requirements.map((r) => r.id));
  const renameFrom = new Map(renames.map((r) => [r.from, r]));
  const byRequirement = new Map<string, TestRef[]>(requirements.map((r) => [r.id, []]));
  const unknown = new Map<string, TestRef[]>();
  const renamed = new Map<string, TestRef[]>();

  const uses = [
    ...sources.flatMap(({ file, text }) => extractIdUses(text, file)),
    ...probeSources.flatMap(({ file, text }) => extractProbeUses(text, file)),
  ];
  {
    for (const use of uses) {
      const rename = renameFrom.get(use.id);
      if (known.has(use.id)) push(byRequirement, use.id, use.test);
      else if (rename !== undefined) {
        push(renamed, use.id, use.test);
        if (rename.to !== null && known.has(rename.to)) push(byRequirement, rename.to, use.test);
      } else push(unknown, use.id, use.test);
    }
  }

  const missingFiles: { id: string; file: string }[] = [];
  const untested: Requirement[] = [];
  const staleUntested: Requirement[] = [];
  const missing: Requirement[] = [];
  for (const r of requirements) {
    for (const file of r.tests ?? []) if (!existsSync(join(root, file))) missingFiles.push({ id: r.id, file });
    const covered = (byRequirement.get(r.id) ?? []).length > 0 || (r.tests ?? []).length > 0;
    if (r.untested !== undefined) (covered ? staleUntested : untested).push(r);
    else if (!covered) missing.push(r);
  }

  return {
    files: [...sources.map((s) => s.file), ...probeSources.map((s) => s.file)],
    byRequirement,
    unknown,
    renamed,
    staleRenames: renames.filter((r) => !renamed.has(r.from)),
    untested,
    staleUntested,
    missing,
    missingFiles,
  };
}

/** `file:line title` for messages. */
export function describeRef(t: TestRef): string {
  return `${t.file}:${t.line} ${t.title}`;
}
