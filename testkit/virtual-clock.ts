/**
 * Virtual time for API tests: a Clock on which nothing happens until `advance`, which fires the
 * timers that fall due in the order of their deadlines, letting promises and the event loop settle
 * after each one, so a connection driven by it retransmits and times out without any real waiting.
 */
import type { Clock } from '../reference/api/datagram-based.ts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Lets pending promise callbacks and I/O callbacks run: `n` turns of the event loop. */
export async function settle(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(at: number, fn: () => void): () => void {
    const timer: Timer = { at, seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** How many timers are armed. */
  get pending(): number {
    return this.timers.length;
  }

  /** The earliest armed deadline, if any. */
  nextDeadline(): number | undefined {
    return this.due(Number.POSITIVE_INFINITY)?.at;
  }

  /**
   * Moves time forward by `ms`, firing each timer that falls due on the way (earliest first, ties
   * in the order they were set) at its own deadline, and settling the event loop after each.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (let timer = this.due(end); timer !== undefined; timer = this.due(end)) {
      this.timers = this.timers.filter((x) => x !== timer);
      this.time = Math.max(this.time, timer.at);
      timer.fn();
      await settle();
    }
    this.time = end;
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

  private due(end: number): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) {
      if (x.at > end) continue;
      if (best === undefined || x.at < best.at || (x.at === best.at && x.seq < best.seq)) best = x;
    }
    return best;
  }
}
