/**
 * What external fuzzing runs against. A server target is one long-running process (or an in-process
 * server) the campaign restarts when it dies or stops answering; a client target starts one client
 * per case. Both expose their output, which is one of the oracles (`openssl s_server` and
 * `gnutls-serv` print the application data they read; the clients print what they receive).
 */
import type { PkiFiles } from '../../testkit/pki-files.ts';
import { type Impl, PeerProcess, TICKS_PER_SECOND, clientCommand, clientHandshakeDone, freePort, peerVersion, serverCommand, serverReady } from './peers.ts';

export interface ServerTarget {
  readonly name: string;
  readonly version: string;
  /** The command line, for the report. */
  readonly command: string;
  /** 127.0.0.1 port it listens on (valid after start). */
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether it is still running. */
  alive(): boolean;
  /** Why it ended, when it ended on its own (a crash); undefined while running or when we stopped it. */
  abnormalEnd(): string | undefined;
  /** Everything it printed so far (application data it received shows up here). */
  output(): string;
  onOutput(listener: () => void): () => void;
  /** CPU seconds it has used so far, when that can be measured (tells a busy loop from a wait). */
  cpuSeconds?(): number;
}

export interface ClientProcess {
  output(): string;
  onOutput(listener: () => void): () => void;
  alive(): boolean;
  /** Set when it ended on its own by a signal (or `timeout`'s 128+N): the crash oracle. */
  crashed(): string | undefined;
  stop(): Promise<void>;
}

export interface ClientTarget {
  readonly name: string;
  readonly version: string;
  readonly command: string;
  /** What its output shows once its handshake completed (only where that is reliable). */
  readonly handshakeDone: RegExp | undefined;
  /** Starts a client against our server on `port`; `input` is typed into its stdin at once. */
  spawn(port: number, input: string): ClientProcess;
}

/** `openssl s_server -dtls1_2` or `gnutls-serv --udp --echo` on 127.0.0.1, under `timeout`. */
export function processServerTarget(impl: Impl, pki: PkiFiles, seconds: number): ServerTarget {
  let proc: PeerProcess | undefined;
  let port = 0;
  let command = serverCommand(impl, 0, pki).join(' ');
  const listeners = new Set<() => void>();
  let offListener: (() => void) | undefined;
  return {
    name: impl === 'openssl' ? 'openssl s_server -dtls1_2' : 'gnutls-serv --udp --echo',
    version: peerVersion(impl, 'server'),
    get command() {
      return command;
    },
    get port() {
      return port;
    },
    async start() {
      for (let attempt = 0; attempt < 3; attempt++) {
        port = await freePort();
        const argv = serverCommand(impl, port, pki);
        command = `timeout -k 2 ${Math.ceil(seconds)} ${argv.join(' ')}`;
        proc = new PeerProcess(argv, seconds);
        offListener?.();
        const p = proc;
        offListener = p.onChange(() => listeners.forEach((l) => l()));
        if (await p.waitFor(serverReady(impl), 8000)) return;
        await p.stopAndWait();
      }
      throw new Error(`${impl} server did not start: ${proc?.tail() ?? ''}`);
    },
    async stop() {
      await proc?.stopAndWait();
    },
    alive: () => proc?.alive ?? false,
    abnormalEnd: () => proc?.abnormalEnd(),
    output: () => proc?.output ?? '',
    cpuSeconds: () => (proc?.cpuTicks() ?? 0) / TICKS_PER_SECOND,
    onOutput(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** `openssl s_client -dtls1_2` or `gnutls-cli --udp`, one per case, under `timeout`. */
export function processClientTarget(impl: Impl, pki: PkiFiles, seconds = 20): ClientTarget {
  return {
    name: impl === 'openssl' ? 'openssl s_client -dtls1_2' : 'gnutls-cli --udp',
    version: peerVersion(impl, 'client'),
    command: `timeout -k 2 ${seconds} ${clientCommand(impl, '{port}', pki).join(' ')}`,
    handshakeDone: clientHandshakeDone(impl),
    spawn(port, input) {
      const p = new PeerProcess(clientCommand(impl, port, pki), seconds);
      p.write(input);
      return {
        output: () => p.output,
        onOutput: (l) => p.onChange(l),
        alive: () => p.alive,
        crashed() {
          if (p.ended === undefined || p.stopped) return undefined;
          const { code, signal } = p.ended;
          if (signal !== null) return `killed by ${signal}`;
          if (code !== null && code >= 128) return `exited ${code} (signal ${code - 128} in the command under timeout)`;
          return undefined;
        },
        stop: () => p.stopAndWait(),
      };
    },
  };
}
