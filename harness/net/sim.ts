/**
 * A reference client and server over an impaired link on virtual time: the whole handshake, its
 * retransmissions, application data and closure, driven by the scheduler with no real waiting.
 * The result is a pure function of the scenario, so a failing scenario replays exactly.
 */
import { seededRandom } from '../../reference/crypto/random.ts';
import { type EndpointStats, type EndpointStatus, type EngineEvent, Endpoint } from '../../reference/engine.ts';
import type { DtlsError } from '../../reference/errors.ts';
import type { EndpointConfig } from '../../reference/handshake/dtls12/config.ts';
import { ImpairedLink, type LinkRecord } from './link.ts';
import { type NetworkModel, type ScriptRule, type Side, SIDES } from './model.ts';
import { Scheduler } from './scheduler.ts';

export interface SimScenario {
  readonly model?: NetworkModel;
  readonly script?: readonly ScriptRule[];
  /** Seeds the network's decisions. */
  readonly seed: string | number;
  /** Seeds both endpoints' randomness (keys, randoms, cookies); default "sim". */
  readonly endpointSeed?: string;
  /** Endpoint settings on top of the role and seeded randomness: the server needs credentials or a PSK. */
  readonly client?: Partial<EndpointConfig>;
  readonly server?: Partial<EndpointConfig>;
  /** Application datagrams each side sends once its handshake is complete; default 0. */
  readonly messages?: number;
  /** Virtual time between two of them; default 10 ms. */
  readonly messageIntervalMs?: number;
  /** Virtual ms after its handshake completes at which the client calls close(); default never. */
  readonly closeAfterMs?: number;
  /** Stop after this much virtual time; default one hour. */
  readonly limitMs?: number;
  /** Stop after this many events, and report a stall; default 200,000. */
  readonly maxEvents?: number;
  /** Keep each datagram's bytes in the transcript. */
  readonly keepBytes?: boolean;
  /** Datagrams an attacker on the path hands to a side, outside the link: forged or garbage. */
  readonly inject?: readonly Injection[];
}

export interface Injection {
  readonly to: Side;
  readonly atMs: number;
  /** The datagram, in hex. */
  readonly hex: string;
}

export interface SideResult {
  readonly status: EndpointStatus;
  readonly error: DtlsError | undefined;
  readonly events: readonly EngineEvent[];
  /** Application data received, in order. */
  readonly received: readonly Uint8Array[];
  /** What the side sent as application data. */
  readonly sent: readonly Uint8Array[];
  /** Virtual time of handshake-complete, if it came. */
  readonly completedAt: number | undefined;
  /** 32 bytes of exported keying material ("EXPERIMENTAL dtlsprobe sim"), when established. */
  readonly exported: Uint8Array | undefined;
  /** The most the endpoint held for reassembly at any point. */
  readonly maxBufferedBytes: number;
  readonly stats: EndpointStats;
}

export interface SimResult {
  readonly client: SideResult;
  readonly server: SideResult;
  readonly transcript: readonly LinkRecord[];
  /** Datagram bytes by transcript record number, when the scenario kept them. */
  readonly bytes: readonly Uint8Array[];
  /** Virtual time of the last event. */
  readonly virtualMs: number;
  readonly eventsRun: number;
  /** The run hit `maxEvents`: something kept the scheduler busy without end. */
  readonly stalled: boolean;
}

export const EXPORT_LABEL = 'EXPERIMENTAL dtlsprobe sim';

/** The application datagram `i` from `side`: recognisable, and different on each side. */
export function appMessage(side: Side, i: number): Uint8Array {
  return new TextEncoder().encode(`${side} message ${i} ${'.'.repeat(i % 17)}`);
}

interface Live {
  readonly endpoint: Endpoint;
  readonly events: EngineEvent[];
  readonly received: Uint8Array[];
  readonly sent: Uint8Array[];
  completedAt: number | undefined;
  maxBuffered: number;
  cancelTimer: (() => void) | undefined;
  armedAt: number | undefined;
}

export function simulate(scenario: SimScenario): SimResult {
  const clock = new Scheduler();
  const endpointSeed = scenario.endpointSeed ?? 'sim';
  const make = (side: Side): Live => ({
    endpoint: new Endpoint({
      role: side,
      random: seededRandom(`${endpointSeed} ${side}`),
      ...(side === 'server' ? { peerAddress: '192.0.2.1:5684' } : {}),
      ...(side === 'client' ? scenario.client : scenario.server),
    }),
    events: [],
    received: [],
    sent: [],
    completedAt: undefined,
    maxBuffered: 0,
    cancelTimer: undefined,
    armedAt: undefined,
  });
  const live: Record<Side, Live> = { client: make('client'), server: make('server') };
  const link = new ImpairedLink({
    clock,
    seed: scenario.seed,
    deliver: (to, datagram) => {
      const l = live[to];
      l.endpoint.receive(datagram, clock.now());
      l.maxBuffered = Math.max(l.maxBuffered, l.endpoint.bufferedBytes());
      pump();
    },
    ...(scenario.model === undefined ? {} : { model: scenario.model }),
    ...(scenario.script === undefined ? {} : { script: scenario.script }),
    ...(scenario.keepBytes ? { keepBytes: true } : {}),
  });
  const messages = scenario.messages ?? 0;
  const interval = scenario.messageIntervalMs ?? 10;

  const onComplete = (side: Side): void => {
    const l = live[side];
    l.completedAt = clock.now();
    for (let i = 0; i < messages; i++) {
      clock.after(i * interval, () => {
        if (l.endpoint.status !== 'established') return;
        const m = appMessage(side, i);
        l.sent.push(m);
        l.endpoint.send(m);
        pump();
      });
    }
    if (side === 'client' && scenario.closeAfterMs !== undefined) {
      clock.after(scenario.closeAfterMs, () => {
        l.endpoint.close();
        pump();
      });
    }
  };

  // Moves datagrams to the link and events to the record, and keeps each side's timer armed at
  // its endpoint's next deadline, until nothing more comes out.
  const pump = (): void => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const side of SIDES) {
        const l = live[side];
        for (let d = l.endpoint.pollTransmit(); d !== undefined; d = l.endpoint.pollTransmit()) {
          link.send(side, d);
          moved = true;
        }
        for (let e = l.endpoint.pollEvent(); e !== undefined; e = l.endpoint.pollEvent()) {
          l.events.push(e);
          if (e.kind === 'data') l.received.push(e.data);
          if (e.kind === 'handshake-complete') onComplete(side);
          moved = true;
        }
      }
    }
    for (const side of SIDES) arm(side);
  };

  const arm = (side: Side): void => {
    const l = live[side];
    const next = l.endpoint.nextTimeout();
    if (next === l.armedAt) return;
    l.cancelTimer?.();
    l.cancelTimer = undefined;
    l.armedAt = next;
    if (next === undefined) return;
    l.cancelTimer = clock.setTimer(next, () => {
      l.cancelTimer = undefined;
      l.armedAt = undefined;
      l.endpoint.handleTimeout(clock.now());
      pump();
    });
  };

  for (const inj of scenario.inject ?? []) {
    const bytes = Uint8Array.from(Buffer.from(inj.hex, 'hex'));
    clock.setTimer(inj.atMs, () => {
      const l = live[inj.to];
      l.endpoint.receive(bytes, clock.now());
      l.maxBuffered = Math.max(l.maxBuffered, l.endpoint.bufferedBytes());
      pump();
    });
  }
  live.client.endpoint.connect(clock.now());
  pump();
  const maxEvents = scenario.maxEvents ?? 200_000;
  const ran = clock.runUntil(scenario.limitMs ?? 3_600_000, maxEvents);
  link.close();

  const result = (side: Side): SideResult => {
    const l = live[side];
    const error = l.events.find((e): e is Extract<EngineEvent, { kind: 'error' }> => e.kind === 'error')?.error;
    const established = l.endpoint.negotiated !== undefined;
    return {
      status: l.endpoint.status,
      error,
      events: l.events,
      received: l.received,
      sent: l.sent,
      completedAt: l.completedAt,
      exported: established ? l.endpoint.exportKeyingMaterial(EXPORT_LABEL, undefined, 32) : undefined,
      maxBufferedBytes: l.maxBuffered,
      stats: l.endpoint.stats(),
    };
  };
  return {
    client: result('client'),
    server: result('server'),
    transcript: link.transcript,
    bytes: link.bytes,
    virtualMs: clock.lastEventAt,
    eventsRun: clock.executed,
    stalled: ran >= maxEvents,
  };
}
