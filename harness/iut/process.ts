/**
 * An implementation under test running as a child process: `timeout -k 2 SECONDS argv...`, its
 * stdout and stderr gathered into one bounded text, how it ended, and a stop that signals only the
 * process we started (SIGTERM to `timeout`, which passes it on to the command and kills it 2 s later
 * if it lingers). Every process still running when Node exits is stopped.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Exit } from './types.ts';

/** Output kept: the first HEAD characters and the last TAIL characters. */
const HEAD = 64 * 1024;
const TAIL = 1024 * 1024;

/** GNU timeout's exit codes: the time ran out; the command could not be run / was not found. */
export const TIMEOUT_EXPIRED = 124;
export const TIMEOUT_CANNOT_RUN = 126;
export const TIMEOUT_NOT_FOUND = 127;

const running = new Set<IutProcess>();
let exitHooked = false;

/** Stops every process still running (a CLI calls this from its own SIGINT/SIGTERM handler). */
export function stopAllProcesses(): void {
  for (const p of [...running]) p.stop();
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', stopAllProcesses);
}

/**
 * Where `program` would be found: itself when it holds a slash, else the first executable file of
 * that name on PATH; undefined when there is none.
 */
export function findProgram(program: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = program.includes('/') ? [program] : path.split(delimiter).filter((d) => d !== '').map((d) => join(d, program));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ProcessOptions {
  /** The longest it may run; `timeout` sends SIGTERM then, and SIGKILL 2 s later. */
  readonly seconds: number;
  /** Added to (and overriding) this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export class IutProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  /** The first HEAD characters of output. */
  private head = '';
  /** The latest output: between TAIL and 2 TAIL characters once it is long. */
  private text = '';
  /** Characters received in all (so `text` starts at `received - text.length`). */
  private received = 0;
  private ended: Exit | undefined;
  private spawnError: Error | undefined;
  private stoppedByUs = false;
  private endedOnItsOwn = false;
  private listeners: (() => void)[] = [];
  /** Resolves with how it ended. */
  readonly exited: Promise<Exit>;

  constructor(
    readonly argv: readonly string[],
    options: ProcessOptions,
  ) {
    if (argv.length === 0) throw new Error('IutProcess: empty argv');
    hookExit();
    this.child = spawn('timeout', ['-k', '2', String(Math.max(1, Math.ceil(options.seconds))), ...argv], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    running.add(this);
    const onData = (b: Buffer): void => {
      const text = b.toString('latin1');
      this.received += text.length;
      if (this.head.length < HEAD) this.head += text.slice(0, HEAD - this.head.length);
      this.text += text;
      if (this.text.length > 2 * TAIL) this.text = this.text.slice(-TAIL);
      this.changed();
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      const done = (exit: Exit): void => {
        if (this.ended !== undefined) return;
        this.ended = exit;
        this.endedOnItsOwn = !this.stoppedByUs;
        running.delete(this);
        this.changed();
        resolve(exit);
      };
      this.child.on('error', (e) => {
        // spawn failed (no `timeout`, no such cwd): no 'exit' follows
        this.spawnError = e;
        done({ code: null, signal: null });
      });
      // 'close' rather than 'exit': all output has been read by then
      this.child.on('close', (code, signal) => done({ code, signal }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /** How it ended; undefined while it runs. */
  exit(): Exit | undefined {
    return this.ended;
  }

  /** How it ended, when it ended before we asked it to stop (a crash, an exit, its time running out). */
  exitOnItsOwn(): Exit | undefined {
    return this.endedOnItsOwn ? this.ended : undefined;
  }

  /** Whether we asked it to stop. */
  get stopped(): boolean {
    return this.stoppedByUs;
  }

  /** Why it could not be started at all, if so. */
  get startError(): Error | undefined {
    return this.spawnError;
  }

  /**
   * Whether `timeout` reported that it could not run the command (127: not found, 126: not
   * executable), going by the exit code and timeout's own message.
   */
  commandNotRun(): 'not-found' | 'not-executable' | undefined {
    const code = this.ended?.code;
    if (code !== TIMEOUT_NOT_FOUND && code !== TIMEOUT_CANNOT_RUN) return undefined;
    if (!/timeout: failed to run command/.test(this.head)) return undefined;
    return code === TIMEOUT_NOT_FOUND ? 'not-found' : 'not-executable';
  }

  /** The characters of output received so far (an offset for `waitFor`'s `since`). */
  mark(): number {
    return this.received;
  }

  /** The output kept: all of it while short, else the first 64 KiB, a marker, and the last 1..2 MiB. */
  output(): string {
    const start = this.received - this.text.length;
    if (start <= this.head.length) return this.head.slice(0, start) + this.text;
    return `${this.head}\n[... ${start - this.head.length} characters of output left out ...]\n${this.text}`;
  }

  /** The output from character `since` on (from the oldest character kept, when that is later). */
  outputSince(since: number): string {
    return this.text.slice(Math.max(0, since - (this.received - this.text.length)));
  }

  /** The last `lines` lines of output (at most 16 KiB). */
  tail(lines = 30): string {
    return this.text.slice(-16384).trimEnd().split('\n').slice(-lines).join('\n');
  }

  private changed(): void {
    for (const l of this.listeners.slice()) l();
  }

  /**
   * Resolves true once the output from `since` on matches `pattern` (a RegExp, or a string to find
   * as it is); false after `ms`, or at once when the process has ended without it.
   */
  waitFor(pattern: RegExp | string, ms: number, since = 0): Promise<boolean> {
    const matches = (): boolean => {
      const text = this.outputSince(since);
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
    };
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (v: boolean): void => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        resolve(v);
      };
      const check = (): void => {
        if (matches()) finish(true);
        else if (!this.alive) finish(false);
      };
      timer = setTimeout(() => finish(matches()), ms);
      this.listeners.push(check);
      check();
    });
  }

  /** Resolves once it has ended or `ms` have passed; true when it ended. */
  async waitExit(ms: number): Promise<boolean> {
    if (!this.alive) return true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    return !this.alive;
  }

  /** Writes to its stdin (ignored once it has ended). */
  write(text: string): void {
    if (this.alive && this.child.stdin.writable) this.child.stdin.write(text, 'latin1');
  }

  /** Closes its stdin. */
  endInput(): void {
    if (this.child.stdin.writable) this.child.stdin.end();
  }

  /** SIGTERM to the `timeout` process we started, which passes it on (and SIGKILLs 2 s later). */
  stop(): void {
    this.stoppedByUs = true;
    const pid = this.child.pid;
    if (!this.alive || pid === undefined) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }

  /** Stops it and waits for its end (at most `ms`; `timeout` kills the command 2 s after the SIGTERM). */
  async stopAndWait(ms = 4000): Promise<Exit | undefined> {
    this.stop();
    await this.waitExit(ms);
    return this.ended;
  }
}

/** An exit, as a person reads it. */
export function describeExit(exit: Exit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  if (exit.code === TIMEOUT_EXPIRED) return 'ran out of time (timeout ended it, code 124)';
  if (exit.code !== null && exit.code > 128) return `exited with code ${exit.code} (signal ${exit.code - 128})`;
  return `exited with code ${String(exit.code)}`;
}
