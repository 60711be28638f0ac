/**
 * External fuzzing from the command line:
 *
 *   node --import=tsx fuzz/external/run.ts --impl openssl|gnutls --role server|client --time 10m
 *        [--seed S] [--report DIR] [--cases N] [--case I[,J...]] [--kinds k1,k2] [--flights f1,f2] [--quiet]
 *
 * `--role` is the role of the implementation under test. The report goes to
 * `reports/external-fuzz/<impl>-<role>/` unless `--report` says otherwise. `runExternalFuzz` is what
 * `dtlsprobe fuzz --external ...` calls. Exit status: 0 without findings, 1 with findings, 2 on a usage
 * or setup error.
 */
import { pathToFileURL } from 'node:url';
import { parseDuration as runnerDuration } from '../runner-progress.ts';
import { testPkiFiles } from '../../testkit/pki-files.ts';
import { type CampaignOptions, type ExternalFuzzReport, fuzzClient, fuzzServer } from './campaign.ts';
import { MUTATION_KINDS, type MutationKind, isMutationKind } from './mutate.ts';
import type { Impl } from './peers.ts';
import { writeReport } from './report.ts';
import { CLIENT_FLIGHTS, type Flight, SERVER_FLIGHTS } from './session.ts';
import { processClientTarget, processServerTarget } from './targets.ts';

export { fuzzClient, fuzzServer, type CampaignOptions, type ExternalFuzzReport, type Finding } from './campaign.ts';
export { processClientTarget, processServerTarget, type ClientTarget, type ServerTarget } from './targets.ts';
export { reportMarkdown, writeReport } from './report.ts';
export { MUTATION_KINDS, type MutationKind } from './mutate.ts';

export interface ExternalFuzzOptions extends Omit<CampaignOptions, 'replayPrefix'> {
  readonly impl: Impl;
  /** The role of the implementation under test. */
  readonly role: 'server' | 'client';
  /** Where report.json and report.md go; default reports/external-fuzz/<impl>-<role>. */
  readonly reportDir?: string;
}

/** Runs one campaign against a real peer and writes its report. */
export async function runExternalFuzz(o: ExternalFuzzOptions): Promise<{ report: ExternalFuzzReport; files: { json: string; markdown: string } }> {
  const pki = await testPkiFiles();
  const replayPrefix = `--impl ${o.impl} --role ${o.role}`;
  const options: CampaignOptions = { ...o, replayPrefix };
  const report =
    o.role === 'server'
      ? await fuzzServer(processServerTarget(o.impl, pki, Math.ceil((o.timeMs ?? 3_600_000) / 1000) + 120), options)
      : await fuzzClient(processClientTarget(o.impl, pki), options);
  const files = writeReport(report, o.reportDir ?? `reports/external-fuzz/${o.impl}-${o.role}`);
  return { report, files };
}

/** `90s`, `10m`, `1h`, `500ms`, or a bare number of seconds (the runner's durations); throws on anything else. */
export function parseDuration(s: string): number {
  const ms = runnerDuration(s);
  if (ms === undefined) throw new Error(`not a duration: ${s} (try 90s, 10m, 1h)`);
  return ms;
}

export function parseArgs(argv: readonly string[]): ExternalFuzzOptions & { quiet: boolean } {
  const flags = new Map<string, string>();
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quiet') {
      quiet = true;
      continue;
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      flags.set(a.slice(2), v);
    }
  }
  const known = new Set(['impl', 'role', 'time', 'seed', 'report', 'cases', 'case', 'kinds', 'flights', 'window', 'hang']);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown flag --${k}`);
  const impl = flags.get('impl');
  if (impl !== 'openssl' && impl !== 'gnutls') throw new Error('--impl must be openssl or gnutls');
  const role = flags.get('role');
  if (role !== 'server' && role !== 'client') throw new Error('--role must be server or client (the role of the implementation under test)');
  const seedText = flags.get('seed');
  const seed = seedText === undefined ? Math.floor(Math.random() * 0x7fffffff) : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
  const kinds = flags.get('kinds')?.split(',').map((k) => k.trim());
  for (const k of kinds ?? []) if (!isMutationKind(k)) throw new Error(`unknown mutation kind ${k}; known: ${MUTATION_KINDS.join(', ')}`);
  const allFlights: readonly string[] = role === 'server' ? CLIENT_FLIGHTS : SERVER_FLIGHTS;
  const flights = flags.get('flights')?.split(',').map((f) => f.trim());
  for (const f of flights ?? []) if (!allFlights.includes(f)) throw new Error(`unknown flight ${f}; against a ${role}: ${allFlights.join(', ')}`);
  const only = flags.get('case')?.split(',').map(Number);
  if (only?.some((n) => !Number.isInteger(n) || n < 0)) throw new Error('--case takes case indexes: 12 or 3,17');
  const casesText = flags.get('cases');
  if (casesText !== undefined && !(Number.isInteger(Number(casesText)) && Number(casesText) > 0)) throw new Error(`--cases must be a positive integer, got ${casesText}`);
  const timeText = flags.get('time');
  return {
    impl,
    role,
    seed,
    quiet,
    ...(timeText !== undefined ? { timeMs: parseDuration(timeText) } : only === undefined && casesText === undefined ? { timeMs: 60_000 } : {}),
    ...(casesText !== undefined ? { cases: Number(casesText) } : {}),
    ...(only !== undefined ? { only } : {}),
    ...(kinds !== undefined ? { kinds: kinds as MutationKind[] } : {}),
    ...(flights !== undefined ? { flights: flights as Flight[] } : {}),
    ...(flags.has('window') ? { windowMs: parseDuration(flags.get('window') ?? '') } : {}),
    ...(flags.has('hang') ? { hangMs: parseDuration(flags.get('hang') ?? '') } : {}),
    ...(flags.has('report') ? { reportDir: flags.get('report') } : {}),
  };
}

const USAGE =
  'usage: node --import=tsx fuzz/external/run.ts --impl openssl|gnutls --role server|client --time 10m [--seed S] [--report DIR] [--cases N] [--case I] [--kinds ...] [--flights ...]\n';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const log = o.quiet ? undefined : (line: string): void => void process.stderr.write(`${line}\n`);
  log?.(`external fuzz: ${o.impl} ${o.role}, seed ${o.seed}`);
  try {
    const { report, files } = await runExternalFuzz({ ...o, ...(log !== undefined ? { log } : {}) });
    const c = report.counts;
    process.stdout.write(
      `${report.peer} (${report.peerVersion}), ${report.role}: ${report.cases} cases in ${Math.round(report.durationMs / 1000)} s, ` +
        `${report.forgeries} forgeries; crash ${c.crash}, hang ${c.hang}, acceptance ${c.acceptance}\n${files.markdown}\n`,
    );
    return c.crash + c.hang + c.acceptance > 0 ? 1 : 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    return 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // process.exit runs the exit hook that stops the peers we started (by their PIDs).
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
  main().then((code) => process.exit(code));
}
