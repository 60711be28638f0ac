/**
 * GIO's blocking discipline for a DatagramBased, on a Clock. An operation is tried at once; when it
 * would block it fails with timeoutMs 0, and otherwise waits until something changes (`wake()`),
 * its timeout passes on the clock, or its AbortSignal fires. With a virtual clock nothing real waits.
 *
 * The order of checks is GSocket's: the caller checks that the endpoint is open (CLOSED), then the
 * signal (CANCELLED), then the operation is tried.
 */
import type { Clock, IoOptions } from '../api/datagram-based.ts';
import { type GioError, IOErrorEnum, ioError } from '../api/errors.ts';

/** What an attempt returns when the operation cannot complete yet. */
export const WOULD_BLOCK: unique symbol = Symbol('would-block');
export type Attempt<T> = () => T | typeof WOULD_BLOCK;

/**
 * What a zero timeout means when the operation would block: receives fail with WOULD_BLOCK
 * (g_datagram_based_receive_messages); condition waits fail with TIMED_OUT, which is what
 * g_socket_condition_timed_wait does when its poll() with timeout 0 finds nothing.
 */
export type ZeroTimeout = 'would-block' | 'timed-out';

/** G_IO_ERROR_CANCELLED if `signal` has fired. */
export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelled(signal, what);
}

/** The timeout in ms, or undefined for none: negative, undefined and +Infinity block forever. */
export function checkTimeout(timeoutMs: number | undefined, what: string): number | undefined {
  if (timeoutMs === undefined || timeoutMs < 0 || timeoutMs === Number.POSITIVE_INFINITY) return undefined;
  if (Number.isNaN(timeoutMs)) throw ioError(IOErrorEnum.INVALID_ARGUMENT, `${what}: timeoutMs is NaN`);
  return timeoutMs;
}

function cancelled(signal: AbortSignal, what: string): GioError {
  return ioError(IOErrorEnum.CANCELLED, `${what} was cancelled`, signal.reason);
}

export class Readiness {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  /** Something changed (a datagram arrived, an endpoint closed, an error came in): every waiter tries again, oldest first. */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /**
   * Runs `attempt` now and again after every `wake()` until it returns a value or throws (a GioError:
   * CLOSED, CONNECTION_REFUSED ...). Resolves or rejects exactly once; every timer and listener is
   * removed when it does.
   */
  run<T>(what: string, options: IoOptions | undefined, zeroTimeout: ZeroTimeout, attempt: Attempt<T>): Promise<T> {
    const signal = options?.signal;
    let timeoutMs: number | undefined;
    try {
      timeoutMs = checkTimeout(options?.timeoutMs, what);
      throwIfCancelled(signal, what);
      const first = attempt();
      if (first !== WOULD_BLOCK) return Promise.resolve(first);
    } catch (e) {
      return Promise.reject(e);
    }
    if (timeoutMs === 0) {
      return Promise.reject(
        zeroTimeout === 'would-block'
          ? ioError(IOErrorEnum.WOULD_BLOCK, `${what}: nothing is ready and timeoutMs is 0 (the call would block)`)
          : ioError(IOErrorEnum.TIMED_OUT, `${what}: the condition does not hold and timeoutMs is 0`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      let settled = false;
      const finish = (): void => {
        settled = true;
        this.waiters.delete(retry);
        cancelTimer?.();
        signal?.removeEventListener('abort', onAbort);
      };
      const retry = (): void => {
        if (settled) return;
        let result: T | typeof WOULD_BLOCK;
        try {
          result = attempt();
        } catch (e) {
          finish();
          reject(e);
          return;
        }
        if (result === WOULD_BLOCK) return;
        finish();
        resolve(result);
      };
      const onAbort = (): void => {
        finish();
        reject(cancelled(signal as AbortSignal, what));
      };
      this.waiters.add(retry);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        const ms = timeoutMs;
        cancelTimer = this.clock.setTimer(this.clock.now() + ms, () => {
          finish();
          reject(ioError(IOErrorEnum.TIMED_OUT, `${what} timed out after ${ms} ms`));
        });
      }
    });
  }
}
