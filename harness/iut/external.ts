/**
 * Implementations under test that run as processes on 127.0.0.1, described by an `ExternalSpec`
 * (templates.ts): `openssl s_server`, `gnutls-cli`, or a user's own command. A server session starts
 * the process on a port, waits until it listens and hands the probe a wire to it; a client session
 * opens a wire first and starts the client towards it. Every session gets a temporary folder for its
 * key log (and PSK file), removed when the session closes.
 *
 * `remote(host, port)` is tlsfuzzer's `-h/-p`: a server someone else started.
 */
import { readFile } from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freeUdpPort } from '../ports.ts';
import { IutProcess, TIMEOUT_CANNOT_RUN, TIMEOUT_NOT_FOUND, describeExit, findProgram } from './process.ts';
import { UdpWire } from './real-wire.ts';
import {
  type ExternalSpec,
  type PlaceholderValues,
  type RoleSpec,
  checkSpec,
  compileRegex,
  expandCommand,
  expandText,
} from './templates.ts';
import {
  type Exit,
  type Implementation,
  type ImplementationDescription,
  IutError,
  type IutRole,
  type IutSession,
  type SessionRequest,
} from './types.ts';

export { BUILTIN_EXTERNAL, CLIENT_DATA, type ExternalSpec, type RoleSpec } from './templates.ts';

/** Where the harness and the processes it starts meet. */
export const HOST = '127.0.0.1';
export const DEFAULT_STARTUP_TIMEOUT_MS = 5000;
/** How long a session's process may run at most (`timeout`), unless the implementation is told otherwise. */
export const DEFAULT_SESSION_SECONDS = 300;
const POLL_MS = 20;

export interface ExternalOptions {
  /** The longest one session's process may run; default 300 s. */
  readonly sessionSeconds?: number;
}

export class ExternalImplementation implements Implementation {
  readonly description: ImplementationDescription;
  private readonly sessionSeconds: number;

  constructor(
    readonly spec: ExternalSpec,
    options: ExternalOptions = {},
  ) {
    try {
      checkSpec(spec);
    } catch (e) {
      if (e instanceof IutError) throw new IutError(`implementation ${JSON.stringify(spec.name)}: ${e.message}`);
      throw e;
    }
    this.sessionSeconds = options.sessionSeconds ?? DEFAULT_SESSION_SECONDS;
    const roles = (['server', 'client'] as const).filter((r) => spec[r] !== undefined);
    const commands: Partial<Record<IutRole, string>> = {};
    const suites: Partial<Record<IutRole, readonly number[]>> = {};
    for (const r of roles) {
      commands[r] = spec[r]?.command;
      suites[r] = [...(spec.suites[r] ?? [])];
    }
    this.description = { name: spec.name, roles, features: [...spec.features], suites, clock: 'real', commands };
  }

  /** The first line the spec's `version` command prints; 'unknown' when the spec has none. */
  async version(): Promise<string> {
    const argv = this.spec.version;
    if (argv === undefined) return 'unknown';
    requireProgram(argv[0], 'version');
    const { code, output } = await run(argv, 10);
    if (code === TIMEOUT_NOT_FOUND || code === TIMEOUT_CANNOT_RUN) throw new IutError(`${argv[0]}: command not found`);
    const line = output.split('\n').map((l) => l.trim()).find((l) => l !== '');
    if (code !== 0 || line === undefined) {
      throw new IutError(`${this.spec.name}: \`${argv.join(' ')}\` exited with code ${String(code)}${line === undefined ? ' and printed nothing' : `: ${line}`}`);
    }
    return line;
  }

  async start(request: SessionRequest): Promise<IutSession> {
    const role = this.spec[request.role];
    if (role === undefined) throw new IutError(`${this.spec.name} has no ${request.role} command: it cannot play the ${request.role}`);
    return request.role === 'server' ? this.startServer(role, request) : this.startClient(role, request);
  }

  private async startServer(role: RoleSpec, request: SessionRequest): Promise<ExternalSession> {
    if (role.port !== undefined) await requirePortFree(role.port);
    const port = role.port ?? (await freeUdpPort());
    const prepared = this.prepare('server', role, request, port);
    const { proc, name, timeoutMs } = prepared;
    try {
      const listening = role.ready === undefined ? await waitBound(port, proc, timeoutMs) : await proc.waitFor(compileRegex(role.ready, 'server.ready'), timeoutMs);
      if (!listening) {
        notRun(proc, name);
        const exit = proc.exitOnItsOwn();
        if (exit !== undefined) {
          throw new IutError(`${name} ${describeExit(exit)} before it listened on ${HOST}:${port}; its output ends:\n${indent(proc.tail())}`);
        }
        const waited = role.ready === undefined ? `UDP port ${port} bound (/proc/net/udp)` : `/${role.ready}/ in its output`;
        throw new IutError(`${name} did not listen on ${HOST}:${port} within ${timeoutMs} ms (waited for ${waited}); its output ends:\n${indent(proc.tail())}`);
      }
      if (role.stdin !== undefined) proc.write(expandText(role.stdin, prepared.values, 'server.stdin'));
      const wire = await UdpWire.connect(port, HOST);
      return new ExternalSession(wire, proc, prepared.dir, prepared.values.keylog, port);
    } catch (e) {
      await proc.stopAndWait();
      rmSync(prepared.dir, { recursive: true, force: true });
      throw e;
    }
  }

  private async startClient(role: RoleSpec, request: SessionRequest): Promise<ExternalSession> {
    const wire = await UdpWire.listen(HOST);
    let prepared: Prepared;
    try {
      prepared = this.prepare('client', role, request, wire.localPort);
    } catch (e) {
      await wire.close();
      throw e;
    }
    const { proc, name, timeoutMs, values } = prepared;
    try {
      if (role.stdin !== undefined) {
        const text = expandText(role.stdin, values, 'client.stdin');
        if (role.handshakeDone === undefined) proc.write(text);
        else {
          const done = compileRegex(role.handshakeDone, 'client.handshakeDone');
          void proc.waitFor(done, this.sessionSeconds * 1000).then((ok) => ok && proc.write(text));
        }
      }
      // Started: its first datagram has arrived, or it ended, or it is too slow.
      const deadline = Date.now() + timeoutMs;
      while (wire.transcript.length === 0 && proc.alive && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (wire.transcript.length === 0) {
        await proc.waitExit(50);
        notRun(proc, name);
        const exit = proc.exitOnItsOwn();
        if (exit !== undefined) {
          throw new IutError(`${name} ${describeExit(exit)} before it sent anything to ${HOST}:${wire.localPort}; its output ends:\n${indent(proc.tail())}`);
        }
        throw new IutError(`${name} sent nothing to ${HOST}:${wire.localPort} within ${timeoutMs} ms; its output ends:\n${indent(proc.tail())}`);
      }
      return new ExternalSession(wire, proc, prepared.dir, values.keylog, wire.localPort);
    } catch (e) {
      await proc.stopAndWait();
      await wire.close();
      rmSync(prepared.dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** The session folder, the placeholder values, the argv, and the process started with them. */
  private prepare(roleName: IutRole, role: RoleSpec, request: SessionRequest, port: number): Prepared {
    const usePsk = request.psk !== undefined && role.pskCommand !== undefined;
    const field = `${roleName}.${usePsk ? 'pskCommand' : 'command'}`;
    const dir = mkdtempSync(join(tmpdir(), `dtlsprobe-${safeName(this.spec.name)}-${roleName}-`));
    try {
      const values = sessionValues(request, port, dir);
      const argv = expandCommand(usePsk ? (role.pskCommand ?? role.command) : role.command, values, field);
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(role.env ?? {})) env[k] = expandText(v, values, `${roleName}.env.${k}`);
      requireProgram(argv[0], field);
      const proc = new IutProcess(argv, { seconds: this.sessionSeconds, env });
      const name = `${this.spec.name} ${roleName} (${basename(argv[0])})`;
      return { dir, values, proc, name, timeoutMs: role.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
}

interface Prepared {
  readonly dir: string;
  readonly values: SessionValues;
  readonly proc: IutProcess;
  readonly name: string;
  readonly timeoutMs: number;
}

type SessionValues = PlaceholderValues & { readonly keylog: string };

/** The placeholder values of one session (writing the PSK file when there is a PSK). */
function sessionValues(request: SessionRequest, port: number, dir: string): SessionValues {
  const leaf = request.files.leaf[request.keyType ?? 'p256'];
  let pskFile: string | undefined;
  if (request.psk !== undefined) {
    pskFile = join(dir, 'psk.txt');
    writeFileSync(pskFile, `${request.psk.identity}:${request.psk.keyHex}\n`, { mode: 0o600 });
  }
  return {
    port: String(port),
    host: HOST,
    cert: leaf.cert,
    key: leaf.key,
    ca: request.files.ca,
    psk: request.psk?.keyHex,
    psk_identity: request.psk?.identity,
    psk_file: pskFile,
    alpn: request.alpn !== undefined && request.alpn.length > 0 ? request.alpn.join(',') : undefined,
    keylog: join(dir, 'keylog.txt'),
  };
}

/** One session with a process: its wire, output, end, key log. */
export class ExternalSession implements IutSession {
  private savedKeyLog: string | undefined;
  private closed = false;

  constructor(
    readonly wire: UdpWire,
    readonly process: IutProcess,
    private readonly dir: string,
    private readonly keyLogPath: string,
    /** The server's port, or the harness's port the client talks to. */
    readonly port: number,
  ) {}

  /** Whether `data` (read as latin1) shows up in the process's output within `timeoutMs`. */
  readonly delivered = (data: Uint8Array, timeoutMs: number): Promise<boolean> =>
    this.process.waitFor(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1'), timeoutMs);

  exit(): Exit | undefined {
    return this.process.exitOnItsOwn();
  }

  log(): string {
    return this.process.tail(200);
  }

  /** The NSS key log the process wrote, if it wrote one (kept after `close`). */
  keyLog(): string | undefined {
    if (this.closed) return this.savedKeyLog;
    try {
      return readFileSync(this.keyLogPath, 'latin1');
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.process.stopAndWait();
    this.savedKeyLog = this.keyLog();
    this.closed = true;
    await this.wire.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A server already running at host:port that the harness did not start (tlsfuzzer's -h/-p). */
export function remote(
  host: string,
  port: number,
  options: { readonly name?: string; readonly features?: ImplementationDescription['features']; readonly suites?: readonly number[] } = {},
): Implementation {
  const description: ImplementationDescription = {
    name: options.name ?? `remote ${host.includes(':') ? `[${host}]` : host}:${port}`,
    roles: ['server'],
    features: options.features ?? ['certificate'],
    suites: { server: options.suites ?? [0xc02b, 0xc02c, 0xcca9] },
    clock: 'real',
  };
  return {
    description,
    version: () => Promise.resolve('unknown'),
    async start(request: SessionRequest): Promise<IutSession> {
      if (request.role !== 'server') throw new IutError(`${description.name} is a server someone else started: it cannot play the client`);
      const wire = await UdpWire.connect(port, host);
      return { wire, exit: () => undefined, log: () => '', close: () => wire.close() };
    },
  };
}

/** Throws "PROGRAM: command not found" unless it is on PATH (or is an executable path). */
function requireProgram(program: string, field: string): void {
  if (findProgram(program) === undefined) throw new IutError(`${program}: command not found (${field})`);
}

/** Throws the same when `timeout` said it could not run the command. */
function notRun(proc: IutProcess, name: string): void {
  const why = proc.commandNotRun();
  if (why === 'not-found') throw new IutError(`${proc.argv[0]}: command not found`);
  if (why === 'not-executable') throw new IutError(`${proc.argv[0]}: cannot be run (${name}): ${proc.tail(3)}`);
  if (proc.startError !== undefined) throw new IutError(`${name}: cannot start: ${proc.startError.message}`);
}

/** Throws "port N on 127.0.0.1 is in use" when binding it fails. */
async function requirePortFree(port: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: HOST, port, exclusive: true }, () => resolve());
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IutError(code === 'EADDRINUSE' ? `port ${port} on ${HOST} is in use` : `port ${port} on ${HOST} cannot be bound: ${(e as Error).message}`);
  } finally {
    await new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }
}

/** The local UDP ports bound on this machine (IPv4 and IPv6), from /proc/net/udp{,6}. */
export async function boundUdpPorts(): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      const hexPort = local?.split(':')[1];
      if (hexPort !== undefined) ports.add(parseInt(hexPort, 16));
    }
  }
  return ports;
}

/** Polls until `port` is bound; false when the process ended first or `ms` passed. */
async function waitBound(port: number, proc: IutProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await boundUdpPorts()).has(port)) return true;
    if (!proc.alive || Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Runs argv under `timeout`, gathering stdout and stderr. */
function run(argv: readonly string[], seconds: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile('timeout', ['-k', '2', String(seconds), ...argv], { encoding: 'latin1', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const indent = (text: string): string =>
  (text.trim() === '' ? '(no output)' : text.trimEnd())
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40);
