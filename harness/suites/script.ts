/**
 * A probe group as a tlsfuzzer script:
 *
 *   node --import=tsx harness/suites/script.ts GROUP [-h host] [-p port] [-e probe] [-x probe [-X text]] [-n num] [probe ...]
 *   dtlsprobe script GROUP ...                     (the same)
 *
 * It takes tlsfuzzer's flags, prints tlsfuzzer's per-probe lines and `Test end` summary
 * (report/tlsfuzzer.ts) and exits as its scripts do: 0 when nothing failed and no expected failure
 * passed, 1 otherwise. `GROUP` may be written `dtlsprobe-GROUP`, the name of the script in a
 * tlsfuzzer-style scripts JSON. The server under test is at -h/-p (default localhost:4433) unless
 * `--impl NAME` names a built-in implementation; client groups need `--impl`.
 */
import { randomInt } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { remote } from '../iut/external.ts';
import { implementationByName } from '../iut/registry.ts';
import { type Implementation, IutError } from '../iut/types.ts';
import type { ProbeResult } from '../report/model.ts';
import { formatProbeLines, tlsfuzzerCounts, tlsfuzzerSummaryLines } from '../report/tlsfuzzer.ts';
import { runProbes } from '../run/runner.ts';
import { ALL_PROBES, probeGroups } from './index.ts';
import {
  EXIT_USAGE,
  parseScriptArgs,
  REMOTE_FEATURES,
  resolveGroup,
  type ScriptArgs,
  type ScriptIo,
  type ScriptOutcome,
  ScriptUsageError,
  scriptUsage,
  selectProbes,
  unknownNames,
} from './script-args.ts';
import type { Probe } from './types.ts';

export type { ScriptIo, ScriptOutcome };

/** The scripts' `version: N` line; raised when what a group's probes check changes. */
export const SCRIPT_VERSION = 1;

const DEFAULT_HOST = 'localhost';
const DEFAULT_PORT = 4433;

/**
 * The -x/-X verdict, as tlsfuzzer's scripts reach it: a probe expected to fail that passed is XPASS;
 * one that failed is XFAIL, unless -X gave a text its failure lacks (then FAIL, naming the text). A
 * harness error counts as a failure here, as any exception does in tlsfuzzer.
 */
export function applyExpectedFailure(r: ProbeResult, expected: ReadonlyMap<string, string | undefined>): { result: ProbeResult; missingMessage?: string } {
  if (!expected.has(r.name)) return { result: r };
  const text = expected.get(r.name);
  if (r.outcome === 'pass') return { result: { ...r, outcome: 'xpass' } };
  if (r.outcome !== 'fail' && r.outcome !== 'error') return { result: r };
  if (text !== undefined && !(r.reason ?? '').includes(text)) return { result: { ...r, outcome: 'fail' }, missingMessage: text };
  return { result: { ...r, outcome: 'xfail' } };
}

function usageFailure(io: ScriptIo, message: string, group?: string): ScriptOutcome {
  io.err(`dtlsprobe script: ${message}`);
  io.err('');
  io.err(scriptUsage(group));
  return { code: EXIT_USAGE, usageError: true };
}

/** The implementation under test the command line names. */
function implementationFor(args: ScriptArgs, role: Probe['role'], group: string): Implementation {
  if (args.impl !== undefined) {
    if (args.host !== undefined || args.port !== undefined) throw new ScriptUsageError('--impl and -h/-p both name the implementation under test; give one');
    if (args.features !== undefined) throw new ScriptUsageError('--features describes a server at -h/-p; a built-in implementation (--impl) knows its own');
    try {
      return implementationByName(args.impl);
    } catch (e) {
      throw new ScriptUsageError(e instanceof Error ? e.message : String(e));
    }
  }
  if (role === 'client') {
    throw new ScriptUsageError(`group ${group} probes clients; -h/-p reach a server someone else started, so name a client with --impl (e.g. --impl reference)`);
  }
  return remote(args.host ?? DEFAULT_HOST, args.port ?? DEFAULT_PORT, { features: args.features ?? REMOTE_FEATURES });
}

/** Runs one script; the exit code, whether the command line was at fault, and the counts. */
export async function runScript(argv: readonly string[], io: ScriptIo): Promise<ScriptOutcome> {
  let args: ScriptArgs;
  try {
    args = parseScriptArgs(argv);
  } catch (e) {
    if (e instanceof ScriptUsageError) return usageFailure(io, e.message);
    throw e;
  }
  if (args.help) {
    io.out(scriptUsage(args.group));
    return { code: 0, usageError: false };
  }
  const groups = probeGroups();
  if (args.group === undefined) return usageFailure(io, `name a probe group: ${[...groups.keys()].join(', ')}`);
  const group = resolveGroup(args.group, groups.keys());
  if (group === undefined) return usageFailure(io, `no probe group "${args.group}"; the groups: ${[...groups.keys()].join(', ')}`);
  const own = groups.get(group) ?? [];
  const role = own[0].role;
  // Every tlsfuzzer script opens and closes with its sanity conversation; a group without one
  // borrows its role's.
  const borrowed = own.some((p) => p.sanity === true) ? [] : ALL_PROBES.filter((p) => p.sanity === true && p.role === role);
  const probes = [...borrowed, ...own];
  const unknown = unknownNames(probes, args);
  if (unknown.length > 0) {
    return usageFailure(io, `group ${group} has no probe ${unknown.map((n) => `"${n}"`).join(', ')}; its probes: ${probes.map((p) => p.name).join(', ')}`, group);
  }
  let impl: Implementation;
  try {
    impl = implementationFor(args, role, group);
  } catch (e) {
    if (e instanceof ScriptUsageError || e instanceof IutError) return usageFailure(io, e.message, group);
    throw e;
  }

  const seed = args.seed ?? randomInt(0, 2 ** 31);
  const selection = selectProbes(probes, args, seed);
  const expected = args.expected;
  const missing = new Map<number, string>();
  const results: ProbeResult[] = [];
  const onResult = (raw: ProbeResult): void => {
    const { result, missingMessage } = applyExpectedFailure(raw, expected);
    if (missingMessage !== undefined) missing.set(results.length, missingMessage);
    results.push(result);
    for (const line of formatProbeLines(result.name, missingMessage === undefined ? result : { ...result, missingMessage })) io.out(line);
  };
  try {
    await runProbes({ impl, probes: [...selection.sanity, ...selection.sampled], seed, jobs: 1, onResult });
  } catch (e) {
    io.err(`dtlsprobe script: the run stopped: ${e instanceof Error ? e.message : String(e)}`);
    return { code: 1, usageError: false };
  }

  const target = args.impl !== undefined ? `${impl.description.name} (built in)` : `${args.host ?? DEFAULT_HOST}:${args.port ?? DEFAULT_PORT}`;
  io.out(`dtlsprobe-${group}: ${role} probes of group ${group} against ${target}`);
  io.out(`seed ${seed}: replay with --seed ${seed}`);
  io.out('');
  for (const line of tlsfuzzerSummaryLines(results, SCRIPT_VERSION, { excluded: selection.excluded, names: 'name' })) io.out(line);
  const counts = tlsfuzzerCounts(results, selection.excluded);
  return { code: counts.fail > 0 || counts.xpass > 0 ? 1 : 0, usageError: false, counts };
}

/** The script's entry point: the exit code (0: no FAIL and no XPASS; 1: otherwise, or a bad command line). */
export async function main(argv: readonly string[], io: ScriptIo): Promise<number> {
  return (await runScript(argv, io)).code;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await main(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exitCode = code;
}
