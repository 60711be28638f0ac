/**
 * GDatagramBased in TypeScript: sending and receiving whole datagrams, and waiting for a
 * condition. GIO's blocking and _async/_finish forms are one Promise-returning method; a
 * Cancellable is an AbortSignal; GIO's timeout is `timeoutMs` (-1 or undefined: no timeout,
 * 0: do not block — fail with WOULD_BLOCK when nothing is ready).
 */
import type { IOConditionFlags } from './enums.ts';

/** A UDP endpoint address (GInetSocketAddress), or an opaque name for in-memory links. */
export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

/** GOutputMessage: one datagram to send, from one or more buffers. */
export interface OutputMessage {
  readonly address?: SocketAddress;
  readonly vectors: readonly Uint8Array[];
}

/** GInputMessage after a receive: the datagram, and where it came from. */
export interface InputMessage {
  readonly address: SocketAddress | undefined;
  readonly data: Uint8Array;
}

export interface IoOptions {
  /** GIO's timeout in milliseconds: negative or undefined blocks, 0 never blocks. */
  readonly timeoutMs?: number;
  /** GCancellable. */
  readonly signal?: AbortSignal;
}

export interface DatagramBased {
  /** g_datagram_based_receive_messages: up to `count` datagrams; waits for the first only. */
  receiveMessages(count: number, options?: IoOptions): Promise<InputMessage[]>;
  /** g_datagram_based_send_messages: sends them in order; resolves with how many were sent. */
  sendMessages(messages: readonly OutputMessage[], options?: IoOptions): Promise<number>;
  /** g_datagram_based_condition_check: which of `condition` hold now. */
  conditionCheck(condition: IOConditionFlags): IOConditionFlags;
  /** g_datagram_based_condition_wait: resolves when one of `condition` holds. */
  conditionWait(condition: IOConditionFlags, options?: IoOptions): Promise<void>;
}

/** The clock seam: real time in production, virtual time in the simulated network. */
export interface Clock {
  /** Milliseconds. */
  now(): number;
  /** Calls `fn` at `at` (ms on this clock); returns a function that cancels it. */
  setTimer(at: number, fn: () => void): () => void;
}

/** Real time. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(at, fn) {
    // setTimeout fires at once for delays over 2^31-1 ms; longer waits go in steps.
    const MAX_DELAY = 2 ** 31 - 1;
    let handle: ReturnType<typeof setTimeout>;
    const arm = (): void => {
      const delay = at - performance.now();
      handle = delay > MAX_DELAY ? setTimeout(arm, MAX_DELAY) : setTimeout(fn, Math.max(0, delay));
    };
    arm();
    return () => clearTimeout(handle);
  },
};
