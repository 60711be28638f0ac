/**
 * The compliance view of a run: a verdict per catalogue requirement, with the probes behind it.
 *
 *  - violated: some probe citing the requirement failed (fail or xfail: an expected failure is
 *    still a departure from the requirement).
 *  - satisfied: no citing probe failed and at least one passed (pass or xpass). Citing probes that
 *    were skipped or erred are listed under `notRun`, so a partial verdict shows as one.
 *  - untested: no probe cites it, or every citing probe was skipped or erred.
 *
 * The list covers the sources (RFC6347, RFC7627, ...) the run's probes cite, not the whole
 * catalogue: a run of DTLS 1.2 probes says nothing about RFC 9147. Ids cited by a probe but
 * missing from the catalogue are listed under `unknownIds`: that is a bug in the probe.
 */
import { REQUIREMENTS, sourceOfId } from '../../spec/requirement.ts';
import type { Level, Requirement } from '../../spec/requirement.ts';
import type { IutRole, Outcome, ProbeResult, RunResult } from './model.ts';

export const COMPLIANCE_SCHEMA_ID = 'dtlsprobe.compliance/1';

export type Verdict = 'violated' | 'satisfied' | 'untested';

export const VERDICTS: readonly Verdict[] = ['violated', 'satisfied', 'untested'];

/** A probe, as a verdict refers to it. */
export interface ProbeRef {
  readonly role: IutRole;
  readonly group: string;
  readonly name: string;
  readonly outcome: Outcome;
  readonly reason?: string;
}

export interface RequirementVerdict {
  readonly id: string;
  readonly source: string;
  readonly section: string;
  readonly level: Level;
  readonly summary: string;
  readonly verdict: Verdict;
  /** Citing probes that failed or xfailed: the evidence of a violation. */
  readonly failed: readonly ProbeRef[];
  /** Citing probes that passed or xpassed. */
  readonly passed: readonly ProbeRef[];
  /** Citing probes that were skipped or erred: they bear on no verdict. */
  readonly notRun: readonly ProbeRef[];
}

export interface Compliance {
  readonly schema: typeof COMPLIANCE_SCHEMA_ID;
  readonly implementation: { readonly name: string; readonly version: string };
  readonly date: string;
  readonly seed: number;
  /** The sources the run's probes cite, sorted; `requirements` covers exactly these. */
  readonly sources: readonly string[];
  /** One entry per catalogue requirement of those sources, in catalogue order. */
  readonly requirements: readonly RequirementVerdict[];
  readonly counts: Readonly<Record<Verdict, number>>;
  /** Ids cited by probes that the catalogue does not hold, with the probes citing each. */
  readonly unknownIds: readonly { readonly id: string; readonly probes: readonly ProbeRef[] }[];
}

const FAILED: ReadonlySet<Outcome> = new Set<Outcome>(['fail', 'xfail']);
const PASSED: ReadonlySet<Outcome> = new Set<Outcome>(['pass', 'xpass']);

function refOf(p: ProbeResult): ProbeRef {
  return { role: p.role, group: p.group, name: p.name, outcome: p.outcome, ...(p.reason === undefined ? {} : { reason: p.reason }) };
}

/** The verdict a set of citing probes gives. */
export function verdictOf(outcomes: readonly Outcome[]): Verdict {
  if (outcomes.some((o) => FAILED.has(o))) return 'violated';
  if (outcomes.some((o) => PASSED.has(o))) return 'satisfied';
  return 'untested';
}

/** The compliance view of `run` against `catalogue` (the whole spec/ catalogue by default). */
export function complianceOf(run: RunResult, catalogue: readonly Requirement[] = REQUIREMENTS): Compliance {
  const byId = new Map(catalogue.map((r) => [r.id, r]));
  const citing = new Map<string, ProbeResult[]>();
  for (const p of run.probes) {
    for (const id of new Set(p.requirements)) {
      const list = citing.get(id);
      if (list === undefined) citing.set(id, [p]);
      else list.push(p);
    }
  }
  const sources = new Set<string>();
  for (const id of citing.keys()) {
    const source = byId.get(id)?.source ?? sourceOfId(id);
    if (source !== undefined) sources.add(source);
  }
  const requirements: RequirementVerdict[] = catalogue
    .filter((r) => sources.has(r.source))
    .map((r) => {
      const probes = citing.get(r.id) ?? [];
      return {
        id: r.id,
        source: r.source,
        section: r.section,
        level: r.level,
        summary: r.summary,
        verdict: verdictOf(probes.map((p) => p.outcome)),
        failed: probes.filter((p) => FAILED.has(p.outcome)).map(refOf),
        passed: probes.filter((p) => PASSED.has(p.outcome)).map(refOf),
        notRun: probes.filter((p) => !FAILED.has(p.outcome) && !PASSED.has(p.outcome)).map(refOf),
      };
    });
  const counts: Record<Verdict, number> = { violated: 0, satisfied: 0, untested: 0 };
  for (const r of requirements) counts[r.verdict]++;
  const unknownIds = [...citing.entries()]
    .filter(([id]) => !byId.has(id))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, probes]) => ({ id, probes: probes.map(refOf) }));
  return {
    schema: COMPLIANCE_SCHEMA_ID,
    implementation: { name: run.implementation.name, version: run.implementation.version },
    date: run.date,
    seed: run.seed,
    sources: [...sources].sort(),
    requirements,
    counts,
    unknownIds,
  };
}

/** compliance.json: two-space indent, a final newline, keys in the order of the interfaces. */
export function complianceToJson(c: Compliance): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

/** One line: `3 violated, 5 satisfied, 40 untested of 48 requirements (RFC6347, RFC7627)`. */
export function complianceHeadline(c: Compliance): string {
  const unknown = c.unknownIds.length === 0 ? '' : `; ${c.unknownIds.length} unknown requirement id${c.unknownIds.length === 1 ? '' : 's'} cited`;
  const sources = c.sources.length === 0 ? 'no requirements cited' : c.sources.join(', ');
  return `${c.counts.violated} violated, ${c.counts.satisfied} satisfied, ${c.counts.untested} untested of ${c.requirements.length} requirement${c.requirements.length === 1 ? '' : 's'} (${sources})${unknown}`;
}

/** A probe as `role/group/name (outcome)`. */
export function probeLabel(p: ProbeRef): string {
  return `${p.role}/${p.group}/${p.name} (${p.outcome})`;
}

/** The probes behind a verdict: those that failed, else those that passed, else those not run. */
export function evidenceOf(r: RequirementVerdict): readonly ProbeRef[] {
  if (r.verdict === 'violated') return r.failed;
  if (r.verdict === 'satisfied') return r.passed;
  return r.notRun;
}

/**
 * The verdicts as a Markdown table (violated first, then satisfied, then untested; catalogue
 * order within each), for the `<details>` block of summary.md. `cell` escapes a table cell.
 */
export function complianceTable(c: Compliance, cell: (text: string) => string): string {
  const lines = ['| Requirement | Level | Verdict | Probes |', '|---|---|---|---|'];
  for (const verdict of VERDICTS) {
    for (const r of c.requirements) {
      if (r.verdict !== verdict) continue;
      const evidence = evidenceOf(r).map(probeLabel);
      const also = [...(verdict === 'violated' ? r.passed : []), ...(verdict === 'untested' ? [] : r.notRun)].map(probeLabel);
      const probes = [...evidence, ...(also.length === 0 ? [] : [`also: ${also.join(', ')}`])].join('; ');
      lines.push(`| ${cell(r.id)} | ${cell(r.level)} | ${verdict} | ${probes === '' ? '—' : cell(probes)} |`);
    }
  }
  for (const u of c.unknownIds) {
    lines.push(`| ${cell(u.id)} | ? | not in the catalogue | ${cell(u.probes.map(probeLabel).join('; '))} |`);
  }
  return lines.join('\n');
}
