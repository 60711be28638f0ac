/**
 * A wire to a sans-IO endpoint in this process, on virtual time: the harness's datagrams go straight
 * into `endpoint.receive`, the endpoint's timers run on a discrete-event scheduler, and waiting for
 * a datagram advances the clock to the endpoint's next deadline instead of sleeping. A probe that
 * waits out a full retransmission schedule (a minute and more of DTLS timers) takes milliseconds.
 */
import type { EngineEvent } from '../../reference/engine.ts';
import { Scheduler } from '../net/scheduler.ts';
import type { WireEvent } from '../report/model.ts';
import type { Wire } from './types.ts';
import { WireLog } from './wire-log.ts';

/** The part of the reference `Endpoint` the wire drives. */
export interface SansIoEndpoint {
  receive(datagram: Uint8Array, now: number): void;
  handleTimeout(now: number): void;
  nextTimeout(): number | undefined;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): EngineEvent | undefined;
}

export class VirtualWire implements Wire {
  readonly clock = 'virtual' as const;
  readonly scheduler = new Scheduler(0);
  private readonly wireLog = new WireLog();
  private cancelTimer: (() => void) | undefined;
  private armedAt: number | undefined;

  /** `onEvent` sees every engine event (and may call the endpoint, e.g. to echo data). */
  constructor(
    readonly endpoint: SansIoEndpoint,
    private readonly onEvent: (e: EngineEvent, now: number) => void,
  ) {}

  now(): number {
    return this.scheduler.now();
  }

  /** Runs `fn` against the endpoint at the current time, then collects what it sent and did. */
  drive(fn: (now: number) => void): void {
    if (this.crashed !== undefined) return;
    try {
      fn(this.now());
      this.pump();
    } catch (e) {
      // An exception out of the endpoint is a crash of the implementation: it takes no more input.
      this.crashed = e instanceof Error ? e : new Error(String(e));
    }
  }

  /** The exception the endpoint threw, if it did. */
  crashed: Error | undefined;

  private pump(): void {
    for (;;) {
      let moved = false;
      for (let d = this.endpoint.pollTransmit(); d !== undefined; d = this.endpoint.pollTransmit()) {
        this.wireLog.arrived(d, this.now());
        moved = true;
      }
      for (let e = this.endpoint.pollEvent(); e !== undefined; e = this.endpoint.pollEvent()) {
        this.onEvent(e, this.now());
        moved = true;
      }
      if (!moved) break;
    }
    const next = this.endpoint.nextTimeout();
    if (next === this.armedAt) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedAt = next;
    if (next !== undefined) {
      this.cancelTimer = this.scheduler.setTimer(next, () => {
        this.armedAt = undefined;
        this.cancelTimer = undefined;
        this.drive((now) => this.endpoint.handleTimeout(now));
      });
    }
  }

  get transcript(): readonly WireEvent[] {
    return this.wireLog.transcript;
  }

  send(datagram: Uint8Array, note?: string): void {
    this.wireLog.sent(datagram, this.now(), note);
    const copy = datagram.slice();
    this.drive((now) => this.endpoint.receive(copy, now));
  }

  async receive(timeoutMs: number): Promise<Uint8Array | undefined> {
    const deadline = this.now() + timeoutMs;
    while (this.wireLog.waiting === 0) {
      if (!this.scheduler.step(deadline)) {
        this.scheduler.runUntil(deadline);
        break;
      }
    }
    return this.wireLog.next();
  }

  arrivedAt(): number {
    return this.wireLog.arrivedAt();
  }

  async sleep(ms: number): Promise<void> {
    this.scheduler.runUntil(this.now() + ms);
  }

  annotate(note: string): void {
    this.wireLog.annotate(note);
  }

  close(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}
