/**
 * tlsfuzzer's text output, line for line, so that what reads tlsfuzzer logs (its own
 * `tests/scripts_retention.py`, CI greps for `FAIL: 0`) reads ours. The format is that of the
 * `main()` of tlsfuzzer's test scripts (e.g. `tlsfuzzer/_apps/test_conversation.py`):
 *
 * ```
 * <name> ...                       per probe, then one of:
 * OK                                 passed
 * Error while processing             failed (tlsfuzzer prints the traceback; we print the reason)
 * OK-expected failure                failed under -x (after the reason)
 * Expected error message: <TEXT>     failed under -x with a -X TEXT the failure lacks
 * XPASS-expected failure but test passed
 *
 * Test end
 * ====================
 * version: N
 * ====================
 * TOTAL: N       run: sampled probes + sanity twice
 * SKIP: N        excluded with -e (plus probes we could not run: a feature the implementation lacks)
 * PASS: N
 * XFAIL: N
 * FAIL: N
 * XPASS: N
 * ====================
 * XPASSED:       only when there are any; Python repr()s, natural order, tab-indented
 * FAILED:
 * ```
 */
import type { Outcome, ProbeResult } from './model.ts';

/** `20 * '='`. */
export const RULE = '='.repeat(20);

// ---- Python's repr() of a str -------------------------------------------------------------------

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python 3's `repr(s)`: single quotes unless the text has `'` and no `"`; escapes as CPython writes them. */
export function pythonRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x7f || (ch !== ' ' && !NOT_PRINTABLE.test(ch))) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

// ---- natural order: tlsfuzzer.utils.lists.natural_sort_keys ------------------------------------

/** Text lowercased, runs of ASCII digits as numbers: `ab20` before `ab100`. */
export function naturalSortKey(s: string): (string | bigint)[] {
  return s.split(/([0-9]+)/).map((part, i) => (i % 2 === 1 ? BigInt(part) : part.toLowerCase()));
}

function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** Python's comparison of two `natural_sort_keys` lists (ties keep their order: sorts are stable). */
export function naturalCompare(a: string, b: string): number {
  const x = naturalSortKey(a);
  const y = naturalSortKey(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (typeof p === 'bigint' && typeof q === 'bigint') {
      if (p !== q) return p < q ? -1 : 1;
    } else if (typeof p === 'string' && typeof q === 'string') {
      const c = compareCodePoints(p, q);
      if (c !== 0) return c;
    }
  }
  return x.length - y.length;
}

// ---- per probe ----------------------------------------------------------------------------------

/** What one probe's lines are made from. */
export interface TlsfuzzerVerdict {
  readonly outcome: Outcome;
  /** The failure (fail, error, xfail) or why it did not run (skip). */
  readonly reason?: string;
  /** `-X TEXT` the failure did not contain: the probe counts as FAIL and tlsfuzzer names the text. */
  readonly missingMessage?: string;
}

/** The line printed before a probe runs: `"{0} ...".format(c_name)`. */
export function probeStartLine(name: string): string {
  return `${name} ...`;
}

/**
 * The failure text, where tlsfuzzer prints `traceback.format_exc()`. A line that would read as a
 * summary count (`PASS: 3`) to a log parser such as scripts_retention.py is indented.
 */
export function failureTextLines(reason: string | undefined): string[] {
  const text = reason === undefined || reason.trim() === '' ? '(no reason given)' : reason.replace(/\s+$/, '');
  return text.split(/\r?\n/).map((l) => (/^(TOTAL|SKIP|PASS|XFAIL|FAIL|XPASS): /.test(l) ? `  ${l}` : l));
}

/** The lines after the start line: `print("OK\n")` is `OK` and an empty line, and so on. */
export function probeEndLines(v: TlsfuzzerVerdict): string[] {
  const failure = (): string[] => ['Error while processing', ...failureTextLines(v.reason), ''];
  switch (v.outcome) {
    case 'pass':
      return ['OK', ''];
    case 'xpass':
      return ['XPASS-expected failure but test passed', ''];
    case 'xfail':
      return [...failure(), 'OK-expected failure', ''];
    case 'fail':
    case 'error':
      return v.missingMessage === undefined ? failure() : [...failure(), `Expected error message: ${v.missingMessage}`, ''];
    case 'skip':
      // tlsfuzzer has no such verdict (it only skips what -e excludes, silently); we say so.
      return [`Skipped: ${v.reason ?? 'not run'}`, ''];
  }
}

/** A probe's lines: the start line, then its verdict. */
export function formatProbeLines(name: string, v: TlsfuzzerVerdict): string[] {
  return [probeStartLine(name), ...probeEndLines(v)];
}

// ---- the summary --------------------------------------------------------------------------------

export interface TlsfuzzerCounts {
  readonly total: number;
  readonly skip: number;
  readonly pass: number;
  readonly xfail: number;
  readonly fail: number;
  readonly xpass: number;
}

export interface SummaryOptions {
  /** Probes excluded with -e: tlsfuzzer's SKIP (`len(run_exclude.intersection(conversations.keys()))`). */
  readonly excluded?: number;
  /** How probes are named in the lists; default `name` when every result has one role, else `role/name`. */
  readonly names?: 'name' | 'id';
}

export interface ReportOptions extends SummaryOptions {
  /** `-X TEXT` a failure lacked, by index into the results (those results are FAILs). */
  readonly missingMessages?: ReadonlyMap<number, string>;
}

/**
 * The counts. Every probe that ran is one of PASS, XFAIL, FAIL, XPASS, so TOTAL is their sum; the
 * runner runs sanity probes first and last, so they count twice, as in tlsfuzzer
 * (`len(sampled_tests) + 2*len(sanity_tests)`). A harness error is a FAIL (in tlsfuzzer any
 * exception is). A probe not run for a missing feature is a SKIP, as an excluded one is.
 */
export function tlsfuzzerCounts(results: readonly Pick<ProbeResult, 'outcome'>[], excluded = 0): TlsfuzzerCounts {
  let pass = 0, xfail = 0, fail = 0, xpass = 0, skip = excluded;
  for (const r of results) {
    if (r.outcome === 'pass') pass++;
    else if (r.outcome === 'xfail') xfail++;
    else if (r.outcome === 'xpass') xpass++;
    else if (r.outcome === 'skip') skip++;
    else fail++;
  }
  return { total: pass + xfail + fail + xpass, skip, pass, xfail, fail, xpass };
}

function displayName(r: Pick<ProbeResult, 'name' | 'role'>, names: 'name' | 'id'): string {
  return names === 'id' ? `${r.role}/${r.name}` : r.name;
}

function defaultNames(results: readonly Pick<ProbeResult, 'role'>[]): 'name' | 'id' {
  return new Set(results.map((r) => r.role)).size > 1 ? 'id' : 'name';
}

/** The summary block from `Test end` on, one string per line. */
export function tlsfuzzerSummaryLines(results: readonly Pick<ProbeResult, 'name' | 'role' | 'outcome'>[], version: number, opts: SummaryOptions = {}): string[] {
  const c = tlsfuzzerCounts(results, opts.excluded ?? 0);
  const names = opts.names ?? defaultNames(results);
  const lines = ['Test end', RULE, `version: ${version}`, RULE, `TOTAL: ${c.total}`, `SKIP: ${c.skip}`, `PASS: ${c.pass}`, `XFAIL: ${c.xfail}`, `FAIL: ${c.fail}`, `XPASS: ${c.xpass}`, RULE];
  const list = (title: string, picked: string[]): void => {
    if (picked.length === 0) return;
    lines.push(`${title}:`, ...[...picked].sort(naturalCompare).map((n) => `\t${pythonRepr(n)}`));
  };
  list('XPASSED', results.filter((r) => r.outcome === 'xpass').map((r) => displayName(r, names)));
  list('FAILED', results.filter((r) => r.outcome === 'fail' || r.outcome === 'error').map((r) => displayName(r, names)));
  return lines;
}

/** The summary as tlsfuzzer prints it: from `Test end` to the FAILED list, each line ending in a newline. */
export function tlsfuzzerSummary(results: readonly Pick<ProbeResult, 'name' | 'role' | 'outcome'>[], version: number, opts: SummaryOptions = {}): string {
  return `${tlsfuzzerSummaryLines(results, version, opts).join('\n')}\n`;
}

/**
 * A whole script's output for finished results: every probe's lines, the description (tlsfuzzer
 * prints a few lines on what the script checks, then an empty line), and the summary.
 */
export function tlsfuzzerReport(results: readonly ProbeResult[], version: number, description: readonly string[], opts: ReportOptions = {}): string {
  const names = opts.names ?? defaultNames(results);
  const lines: string[] = [];
  results.forEach((r, i) => {
    const missing = opts.missingMessages?.get(i);
    lines.push(...formatProbeLines(displayName(r, names), missing === undefined ? r : { ...r, missingMessage: missing }));
  });
  if (description.length > 0) lines.push(...description, '');
  lines.push(...tlsfuzzerSummaryLines(results, version, { excluded: opts.excluded, names }));
  return `${lines.join('\n')}\n`;
}
