/**
 * The one result model every report is written from (JSON, JUnit XML, Markdown, the tlsfuzzer
 * summary, the compliance view). A run is one implementation under test, one or both roles, and a
 * list of probe results; each result names the requirement ids its probe checks, the seed that
 * replays it, and the datagrams both ways on the clock the probe ran on (virtual or real).
 */

/** pass: behaved as required. fail: departed from a requirement. xfail: failed, as the expectations
 * file says it will. xpass: passed although expected to fail (a stale expectation). skip: not run
 * (disabled by the expectations, or the implementation lacks a feature the probe needs). error:
 * the harness could not run the probe (the implementation did not start, a port was taken). */
export type Outcome = 'pass' | 'fail' | 'xfail' | 'xpass' | 'skip' | 'error';

export const OUTCOMES: readonly Outcome[] = ['pass', 'fail', 'xfail', 'xpass', 'skip', 'error'];

/** The role of the implementation under test in a probe (the harness plays the other one). */
export type IutRole = 'server' | 'client';

/** One datagram on the wire between the harness and the implementation under test. */
export interface WireEvent {
  /** 'sent': harness -> implementation; 'received': implementation -> harness. */
  readonly dir: 'sent' | 'received';
  /** Milliseconds since the probe started, on the probe's clock. */
  readonly at: number;
  readonly hex: string;
  /** What the harness made of it, e.g. "ClientHello (seq 0)", "dropped by Impair". */
  readonly note?: string;
}

export interface ProbeResult {
  /** The probe's name, unique within its role: e.g. `cookie-mismatch`. */
  readonly name: string;
  /** The probe group (a tlsfuzzer-style script), e.g. `server-cookie`. */
  readonly group: string;
  readonly role: IutRole;
  /** One line on what the probe checks. */
  readonly title: string;
  /** Requirement ids from spec/ the verdict bears on. */
  readonly requirements: readonly string[];
  readonly outcome: Outcome;
  /** Why it failed, was skipped or erred; for xfail/xpass, the expectation's reason. */
  readonly reason?: string;
  readonly seed: number;
  /** Wall-clock duration. */
  readonly durationMs: number;
  /** Time on the probe's own clock (virtual for in-process implementations). */
  readonly clockMs: number;
  readonly clock: 'virtual' | 'real';
  /** The conversation as the harness walked it: one line per node. */
  readonly steps: readonly string[];
  readonly transcript: readonly WireEvent[];
}

export interface ImplementationInfo {
  /** Registry name (`reference`, `openssl`, ...) or `custom`. */
  readonly name: string;
  readonly version: string;
  /** The command templates used, by role, for external implementations. */
  readonly commands?: Partial<Record<IutRole, string>>;
}

export interface RunResult {
  readonly schema: 'dtlsprobe.run/1';
  readonly tool: { readonly name: 'dtlsprobe'; readonly version: string };
  readonly implementation: ImplementationInfo;
  /** ISO 8601. */
  readonly date: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly roles: readonly IutRole[];
  /** Shard i/n when the run was split; absent for a whole run. */
  readonly shard?: { readonly index: number; readonly count: number };
  readonly probes: readonly ProbeResult[];
}

/** Counts per outcome. */
export function tally(probes: readonly Pick<ProbeResult, 'outcome'>[]): Record<Outcome, number> {
  const t: Record<Outcome, number> = { pass: 0, fail: 0, xfail: 0, xpass: 0, skip: 0, error: 0 };
  for (const p of probes) t[p.outcome]++;
  return t;
}

/** A run is green when nothing failed, erred or passed unexpectedly. */
export function runPassed(run: Pick<RunResult, 'probes'>): boolean {
  const t = tally(run.probes);
  return t.fail === 0 && t.error === 0 && t.xpass === 0;
}
