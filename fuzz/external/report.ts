/** The external fuzzing report as JSON (`report.json`) and a readable Markdown page (`report.md`). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExternalFuzzReport, Finding } from './campaign.ts';

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

function table(rows: Record<string, number>): string {
  const entries = Object.entries(rows).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '(none)\n';
  return ['| | cases |', '|---|---:|', ...entries.map(([k, v]) => `| ${k} | ${v} |`)].join('\n') + '\n';
}

function findingMarkdown(f: Finding, n: number): string {
  const lines = [`### ${n}. ${f.kind}: case ${f.caseIndex}`, '', f.evidence, ''];
  if (f.mutation !== undefined) {
    const m = f.mutation;
    lines.push(
      `- mutation: \`${m.kind}\` on flight \`${m.flight}\`, datagram ${m.datagramIndex} of ${m.flightHex.length}: ${m.detail}`,
      `- sent instead (hex): \`${m.mutatedHex}\``,
      `- replaced datagram (hex): \`${m.originalHex}\``,
    );
    if (m.flightHex.length > 1) lines.push(`- the whole flight (hex): ${m.flightHex.map((h) => `\`${h}\``).join(' ')}`);
  }
  if (f.peerAfterHex !== undefined && f.peerAfterHex.length > 0) lines.push(`- the peer's datagrams after it (hex): ${f.peerAfterHex.map((h) => `\`${h}\``).join(' ')}`);
  lines.push(`- replay: \`${f.replay}\``);
  if (f.peerOutputTail !== undefined && f.peerOutputTail.trim() !== '') lines.push('', '```', f.peerOutputTail.trimEnd(), '```');
  return lines.join('\n') + '\n';
}

export function reportMarkdown(r: ExternalFuzzReport): string {
  const total = r.counts.crash + r.counts.hang + r.counts.acceptance;
  const parts = [
    `# External fuzzing: ${r.peer} (${r.role})`,
    '',
    `- peer: ${r.peerVersion}`,
    `- command: \`${r.command}\``,
    `- seed: ${r.seed}; started ${r.startedAt}; ran ${duration(r.durationMs)}`,
    `- cases: ${r.cases} (${r.cases - r.casesNotReached} reached their flight and sent a mutated datagram; ${r.casesNotReached} did not reach it)`,
    `- forgeries the peer had to reject: ${r.forgeries}`,
    `- liveness probes: ${r.livenessProbes}; peer restarts: ${r.peerRestarts} (${r.stalls} stalls: the server, which serves one client at a time, was left waiting for the rest of the case's handshake)`,
    `- findings: ${total} (crash ${r.counts.crash}, hang ${r.counts.hang}, acceptance ${r.counts.acceptance})`,
    '',
    'A case is one handshake the reference endpoint plays with the peer over UDP on 127.0.0.1 in which one',
    'datagram of one flight of ours is replaced by a mutated one; nothing more of the handshake is sent after',
    'it. Crash: the peer process died. Hang: a fresh valid handshake with one line of data got no answer, twice',
    '(server), or no datagram and no exit within the hang window after a mutated flight (client). Acceptance: the',
    'peer went on after a forgery (wrong Finished, bad record MAC, unprotected application data).',
    '',
    '## Cases per mutation kind',
    '',
    table(r.casesByKind),
    '## Cases per flight',
    '',
    table(r.casesByFlight),
    '## Stalls (not findings)',
    '',
    r.stallExamples.length === 0 ? 'None.\n' : r.stallExamples.map((x) => `- case ${x.caseIndex}, ${x.flight}${x.kind !== undefined ? `, ${x.kind}: ${x.detail ?? ''}` : ''} — ${x.why}`).join('\n') + '\n',
    '## Findings',
    '',
    total === 0 ? 'None.\n' : r.findings.map((f, i) => findingMarkdown(f, i + 1)).join('\n'),
  ];
  if (total > r.findings.length) parts.push(`(${total - r.findings.length} more findings counted, not listed.)\n`);
  return parts.join('\n');
}

/** Writes `report.json` and `report.md` into `dir` (created). */
export function writeReport(r: ExternalFuzzReport, dir: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const markdown = join(dir, 'report.md');
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(markdown, reportMarkdown(r));
  return { json, markdown };
}
