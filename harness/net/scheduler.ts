/**
 * Virtual time: a discrete-event scheduler that is also the `Clock` the rest of the code runs on.
 * Nothing real waits. Events run in the order of their time, ties in the order they were set, so
 * a simulation is a pure function of its inputs and replays exactly.
 *
 * Two ways to drive it:
 * - `runUntil` / `step` run events synchronously, for sans-IO endpoints whose work happens inside
 *   the event callbacks (thousands of simulated handshakes a second);
 * - `advance` / `runAll` let promises and the event loop settle after each event, for the
 *   Promise-based Gio-shaped API over simulated DatagramBased links.
 */
import type { Clock } from '../../reference/api/datagram-based.ts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Lets pending promise callbacks and I/O callbacks run: `n` turns of the event loop. */
export async function settle(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function earlier(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class Scheduler implements Clock {
  private time: number;
  private seq = 0;
  /** A binary min-heap on (at, seq); cancelled timers stay until they reach the top. */
  private heap: Timer[] = [];
  private live = 0;
  /** Events run so far. */
  executed = 0;
  /** When the last event ran. */
  lastEventAt: number;

  constructor(start = 0) {
    this.time = start;
    this.lastEventAt = start;
  }

  now(): number {
    return this.time;
  }

  /** Runs `fn` at `at`, or at the current time when `at` is in the past. */
  setTimer(at: number, fn: () => void): () => void {
    if (!Number.isFinite(at)) throw new RangeError(`Scheduler.setTimer: the time must be a finite number, got ${at}`);
    const timer: Timer = { at: Math.max(at, this.time), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    this.live++;
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      this.live--;
    };
  }

  /** Runs `fn` `delayMs` from now. */
  after(delayMs: number, fn: () => void): () => void {
    return this.setTimer(this.time + delayMs, fn);
  }

  /** How many timers are armed. */
  get pending(): number {
    return this.live;
  }

  /** The earliest armed deadline, if any. */
  nextDeadline(): number | undefined {
    return this.peek()?.at;
  }

  /** Runs the earliest event if it is due by `limit`; false when there is none. */
  step(limit = Number.POSITIVE_INFINITY): boolean {
    const next = this.peek();
    if (next === undefined || next.at > limit) return false;
    this.pop();
    next.cancelled = true;
    this.live--;
    this.time = Math.max(this.time, next.at);
    this.executed++;
    this.lastEventAt = this.time;
    next.fn();
    return true;
  }

  /**
   * Runs events synchronously until none is due by `limit` or `maxEvents` have run; the clock
   * then stands at `limit` if finite and nothing stopped the run early. Returns the events run.
   */
  runUntil(limit: number, maxEvents = Number.POSITIVE_INFINITY): number {
    let n = 0;
    while (n < maxEvents && this.step(limit)) n++;
    if (n < maxEvents && Number.isFinite(limit)) this.time = Math.max(this.time, limit);
    return n;
  }

  /**
   * Moves time forward by `ms`, firing each timer that falls due on the way at its own deadline
   * and settling the event loop after each.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    while (this.step(end)) await settle();
    this.time = Math.max(this.time, end);
    await settle();
  }

  /** Fires timers until none is left or `limitMs` of virtual time has passed; returns the time spent. */
  async runAll(limitMs = 3_600_000): Promise<number> {
    const start = this.time;
    for (let next = this.nextDeadline(); next !== undefined && next - start <= limitMs; next = this.nextDeadline()) {
      await this.advance(Math.max(0, next - this.time));
    }
    return this.time - start;
  }

  private peek(): Timer | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l], h[m])) m = l;
      if (r < h.length && earlier(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
