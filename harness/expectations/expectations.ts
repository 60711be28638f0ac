/**
 * Per-implementation expectation files, in the manner of BoringSSL's BoGo runner config:
 *
 * ```json
 * { "implementation": "openssl",
 *   "DisabledTests":    { "client/**": "s_client cannot be told to ...", ... },
 *   "ExpectedFailures": { "server/cookie-mismatch": "RFC 6347 §4.2.1: ... MUST ...; OpenSSL answers ...", ... } }
 * ```
 *
 * Keys are globs over probe ids (`role/name`): `*` and `?` stay within a segment, `**` crosses `/`.
 * A disabled probe is skipped with its reason; an expected failure that fails is `xfail`, one that
 * passes is `xpass`, which fails the run: the entry is stale. `stale()` lists every entry that no
 * longer earns its place, so a checker can fail on them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { repoRootPath } from '../locations.ts';
import type { Outcome, ProbeResult } from '../report/model.ts';
import { isJsonObject, jsonType, JsonTextError, parseJsonText } from './json-text.ts';

export interface Expectations {
  readonly source: string;
  /** The implementation the file is for (its "implementation"); absent for `NO_EXPECTATIONS`. */
  readonly implementation?: string;
  /** The reason, when the probe is disabled. */
  disabled(probeId: string): string | undefined;
  /** The reason, when the probe is expected to fail. */
  expectedFailure(probeId: string): string | undefined;
  /** Stale entries: a glob that matches no probe id in `allProbeIds`; an expected failure whose probe passed. One message each, naming file, key and probe. */
  stale(results: readonly ProbeResult[], allProbeIds: readonly string[]): string[];
}

/** A problem with an expectation file, naming the file and the key or field. */
export class ExpectationsError extends Error {
  override readonly name = 'ExpectationsError';
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`${source}: ${detail}`);
  }
}

type Section = 'DisabledTests' | 'ExpectedFailures';
const SECTIONS: readonly Section[] = ['DisabledTests', 'ExpectedFailures'];
const TOP_LEVEL = new Set<string>(['implementation', ...SECTIONS]);

interface Entry {
  readonly glob: string;
  readonly reason: string;
  readonly re: RegExp;
}

/** Why `glob` is not a probe-id glob, or undefined when it is one. */
export function globProblem(glob: string): string | undefined {
  if (glob === '') return 'is empty';
  const bad = /[^A-Za-z0-9._\-/*?]/.exec(glob);
  if (bad !== null) {
    const ch = bad[0];
    const what = /\s/.test(ch) ? 'whitespace' : JSON.stringify(ch);
    return `has ${what} at ${bad.index + 1}; probe-id globs use letters, digits, "-", "_", ".", "/", "*", "**" and "?"`;
  }
  if (glob.includes('***')) return 'has "***"; use "*" within a segment or "**" across segments';
  if (glob.startsWith('/') || glob.endsWith('/') || glob.includes('//')) return 'has an empty segment (ids look like "server/cookie-mismatch")';
  return undefined;
}

/** A probe-id glob as an anchored RegExp: `**` any text, `*` any text without `/`, `?` one character but `/`. */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      src += '.*';
      i++;
    } else if (ch === '*') src += '[^/]*';
    else if (ch === '?') src += '[^/]';
    else src += ch.replace(/[.\-/]/g, (c) => `\\${c}`);
  }
  return new RegExp(`^${src}$`);
}

class FileExpectations implements Expectations {
  constructor(
    readonly source: string,
    readonly implementation: string,
    private readonly sections: Readonly<Record<Section, readonly Entry[]>>,
  ) {}

  private lookup(section: Section, probeId: string): Entry | undefined {
    const entries = this.sections[section];
    return entries.find((e) => e.glob === probeId) ?? entries.find((e) => e.re.test(probeId));
  }

  disabled(probeId: string): string | undefined {
    return this.lookup('DisabledTests', probeId)?.reason;
  }

  expectedFailure(probeId: string): string | undefined {
    return this.lookup('ExpectedFailures', probeId)?.reason;
  }

  stale(results: readonly ProbeResult[], allProbeIds: readonly string[]): string[] {
    const messages: string[] = [];
    for (const section of SECTIONS) {
      for (const e of this.sections[section]) {
        if (!allProbeIds.some((id) => e.re.test(id))) messages.push(`${this.source}: ${section} "${e.glob}" matches no probe`);
      }
    }
    const reported = new Set<string>();
    for (const r of results) {
      const id = `${r.role}/${r.name}`;
      const entry = this.lookup('ExpectedFailures', id);
      if (entry === undefined || reported.has(id)) continue;
      if (r.outcome === 'xpass' || r.outcome === 'pass') {
        reported.add(id);
        messages.push(`${this.source}: ExpectedFailures "${entry.glob}": probe ${id} passed; the entry is stale, remove it`);
      }
    }
    return messages;
  }
}

/**
 * Reads an expectation file's text. `allProbeIds`, when given, also rejects a probe that is both
 * disabled and expected to fail under different globs (the same glob in both sections is always
 * rejected).
 */
export function parseExpectations(text: string, source: string, allProbeIds?: readonly string[]): Expectations {
  const fail = (detail: string): never => {
    throw new ExpectationsError(source, detail);
  };
  let doc;
  try {
    doc = parseJsonText(text);
  } catch (e) {
    if (e instanceof JsonTextError) return fail(`not valid JSON: ${e.message}`);
    throw e;
  }
  if (!isJsonObject(doc)) return fail(`the file must hold a JSON object, found ${jsonType(doc)}`);
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL.has(key)) fail(`unknown top-level key "${key}" (expected "implementation", "DisabledTests", "ExpectedFailures")`);
  }
  const impl = doc.implementation;
  if (typeof impl !== 'string' || impl.trim() === '') return fail(`"implementation" must be a non-empty string naming the implementation, found ${jsonType(impl)}`);

  const sections: Record<Section, Entry[]> = { DisabledTests: [], ExpectedFailures: [] };
  for (const section of SECTIONS) {
    const raw = doc[section];
    if (raw === undefined) continue;
    if (!isJsonObject(raw)) return fail(`"${section}" must be an object of glob -> reason, found ${jsonType(raw)}`);
    for (const [glob, reason] of Object.entries(raw)) {
      const problem = globProblem(glob);
      if (problem !== undefined) fail(`${section} "${glob}": bad glob: it ${problem}`);
      if (typeof reason !== 'string') return fail(`${section} "${glob}": the reason must be a string, found ${jsonType(reason)}`);
      if (reason.trim() === '') fail(`${section} "${glob}": the reason is empty; say why${section === 'ExpectedFailures' ? ', quoting the RFC text the implementation departs from' : ''}`);
      sections[section].push({ glob, reason, re: globToRegExp(glob) });
    }
  }

  for (const d of sections.DisabledTests) {
    if (sections.ExpectedFailures.some((x) => x.glob === d.glob)) fail(`"${d.glob}" is both in DisabledTests and in ExpectedFailures; a probe is either skipped or run`);
  }
  const result = new FileExpectations(source, impl, sections);
  for (const id of allProbeIds ?? []) {
    const d = sections.DisabledTests.find((e) => e.re.test(id));
    const x = sections.ExpectedFailures.find((e) => e.re.test(id));
    if (d !== undefined && x !== undefined) {
      fail(`probe ${id} is both disabled (DisabledTests "${d.glob}") and expected to fail (ExpectedFailures "${x.glob}"); a probe is either skipped or run`);
    }
  }
  return result;
}

/** Reads an expectation file; an unreadable file is an `ExpectationsError` naming it. */
export function loadExpectations(path: string, allProbeIds?: readonly string[]): Expectations {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new ExpectationsError(path, `cannot read the expectations file: ${why}`);
  }
  return parseExpectations(text, path, allProbeIds);
}

/** `harness/expectations/<name>.json` in the repository. */
export function expectationsPathFor(implName: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(implName)) {
    throw new ExpectationsError(implName, 'an implementation name for an expectations file uses letters, digits, ".", "_" and "-" only');
  }
  return repoRootPath('harness', 'expectations', `${implName}.json`);
}

/**
 * The committed expectations of a registry implementation, or `NO_EXPECTATIONS` when it has no
 * file. The file's "implementation" must name it.
 */
export function expectationsFor(implName: string, allProbeIds?: readonly string[]): Expectations {
  const path = expectationsPathFor(implName);
  if (!existsSync(path)) return NO_EXPECTATIONS;
  const e = loadExpectations(path, allProbeIds);
  if (e.implementation !== implName) throw new ExpectationsError(path, `"implementation" is "${e.implementation}" but the file is for "${implName}"`);
  return e;
}

export const NO_EXPECTATIONS: Expectations = {
  source: '(no expectations)',
  disabled: () => undefined,
  expectedFailure: () => undefined,
  stale: () => [],
};

/**
 * A probe's raw verdict under the expectations: a failure that is expected becomes `xfail` (its
 * reason: the expectation's, then the failure's), a pass that was expected to fail becomes `xpass`
 * (the expectation's reason), and `error` stays `error`: the harness could not run the probe, so
 * the expectation was not tested. Disabled probes are not run; callers check `disabled()` first.
 */
export function applyExpectation(
  e: Expectations,
  probeId: string,
  raw: 'pass' | 'fail' | 'error',
  reason?: string,
): { outcome: Outcome; reason?: string } {
  const expected = raw === 'error' ? undefined : e.expectedFailure(probeId);
  if (expected === undefined) return reason === undefined ? { outcome: raw } : { outcome: raw, reason };
  if (raw === 'pass') return { outcome: 'xpass', reason: expected };
  return { outcome: 'xfail', reason: reason === undefined ? expected : `${expected}; failed with: ${reason}` };
}
