/**
 * junit.xml: the run in the JUnit XML dialect Jenkins, GitLab and GitHub test reporters read.
 * One `<testsuite>` per role and probe group (`server/server-cookie`), one `<testcase>` per probe
 * (classname `dtlsprobe.<role>.<group>`). fail and xpass become `<failure>`, error `<error>`,
 * skip `<skipped>`; xfail counts as passed and says in `<system-out>` that it failed as expected.
 * Every string from the run is escaped, and code points XML 1.0 cannot carry are written as
 * visible `\uXXXX` text, so the file always parses.
 */
import { hostname as osHostname } from 'node:os';
import type { ProbeResult, RunResult, WireEvent } from './model.ts';
import { replayCommand, visibleControls } from './markdown.ts';

export interface JunitOptions {
  /** The `hostname` attribute; defaults to this machine's name. */
  readonly hostname?: string;
}

/** A datagram's hex in a failure body is cut after this many bytes (run.json has it whole). */
const MAX_HEX_BYTES = 256;

/** Text content: `&`, `<`, `>` escaped, carriage returns kept as a reference, invalid code points made visible. */
export function xmlText(text: string): string {
  return visibleControls(text).replace(/[&<>\r]/g, (c) => TEXT_ENTITIES[c] ?? c);
}

/** An attribute value (for double quotes): also quotes, tabs and newlines, which parsers would otherwise normalise away. */
export function xmlAttr(text: string): string {
  return visibleControls(text).replace(/[&<>"'\t\n\r]/g, (c) => ATTR_ENTITIES[c] ?? c);
}

const TEXT_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_ENTITIES: Readonly<Record<string, string>> = {
  ...TEXT_ENTITIES, '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;',
};

/** `name="value"` pairs, escaped. */
function attrs(pairs: readonly (readonly [string, string | number])[]): string {
  return pairs.map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`).join('');
}

/** Milliseconds as JUnit seconds, three decimals (rounded on whole milliseconds, not on binary fractions). */
function seconds(ms: number): string {
  return (Math.round(Math.max(0, ms)) / 1000).toFixed(3);
}

/** The timestamp form of the JUnit XSD: local date and time without a zone, here in UTC. */
function junitTimestamp(date: string): string {
  const t = Date.parse(date);
  return Number.isNaN(t) ? date : new Date(t).toISOString().slice(0, 19);
}

function property(name: string, value: string | number, indent: string): string {
  return `${indent}<property${attrs([['name', name], ['value', value]])}/>`;
}

function wireLine(e: WireEvent): string {
  const n = e.hex.length / 2;
  const shown = n > MAX_HEX_BYTES ? `${e.hex.slice(0, MAX_HEX_BYTES * 2)}... (${n - MAX_HEX_BYTES} more bytes in run.json)` : e.hex;
  return `  +${e.at.toFixed(3)} ms ${e.dir.padEnd(8)} ${n} bytes${e.note === undefined ? '' : `  ${e.note}`}\n    ${shown}`;
}

/** The body of a failure, error or xfail note: reason, requirement ids, replay, steps, transcript. */
function details(run: RunResult, p: ProbeResult): string {
  const lines = [
    p.reason ?? '(no reason given)',
    '',
    `probe: ${p.role}/${p.group}/${p.name}: ${p.title}`,
    `requirements: ${p.requirements.length === 0 ? '(none)' : p.requirements.join(', ')}`,
    `seed: ${p.seed}`,
    `replay: ${replayCommand(run, p)}`,
    `clock: ${p.clock}, ${p.clockMs} ms on it, ${p.durationMs} ms wall`,
    'steps:',
    ...(p.steps.length === 0 ? ['  (none)'] : p.steps.map((s, i) => `  ${i + 1}. ${s}`)),
    'transcript:',
    ...(p.transcript.length === 0 ? ['  (no datagrams)'] : p.transcript.map(wireLine)),
  ];
  return lines.join('\n');
}

function testcase(run: RunResult, p: ProbeResult): string[] {
  const open = `    <testcase${attrs([['classname', `dtlsprobe.${p.role}.${p.group}`], ['name', p.name], ['time', seconds(p.durationMs)]])}>`;
  const lines = [
    open,
    '      <properties>',
    property('title', p.title, '        '),
    property('requirements', p.requirements.join(','), '        '),
    property('seed', p.seed, '        '),
    property('outcome', p.outcome, '        '),
    property('clock', p.clock, '        '),
    '      </properties>',
  ];
  const body = (): string => xmlText(details(run, p));
  switch (p.outcome) {
    case 'pass':
      break;
    case 'fail':
      lines.push(`      <failure${attrs([['message', p.reason ?? 'failed'], ['type', 'dtlsprobe.fail']])}>${body()}</failure>`);
      break;
    case 'xpass': {
      const message = `passed, but the expectations say it fails${p.reason === undefined ? '' : `: ${p.reason}`} (a stale expectation)`;
      lines.push(`      <failure${attrs([['message', message], ['type', 'dtlsprobe.xpass']])}>${body()}</failure>`);
      break;
    }
    case 'error':
      lines.push(`      <error${attrs([['message', p.reason ?? 'the harness could not run the probe'], ['type', 'dtlsprobe.error']])}>${body()}</error>`);
      break;
    case 'skip':
      lines.push(`      <skipped${attrs([['message', p.reason ?? 'skipped']])}/>`);
      break;
    case 'xfail':
      lines.push(`      <system-out>${xmlText(`failed as expected: ${details(run, p)}`)}</system-out>`);
      break;
  }
  lines.push('    </testcase>');
  return lines;
}

interface Suite {
  readonly role: string;
  readonly group: string;
  readonly probes: ProbeResult[];
}

/** The probes by role and group, in the order each pair first ran. */
function suitesOf(run: RunResult): Suite[] {
  const suites = new Map<string, Suite>();
  for (const p of run.probes) {
    const key = `${p.role}/${p.group}`;
    let s = suites.get(key);
    if (s === undefined) suites.set(key, (s = { role: p.role, group: p.group, probes: [] }));
    s.probes.push(p);
  }
  return [...suites.values()];
}

function counts(probes: readonly ProbeResult[]): [string, number][] {
  const n = (...o: string[]): number => probes.filter((p) => o.includes(p.outcome)).length;
  return [['tests', probes.length], ['failures', n('fail', 'xpass')], ['errors', n('error')], ['skipped', n('skip')]];
}

/** junit.xml for `run`. */
export function runToJunit(run: RunResult, options: JunitOptions = {}): string {
  const host = options.hostname ?? osHostname();
  const timestamp = junitTimestamp(run.date);
  const impl = run.implementation;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs([['name', `dtlsprobe ${impl.name} ${impl.version}`], ...counts(run.probes), ['time', seconds(run.durationMs)]])}>`,
  ];
  suitesOf(run).forEach((s, id) => {
    const time = seconds(s.probes.reduce((sum, p) => sum + p.durationMs, 0));
    const requirements = [...new Set(s.probes.flatMap((p) => p.requirements))];
    lines.push(
      `  <testsuite${attrs([
        ['name', `${s.role}/${s.group}`], ['id', id], ['package', `dtlsprobe.${s.role}.${s.group}`], ...counts(s.probes),
        ['time', time], ['timestamp', timestamp], ['hostname', host],
      ])}>`,
      '    <properties>',
      property('implementation', impl.name, '      '),
      property('implementation.version', impl.version, '      '),
      property('dtlsprobe.version', run.tool.version, '      '),
      property('seed', run.seed, '      '),
      property('role', s.role, '      '),
      property('requirements', requirements.join(','), '      '),
      '    </properties>',
      ...s.probes.flatMap((p) => testcase(run, p)),
      '  </testsuite>',
    );
  });
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
