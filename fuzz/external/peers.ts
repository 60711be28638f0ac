/**
 * The implementations under test: long-running servers (`openssl s_server -dtls1_2`,
 * `gnutls-serv --udp --echo`) and one-connection clients (`openssl s_client -dtls1_2`,
 * `gnutls-cli --udp`), each run as `timeout -k 2 SECONDS cmd ...` on 127.0.0.1 and stopped only by
 * the PID we started. A process keeps how it ended (exit code or signal) so a crash can be told
 * from our own stop.
 */
import { freeUdpPort } from '../../harness/ports.ts';
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import type { PkiFiles } from '../../testkit/pki-files.ts';

export type Impl = 'openssl' | 'gnutls';

const running = new Set<PeerProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of running) p.stop();
  });
}

/** A child process under `timeout`, its output, and how it ended. */
export class PeerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  /** The first 64 KiB of output (kept when `output` is trimmed). */
  head = '';
  /** Set once it has exited. */
  ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private reaped = false;
  /** We asked it to stop. */
  stopped = false;
  readonly exited: Promise<void>;
  private listeners: (() => void)[] = [];

  constructor(
    readonly argv: readonly string[],
    seconds: number,
    env: Record<string, string> = {},
  ) {
    hookExit();
    this.child = spawn('timeout', ['-k', '2', String(Math.max(1, Math.ceil(seconds))), ...argv], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(this);
    const onData = (b: Buffer): void => {
      const text = b.toString('latin1');
      if (this.head.length < 65536) this.head += text.slice(0, 65536 - this.head.length);
      this.output += text;
      if (this.output.length > 4_000_000) this.output = this.output.slice(-2_000_000);
      for (const l of this.listeners.slice()) l();
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      // reaped: its PID may belong to another process from here on
      this.child.on('exit', () => {
        this.reaped = true;
        running.delete(this);
      });
      // 'close' rather than 'exit': by then all its output has been read, so whoever sees it
      // ended has also seen everything it printed
      this.child.on('close', (code, signal) => {
        this.ended = { code, signal };
        running.delete(this);
        for (const l of this.listeners.slice()) l();
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /** Called on new output and on exit. */
  onChange(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Resolves when the output from `since` on matches `re`; false after `ms` or on exit. */
  waitFor(re: RegExp, ms: number, since = 0): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (re.test(this.output.slice(since))) {
          finish(true);
          return true;
        }
        if (!this.alive) {
          finish(false);
          return true;
        }
        return false;
      };
      const t = setTimeout(() => finish(re.test(this.output.slice(since))), ms);
      const off = this.onChange(() => void check());
      const finish = (v: boolean): void => {
        clearTimeout(t);
        off();
        resolve(v);
      };
      check();
    });
  }

  write(text: string): void {
    if (this.alive) this.child.stdin.write(text);
  }

  /** SIGTERM to the `timeout` process we started; it passes the signal on to its command. */
  stop(): void {
    this.stopped = true;
    if (!this.reaped && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }

  async stopAndWait(ms = 4000): Promise<void> {
    this.stop();
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((resolve) => (t = setTimeout(resolve, ms)))]);
    clearTimeout(t);
  }

  /**
   * How it ended, as a finding would say it; undefined while running or when the end was ours
   * (we stopped it, or `timeout` ended it: code 124).
   */
  abnormalEnd(): string | undefined {
    if (this.ended === undefined || this.stopped) return undefined;
    const { code, signal } = this.ended;
    if (signal !== null) return `killed by ${signal}`;
    if (code === 124) return undefined;
    if (code !== null && code >= 128) return `exited ${code} (signal ${code - 128} in the command under timeout)`;
    return `exited with code ${code}`;
  }

  /** CPU time (clock ticks) used so far by the `timeout` process and the command it runs. */
  cpuTicks(): number {
    const pid = this.child.pid;
    if (pid === undefined || this.reaped) return 0;
    return [pid, ...childrenOf(pid)].reduce((sum, p) => sum + ticksOf(p), 0);
  }

  tail(lines = 20): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }
}

/** utime + stime of a process, from /proc (0 when it is gone). */
function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '').map(Number);
  } catch {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
      } catch {
        // gone
      }
    }
    return out;
  }
}

/** Clock ticks per second for /proc stat times (USER_HZ; 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export const freePort = freeUdpPort;

/** `openssl version` / `gnutls-serv --version`, first line. */
export function peerVersion(impl: Impl, role: 'server' | 'client'): string {
  const [cmd, args] = impl === 'openssl' ? ['openssl', ['version']] : [role === 'server' ? 'gnutls-serv' : 'gnutls-cli', ['--version']];
  try {
    return execFileSync('timeout', ['5', cmd, ...args], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch (e) {
    return `unknown (${(e as Error).message.split('\n')[0]})`;
  }
}

/** The server command for `impl` on `port`. */
export function serverCommand(impl: Impl, port: number, pki: PkiFiles): string[] {
  return impl === 'openssl'
    ? ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', pki.leaf, '-cert_chain', pki.ca, '-key', pki.key]
    : ['gnutls-serv', '--udp', '--echo', '-p', String(port), '--x509certfile', pki.chain, '--x509keyfile', pki.key];
}

/** What the server prints once it listens. */
export function serverReady(impl: Impl): RegExp {
  return impl === 'openssl' ? /^ACCEPT$/m : /UDP server ready|Listening|ready/i;
}

/** The client command for `impl` connecting to our server on `port`. */
export function clientCommand(impl: Impl, port: number | string, pki: PkiFiles): string[] {
  return impl === 'openssl'
    ? ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.ca]
    : ['gnutls-cli', '--udp', '--x509cafile', pki.ca, '-p', String(port), '127.0.0.1'];
}

/**
 * What the client prints once its handshake completed, where that is reliable: gnutls-cli prints
 * "- Handshake was completed" only then; s_client prints its session summary even when the handshake
 * failed, so for it only the application data it sends counts.
 */
export function clientHandshakeDone(impl: Impl): RegExp | undefined {
  return impl === 'openssl' ? undefined : /Handshake was completed/;
}
