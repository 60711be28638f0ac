/**
 * Promises that settle when a condition over the connection's state becomes true: every state
 * change calls `wake()`, which re-checks each waiting condition. A deadline on a Clock turns into
 * the error it names (WOULD_BLOCK, TIMED_OUT).
 */
import type { Clock } from './datagram-based.ts';
import type { GioError } from './errors.ts';

interface Waiter {
  check(): void;
}

export class Waiters {
  private readonly waiting = new Set<Waiter>();

  /** Resolves when `ready()` returns true; rejects if it throws, or at the deadline. */
  until(ready: () => boolean, deadline?: { clock: Clock; at: number; error: () => GioError }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      const waiter: Waiter = {
        check: () => {
          try {
            if (!ready()) return;
          } catch (e) {
            this.waiting.delete(waiter);
            cancelTimer?.();
            reject(e);
            return;
          }
          this.waiting.delete(waiter);
          cancelTimer?.();
          resolve();
        },
      };
      this.waiting.add(waiter);
      waiter.check();
      if (!this.waiting.has(waiter) || deadline === undefined) return;
      const expire = (): void => {
        if (!this.waiting.delete(waiter)) return;
        reject(deadline.error());
      };
      if (deadline.at <= deadline.clock.now()) expire();
      else cancelTimer = deadline.clock.setTimer(deadline.at, expire);
    });
  }

  /** Re-checks every waiting condition. */
  wake(): void {
    for (const w of [...this.waiting]) w.check();
  }
}
