/**
 * tlsfuzzer's scripts JSON (the file its `tests/scripts_retention.py` reads) driving our probe
 * groups: for each entry, start `server_command`, wait until it listens on `server_port`, run each
 * test's script with `common_arguments + arguments`, check `exp_pass`, stop the server by its PID.
 *
 * ```json
 * [ { "server_command": ["openssl", "s_server", "-dtls1_2", "-port", "4433", ...],
 *     "server_hostname": "localhost", "server_port": 4433, "environment": {"K": "V"},
 *     "common_arguments": ["-n", "0"],
 *     "tests": [ {"name": "dtlsprobe-server-cookie", "arguments": ["-x", "cookie-mismatch"],
 *                 "exp_pass": true, "comment": "why"} ] } ]
 * ```
 *
 * Departures from scripts_retention.py, all stricter: unknown keys are errors (a misspelt
 * `arguments` would otherwise run the script without them), and so are test names that are no
 * probe group (checked before any server starts); a script whose command line is wrong
 * fails even under `"exp_pass": false`; `-h`/`-p` default to the entry's `server_hostname` and
 * `server_port` when the arguments do not give them (tlsfuzzer's scripts default to
 * localhost:4433 whatever the entry says); the server must leave the port free before it starts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { boundUdpPorts } from '../iut/external.ts';
import { performance } from 'node:perf_hooks';
import { describeExit, IutProcess } from '../iut/process.ts';
import { isJsonObject, jsonType, type JsonValue, JsonTextError, parseJsonText } from '../expectations/json-text.ts';
import { pythonRepr, RULE } from '../report/tlsfuzzer.ts';
import { probeGroups } from './index.ts';
import { runScript as runScriptDefault } from './script.ts';
import { parseScriptArgs, resolveGroup, type ScriptIo, type ScriptOutcome } from './script-args.ts';

export interface ScriptsJsonTest {
  readonly name: string;
  readonly arguments: readonly string[];
  /** false: the script is expected to exit non-zero. */
  readonly expPass: boolean;
  readonly comment?: string;
}

export interface ScriptsJsonServer {
  readonly serverCommand: readonly string[];
  readonly serverHostname: string;
  readonly serverPort: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly commonArguments: readonly string[];
  readonly tests: readonly ScriptsJsonTest[];
}

/** A problem with a scripts JSON file, naming the file and the field (`[0].tests[3].arguments[1]`). */
export class ScriptsJsonError extends Error {
  override readonly name = 'ScriptsJsonError';
}

const SERVER_KEYS = new Set(['server_command', 'server_hostname', 'server_port', 'environment', 'common_arguments', 'tests', 'comment', 'comments']);
const TEST_KEYS = new Set(['name', 'arguments', 'exp_pass', 'comment', 'comments']);

export function parseScriptsJson(text: string, source: string): ScriptsJsonServer[] {
  const fail = (where: string, detail: string): never => {
    throw new ScriptsJsonError(`${source}: ${where === '' ? '' : `${where}: `}${detail}`);
  };
  let doc: JsonValue;
  try {
    doc = parseJsonText(text);
  } catch (e) {
    if (e instanceof JsonTextError) return fail('', `not valid JSON: ${e.message}`);
    throw e;
  }
  if (!Array.isArray(doc)) return fail('', `the file must hold an array of server entries, found ${jsonType(doc)}`);
  if (doc.length === 0) fail('', 'the array holds no server entry');

  const strings = (v: JsonValue | undefined, where: string, nonEmpty: boolean): string[] => {
    if (!Array.isArray(v)) return fail(where, `must be an array of strings, found ${jsonType(v)}`);
    if (nonEmpty && v.length === 0) fail(where, 'must not be empty');
    return v.map((s, i) => (typeof s === 'string' ? s : fail(`${where}[${i}]`, `must be a string, found ${jsonType(s)}`)));
  };
  const comment = (o: { [key: string]: JsonValue }, where: string): string | undefined => {
    for (const key of ['comment', 'comments']) {
      const c = o[key];
      if (c !== undefined && typeof c !== 'string') fail(`${where}.${key}`, `must be a string, found ${jsonType(c)}`);
    }
    const c = o.comment ?? o.comments;
    return typeof c === 'string' ? c : undefined;
  };

  return doc.map((entry, i): ScriptsJsonServer => {
    const at = `[${i}]`;
    if (!isJsonObject(entry)) return fail(at, `must be an object, found ${jsonType(entry)}`);
    for (const key of Object.keys(entry)) if (!SERVER_KEYS.has(key)) fail(`${at}.${key}`, `unknown key (known: ${[...SERVER_KEYS].join(', ')})`);
    if (entry.server_command === undefined) fail(`${at}.server_command`, 'is missing');
    const serverCommand = strings(entry.server_command, `${at}.server_command`, true);
    const host = entry.server_hostname ?? 'localhost';
    if (typeof host !== 'string' || host === '') return fail(`${at}.server_hostname`, `must be a non-empty string, found ${jsonType(host)}`);
    const port = entry.server_port ?? 4433;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return fail(`${at}.server_port`, `must be an integer from 1 to 65535, found ${JSON.stringify(port)}`);
    const envRaw = entry.environment ?? {};
    if (!isJsonObject(envRaw)) return fail(`${at}.environment`, `must be an object of strings, found ${jsonType(envRaw)}`);
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(envRaw)) environment[k] = typeof v === 'string' ? v : fail(`${at}.environment.${k}`, `must be a string, found ${jsonType(v)}`);
    const commonArguments = entry.common_arguments === undefined ? [] : strings(entry.common_arguments, `${at}.common_arguments`, false);
    comment(entry, at);
    if (entry.tests === undefined) fail(`${at}.tests`, 'is missing');
    if (!Array.isArray(entry.tests)) return fail(`${at}.tests`, `must be an array, found ${jsonType(entry.tests)}`);
    const tests = entry.tests.map((t, j): ScriptsJsonTest => {
      const tat = `${at}.tests[${j}]`;
      if (!isJsonObject(t)) return fail(tat, `must be an object, found ${jsonType(t)}`);
      for (const key of Object.keys(t)) if (!TEST_KEYS.has(key)) fail(`${tat}.${key}`, `unknown key (known: ${[...TEST_KEYS].join(', ')})`);
      if (typeof t.name !== 'string' || t.name === '') return fail(`${tat}.name`, `must be a non-empty string naming a probe group, found ${jsonType(t.name)}`);
      const args = t.arguments === undefined ? [] : strings(t.arguments, `${tat}.arguments`, false);
      const expPass = t.exp_pass ?? true;
      if (typeof expPass !== 'boolean') return fail(`${tat}.exp_pass`, `must be true or false, found ${jsonType(expPass)}`);
      const c = comment(t, tat);
      return { name: t.name, arguments: args, expPass, ...(c === undefined ? {} : { comment: c }) };
    });
    return { serverCommand, serverHostname: host, serverPort: port, environment, commonArguments, tests };
  });
}

// ---- is anything listening on a UDP port? -------------------------------------------------------

/**
 * Whether a UDP socket is bound to `port` on this machine (any address), from /proc/net/udp and
 * udp6; undefined where there is no /proc (not Linux): then we cannot tell.
 */
export async function udpPortBound(port: number): Promise<boolean | undefined> {
  if (!existsSync('/proc/net/udp') && !existsSync('/proc/net/udp6')) return undefined;
  return (await boundUdpPorts()).has(port);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (at most `ms`, tlsfuzzer's 10 s) until the server listens on its port; an error when it does not. */
async function waitListening(server: IutProcess, port: number, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (!server.alive) {
      const exit = server.exit();
      throw new Error(`the server ${exit === undefined ? 'ended' : describeExit(exit)} before it listened on UDP port ${port}; its output:\n${server.tail()}`);
    }
    const bound = await udpPortBound(port);
    if (bound === true) return;
    if (bound === undefined) {
      // no /proc: give it a moment, as there is nothing to look at
      await sleep(1000);
      return;
    }
    if (performance.now() > deadline) throw new Error(`the server did not listen on UDP port ${port} within ${ms / 1000} s; its output:\n${server.tail()}`);
    await sleep(50);
  }
}

// ---- the run ------------------------------------------------------------------------------------

export type ScriptRunner = (argv: readonly string[], io: ScriptIo) => Promise<ScriptOutcome>;

export interface ScriptsJsonOptions {
  /** Runs one script (default: `runScript` of script.ts). Tests give a fake. */
  readonly runScript?: ScriptRunner;
  /** The longest a server may run (default one hour). */
  readonly serverSeconds?: number;
  /** How long to wait for the server to listen (default 10 s, as tlsfuzzer). */
  readonly listenMs?: number;
  /** The value of a `{command}` in server_command, as scripts_retention.py's second argument. */
  readonly command?: string;
  /** The probe groups test names must name (default: every group); checked before any server starts. */
  readonly groups?: Iterable<string>;
}

/** The script's argv: the group, `-h`/`-p` from the entry unless given, common_arguments, arguments. */
export function scriptArgv(server: ScriptsJsonServer, t: ScriptsJsonTest): string[] {
  const given = [...server.commonArguments, ...t.arguments];
  let target = ['-h', server.serverHostname, '-p', String(server.serverPort)];
  try {
    const a = parseScriptArgs([t.name, ...given]);
    if (a.host !== undefined || a.port !== undefined || a.impl !== undefined) target = [];
  } catch {
    target = []; // the script will report its command line as it is
  }
  return [t.name, ...target, ...given];
}

function log(io: ScriptIo, level: 'INFO' | 'ERROR' | 'CRITICAL' | 'DEBUG', message: string): void {
  io.err(`${level}:dtlsprobe:${message}`);
}

/** Runs a scripts JSON file; the summary as scripts_retention.py prints it. Returns the exit code. */
export async function runScriptsJson(path: string, io: ScriptIo, opts: ScriptsJsonOptions = {}): Promise<number> {
  let servers: ScriptsJsonServer[];
  try {
    servers = parseScriptsJson(readFileSync(path, 'utf8'), path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(e instanceof ScriptsJsonError ? e.message : `${path}: cannot read the scripts JSON file${code === 'ENOENT' ? ': no such file' : `: ${(e as Error).message}`}`);
    return 2;
  }
  const runScript = opts.runScript ?? runScriptDefault;
  const groups = [...(opts.groups ?? probeGroups().keys())];
  for (const [i, server] of servers.entries()) {
    for (const [j, t] of server.tests.entries()) {
      if (resolveGroup(t.name, groups) === undefined) {
        io.err(`${path}: [${i}].tests[${j}].name: no probe group "${t.name}" (nor "dtlsprobe-<group>"); the groups: ${groups.join(', ')}`);
        return 2;
      }
    }
  }
  const cases = { skip: 0, pass: 0, xfail: 0, fail: 0, xpass: 0 };
  let good = 0;
  let bad = 0;
  const failed: string[][] = [];

  for (const [i, server] of servers.entries()) {
    const argv = server.serverCommand.map((a) => (a === '{command}' && opts.command !== undefined ? opts.command : a));
    const placeholder = argv.find((a) => /^\{[a-z_]+\}$/.test(a));
    if (placeholder !== undefined) {
      io.err(`${path}: [${i}].server_command: ${placeholder} has no value here; write the command out`);
      return 2;
    }
    if ((await udpPortBound(server.serverPort)) === true) {
      io.err(`${path}: [${i}]: UDP port ${server.serverPort} is in use before the server starts; stop what holds it or pick another server_port`);
      bad += server.tests.length;
      for (const t of server.tests) failed.push(['dtlsprobe', 'script', ...scriptArgv(server, t)]);
      continue;
    }
    const srv = new IutProcess(argv, { seconds: opts.serverSeconds ?? 3600, env: server.environment });
    try {
      await waitListening(srv, server.serverPort, opts.listenMs ?? 10_000);
    } catch (e) {
      io.err(`${path}: [${i}]: ${(e as Error).message}`);
      await srv.stopAndWait();
      bad += server.tests.length;
      for (const t of server.tests) failed.push(['dtlsprobe', 'script', ...scriptArgv(server, t)]);
      continue;
    }
    log(io, 'INFO', `Server process started (pid ${srv.pid ?? '?'})`);
    try {
      for (const t of server.tests) {
        const scriptArgs = scriptArgv(server, t);
        log(io, 'INFO', `${t.name}:started`);
        const start = performance.now();
        const lines: string[] = [];
        let outcome: ScriptOutcome;
        try {
          outcome = await runScript(scriptArgs, { out: (l) => lines.push(`${t.name}:stdout:${l}`), err: (l) => lines.push(`${t.name}:stderr:${l}`) });
        } catch (e) {
          lines.push(`${t.name}:stderr:${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          outcome = { code: 1, usageError: false };
        }
        const secs = ((performance.now() - start) / 1000).toFixed(2);
        if (!srv.alive) log(io, 'CRITICAL', 'Server process not active');
        const c = outcome.counts;
        if (c !== undefined) {
          cases.skip += c.skip;
          cases.pass += c.pass + (t.expPass ? 0 : c.xpass);
          cases.xfail += c.xfail + (t.expPass ? 0 : c.fail);
          cases.fail += t.expPass ? c.fail : 0;
          cases.xpass += t.expPass ? c.xpass : 0;
        }
        const asExpected = !outcome.usageError && (outcome.code === 0) === t.expPass;
        if (asExpected) {
          good++;
          log(io, 'INFO', `${t.name}:finished:${secs}s`);
        } else {
          bad++;
          for (const l of lines) io.err(l);
          if (outcome.usageError) log(io, 'ERROR', `${t.name}: the command line is wrong; this fails even under "exp_pass": false`);
          log(io, 'ERROR', `${t.name}:failure:${secs}s:${outcome.code}`);
          failed.push(['dtlsprobe', 'script', ...scriptArgs]);
        }
      }
    } finally {
      log(io, 'DEBUG', 'Killing server process');
      const exit = await srv.stopAndWait();
      log(io, 'DEBUG', `Server process killed: ${exit === undefined ? 'still running' : (exit.code ?? exit.signal ?? '?')}`);
    }
  }

  io.out(RULE);
  io.out(`Ran ${cases.pass + cases.fail + cases.skip + cases.xfail + cases.xpass} test cases`);
  io.out(`skip ${cases.skip}`);
  io.out(`pass: ${cases.pass}`);
  io.out(`xfail: ${cases.xfail}`);
  io.out(`fail: ${cases.fail}`);
  io.out(`xpass: ${cases.xpass}`);
  io.out(RULE);
  io.out(`Ran ${good + bad} scripts`);
  io.out(`PASS: ${good}`);
  io.out(`FAIL: ${bad}`);
  io.out(RULE);
  if (failed.length > 0) {
    io.out('Failed script configurations:');
    for (const f of failed) io.out(` [${f.map(pythonRepr).join(', ')}]`);
  }
  return bad > 0 ? 1 : 0;
}
