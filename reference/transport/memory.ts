/**
 * An in-memory pair of DatagramBased endpoints: what one sends, the other receives, through an
 * optional hook where a simulated network decides when, whether and what to deliver. Waits and
 * timeouts run on a Clock, so on a virtual clock nothing real waits.
 *
 * The pair behaves like a connected socket pair that keeps datagram boundaries (socketpair with
 * SOCK_SEQPACKET), which is where GIO's socket semantics say something about the peer closing:
 * - each endpoint's receive queue is bounded (`queueLimit`); a datagram arriving at a full queue is
 *   dropped and counted in `dropped`, as a UDP receive buffer would;
 * - `close()` on one side: every later operation on it fails with G_IO_ERROR_CLOSED (closing twice
 *   is fine), its queue is discarded, and receives and waits pending on it fail with CLOSED;
 *   conditionCheck on it reports nothing (g_socket_condition_check on a closed socket returns 0);
 * - the other side sees G_IO_HUP: conditionCheck reports HUP (always, whatever was asked) and IN,
 *   never OUT ("never report both G_IO_OUT and HUP: can't write to a closed socket", gsocket.c);
 *   the datagrams already queued are still received, then receives resolve at once with no
 *   messages: end of stream ("the connection is closed remotely (EOS)" ends a blocking
 *   g_datagram_based_receive_messages; g_socket_receive returns "0 if the connection was closed by
 *   the peer"), and a receive pending at that moment resolves the same way. A reader must take an
 *   empty result as the end, as glib-networking's DTLS does with a 0 from its base socket, or it
 *   will spin. Sends fail with G_IO_ERROR_BROKEN_PIPE (EPIPE);
 * - a datagram the hook delivers to an endpoint that has closed meanwhile is discarded silently.
 */
import type { Clock, DatagramBased, InputMessage, IoOptions, OutputMessage, SocketAddress } from '../api/datagram-based.ts';
import { systemClock } from '../api/datagram-based.ts';
import { IOCondition, type IOConditionFlags } from '../api/enums.ts';
import { IOErrorEnum, ioError } from '../api/errors.ts';
import { checkCount, checkQueueLimit, concatVectors, formatAddress, maskCondition, sameAddress, sendEach } from './datagram-common.ts';
import { Readiness, WOULD_BLOCK, throwIfCancelled } from './readiness.ts';

/**
 * Sits between the endpoints: called once per datagram sent, with a `deliver` bound to its
 * destination. Call `deliver` later (virtual-time delay), never (loss), twice (duplication), or
 * with other bytes (corruption); each call hands the destination its own copy.
 */
export type DeliveryHook = (datagram: Uint8Array, from: SocketAddress, to: SocketAddress, deliver: (datagram: Uint8Array) => void) => void;

export interface MemoryPairOptions {
  /** Runs timeouts; default systemClock. */
  readonly clock?: Clock;
  /** Datagrams an endpoint holds before further arrivals are dropped; default 256. */
  readonly queueLimit?: number;
  /** The largest datagram sendMessages accepts; default 65507, UDP's limit over IPv4. */
  readonly maxDatagramSize?: number;
  /** The endpoints' addresses, as InputMessage.address and the hook show them. */
  readonly addresses?: readonly [SocketAddress, SocketAddress];
  /** Where every datagram goes on its way; without one, delivery is immediate. */
  readonly hook?: DeliveryHook;
}

export interface MemoryEndpoint extends DatagramBased {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  /** Datagrams waiting to be received. */
  readonly queued: number;
  /** Datagrams that arrived at a full queue and were discarded. */
  readonly dropped: number;
  readonly closed: boolean;
  /** g_socket_close: idempotent; resolves at once. */
  close(): Promise<void>;
}

export const UDP_IPV4_MAX_PAYLOAD = 65_507;

/** Two endpoints, each the other's peer. */
export function memoryPair(options: MemoryPairOptions = {}): [MemoryEndpoint, MemoryEndpoint] {
  const queueLimit = checkQueueLimit(options.queueLimit, 'memoryPair');
  const maxDatagramSize = options.maxDatagramSize ?? UDP_IPV4_MAX_PAYLOAD;
  if (!Number.isInteger(maxDatagramSize) || maxDatagramSize < 0) {
    throw ioError(IOErrorEnum.INVALID_ARGUMENT, `memoryPair: maxDatagramSize must be a non-negative integer, got ${maxDatagramSize}`);
  }
  const [addressA, addressB] = options.addresses ?? [
    { address: 'memory-a', port: 1 },
    { address: 'memory-b', port: 2 },
  ];
  const link: Link = { clock: options.clock ?? systemClock, queueLimit, maxDatagramSize, hook: options.hook };
  const a = new Endpoint(link, addressA, addressB);
  const b = new Endpoint(link, addressB, addressA);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

interface Link {
  readonly clock: Clock;
  readonly queueLimit: number;
  readonly maxDatagramSize: number;
  readonly hook: DeliveryHook | undefined;
}

class Endpoint implements MemoryEndpoint {
  peer!: Endpoint;
  private readonly queue: InputMessage[] = [];
  private readonly readiness: Readiness;
  private isClosed = false;
  private peerHungUp = false;
  private droppedCount = 0;

  constructor(
    private readonly link: Link,
    readonly localAddress: SocketAddress,
    readonly remoteAddress: SocketAddress,
  ) {
    this.readiness = new Readiness(link.clock);
  }

  get queued(): number {
    return this.queue.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async receiveMessages(count: number, options?: IoOptions): Promise<InputMessage[]> {
    const what = 'receiveMessages';
    checkCount(count, what);
    this.checkOpen(what);
    return this.readiness.run(what, options, 'would-block', () => {
      this.checkOpen(what);
      if (count === 0) return [];
      if (this.queue.length > 0) return this.queue.splice(0, count);
      if (this.peerHungUp) return [];
      return WOULD_BLOCK;
    });
  }

  /** Never blocks: a full queue at the peer drops the datagram, as UDP does. */
  async sendMessages(messages: readonly OutputMessage[], options?: IoOptions): Promise<number> {
    const what = 'sendMessages';
    this.checkOpen(what);
    throwIfCancelled(options?.signal, what);
    return sendEach(messages, (message, index) => {
      this.checkOpen(what);
      const datagram = concatVectors(message.vectors);
      if (datagram.length > this.link.maxDatagramSize) {
        throw ioError(IOErrorEnum.MESSAGE_TOO_LARGE, `${what}: message ${index} is ${datagram.length} bytes, over the ${this.link.maxDatagramSize}-byte limit`);
      }
      if (message.address !== undefined && !sameAddress(message.address, this.remoteAddress)) {
        throw ioError(
          IOErrorEnum.INVALID_ARGUMENT,
          `${what}: message ${index} is addressed to ${formatAddress(message.address)}; this memory endpoint only reaches its peer ${formatAddress(this.remoteAddress)}`,
        );
      }
      if (this.peerHungUp) throw ioError(IOErrorEnum.BROKEN_PIPE, `${what}: the peer ${formatAddress(this.remoteAddress)} has closed`);
      this.transmit(datagram);
    });
  }

  conditionCheck(condition: IOConditionFlags): IOConditionFlags {
    if (this.isClosed) return 0;
    let ready = 0;
    if (this.queue.length > 0 || this.peerHungUp) ready |= IOCondition.IN;
    ready |= this.peerHungUp ? IOCondition.HUP : IOCondition.OUT;
    return maskCondition(ready, condition);
  }

  async conditionWait(condition: IOConditionFlags, options?: IoOptions): Promise<void> {
    const what = 'conditionWait';
    this.checkOpen(what);
    await this.readiness.run(what, options, 'timed-out', () => {
      this.checkOpen(what);
      return this.conditionCheck(condition) !== 0 ? true : WOULD_BLOCK;
    });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.length = 0;
    this.readiness.wake();
    this.peer.hangUp();
  }

  private hangUp(): void {
    this.peerHungUp = true;
    this.readiness.wake();
  }

  private transmit(datagram: Uint8Array): void {
    const to = this.peer;
    const deliver = (bytes: Uint8Array): void => to.arrive(bytes, this.localAddress);
    const hook = this.link.hook;
    if (hook === undefined) deliver(datagram);
    else hook(datagram, this.localAddress, to.localAddress, deliver);
  }

  private arrive(bytes: Uint8Array, from: SocketAddress): void {
    if (this.isClosed) return;
    if (this.queue.length >= this.link.queueLimit) {
      this.droppedCount++;
      return;
    }
    this.queue.push({ address: from, data: bytes.slice() });
    this.readiness.wake();
  }

  private checkOpen(what: string): void {
    if (this.isClosed) throw ioError(IOErrorEnum.CLOSED, `${what}: the endpoint ${formatAddress(this.localAddress)} is closed`);
  }
}
