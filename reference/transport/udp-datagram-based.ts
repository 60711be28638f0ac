/**
 * A DatagramBased over a `node:dgram` socket on loopback, as a GSocket of type DATAGRAM:
 * - bound (`udpBind`): receives from anyone; each message sent needs an address, else
 *   G_IO_ERROR_NOT_CONNECTED ("no destination" — GSocket's EDESTADDRREQ, whose own code
 *   DESTINATION_UNSET this API lacks);
 * - connected (`udpConnect`, or `connect()` on a bound socket): the kernel passes only the peer's
 *   datagrams; a message without an address goes to the peer, one addressed elsewhere is refused
 *   with INVALID_ARGUMENT (node refuses it too). An ICMP port unreachable for something sent comes
 *   back as node's 'error' event (ECONNREFUSED, syscall recvmsg); it is held, shows as G_IO_ERR in
 *   conditionCheck, and fails the next receive with G_IO_ERROR_CONNECTION_REFUSED, once, ahead of
 *   any queued datagram (the kernel reports a socket's pending error before its data).
 * Only 127.0.0.1, ::1 and localhost are accepted, for binding and as destinations. Node reads the
 * socket eagerly; what it reads waits in a bounded queue, and arrivals beyond it are dropped and
 * counted. Sends never block. A datagram over 65507 bytes (IPv4; 65527 over IPv6) fails with
 * G_IO_ERROR_MESSAGE_TOO_LARGE. UDP has no hang-up: a peer's close is invisible (no G_IO_HUP).
 */
import { type RemoteInfo, type Socket, createSocket } from 'node:dgram';
import type { Clock, DatagramBased, InputMessage, IoOptions, OutputMessage, SocketAddress } from '../api/datagram-based.ts';
import { systemClock } from '../api/datagram-based.ts';
import { IOCondition, type IOConditionFlags } from '../api/enums.ts';
import { type GioError, IOErrorEnum, ioError } from '../api/errors.ts';
import { checkCount, checkQueueLimit, concatVectors, formatAddress, maskCondition, sameAddress, sendEach } from './datagram-common.ts';
import { type IpFamily, type LoopbackHost, checkDestination, checkPort, familyOf, ioErrorFromSystem, loopbackHost } from './loopback.ts';
import { Readiness, WOULD_BLOCK, throwIfCancelled } from './readiness.ts';

export interface UdpCommonOptions {
  /** Runs timeouts; default systemClock. */
  readonly clock?: Clock;
  /** Datagrams held for receiveMessages before further arrivals are dropped; default 256. */
  readonly queueLimit?: number;
}

export interface UdpBindOptions extends UdpCommonOptions {
  /** 127.0.0.1, ::1 or localhost. */
  readonly address: string;
  /** Default 0: any free port. */
  readonly port?: number;
}

export interface UdpConnectOptions extends UdpCommonOptions {
  /** The peer: 127.0.0.1, ::1 or localhost, and its port. */
  readonly remote: SocketAddress;
  /** Where to bind first; default the remote's loopback address, any free port. */
  readonly localAddress?: { readonly address: string; readonly port?: number };
}

export interface UdpDatagramBased extends DatagramBased {
  /** The bound address and port (g_socket_get_local_address); still readable after close. */
  readonly localAddress: SocketAddress;
  /** The connected peer, if any (g_socket_get_remote_address). */
  readonly remoteAddress: SocketAddress | undefined;
  /** Datagrams waiting to be received. */
  readonly queued: number;
  /** Datagrams that arrived at a full queue and were discarded. */
  readonly dropped: number;
  readonly closed: boolean;
  /** g_socket_connect on a UDP socket: only `remote` from now on; may be called again to change peer. */
  connect(remote: SocketAddress): Promise<void>;
  /** g_socket_close: idempotent; resolves once the port is released. */
  close(): Promise<void>;
}

export const UDP_MAX_PAYLOAD: Readonly<Record<IpFamily, number>> = { IPv4: 65_507, IPv6: 65_527 };

/** A socket bound to a loopback address; rejects with INVALID_ARGUMENT or ADDRESS_IN_USE as g_socket_bind would. */
export async function udpBind(options: UdpBindOptions): Promise<UdpDatagramBased> {
  const what = 'udpBind';
  const host = loopbackHost(options.address, what);
  const port = checkPort(options.port ?? 0, what, true);
  const queueLimit = checkQueueLimit(options.queueLimit, what);
  const endpoint = new UdpEndpoint(host, options.clock ?? systemClock, queueLimit);
  await endpoint.bind(host, port);
  return endpoint;
}

/** A socket bound on loopback and connected to `remote`. */
export async function udpConnect(options: UdpConnectOptions): Promise<UdpDatagramBased> {
  const what = 'udpConnect';
  const remoteHost = loopbackHost(options.remote.address, what);
  checkPort(options.remote.port, what, false);
  const localHost = options.localAddress === undefined ? remoteHost : loopbackHost(options.localAddress.address, what);
  if (familyOf(localHost) !== familyOf(remoteHost)) {
    throw ioError(IOErrorEnum.INVALID_ARGUMENT, `${what}: local address ${localHost} and remote ${formatAddress(options.remote)} are of different families`);
  }
  const bindOptions = { address: localHost, port: options.localAddress?.port ?? 0, queueLimit: options.queueLimit };
  const endpoint = await udpBind(options.clock === undefined ? bindOptions : { ...bindOptions, clock: options.clock });
  try {
    await endpoint.connect(options.remote);
  } catch (e) {
    await endpoint.close();
    throw e;
  }
  return endpoint;
}

class UdpEndpoint implements UdpDatagramBased {
  private readonly socket: Socket;
  private readonly family: IpFamily;
  private readonly readiness: Readiness;
  private readonly queue: InputMessage[] = [];
  private local: SocketAddress = { address: '', port: 0 };
  private remote: SocketAddress | undefined;
  private pendingError: GioError | undefined;
  private binding = false;
  private droppedCount = 0;
  private closing: Promise<void> | undefined;

  constructor(
    host: LoopbackHost,
    clock: Clock,
    private readonly queueLimit: number,
  ) {
    this.family = familyOf(host);
    this.readiness = new Readiness(clock);
    this.socket = createSocket({ type: this.family === 'IPv6' ? 'udp6' : 'udp4', ipv6Only: this.family === 'IPv6' });
    this.socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.arrive(msg, rinfo));
    this.socket.on('error', (e: Error) => this.socketError(e));
  }

  get localAddress(): SocketAddress {
    return this.local;
  }

  get remoteAddress(): SocketAddress | undefined {
    return this.remote;
  }

  get queued(): number {
    return this.queue.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Called once, by udpBind; a failure closes the socket. */
  async bind(host: LoopbackHost, port: number): Promise<void> {
    const where = formatAddress({ address: host, port });
    this.local = { address: host, port };
    this.binding = true;
    try {
      await new Promise<void>((resolve, reject) => {
        this.socket.once('error', reject);
        this.socket.bind({ address: host, port, exclusive: true }, () => {
          this.socket.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      await this.close();
      throw ioErrorFromSystem(e, `udpBind: cannot bind ${where}`);
    } finally {
      this.binding = false;
    }
    const bound = this.socket.address();
    this.local = { address: bound.address, port: bound.port };
  }

  async connect(remote: SocketAddress): Promise<void> {
    const what = 'connect';
    this.checkOpen(what);
    const to = checkDestination(remote, this.family, what);
    try {
      if (this.remote !== undefined) this.socket.disconnect();
      this.remote = undefined;
      await new Promise<void>((resolve, reject) => {
        this.socket.connect(to.port, to.address, (err?: Error) => (err === undefined ? resolve() : reject(err)));
      });
    } catch (e) {
      throw ioErrorFromSystem(e, `${what}: cannot connect to ${formatAddress(to)}`);
    }
    this.remote = to;
  }

  async receiveMessages(count: number, options?: IoOptions): Promise<InputMessage[]> {
    const what = 'receiveMessages';
    checkCount(count, what);
    this.checkOpen(what);
    return this.readiness.run(what, options, 'would-block', () => {
      this.checkOpen(what);
      if (count === 0) return [];
      const error = this.pendingError;
      if (error !== undefined) {
        this.pendingError = undefined;
        throw error;
      }
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
      const datagram = concatVectors(message.vectors);
      const limit = UDP_MAX_PAYLOAD[this.family];
      if (datagram.length > limit) {
        throw ioError(IOErrorEnum.MESSAGE_TOO_LARGE, `${what}: message ${index} is ${datagram.length} bytes, over UDP's ${limit}-byte limit (${this.family})`);
      }
      await this.sendDatagram(datagram, this.destination(message.address, `${what}: message ${index}`));
    });
  }

  conditionCheck(condition: IOConditionFlags): IOConditionFlags {
    if (this.closed) return 0;
    let ready: number = IOCondition.OUT;
    if (this.queue.length > 0) ready |= IOCondition.IN;
    if (this.pendingError !== undefined) ready |= IOCondition.ERR;
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

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.queue.length = 0;
      this.pendingError = undefined;
      this.closing = new Promise<void>((resolve) => {
        try {
          this.socket.close(() => resolve());
        } catch {
          resolve(); // already closed by node (a failed bind)
        }
      });
      this.readiness.wake();
    }
    return this.closing;
  }

  /** Where a message goes: undefined for the connected peer. */
  private destination(address: SocketAddress | undefined, what: string): SocketAddress | undefined {
    if (address === undefined) {
      if (this.remote === undefined) {
        throw ioError(IOErrorEnum.NOT_CONNECTED, `${what} has no destination: it has no address and the socket ${formatAddress(this.local)} is not connected`);
      }
      return undefined;
    }
    const to = checkDestination(address, this.family, what);
    if (this.remote !== undefined && !sameAddress(to, this.remote)) {
      throw ioError(IOErrorEnum.INVALID_ARGUMENT, `${what} is addressed to ${formatAddress(to)}, but the socket is connected to ${formatAddress(this.remote)}`);
    }
    return this.remote === undefined ? to : undefined;
  }

  private sendDatagram(datagram: Uint8Array, to: SocketAddress | undefined): Promise<void> {
    const where = formatAddress(to ?? this.remote ?? this.local);
    return new Promise<void>((resolve, reject) => {
      const done = (err: Error | null): void => {
        if (err === null) resolve();
        else if (this.closed) reject(ioError(IOErrorEnum.CLOSED, `sendMessages: the socket closed while sending to ${where}`, err));
        else reject(ioErrorFromSystem(err, `sendMessages: cannot send to ${where}`));
      };
      try {
        if (to === undefined) this.socket.send(datagram, done);
        else this.socket.send(datagram, to.port, to.address, done);
      } catch (e) {
        reject(ioErrorFromSystem(e, `sendMessages: cannot send to ${where}`));
      }
    });
  }

  private arrive(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    if (this.queue.length >= this.queueLimit) {
      this.droppedCount++;
      return;
    }
    this.queue.push({ address: { address: rinfo.address, port: rinfo.port }, data: new Uint8Array(msg) });
    this.readiness.wake();
  }

  /** A receive-side error from node (ECONNREFUSED after an ICMP port unreachable, ...): held for the next receive. */
  private socketError(e: Error): void {
    if (this.binding || this.closed) return;
    const from = this.remote === undefined ? '' : ` from ${formatAddress(this.remote)}`;
    this.pendingError = ioErrorFromSystem(e, `receiveMessages${from}`);
    this.readiness.wake();
  }

  private checkOpen(what: string): void {
    if (this.closed) throw ioError(IOErrorEnum.CLOSED, `${what}: the socket ${formatAddress(this.local)} is closed`);
  }
}
