/**
 * The Gio-shaped API over a simulated network: a DtlsClientConnection and a DtlsServerConnection,
 * each on one end of an in-memory DatagramBased pair whose delivery hook sends every datagram
 * through an ImpairedLink, all on one Scheduler's virtual time. Retransmission timers, receive
 * timeouts and the link's delays are timers on that scheduler, so minutes of a lossy handshake run
 * in milliseconds, and a run is a function of its model, script and seeds.
 *
 * Nothing moves until the scheduler is driven: `driveUntil` (or `scheduler.advance` / `runAll`)
 * fires the timers in deadline order and lets promises settle between them.
 */
import { DtlsClientConnection, type DtlsClientOptions } from '../../reference/api/client-connection.ts';
import type { SocketAddress } from '../../reference/api/datagram-based.ts';
import { DtlsServerConnection, type DtlsServerOptions } from '../../reference/api/server-connection.ts';
import type { TlsCertificate } from '../../reference/api/tls-certificate.ts';
import type { TlsFileDatabase } from '../../reference/api/tls-database.ts';
import { seededRandom } from '../../reference/crypto/random.ts';
import type { EndpointConfig } from '../../reference/handshake/dtls12/config.ts';
import { type MemoryEndpoint, memoryPair } from '../../reference/transport/memory.ts';
import { apiCredentials } from '../../testkit/api.ts';
import { ImpairedLink } from './link.ts';
import { type NetworkModel, type ScriptRule, type Side, otherSide } from './model.ts';
import { Scheduler, settle } from './scheduler.ts';

export interface ApiSimOptions {
  readonly model?: NetworkModel;
  readonly script?: readonly ScriptRule[];
  /** Seeds the network's decisions; default 0. */
  readonly seed?: string | number;
  /** Seeds each side's engine randomness (randoms, keys, cookies); default "api-sim". */
  readonly endpointSeed?: string;
  /** Engine settings for both sides (timers, suites, MTU...), under the per-side ones. */
  readonly engine?: Partial<EndpointConfig>;
  /** Extra client / server options; their `engine` goes over `engine` above. The clock is always the scheduler. */
  readonly client?: Omit<DtlsClientOptions, 'clock'>;
  readonly server?: Omit<DtlsServerOptions, 'clock'>;
  /** The server's certificate and the client's database; default the test PKI (P-256), trusted. */
  readonly credentials?: { readonly certificate: TlsCertificate; readonly database: TlsFileDatabase };
  /** Each base endpoint's receive queue; default memoryPair's. */
  readonly queueLimit?: number;
  /** Keep each datagram's bytes in the link's transcript. */
  readonly keepBytes?: boolean;
  /** Datagrams from one side this close in time form one burst (link transcript); default 0. */
  readonly burstGapMs?: number;
  /** Start the virtual clock here; default 0. */
  readonly startMs?: number;
}

export interface ApiSim {
  readonly client: DtlsClientConnection;
  readonly server: DtlsServerConnection;
  readonly clientBase: MemoryEndpoint;
  readonly serverBase: MemoryEndpoint;
  readonly link: ImpairedLink;
  readonly scheduler: Scheduler;
  readonly database: TlsFileDatabase;
  readonly certificate: TlsCertificate;
}

export const SIM_ADDRESSES: Readonly<Record<Side, SocketAddress>> = {
  client: { address: 'sim-client', port: 1 },
  server: { address: 'sim-server', port: 2 },
};

/** Builds the pair; nothing is sent until a connection is used and the scheduler driven. */
export async function apiSim(options: ApiSimOptions = {}): Promise<ApiSim> {
  const { certificate, database } = options.credentials ?? (await apiCredentials());
  const scheduler = new Scheduler(options.startMs ?? 0);
  // The memory pair hands its hook a `deliver` bound to the destination; the link calls back with
  // the destination's side, so keep the one per side.
  const deliverTo: Partial<Record<Side, (datagram: Uint8Array) => void>> = {};
  const link = new ImpairedLink({
    clock: scheduler,
    seed: options.seed ?? 0,
    deliver: (to, datagram) => deliverTo[to]?.(datagram),
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.script === undefined ? {} : { script: options.script }),
    ...(options.keepBytes === true ? { keepBytes: true } : {}),
    ...(options.burstGapMs === undefined ? {} : { burstGapMs: options.burstGapMs }),
  });
  const [clientBase, serverBase] = memoryPair({
    clock: scheduler,
    addresses: [SIM_ADDRESSES.client, SIM_ADDRESSES.server],
    ...(options.queueLimit === undefined ? {} : { queueLimit: options.queueLimit }),
    hook: (datagram, from, _to, deliver) => {
      const side: Side = from.address === SIM_ADDRESSES.client.address ? 'client' : 'server';
      deliverTo[otherSide(side)] ??= deliver;
      link.send(side, datagram);
    },
  });
  const endpointSeed = options.endpointSeed ?? 'api-sim';
  const engineFor = (side: Side, extra: Partial<EndpointConfig> | undefined): Partial<EndpointConfig> => ({
    random: seededRandom(`${endpointSeed} ${side}`),
    ...options.engine,
    ...extra,
  });
  const client = DtlsClientConnection.new(clientBase, 'localhost', {
    ...options.client,
    clock: scheduler,
    engine: engineFor('client', options.client?.engine),
  });
  client.setDatabase(database);
  const server = DtlsServerConnection.new(serverBase, certificate, {
    peerAddress: `${SIM_ADDRESSES.client.address}:${SIM_ADDRESSES.client.port}`,
    ...options.server,
    clock: scheduler,
    engine: engineFor('server', options.server?.engine),
  });
  return { client, server, clientBase, serverBase, link, scheduler, database, certificate };
}

/** A promise's fate, readable synchronously while virtual time is driven. */
export interface Tracked<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  readonly ok: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
  /** Virtual time at which it settled. */
  readonly settledAt: number | undefined;
}

/** Watches `promise` (and keeps its rejection from being reported as unhandled). */
export function track<T>(clock: Scheduler, promise: Promise<T>): Tracked<T> {
  const state: { -readonly [K in keyof Tracked<T>]: Tracked<T>[K] } = {
    promise,
    settled: false,
    ok: false,
    value: undefined,
    error: undefined,
    settledAt: undefined,
  };
  promise.then(
    (value) => {
      Object.assign(state, { settled: true, ok: true, value, settledAt: clock.now() });
    },
    (error: unknown) => {
      Object.assign(state, { settled: true, ok: false, error, settledAt: clock.now() });
    },
  );
  return state;
}

/** `driveUntil` ran more events than it was allowed: something keeps the clock busy without end. */
export class StallError extends Error {
  override readonly name = 'StallError';
}

/**
 * Fires the scheduler's timers in order, settling promises after each, until `done()` holds, no
 * timer is left, or `limitMs` of virtual time has passed. Returns whether `done()` held. More than
 * `maxEvents` events is a stall (a timer re-armed forever at one instant...): StallError.
 */
export async function driveUntil(clock: Scheduler, done: () => boolean, limitMs = 3_600_000, maxEvents = 100_000): Promise<boolean> {
  const end = clock.now() + limitMs;
  await settle();
  for (let events = 0; !done(); events++) {
    const next = clock.nextDeadline();
    if (next === undefined || next > end) return done();
    if (events >= maxEvents) throw new StallError(`${events} events by ${clock.now()} ms of virtual time and still running (next at ${next} ms)`);
    // One event at a time, so `done` is looked at between any two of them.
    clock.step(end);
    await settle();
  }
  return true;
}
