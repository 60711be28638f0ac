/**
 * `dtlsprobe run`: points the probes at one implementation under test and writes its compliance
 * report. With no flags it runs every probe against the reference implementation, both roles.
 */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runScriptsJson } from '../suites/scripts-json.ts';
import type { Command, CommandIo } from '../cli.ts';
import { parseArgs, UsageError } from './args.ts';
import { expectationsFor, type Expectations, ExpectationsError, loadExpectations } from '../expectations/expectations.ts';
import { loadImplementationConfig } from '../iut/config.ts';
import { ExternalImplementation, type ExternalSpec } from '../iut/external.ts';
import { implementationByName, implementationNames } from '../iut/registry.ts';
import { FEATURES } from '../iut/templates.ts';
import { type Feature, type Implementation, IutError, type IutRole } from '../iut/types.ts';
import { repoRootPath } from '../locations.ts';
import { type ProbeResult, runPassed, tally } from '../report/model.ts';
import { writeReports } from '../report/write.ts';
import { generateCredentials } from '../pki.ts';
import { PROBE_PSK, probeId, runProbes } from '../run/runner.ts';
import { globToRegExp } from '../expectations/expectations.ts';
import { ALL_PROBES } from '../suites/index.ts';
import type { Probe } from '../suites/types.ts';

const FLAGS = {
  impl: { type: 'string', valueName: 'NAME', help: `a built-in implementation: ${implementationNames().join(', ')} (default reference)` },
  'server-cmd': { type: 'string', valueName: 'CMD', help: 'a server under test, started per probe from this command template ({port}, {cert}, {key}, {ca}, {psk}, {psk_identity}, {alpn}, {keylog})' },
  'client-cmd': { type: 'string', valueName: 'CMD', help: 'a client under test, started per probe from this command template ({port} is where the harness listens)' },
  features: { type: 'string', valueName: 'LIST', help: `with --server-cmd/--client-cmd: what it supports, comma-separated (${FEATURES.join(', ')}); default certificate,cookie` },
  suites: { type: 'string', valueName: 'LIST', help: 'with --server-cmd/--client-cmd: the suites it runs, hex, comma-separated (default c02b)' },
  ready: { type: 'string', valueName: 'REGEX', help: 'with --server-cmd: output that means the server listens (default: the port is bound)' },
  config: { type: 'string', valueName: 'FILE', help: "an implementation described in JSON (see harness/iut/README.md), or tlsfuzzer's scripts JSON (a list of server_command entries)" },
  probe: { type: 'string', valueName: 'GLOB', help: 'only probes whose id (role/name) or name matches; comma-separated globs' },
  role: { type: 'string', valueName: 'ROLE', help: 'server, client or both (default: what the implementation runs)' },
  report: { type: 'string', valueName: 'DIR', help: 'where the reports go (default reports/<impl>)' },
  expectations: { type: 'string', valueName: 'FILE', help: 'expected failures and disabled probes (default harness/expectations/<impl>.json when it exists)' },
  jobs: { type: 'number', valueName: 'N', help: 'probes run at once (default 1)' },
  shard: { type: 'string', valueName: 'I/N', help: 'run the I-th of N equal shares of the probes (1-based)' },
  seed: { type: 'number', valueName: 'S', help: 'the run seed: every probe replays from it (default 1)' },
  timeout: { type: 'number', valueName: 'MS', help: 'how long an expectation waits for a message (default 5000 virtual, 2500 real)' },
  list: { type: 'boolean', help: 'list the selected probes and exit' },
  quiet: { type: 'boolean', help: 'no progress, only the summary' },
} as const;

function usageText(): string {
  const lines = Object.entries(FLAGS).map(([name, f]) => `  --${name}${'valueName' in f ? ` ${f.valueName}` : ''}`.padEnd(30) + f.help);
  return ['usage: dtlsprobe run [--impl NAME | --server-cmd CMD | --client-cmd CMD | --config FILE] [--probe GLOB] [--report DIR] [--jobs N] [--shard I/N] [--seed S]', '', ...lines].join('\n');
}

function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = m === null ? NaN : Number(m[1]);
  const count = m === null ? NaN : Number(m[2]);
  if (m === null || count < 1 || index < 1 || index > count) throw new UsageError(`--shard needs I/N with 1 <= I <= N, got "${s}"`);
  return { index, count };
}

function parseList<T extends string>(s: string, allowed: readonly T[], flag: string): T[] {
  return s.split(',').map((x) => {
    const v = x.trim();
    if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag}: unknown value "${v}"; one of ${allowed.join(', ')}`);
    return v as T;
  });
}

function parseSuites(s: string): number[] {
  return s.split(',').map((x) => {
    const v = x.trim().toLowerCase().replace(/^0x/, '');
    if (!/^[0-9a-f]{1,4}$/.test(v)) throw new UsageError(`--suites: "${x}" is not a hex cipher suite such as c02b`);
    return parseInt(v, 16);
  });
}

/** A tlsfuzzer scripts JSON (a list of server entries) rather than an implementation description (an object). */
function isScriptsJson(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').trimStart().startsWith('[');
  } catch {
    return false; // the implementation loader reports the unreadable file
  }
}

/** The implementation the flags describe. */
function implementationFrom(flags: ReturnType<typeof parseArgs<typeof FLAGS>>['flags']): Implementation {
  const given = ['impl', 'server-cmd', 'client-cmd', 'config'].filter((k) => flags[k as keyof typeof flags] !== undefined);
  if (given.length > 1 && !(given.length === 2 && given.includes('server-cmd') && given.includes('client-cmd'))) {
    throw new UsageError(`choose one of --impl, --config, --server-cmd/--client-cmd (got ${given.map((g) => `--${g}`).join(', ')})`);
  }
  if (flags.config !== undefined) return new ExternalImplementation(loadImplementationConfig(flags.config));
  if (flags['server-cmd'] !== undefined || flags['client-cmd'] !== undefined) {
    const features = flags.features === undefined ? (['certificate', 'cookie'] as Feature[]) : parseList(flags.features, FEATURES, '--features');
    const suites = flags.suites === undefined ? [0xc02b] : parseSuites(flags.suites);
    const spec: ExternalSpec = {
      name: 'custom',
      features,
      suites: {
        ...(flags['server-cmd'] === undefined ? {} : { server: suites }),
        ...(flags['client-cmd'] === undefined ? {} : { client: suites }),
      },
      ...(flags['server-cmd'] === undefined ? {} : { server: { command: flags['server-cmd'], ...(flags.ready === undefined ? {} : { ready: flags.ready }) } }),
      ...(flags['client-cmd'] === undefined ? {} : { client: { command: flags['client-cmd'] } }),
    };
    return new ExternalImplementation(spec);
  }
  return implementationByName(flags.impl ?? 'reference');
}

/** Probes matching the comma-separated globs (against `role/name` and `name`), in catalogue order. */
export function selectProbes(probes: readonly Probe[], globs: string | undefined, roles: readonly IutRole[]): Probe[] {
  const inRole = probes.filter((p) => roles.includes(p.role));
  if (globs === undefined) return inRole;
  const res = globs.split(',').map((g) => g.trim()).filter((g) => g !== '').map((g) => ({ g, re: globToRegExp(g) }));
  const unmatched = res.filter(({ re }) => !inRole.some((p) => re.test(probeId(p)) || re.test(p.name)));
  if (unmatched.length > 0) throw new UsageError(`--probe: no probe matches ${unmatched.map((u) => `"${u.g}"`).join(', ')}`);
  return inRole.filter((p) => res.some(({ re }) => re.test(probeId(p)) || re.test(p.name)));
}

const interactive = (): boolean => process.stderr.isTTY === true && process.env.CI === undefined;

function progressLine(r: ProbeResult, done: number, total: number): string {
  const mark = { pass: 'ok', fail: 'FAIL', xfail: 'xfail', xpass: 'XPASS', skip: 'skip', error: 'ERROR' }[r.outcome];
  return `[${String(done).padStart(String(total).length)}/${total}] ${mark.padEnd(5)} ${r.role}/${r.name}${r.outcome === 'pass' ? '' : `: ${r.reason ?? ''}`}`;
}

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
  if (flags.config !== undefined && isScriptsJson(flags.config)) return runScriptsJson(resolve(flags.config), io);
  let impl: Implementation;
  try {
    impl = implementationFrom(flags);
  } catch (e) {
    if (e instanceof IutError) {
      io.err(`dtlsprobe run: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const roles: IutRole[] =
    flags.role === undefined || flags.role === 'both' ? [...impl.description.roles] : parseList(flags.role, ['server', 'client'] as const, '--role');
  const missingRole = roles.filter((r) => !impl.description.roles.includes(r));
  if (missingRole.length > 0) throw new UsageError(`--role: ${impl.description.name} does not run as ${missingRole.join(' or ')}`);
  const probes = selectProbes(ALL_PROBES, flags.probe, roles);
  if (flags.list === true) {
    for (const p of probes) io.out(`${probeId(p).padEnd(44)} ${p.requirements.join(' ')}`);
    return 0;
  }
  const allIds = ALL_PROBES.map(probeId);
  let expectations: Expectations;
  try {
    expectations =
      flags.expectations !== undefined ? loadExpectations(resolve(flags.expectations), allIds) : expectationsFor(impl.description.name, allIds);
  } catch (e) {
    if (e instanceof ExpectationsError) {
      io.err(`dtlsprobe run: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const version = await impl.version().catch((e: unknown) => e);
  if (version instanceof Error) {
    io.err(`dtlsprobe run: ${version.message}`);
    return 2;
  }
  // one session per role before the run: a command that does not start is one clear error, not N failed probes
  const files = await generateCredentials();
  for (const role of [...new Set(probes.map((p) => p.role))]) {
    try {
      const pskOnly = !impl.description.features.includes('certificate') && impl.description.features.includes('psk');
      const psk = pskOnly ? { psk: { identity: PROBE_PSK.identity, keyHex: Buffer.from(PROBE_PSK.key).toString('hex') } } : {};
      const session = await impl.start({ role, files, seed: 0, probe: 'preflight', ...psk });
      await session.close();
    } catch (e) {
      if (e instanceof IutError) {
        io.err(`dtlsprobe run: ${impl.description.name} as ${role}: ${e.message}`);
        return 2;
      }
      throw e;
    }
  }
  const seed = flags.seed ?? 1;
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const report = resolve(flags.report ?? join(repoRootPath('reports'), impl.description.name));
  const tty = interactive() && flags.quiet !== true;
  io.err(`dtlsprobe run: ${probes.length} probes against ${impl.description.name} (${String(version)}), seed ${seed}${shard === undefined ? '' : `, shard ${shard.index}/${shard.count}`}`);
  const result = await runProbes({
    impl,
    probes,
    seed,
    expectations,
    files,
    jobs: flags.jobs ?? 1,
    ...(shard === undefined ? {} : { shard }),
    ...(flags.timeout === undefined ? {} : { timeoutMs: flags.timeout }),
    onResult: (r, done, total) => {
      if (flags.quiet === true) return;
      if (tty) {
        const width = 30;
        const filled = Math.round((done / total) * width);
        process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${r.role}/${r.name}`);
        if (r.outcome !== 'pass' && r.outcome !== 'xfail' && r.outcome !== 'skip') process.stderr.write(`\r\x1b[2K${progressLine(r, done, total)}\n`);
        if (done === total) process.stderr.write('\r\x1b[2K');
      } else {
        io.err(progressLine(r, done, total));
      }
    },
  });
  const written = await writeReports(result, report);
  const t = tally(result.probes);
  const stale = flags.probe === undefined && shard === undefined ? expectations.stale(result.probes, allIds) : [];
  io.out(
    `${impl.description.name}: ${result.probes.length} results in ${(result.durationMs / 1000).toFixed(1)} s: ${t.pass} pass, ${t.fail} fail, ${t.xfail} xfail, ${t.xpass} xpass, ${t.skip} skip, ${t.error} error`,
  );
  for (const s of stale) io.out(`stale expectation: ${s}`);
  io.out(`reports: ${written.dir} (run.json, junit.xml, summary.md, compliance.json${written.tlsfuzzer === undefined ? '' : ', tlsfuzzer.txt'})`);
  return runPassed(result) && stale.length === 0 ? 0 : 1;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run the conformance probes against an implementation and write its report',
  usage: usageText(),
  run,
};

