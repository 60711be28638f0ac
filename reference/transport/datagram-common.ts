/**
 * What both DatagramBased implementations here share: GIO's argument checks, its rule for a batch
 * of sends that fails part-way, the condition mask, and vectors gathered into one datagram.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import type { OutputMessage, SocketAddress } from '../api/datagram-based.ts';
import { IOCondition, type IOConditionFlags } from '../api/enums.ts';
import { IOErrorEnum, ioError } from '../api/errors.ts';

/** `127.0.0.1:4433`, `[::1]:4433`. */
export function formatAddress(a: SocketAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

export function sameAddress(x: SocketAddress, y: SocketAddress): boolean {
  return x.address === y.address && x.port === y.port;
}

/** A message's vectors gathered into one datagram (a fresh copy, so the caller may reuse its buffers). */
export function concatVectors(vectors: readonly Uint8Array[]): Uint8Array {
  return concatBytes(...vectors);
}

/**
 * Sends one message after the other; resolves with how many were sent. As
 * g_datagram_based_send_messages: an error is raised only when the first message fails; otherwise
 * the count of messages sent before the failure is returned.
 */
export async function sendEach(messages: readonly OutputMessage[], sendOne: (m: OutputMessage, index: number) => void | Promise<void>): Promise<number> {
  for (let i = 0; i < messages.length; i++) {
    try {
      await sendOne(messages[i], i);
    } catch (e) {
      if (i === 0) throw e;
      return i;
    }
  }
  return messages.length;
}

/** INVALID_ARGUMENT unless `count` is a non-negative integer. */
export function checkCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 0) {
    throw ioError(IOErrorEnum.INVALID_ARGUMENT, `${what}: count must be a non-negative integer, got ${count}`);
  }
}

/** As poll(2) and g_socket_condition_check: HUP and ERR are reported whatever was asked; the rest is masked by `condition`. */
export function maskCondition(ready: IOConditionFlags, condition: IOConditionFlags): IOConditionFlags {
  return ready & (condition | IOCondition.HUP | IOCondition.ERR);
}

export const DEFAULT_QUEUE_LIMIT = 256;

/** The receive queue's bound: a positive integer, default DEFAULT_QUEUE_LIMIT. */
export function checkQueueLimit(queueLimit: number | undefined, what: string): number {
  const limit = queueLimit ?? DEFAULT_QUEUE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw ioError(IOErrorEnum.INVALID_ARGUMENT, `${what}: queueLimit must be a positive integer, got ${limit}`);
  }
  return limit;
}
