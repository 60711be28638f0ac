/**
 * A UDP impairment proxy on loopback: the impairment model and scripts of model.ts, applied in real
 * time by an ImpairedLink on the system clock, between two processes we cannot simulate (say
 * `openssl s_client` and `gnutls-serv`). The client talks to the proxy's `address`; the proxy talks
 * to the target from a socket of its own, connected to it, so only the target's datagrams come back.
 *
 * One client per proxy: the first address that sends to the proxy is "the client" for the proxy's
 * lifetime. Datagrams from any other address are dropped before the link sees them, counted in
 * `stats.ignored` and reported as `ignored` events. To impair a second client, start a second proxy.
 *
 * Bounded: a datagram that arrives while `maxPending` copies are scheduled or held for reordering is
 * dropped before the link sees it (`stats.overflow`, an `overflow` event), so the proxy never holds
 * more than `maxPending` + 1 datagrams (a duplicated one makes two copies). Socket errors (the target
 * not listening yet: ECONNREFUSED) are counted in `stats.errors`, never fatal.
 *
 * The link's transcript grows by one record per datagram (no bytes unless `keepBytes`).
 *
 * Only 127.0.0.1 and ::1: anything else is refused with a ProxyError naming the field.
 */
import dgram from 'node:dgram';
import { systemClock } from '../../reference/api/datagram-based.ts';
import { type Fate, ImpairedLink, type LinkRecord, fateCounts } from './link.ts';
import type { NetworkModel, ScriptRule, Side } from './model.ts';

export type LoopbackHost = '127.0.0.1' | '::1';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ProxyOptions {
  /** Where clients send: 127.0.0.1 or ::1; port 0 picks a free one (see `address`). */
  readonly listen: HostPort;
  /** The server: 127.0.0.1 or ::1, port 1..65535. */
  readonly target: HostPort;
  /** Per direction, keyed by the sending side ('client': client→server). Default: clean. */
  readonly model?: NetworkModel;
  readonly script?: readonly ScriptRule[];
  /** Seeds the link's decisions: the n-th datagram of a direction meets the same dice every run. */
  readonly seed: string | number;
  /** Datagrams one side sends within this many ms of each other are one burst; default 5. */
  readonly burstGapMs?: number;
  /** Most copies scheduled or held at once; default 256. */
  readonly maxPending?: number;
  /** Keep every datagram's bytes (`bytes`, by transcript record number); default false. */
  readonly keepBytes?: boolean;
  /** Called for each datagram taken, ignored or refused, and for socket errors; must not throw. */
  readonly onEvent?: (event: ProxyEvent) => void;
}

export type ProxyEvent =
  /** The first datagram came from `address`: it is the client from now on. */
  | { readonly kind: 'client'; readonly address: HostPort }
  /** A datagram entered the link; `record` holds its fate (deliveries are filled in as they happen). */
  | { readonly kind: 'datagram'; readonly record: LinkRecord }
  /** A datagram from an address that is not the client. */
  | { readonly kind: 'ignored'; readonly from: HostPort; readonly size: number }
  /** A datagram refused because `maxPending` copies were pending. */
  | { readonly kind: 'overflow'; readonly from: Side; readonly size: number }
  /** A socket error, on the socket facing `side`. */
  | { readonly kind: 'error'; readonly side: Side; readonly error: Error };

export interface ProxyStats {
  /** Fates of the datagrams each side sent (from the transcript). */
  readonly fates: Record<Side, Record<Fate, number>>;
  /** Datagrams each side sent that entered the link. */
  readonly received: Record<Side, number>;
  /** Copies handed to the socket towards the other side, by sending side. */
  readonly forwarded: Record<Side, number>;
  /** Datagrams refused because the pending bound was reached, by sending side. */
  readonly overflow: Record<Side, number>;
  /** Datagrams from addresses other than the client's. */
  readonly ignored: number;
  /** Socket errors (send or receive), by the side the socket faces. */
  readonly errors: Record<Side, number>;
}

export interface ProxyHandle {
  /** Where clients send. */
  readonly address: { readonly host: LoopbackHost; readonly port: number };
  readonly target: { readonly host: LoopbackHost; readonly port: number };
  /** The client, once one has sent. */
  readonly client: HostPort | undefined;
  readonly transcript: readonly LinkRecord[];
  /** Each datagram's bytes by transcript record number, with `keepBytes`. */
  readonly bytes: readonly Uint8Array[];
  readonly stats: ProxyStats;
  /** Copies scheduled or held right now. */
  readonly pending: number;
  /** Stops: pending deliveries are cancelled, both sockets closed. Idempotent. */
  close(): Promise<void>;
}

export class ProxyError extends Error {
  override readonly name = 'ProxyError';
}

const LOOPBACK: readonly LoopbackHost[] = ['127.0.0.1', '::1'];

function loopbackHost(field: string, host: unknown): LoopbackHost {
  if (typeof host === 'string' && (LOOPBACK as readonly string[]).includes(host)) return host as LoopbackHost;
  throw new ProxyError(`${field} ${JSON.stringify(host)}: refused: the proxy only binds and sends to loopback (127.0.0.1 or ::1)`);
}

function port(field: string, value: unknown, allowZero: boolean): number {
  const min = allowZero ? 0 : 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 65_535) {
    throw new ProxyError(`${field} ${JSON.stringify(value)}: a port is an integer ${min}..65535`);
  }
  return value;
}

function family(host: LoopbackHost): 'udp4' | 'udp6' {
  return host === '::1' ? 'udp6' : 'udp4';
}

function bind(socket: dgram.Socket, host: string, p: number, field: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(new ProxyError(`${field}: cannot bind ${formatHostPort({ host, port: p })}: ${e.message}`));
    socket.once('error', onError);
    socket.bind({ address: host, port: p, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function connect(socket: dgram.Socket, target: HostPort): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(new ProxyError(`target: cannot connect to ${formatHostPort(target)}: ${e.message}`));
    socket.once('error', onError);
    socket.connect(target.port, target.host, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // not running (already closed)
    }
  });
}

/** `127.0.0.1:4433`, `[::1]:4433`. */
export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const perSide = (): Record<Side, number> => ({ client: 0, server: 0 });

/** Binds the client-facing socket and connects one to the target; resolves once both are ready. */
export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const listenHost = loopbackHost('listen.host', options.listen?.host);
  const listenPort = port('listen.port', options.listen?.port, true);
  const targetHost = loopbackHost('target.host', options.target?.host);
  const targetPort = port('target.port', options.target?.port, false);
  const maxPending = options.maxPending ?? 256;
  if (!Number.isInteger(maxPending) || maxPending < 1) throw new ProxyError(`maxPending ${maxPending}: an integer >= 1`);
  const burstGapMs = options.burstGapMs ?? 5;
  if (!Number.isFinite(burstGapMs) || burstGapMs < 0) throw new ProxyError(`burstGapMs ${burstGapMs}: a number >= 0`);
  if (typeof options.seed !== 'string' && typeof options.seed !== 'number') throw new ProxyError('seed: a string or a number');

  const front = dgram.createSocket({ type: family(listenHost) });
  const back = dgram.createSocket({ type: family(targetHost) });
  try {
    await bind(front, listenHost, listenPort, 'listen');
    await bind(back, targetHost, 0, 'target');
    await connect(back, { host: targetHost, port: targetPort });
  } catch (e) {
    await Promise.all([closeSocket(front), closeSocket(back)]);
    throw e;
  }

  const emit = options.onEvent ?? ((): void => {});
  let client: HostPort | undefined;
  let closed = false;
  const received = perSide();
  const forwarded = perSide();
  const overflow = perSide();
  const errors = perSide();
  let ignored = 0;

  const onSocketError = (side: Side) => (error: Error | null): void => {
    if (error === null || closed) return;
    errors[side]++;
    emit({ kind: 'error', side, error });
  };

  const link = new ImpairedLink({
    clock: systemClock,
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.script === undefined ? {} : { script: options.script }),
    seed: options.seed,
    burstGapMs,
    keepBytes: options.keepBytes ?? false,
    // A proxy may run for days: keep the recent past, not every datagram.
    transcriptLimit: 100_000,
    deliver(to, datagram) {
      if (closed) return;
      if (to === 'server') {
        forwarded.client++;
        back.send(datagram, onSocketError('server'));
      } else if (client !== undefined) {
        forwarded.server++;
        front.send(datagram, client.port, client.host, onSocketError('client'));
      }
    },
  });

  const take = (from: Side, msg: Buffer): void => {
    if (closed) return;
    if (link.pending >= maxPending) {
      overflow[from]++;
      emit({ kind: 'overflow', from, size: msg.length });
      return;
    }
    received[from]++;
    link.send(from, new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
    emit({ kind: 'datagram', record: link.transcript[link.transcript.length - 1] });
  };

  front.on('message', (msg, rinfo) => {
    if (client === undefined) {
      client = { host: rinfo.address, port: rinfo.port };
      emit({ kind: 'client', address: client });
    } else if (rinfo.address !== client.host || rinfo.port !== client.port) {
      ignored++;
      emit({ kind: 'ignored', from: { host: rinfo.address, port: rinfo.port }, size: msg.length });
      return;
    }
    take('client', msg);
  });
  // Connected: the kernel passes only the target's datagrams.
  back.on('message', (msg) => take('server', msg));
  front.on('error', onSocketError('client'));
  back.on('error', onSocketError('server'));

  const address = { host: listenHost, port: front.address().port };
  let closing: Promise<void> | undefined;
  return {
    address,
    target: { host: targetHost, port: targetPort },
    get client() {
      return client;
    },
    transcript: link.transcript,
    bytes: link.bytes,
    get stats(): ProxyStats {
      return {
        fates: fateCounts(link.transcript),
        received: { ...received },
        forwarded: { ...forwarded },
        overflow: { ...overflow },
        ignored,
        errors: { ...errors },
      };
    },
    get pending() {
      return link.pending;
    },
    close() {
      closing ??= (async () => {
        closed = true;
        link.close();
        await Promise.all([closeSocket(front), closeSocket(back)]);
      })();
      return closing;
    },
  };
}

/**
 * Reordering as it happened: datagrams of one direction whose first copy arrived before the first
 * copy of one that direction sent earlier (they overtook it).
 */
export function inversions(transcript: readonly LinkRecord[], from: Side): number {
  let count = 0;
  let latest = Number.NEGATIVE_INFINITY;
  for (const r of transcript) {
    if (r.from !== from || r.deliveries.length === 0) continue;
    const first = Math.min(...r.deliveries.map((d) => d.at));
    if (first < latest) count++;
    latest = Math.max(latest, first);
  }
  return count;
}
