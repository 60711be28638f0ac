/**
 * Helpers for scripts that drive real DTLS peers on loopback: processes that always run under
 * `timeout` and are stopped only by the PID we started, and a UDP relay bound to 127.0.0.1 that
 * records every datagram it forwards.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The path of `name` on $PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const started = new Set<Peer>();

/** Stops every peer still running (by the PIDs we started). Called on exit and on signals. */
export function stopAll(): void {
  for (const p of started) p.stop();
}
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    stopAll();
    process.exit(130);
  });
}

/** A child process run as `timeout -k 2 SECONDS cmd args...`, with its output kept. */
export class Peer {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  exitCode: number | null | undefined = undefined;
  private reaped = false;
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(
    readonly label: string,
    readonly argv: string[],
    seconds: number,
    env: Record<string, string> = {},
  ) {
    this.child = spawn('timeout', ['-k', '2', String(seconds), ...argv], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    started.add(this);
    const onData = (b: Buffer): void => {
      this.output += b.toString('latin1');
      for (const w of this.waiters) w();
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    this.child.stdin.on('error', () => {}); // EPIPE when the peer has already gone
    this.exited = new Promise((resolve) => {
      // reaped: its PID may belong to another process from here on, so stop() leaves it alone
      this.child.on('exit', () => {
        this.reaped = true;
        started.delete(this);
      });
      // 'close' rather than 'exit': by then all its output has been read, so a waiter that sees
      // the exit code has also seen everything the process printed
      this.child.on('close', (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : -1);
        started.delete(this);
        for (const w of this.waiters) w();
        resolve(code);
      });
    });
  }

  /**
   * Resolves when the combined output from offset `since` on matches `re`; rejects when the process
   * exits first or after `ms`.
   */
  waitFor(re: RegExp, ms: number, what = re.source, since = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (re.test(this.output.slice(since))) {
          done();
          resolve();
          return true;
        }
        if (this.exitCode !== undefined) {
          done();
          reject(new Error(`${this.label} exited (${this.exitCode}) before printing ${what}\n${this.tail()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label} did not print ${what} within ${ms} ms\n${this.tail()}`));
      }, ms);
      const waiter = (): void => void check();
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      this.waiters.push(waiter);
      check();
    });
  }

  /** Waits up to `ms` for the process to exit; false when it is still running. */
  async waitExit(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const r = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return r;
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  /** SIGTERM to the `timeout` process we started (it passes the signal on to its command). */
  stop(): void {
    if (!this.reaped && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }

  tail(lines = 15): string {
    return this.output.split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n');
  }
}

export interface RelayRecord {
  dir: 'client' | 'server';
  /** Nanoseconds since the relay started (monotonic clock). */
  at: bigint;
  payload: Uint8Array;
  /** The relay did not forward it (`drop` said so). */
  dropped: boolean;
}

/** Whether the relay drops this datagram instead of forwarding it. */
export type RelayDrop = (dir: 'client' | 'server', payload: Uint8Array) => boolean;

/**
 * A UDP relay on 127.0.0.1: the client talks to `port`, the relay forwards to 127.0.0.1:`serverPort`
 * from its own socket, and records every datagram in both directions; `drop` may keep one from
 * being forwarded (it is recorded all the same, marked dropped).
 */
export class Relay {
  readonly records: RelayRecord[] = [];
  private readonly front = dgram.createSocket('udp4');
  private readonly back = dgram.createSocket('udp4');
  private client: { address: string; port: number } | undefined;
  private readonly start = process.hrtime.bigint();
  port = 0;
  /** When the first datagram arrived (wall clock, ms since the epoch). */
  firstAt: number | undefined;

  private constructor(
    private readonly serverPort: number,
    private readonly drop: RelayDrop,
  ) {}

  static async open(serverPort: number, drop: RelayDrop = () => false): Promise<Relay> {
    const r = new Relay(serverPort, drop);
    await Promise.all([r.bind(r.front), r.bind(r.back)]);
    r.port = r.front.address().port;
    r.front.on('message', (msg, from) => {
      if (from.address !== '127.0.0.1') return;
      r.client = { address: from.address, port: from.port };
      if (!r.record('client', msg)) r.back.send(msg, r.serverPort, '127.0.0.1');
    });
    r.back.on('message', (msg, from) => {
      if (from.address !== '127.0.0.1' || from.port !== r.serverPort || r.client === undefined) return;
      if (!r.record('server', msg)) r.front.send(msg, r.client.port, r.client.address);
    });
    return r;
  }

  private bind(s: dgram.Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: '127.0.0.1', port: 0 }, () => resolve());
    });
  }

  /** Records a datagram; returns whether it is dropped. */
  private record(dir: 'client' | 'server', msg: Buffer): boolean {
    this.firstAt ??= Date.now();
    const payload = new Uint8Array(msg);
    const dropped = this.drop(dir, payload);
    this.records.push({ dir, at: process.hrtime.bigint() - this.start, payload, dropped });
    return dropped;
  }

  close(): void {
    this.front.close();
    this.back.close();
  }
}

export { freeUdpPort } from '../harness/ports.ts';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
