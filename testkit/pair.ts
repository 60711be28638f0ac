/**
 * Two sans-IO endpoints joined by an in-memory link on virtual time, for tests (after rustls'
 * `transfer` / `transfer_altered`): datagrams move only when the test says so, optionally
 * altered, dropped or duplicated on the way, and time moves only to the next deadline.
 */
import { seededRandom } from '../reference/crypto/random.ts';
import { type EngineEvent, Endpoint } from '../reference/engine.ts';
import type { EndpointConfig } from '../reference/handshake/dtls12/config.ts';
import { testPki } from './credentials.ts';

export type Side = 'client' | 'server';

/** What happens to a datagram on the way: the datagrams to deliver instead (none drops it). */
export type Alter = (datagram: Uint8Array, index: number) => Uint8Array[];

export class Pair {
  now = 0;
  readonly events: Record<Side, EngineEvent[]> = { client: [], server: [] };
  /** Every datagram sent, in order, with its sender and virtual time. */
  readonly wire: { from: Side; at: number; bytes: Uint8Array }[] = [];
  private sentBy: Record<Side, number> = { client: 0, server: 0 };

  constructor(readonly client: Endpoint, readonly server: Endpoint) {}

  endpoint(side: Side): Endpoint {
    return side === 'client' ? this.client : this.server;
  }

  /** Moves every datagram `from` has queued to the other side; returns how many were delivered. */
  transfer(from: Side, alter?: Alter): number {
    const src = this.endpoint(from);
    const dst = this.endpoint(from === 'client' ? 'server' : 'client');
    let delivered = 0;
    for (let d = src.pollTransmit(); d !== undefined; d = src.pollTransmit()) {
      const index = this.sentBy[from]++;
      this.wire.push({ from, at: this.now, bytes: d });
      for (const out of alter === undefined ? [d] : alter(d, index)) {
        dst.receive(out, this.now);
        delivered++;
      }
    }
    this.drainEvents();
    return delivered;
  }

  /** Collects both sides' events. */
  drainEvents(): void {
    for (const side of ['client', 'server'] as const) {
      const e = this.endpoint(side);
      for (let ev = e.pollEvent(); ev !== undefined; ev = e.pollEvent()) this.events[side].push(ev);
    }
  }

  /** Advances virtual time to the earliest deadline and fires it; false when there is none. */
  advance(): boolean {
    const deadlines = [this.client.nextTimeout(), this.server.nextTimeout()].filter((t): t is number => t !== undefined);
    if (deadlines.length === 0) return false;
    this.now = Math.max(this.now, Math.min(...deadlines));
    for (const side of ['client', 'server'] as const) {
      const e = this.endpoint(side);
      const t = e.nextTimeout();
      if (t !== undefined && t <= this.now) e.handleTimeout(this.now);
    }
    this.drainEvents();
    return true;
  }

  /**
   * Runs until both sides are established, one fails, or `maxSteps` rounds pass; datagrams go
   * through `alter` (per direction) when given.
   */
  run(options: { maxSteps?: number; alter?: Partial<Record<Side, Alter>>; until?: () => boolean } = {}): void {
    const done = options.until ?? (() => this.client.status !== 'handshaking' && this.server.status !== 'handshaking');
    for (let i = 0; i < (options.maxSteps ?? 1000) && !done(); i++) {
      const moved = this.transfer('client', options.alter?.client) + this.transfer('server', options.alter?.server);
      if (moved === 0 && !this.advance()) break;
    }
  }

  /** The first error event of a side. */
  error(side: Side): EngineEvent | undefined {
    return this.events[side].find((e) => e.kind === 'error');
  }
}

/** A reference client and server (test PKI, seeded randomness), the client's first flight queued. */
export async function referencePair(client: Partial<EndpointConfig> = {}, server: Partial<EndpointConfig> = {}, seed = 'pair'): Promise<Pair> {
  const pki = await testPki('P-256');
  const c = new Endpoint({ role: 'client', random: seededRandom(`${seed} client`), ...client });
  const s = new Endpoint({
    role: 'server',
    random: seededRandom(`${seed} server`),
    certificate: pki.credentials,
    peerAddress: '192.0.2.1:5684',
    ...server,
  });
  const p = new Pair(c, s);
  c.connect(0);
  return p;
}
