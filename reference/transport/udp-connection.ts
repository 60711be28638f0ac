/**
 * Runs one sans-IO `Endpoint` on real time over a datagram link: every datagram in goes to
 * `receive`, every datagram the endpoint queues goes out, and one timer is re-armed to
 * `nextTimeout()` after every input. Events reach callbacks, an async iterator, `read()` and the
 * `handshake()` promise.
 */
import { performance } from 'node:perf_hooks';
import type { DtlsError } from '../errors.ts';
import type { EngineEvent, Endpoint } from '../engine.ts';
import type { Negotiated } from '../handshake/dtls12/context.ts';
import { TransportError, type UdpAddress, formatAddress } from './errors.ts';

/** Where the driver's datagrams go; `close` releases the link (the client's socket, a server's entry). */
export interface DatagramLink {
  readonly local: UdpAddress;
  readonly remote: UdpAddress;
  send(datagram: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface DriverOptions {
  /** Wall-clock limit on the handshake, from connect() (client) or the verified ClientHello (server). Default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

/** Milliseconds on the monotonic clock the driver feeds the engine. */
export const monotonicNow = (): number => performance.now();

type Failure = DtlsError | TransportError;
type Listener = (event: EngineEvent) => void;

/** One async iterator's queue of events. */
class EventChannel implements AsyncIterableIterator<EngineEvent> {
  private readonly queue: EngineEvent[] = [];
  private waiter: ((r: IteratorResult<EngineEvent>) => void) | undefined;
  private ended = false;

  constructor(private readonly detach: (c: EventChannel) => void) {}

  push(event: EngineEvent): void {
    if (this.ended) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (w !== undefined) w({ value: event, done: false });
    else this.queue.push(event);
  }

  end(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<EngineEvent>> {
    const e = this.queue.shift();
    if (e !== undefined) return Promise.resolve({ value: e, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<EngineEvent>> {
    this.queue.length = 0;
    this.end();
    this.detach(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EngineEvent> {
    return this;
  }
}

export class UdpConnection {
  private timer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly channels = new Set<EventChannel>();
  private readonly received: Uint8Array[] = [];
  private readers: { resolve: (d: Uint8Array | undefined) => void; reject: (e: Failure) => void }[] = [];
  /** Set once no more data can come: undefined (peer closed or we finished) or the failure. */
  private readEnd: { failure: Failure | undefined } | undefined;
  private readonly handshakeDone: Promise<Negotiated>;
  private settleHandshake: { resolve: (n: Negotiated) => void; reject: (e: Failure) => void } | undefined;
  private pumping = false;
  private pumpAgain = false;
  private finishing: Promise<void> | undefined;
  private sending = 0;
  private sendWaiters: (() => void)[] = [];
  private failureValue: Failure | undefined;
  private linkClosed = false;

  constructor(
    readonly endpoint: Endpoint,
    private readonly link: DatagramLink,
    private readonly options: DriverOptions = {},
  ) {
    this.handshakeDone = new Promise<Negotiated>((resolve, reject) => {
      this.settleHandshake = { resolve, reject };
    });
    this.handshakeDone.catch(() => {}); // the rejection is reported to whoever awaits handshake()
  }

  get local(): UdpAddress {
    return this.link.local;
  }

  get remote(): UdpAddress {
    return this.link.remote;
  }

  /** Why the connection ended, if it failed. */
  get failure(): Failure | undefined {
    return this.failureValue;
  }

  /** True once the connection is closed or failed and its link released (or being released). */
  get finished(): boolean {
    return this.finishing !== undefined;
  }

  /** Starts the handshake clock; a client also sends its first flight. */
  start(): void {
    const ms = this.options.handshakeTimeoutMs ?? 10_000;
    this.handshakeTimer = setTimeout(() => {
      this.handshakeTimer = undefined;
      if (this.endpoint.status !== 'handshaking') return;
      const s = this.endpoint.stats();
      this.abort(
        new TransportError(
          'handshake-timeout',
          `no DTLS handshake with ${formatAddress(this.remote)} within ${ms} ms (state ${this.endpoint.handshakeState}, ` +
            `${s.datagramsSent} datagrams sent, ${s.datagramsReceived} received, ${s.retransmissions} retransmissions)`,
        ),
      );
    }, ms);
    if (this.endpoint.config.role === 'client') this.endpoint.connect(monotonicNow());
    this.pump();
  }

  /**
   * One datagram from the peer. `received` runs once the endpoint has taken it and before anything
   * is sent: a server moves a peer to a new address there (RFC 9146 §6), so replies go to it.
   */
  input(datagram: Uint8Array, received?: () => void): void {
    if (this.finishing !== undefined) return;
    this.endpoint.receive(datagram, monotonicNow());
    received?.();
    this.pump();
  }

  /** Resolves when the handshake completes; rejects with the DtlsError (or TransportError) that ended it. */
  handshake(): Promise<Negotiated> {
    return this.handshakeDone;
  }

  /** Calls `listener` with every event from now on; returns the function that removes it. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every event from now on, until the connection finishes. */
  events(): AsyncIterableIterator<EngineEvent> {
    const c = new EventChannel((x) => this.channels.delete(x));
    if (this.finishing !== undefined) c.end();
    else this.channels.add(c);
    return c;
  }

  /** The next application datagram; undefined once the peer closed (or we did); rejects on failure. */
  read(): Promise<Uint8Array | undefined> {
    const d = this.received.shift();
    if (d !== undefined) return Promise.resolve(d);
    if (this.readEnd !== undefined) {
      return this.readEnd.failure === undefined ? Promise.resolve(undefined) : Promise.reject(this.readEnd.failure);
    }
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  /** Sends one application datagram (one record). Throws while handshaking or after closing. */
  send(data: Uint8Array): void {
    if (this.finishing !== undefined) throw new TransportError('closed', `the connection to ${formatAddress(this.remote)} is closed`);
    this.endpoint.send(data);
    this.pump();
  }

  /** Shuts one or both directions; the write side sends close_notify. Both: the connection finishes. */
  async shutdown(read: boolean, write: boolean): Promise<void> {
    if (this.finishing !== undefined) return this.finishing;
    this.endpoint.shutdown(read, write);
    if (read) this.endRead(undefined);
    this.pump();
    if (this.endpoint.status === 'closed') await this.finish();
  }

  /** close_notify, then the link is released once the alert has left. */
  close(): Promise<void> {
    return this.shutdown(true, true);
  }

  /** Ends the connection on a failure from below (socket error, ICMP, wall-clock timeout). */
  abort(failure: Failure): void {
    if (this.finishing !== undefined) return;
    this.failureValue = failure;
    this.settleHandshake?.reject(failure);
    this.settleHandshake = undefined;
    this.endRead(failure);
    void this.finish();
  }

  /** Moves the endpoint's datagrams out and its events to their consumers, then re-arms the timer. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (let d = this.endpoint.pollTransmit(); d !== undefined; d = this.endpoint.pollTransmit()) this.transmit(d);
        for (let e = this.endpoint.pollEvent(); e !== undefined; e = this.endpoint.pollEvent()) this.dispatch(e);
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.arm();
  }

  private transmit(datagram: Uint8Array): void {
    if (this.linkClosed) return;
    this.sending++;
    this.link
      .send(datagram)
      .catch((e: unknown) => this.abort(e instanceof TransportError ? e : new TransportError('socket', `send to ${formatAddress(this.remote)} failed`, { cause: e })))
      .finally(() => {
        this.sending--;
        if (this.sending === 0) for (const w of this.sendWaiters.splice(0)) w();
      });
  }

  private dispatch(event: EngineEvent): void {
    switch (event.kind) {
      case 'handshake-complete':
        this.clearHandshakeTimer();
        this.settleHandshake?.resolve(event.negotiated);
        this.settleHandshake = undefined;
        break;
      case 'data':
        this.deliver(event.data);
        break;
      case 'peer-closed':
        this.endRead(undefined);
        break;
      case 'error':
        this.failureValue = event.error;
        this.settleHandshake?.reject(event.error);
        this.settleHandshake = undefined;
        this.endRead(event.error);
        break;
      case 'alert':
        break;
    }
    for (const l of this.listeners) l(event);
    for (const c of this.channels) c.push(event);
    if (event.kind === 'error') void this.finish();
  }

  private deliver(data: Uint8Array): void {
    const r = this.readers.shift();
    if (r !== undefined) r.resolve(data);
    else this.received.push(data);
  }

  private endRead(failure: Failure | undefined): void {
    if (this.readEnd !== undefined) return;
    this.readEnd = { failure };
    for (const r of this.readers.splice(0)) {
      if (failure === undefined) r.resolve(undefined);
      else r.reject(failure);
    }
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.finishing !== undefined) return;
    const at = this.endpoint.nextTimeout();
    if (at === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.endpoint.handleTimeout(monotonicNow());
      this.pump();
    }, Math.max(0, Math.ceil(at - monotonicNow())));
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  /** Stops the timers, waits for the datagrams in flight (a close_notify, a fatal alert), releases the link. */
  private finish(): Promise<void> {
    this.finishing ??= (async () => {
      this.clearHandshakeTimer();
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.settleHandshake?.reject(new TransportError('closed', `the connection to ${formatAddress(this.remote)} closed during the handshake`));
      this.settleHandshake = undefined;
      this.endRead(undefined);
      for (const c of this.channels) c.end();
      this.channels.clear();
      if (this.sending > 0) await new Promise<void>((resolve) => this.sendWaiters.push(resolve));
      this.linkClosed = true;
      await this.link.close();
    })();
    return this.finishing;
  }
}
