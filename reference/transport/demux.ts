/**
 * One bound UDP socket, many peers: each remote address gets its own DatagramBased view, which
 * receives only that address's datagrams and sends to it without an address, as a socket
 * `connect()`ed to the peer would. That is what a GIO DTLS server connection needs: it serves one
 * peer and sends with no address (PEERS.md: GIO's own server needs a connected socket per client).
 *
 *   const demux = await UdpDemux.bind({ address: '127.0.0.1', port: 4433, gate });
 *   for (;;) {
 *     const view = await demux.accept();             // a new peer's first datagram is queued on it
 *     const conn = DtlsServerConnection.new(view, certificate, { peerAddress: formatAddress(view.remoteAddress), cookieJar });
 *   }
 *
 * A datagram from an address without a view goes to the `gate` (without one, every new address is
 * admitted): admitted, it opens a view, queued for `accept()`; refused, it is dropped, and the
 * replies the gate gives (a HelloVerifyRequest, see cookie-gate.ts) go back to the sender. Closing
 * a view forgets it: the address's next datagram meets the gate again. Views follow GIO's blocking
 * discipline (readiness.ts) and UDP's rules: bounded queues that drop and count, no hang-up.
 */
import type { Clock, DatagramBased, InputMessage, IoOptions, OutputMessage, SocketAddress } from '../api/datagram-based.ts';
import { systemClock } from '../api/datagram-based.ts';
import { IOCondition, type IOConditionFlags } from '../api/enums.ts';
import { GioError, IOErrorEnum, ioError } from '../api/errors.ts';
import { checkCount, checkQueueLimit, formatAddress, maskCondition, sameAddress, sendEach } from './datagram-common.ts';
import { Readiness, WOULD_BLOCK, throwIfCancelled } from './readiness.ts';
import { type UdpDatagramBased, udpBind } from './udp-datagram-based.ts';

/** What the gate decides about a datagram from an address that has no view. */
export type GateVerdict = { readonly admit: true } | { readonly admit: false; readonly replies?: readonly Uint8Array[] };

export type DemuxGate = (datagram: Uint8Array, from: SocketAddress) => GateVerdict;

export interface UdpDemuxOptions {
  /** 127.0.0.1, ::1 or localhost. */
  readonly address: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Runs timeouts; default systemClock. */
  readonly clock?: Clock;
  /** Datagrams each view holds before further arrivals are dropped; default 256. */
  readonly queueLimit?: number;
  /** Views at once (accepted or waiting to be); datagrams from further new addresses are dropped. Default 64. */
  readonly maxPeers?: number;
  /** Decides on datagrams from new addresses; default: admit every one. */
  readonly gate?: DemuxGate;
}

/** One peer's view of the shared socket. */
export interface PeerView extends DatagramBased {
  /** The shared socket's address. */
  readonly localAddress: SocketAddress;
  /** The peer this view receives from and sends to. */
  readonly remoteAddress: SocketAddress;
  readonly queued: number;
  readonly dropped: number;
  readonly closed: boolean;
  /** Forgets the peer (the socket stays open for the others); idempotent. */
  close(): Promise<void>;
}

const RECEIVE_BATCH = 64;

export class UdpDemux {
  private readonly views = new Map<string, View>();
  private readonly pending: View[] = [];
  private readonly acceptReadiness: Readiness;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly queueLimit: number;
  private readonly maxPeers: number;
  private closing: Promise<void> | undefined;
  private isClosed = false;
  /** Datagrams from new addresses that the gate refused. */
  refused = 0;
  /** Datagrams from new addresses dropped because `maxPeers` views were open. */
  droppedOverCapacity = 0;

  private constructor(
    readonly base: UdpDatagramBased,
    private readonly clock: Clock,
    private readonly options: UdpDemuxOptions,
  ) {
    this.acceptReadiness = new Readiness(clock);
    this.queueLimit = checkQueueLimit(options.queueLimit, 'UdpDemux');
    this.maxPeers = options.maxPeers ?? 64;
    if (!Number.isInteger(this.maxPeers) || this.maxPeers < 1) {
      throw ioError(IOErrorEnum.INVALID_ARGUMENT, `UdpDemux: maxPeers must be a positive integer, got ${this.maxPeers}`);
    }
  }

  /** Binds the socket (errors as udpBind's: INVALID_ARGUMENT off loopback, ADDRESS_IN_USE) and starts reading it. */
  static async bind(options: UdpDemuxOptions): Promise<UdpDemux> {
    const clock = options.clock ?? systemClock;
    const base = await udpBind({ address: options.address, port: options.port ?? 0, clock, queueLimit: 1024 });
    let demux: UdpDemux;
    try {
      demux = new UdpDemux(base, clock, options);
    } catch (e) {
      await base.close();
      throw e;
    }
    void demux.pump();
    return demux;
  }

  get localAddress(): SocketAddress {
    return this.base.localAddress;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The views open now. */
  get peers(): number {
    return this.views.size;
  }

  /** The next admitted peer, its first datagram queued on the view. G_IO_ERROR_CLOSED once the demux is closed. */
  accept(options?: IoOptions): Promise<PeerView> {
    const what = 'accept';
    return this.acceptReadiness.run(what, options, 'would-block', () => {
      if (this.closed) throw ioError(IOErrorEnum.CLOSED, `${what}: the socket ${formatAddress(this.localAddress)} is closed`);
      return this.pending.shift() ?? WOULD_BLOCK;
    });
  }

  /** The view of `remote`, opened now if there is none (and then not offered to accept()). */
  view(remote: SocketAddress): PeerView {
    if (this.closed) throw ioError(IOErrorEnum.CLOSED, `view: the socket ${formatAddress(this.localAddress)} is closed`);
    return this.views.get(formatAddress(remote)) ?? this.open(remote);
  }

  private open(remote: SocketAddress): View {
    const v = new View(this, { address: remote.address, port: remote.port }, this.clock, this.queueLimit);
    this.views.set(formatAddress(remote), v);
    return v;
  }

  /** Closes every view and the socket, after the datagrams being sent have gone. */
  close(): Promise<void> {
    this.isClosed = true;
    this.closing ??= (async () => {
      for (const v of [...this.views.values()]) v.shut();
      this.pending.length = 0;
      this.acceptReadiness.wake();
      await Promise.allSettled([...this.inFlight]);
      await this.base.close();
    })();
    return this.closing;
  }

  /** For views: sends on the shared socket, keeping the send so close() can wait for it. */
  _send(message: OutputMessage, options: IoOptions | undefined): Promise<number> {
    const p = this.base.sendMessages([message], options);
    this.inFlight.add(p);
    const forget = (): void => void this.inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** For views: a closed view is forgotten. */
  _forget(view: View): void {
    const key = formatAddress(view.remoteAddress);
    if (this.views.get(key) === view) this.views.delete(key);
    const i = this.pending.indexOf(view);
    if (i >= 0) this.pending.splice(i, 1);
  }

  private async pump(): Promise<void> {
    while (!this.closed) {
      let messages: InputMessage[];
      try {
        messages = await this.base.receiveMessages(RECEIVE_BATCH);
      } catch (e) {
        if (this.closed || (e instanceof GioError && e.matches('g-io-error-quark', IOErrorEnum.CLOSED))) return;
        continue; // a socket error meant for one sender; the socket itself goes on
      }
      for (const m of messages) if (m.address !== undefined) this.dispatch(m.data, m.address);
    }
  }

  private dispatch(data: Uint8Array, from: SocketAddress): void {
    const existing = this.views.get(formatAddress(from));
    if (existing !== undefined) {
      existing.arrive(data);
      return;
    }
    if (this.views.size >= this.maxPeers) {
      this.droppedOverCapacity++;
      return;
    }
    let verdict: GateVerdict;
    try {
      verdict = this.options.gate?.(data, from) ?? { admit: true };
    } catch {
      verdict = { admit: false };
    }
    if (!verdict.admit) {
      this.refused++;
      for (const reply of verdict.replies ?? []) this._send({ address: from, vectors: [reply] }, undefined).catch(() => {});
      return;
    }
    const v = this.open(from);
    v.arrive(data);
    this.pending.push(v);
    this.acceptReadiness.wake();
  }
}

class View implements PeerView {
  private readonly queue: InputMessage[] = [];
  private readonly readiness: Readiness;
  private isClosed = false;
  private droppedCount = 0;

  constructor(
    private readonly demux: UdpDemux,
    readonly remoteAddress: SocketAddress,
    clock: Clock,
    private readonly queueLimit: number,
  ) {
    this.readiness = new Readiness(clock);
  }

  get localAddress(): SocketAddress {
    return this.demux.localAddress;
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
      return WOULD_BLOCK;
    });
  }

  async sendMessages(messages: readonly OutputMessage[], options?: IoOptions): Promise<number> {
    const what = 'sendMessages';
    this.checkOpen(what);
    throwIfCancelled(options?.signal, what);
    return sendEach(messages, async (message, index) => {
      this.checkOpen(what);
      if (message.address !== undefined && !sameAddress(message.address, this.remoteAddress)) {
        throw ioError(
          IOErrorEnum.INVALID_ARGUMENT,
          `${what}: message ${index} is addressed to ${formatAddress(message.address)}, but this view reaches only ${formatAddress(this.remoteAddress)}`,
        );
      }
      await this.demux._send({ address: this.remoteAddress, vectors: message.vectors }, options);
    });
  }

  conditionCheck(condition: IOConditionFlags): IOConditionFlags {
    if (this.isClosed) return 0;
    let ready: number = IOCondition.OUT;
    if (this.queue.length > 0) ready |= IOCondition.IN;
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
    this.shut();
    this.demux._forget(this);
  }

  /** Closed by its own close() or with the whole demux. */
  shut(): void {
    this.isClosed = true;
    this.queue.length = 0;
    this.readiness.wake();
  }

  arrive(data: Uint8Array): void {
    if (this.isClosed) return;
    if (this.queue.length >= this.queueLimit) {
      this.droppedCount++;
      return;
    }
    this.queue.push({ address: this.remoteAddress, data });
    this.readiness.wake();
  }

  private checkOpen(what: string): void {
    if (this.isClosed) throw ioError(IOErrorEnum.CLOSED, `${what}: the view of ${formatAddress(this.remoteAddress)} on ${formatAddress(this.localAddress)} is closed`);
  }
}
