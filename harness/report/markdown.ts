/**
 * summary.md: the run on a CI job page (GitHub's step summary, a GitLab or Jenkins artifact).
 * A header (implementation, version, date, seed, duration), the counts per outcome and role, the
 * probes that did not pass, the compliance table folded in a `<details>` block, and the command
 * that replays one probe. Text from the run is escaped so a reason cannot break the table.
 */
import { OUTCOMES, runPassed, tally } from './model.ts';
import type { Outcome, ProbeResult, RunResult } from './model.ts';
import { complianceHeadline, complianceOf, complianceTable, probeLabel } from './compliance.ts';
import type { Compliance } from './compliance.ts';

/** Non-passing outcomes, worst first: the order of the "not passing" table. */
const SEVERITY: readonly Outcome[] = ['fail', 'error', 'xpass', 'xfail', 'skip'];

/** At most this many replay commands are listed. */
const MAX_REPLAYS = 20;

/** Code points XML 1.0 and most renderers refuse (C0 controls but tab and newlines, lone surrogates, U+FFFE/F). */
const INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** `\u0001` for an unprintable code point, so it shows instead of vanishing. */
export function visibleControls(text: string): string {
  return text.replace(INVALID, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** Text made safe for a Markdown table cell: no pipes, no HTML, no emphasis, newlines as `<br>`. */
export function mdCell(text: string): string {
  return visibleControls(text)
    .replace(/[\\`*_[\]~|#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** Text as an inline code span when it can be one (no backticks, one line), else as `mdCell`; not for table cells. */
export function mdCode(text: string): string {
  const shown = visibleControls(text);
  return /[`\r\n]/.test(shown) || shown === '' ? mdCell(text) : `\`${shown}\``;
}

/** `850 ms`, `8.1 s`, `2 min 3 s`, `1 h 2 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/** A word for the shell: bare when it is plainly safe, single-quoted otherwise. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._\/:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that replays one probe. `--role` is added only when the run has a probe of the same
 * name in the other role, since names are unique within a role only.
 */
export function replayCommand(run: RunResult, p: ProbeResult): string {
  const ambiguous = run.probes.some((q) => q.name === p.name && q.role !== p.role);
  const role = ambiguous ? ` --role ${p.role}` : '';
  return `dtlsprobe run --impl ${shellWord(run.implementation.name)}${role} --probe ${shellWord(p.name)} --seed ${p.seed}`;
}

function header(run: RunResult): string[] {
  const t = tally(run.probes);
  const bad = [`${t.fail} failed`, `${t.error} erred`, `${t.xpass} passed unexpectedly`].filter((s) => !s.startsWith('0 '));
  const status = runPassed(run) ? '✅ passed' : `❌ ${bad.join(', ')}`;
  const i = run.implementation;
  const lines = [
    `## dtlsprobe: ${mdCell(i.name)} — ${status}`,
    '',
    `- **Implementation:** ${mdCell(i.name)}`,
    `- **Version:** ${mdCell(i.version)}`,
  ];
  for (const role of ['server', 'client'] as const) {
    const command = i.commands?.[role];
    if (command !== undefined) lines.push(`- **Command (${role}):** ${mdCode(command)}`);
  }
  lines.push(
    `- **Date:** ${mdCell(run.date)}`,
    `- **Seed:** ${run.seed}`,
    `- **Duration:** ${formatDuration(run.durationMs)}`,
    `- **Roles:** ${run.roles.join(', ')}`,
  );
  if (run.shard !== undefined) lines.push(`- **Shard:** ${run.shard.index}/${run.shard.count}`);
  lines.push(`- **dtlsprobe:** ${mdCell(run.tool.version)}`);
  return lines;
}

function countsTable(run: RunResult): string[] {
  const row = (label: string, probes: readonly ProbeResult[]): string => {
    const t = tally(probes);
    return `| ${label} | ${OUTCOMES.map((o) => t[o]).join(' | ')} | ${probes.length} |`;
  };
  const lines = [
    '### Outcomes',
    '',
    `| Role | ${OUTCOMES.join(' | ')} | total |`,
    `|---|${OUTCOMES.map(() => '--:').join('|')}|--:|`,
  ];
  for (const role of run.roles) lines.push(row(role, run.probes.filter((p) => p.role === role)));
  if (run.roles.length > 1) lines.push(row('**all**', run.probes));
  return lines;
}

function notPassing(run: RunResult): string[] {
  const rows = SEVERITY.flatMap((o) => run.probes.filter((p) => p.outcome === o));
  if (rows.length === 0) return ['### Not passing', '', `All ${run.probes.length} probes passed.`];
  const lines = [`### Not passing (${rows.length})`, '', '| Probe | Outcome | Reason | Requirements |', '|---|---|---|---|'];
  for (const p of rows) {
    const requirements = p.requirements.length === 0 ? '—' : mdCell(p.requirements.join(', '));
    lines.push(`| ${mdCell(`${p.role}/${p.group}/${p.name}`)} | ${p.outcome} | ${p.reason === undefined ? '—' : mdCell(p.reason)} | ${requirements} |`);
  }
  return lines;
}

function complianceSection(c: Compliance): string[] {
  const lines: string[] = [];
  if (c.unknownIds.length > 0) {
    const list = c.unknownIds.map((u) => `${u.id} (${u.probes.map(probeLabel).join(', ')})`).join('; ');
    lines.push(`> **Warning:** probes cite requirement ids that are not in the catalogue: ${mdCell(list)}`, '');
  }
  lines.push(
    '<details>',
    `<summary>Compliance: ${mdCell(complianceHeadline(c))}</summary>`,
    '',
    complianceTable(c, mdCell),
    '',
    '</details>',
  );
  return lines;
}

function replay(run: RunResult): string[] {
  const failing = SEVERITY.slice(0, 3).flatMap((o) => run.probes.filter((p) => p.outcome === o));
  const chosen = failing.length > 0 ? failing : run.probes.slice(0, 1);
  const commands = chosen.length === 0
    ? [`dtlsprobe run --impl ${shellWord(run.implementation.name)} --probe NAME --seed SEED`]
    : chosen.slice(0, MAX_REPLAYS).map((p) => replayCommand(run, p));
  const lines = ['### Replay a probe', '', 'Each probe replays alone from its seed (every seed is in run.json):', '', '```sh', ...commands, '```'];
  if (chosen.length > MAX_REPLAYS) lines.push('', `(${chosen.length - MAX_REPLAYS} more in run.json)`);
  return lines;
}

/** summary.md for `run`; `compliance` defaults to the view against the whole catalogue. */
export function runToMarkdown(run: RunResult, compliance: Compliance = complianceOf(run)): string {
  return [...header(run), '', ...countsTable(run), '', ...notPassing(run), '', ...complianceSection(compliance), '', ...replay(run), ''].join('\n');
}
