/**
 * run.json: the run as a `dtlsprobe.run/1` document. Keys come out in one fixed order (the order
 * of the model) whatever order the object was built in, so two runs diff line by line; optional
 * fields that are absent are left out rather than written as null. The transcript is kept whole.
 */
import type { ImplementationInfo, ProbeResult, RunResult, WireEvent } from './model.ts';
import { assertRun } from './schema.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** An object with its absent optional fields dropped, keys in insertion order. */
function compact(entries: [string, Json | undefined][]): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

function wireEventJson(e: WireEvent): Json {
  return compact([['dir', e.dir], ['at', e.at], ['hex', e.hex], ['note', e.note]]);
}

function implementationJson(i: ImplementationInfo): Json {
  const commands = i.commands === undefined ? undefined : compact([['server', i.commands.server], ['client', i.commands.client]]);
  return compact([['name', i.name], ['version', i.version], ['commands', commands]]);
}

function probeJson(p: ProbeResult): Json {
  return compact([
    ['name', p.name],
    ['group', p.group],
    ['role', p.role],
    ['title', p.title],
    ['requirements', [...p.requirements]],
    ['outcome', p.outcome],
    ['reason', p.reason],
    ['seed', p.seed],
    ['durationMs', p.durationMs],
    ['clockMs', p.clockMs],
    ['clock', p.clock],
    ['steps', [...p.steps]],
    ['transcript', p.transcript.map(wireEventJson)],
  ]);
}

/** The run as plain JSON values in the canonical key order. */
export function runJsonValue(run: RunResult): Json {
  return compact([
    ['schema', run.schema],
    ['tool', compact([['name', run.tool.name], ['version', run.tool.version]])],
    ['implementation', implementationJson(run.implementation)],
    ['date', run.date],
    ['seed', run.seed],
    ['durationMs', run.durationMs],
    ['roles', [...run.roles]],
    ['shard', run.shard === undefined ? undefined : compact([['index', run.shard.index], ['count', run.shard.count]])],
    ['probes', run.probes.map(probeJson)],
  ]);
}

/**
 * The run as run.json text: canonical key order, two-space indent, a final newline. Throws a
 * `RunFormatError` naming the field when the run would not read back (a NaN duration, a probe
 * whose role is not among the run's roles), so no report is written that readers refuse.
 */
export function runToJson(run: RunResult): string {
  const value = runJsonValue(run);
  assertRun(value, 'the run to write');
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Parses and validates run.json text. Throws a `SyntaxError` when it is not JSON and a
 * `RunFormatError` naming the first bad field (`/probes/2/outcome: must be one of ...`) when it
 * is not a `dtlsprobe.run/1` document.
 */
export function readRun(text: string, what = 'run.json'): RunResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${what} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  assertRun(value, what);
  return value;
}
