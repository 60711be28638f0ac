/**
 * DTLS over `node:dgram` on loopback: a client connected to one peer, and a server that keeps one
 * `Endpoint` per client address (its `peerAddress`), all sharing one CookieJar. The engine answers
 * a ClientHello without a valid cookie statelessly (RFC 6347 §4.2.1); the application hears of a
 * client only once its cookie checked out. An entry that never gets there expires with the
 * handshake timeout. Only 127.0.0.1 and ::1 are accepted, for binding and for peers.
 *
 *   const server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate } });
 *   const client = await connectUdp({ host: '127.0.0.1', port: server.address.port, config: {} });
 *   await client.handshake();
 *   const conn = await server.accept();
 *
 * With `connectionIdLength`, the server gives each client a CID of its own (RFC 9146) and finds
 * the client by it when a datagram comes from an address it does not know: a client whose address
 * changed keeps its association, and replies follow it to the new address once a datagram from
 * there authenticates and is the newest yet (RFC 9146 §6).
 */
import dgram from 'node:dgram';
import type { TimedDatagram } from '../capture/packet.ts';
import { Endpoint } from '../engine.ts';
import type { EndpointConfig } from '../handshake/dtls12/config.ts';
import { CookieJar } from '../handshake/dtls12/cookie.ts';
import { systemRandom } from '../crypto/random.ts';
import { ContentType } from '../wire/enums.ts';
import { TransportError, type UdpAddress, checkLoopback, formatAddress, isLoopback, socketError } from './errors.ts';
import { bothKeyLogs, keyLogFile } from './keylog-file.ts';
import { type DatagramLink, type DriverOptions, UdpConnection } from './udp-connection.ts';

export { TransportError, type TransportErrorCode, type UdpAddress, formatAddress } from './errors.ts';
export { type DatagramLink, type DriverOptions, UdpConnection } from './udp-connection.ts';
export { keyLogFile } from './keylog-file.ts';

export interface UdpCommonOptions extends DriverOptions {
  /** 127.0.0.1 or ::1; anything else is refused. */
  readonly host: string;
  /** Append the NSS key log lines the engine emits to this file. */
  readonly keyLogFile?: string;
  /** Sees every datagram both ways as it is sent or received (for pcapng captures). */
  readonly capture?: (datagram: TimedDatagram) => void;
}

export interface UdpClientOptions extends UdpCommonOptions {
  readonly port: number;
  /** Local port to bind (default: any free port). */
  readonly localPort?: number;
  readonly config: Omit<EndpointConfig, 'role'>;
}

export interface UdpServerOptions extends UdpCommonOptions {
  /** Port to bind (default: any free port). */
  readonly port?: number;
  readonly config: Omit<EndpointConfig, 'role' | 'peerAddress'>;
  /** Clients served at once; datagrams from further new clients are dropped. Default 16. */
  readonly maxConnections?: number;
  /**
   * RFC 9146: a random CID of this many bytes (1..255) for each client, which the server asks the
   * client to send and routes by. Overrides `config.connectionId`. Default: none.
   */
  readonly connectionIdLength?: number;
}

/** A server's link to one client, whose address may move (RFC 9146 §6). */
interface MovableLink extends DatagramLink {
  moveTo(address: UdpAddress): void;
}

/** tls12_cid record header before the CID: type(1) version(2) epoch(2) sequence_number(6). */
const CID_OFFSET = 11;
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const NS_PER_MS = 1_000_000n;
const epochAnchor = BigInt(Date.now()) * NS_PER_MS - process.hrtime.bigint();

/** Nanoseconds since the Unix epoch, monotonic within the process (capture timestamps). */
export function wallClockNs(): bigint {
  return epochAnchor + process.hrtime.bigint();
}

function createSocket(host: string): dgram.Socket {
  return dgram.createSocket({ type: host === '::1' ? 'udp6' : 'udp4', ipv6Only: host === '::1' });
}

function bind(socket: dgram.Socket, address: UdpAddress): Promise<UdpAddress> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      socket.close();
      reject(socketError(e, 'cannot bind', address));
    };
    socket.once('error', onError);
    socket.bind({ address: address.address, port: address.port, exclusive: true }, () => {
      socket.off('error', onError);
      const a = socket.address();
      resolve({ address: a.address, port: a.port });
    });
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

function sendOn(socket: dgram.Socket, datagram: Uint8Array, to: UdpAddress | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e: Error | null): void => (e === null ? resolve() : reject(e));
    if (to === undefined) socket.send(datagram, done);
    else socket.send(datagram, to.port, to.address, done);
  });
}

function keyLogOf(options: UdpCommonOptions, config: Pick<EndpointConfig, 'keyLog'>): ((line: string) => void) | undefined {
  return bothKeyLogs(config.keyLog, options.keyLogFile === undefined ? undefined : keyLogFile(options.keyLogFile));
}

/**
 * A client: binds 127.0.0.1 or ::1, connects the socket to the peer (so ICMP errors come back as
 * `peer-unreachable`), sends the first flight. Await `handshake()` on the result.
 */
export async function connectUdp(options: UdpClientOptions): Promise<UdpConnection> {
  checkLoopback(options.host, 'client address');
  const remote: UdpAddress = { address: options.host, port: options.port };
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new TransportError('socket', `peer port must be 1..65535, got ${options.port}`);
  }
  const socket = createSocket(options.host);
  const local = await bind(socket, { address: options.host, port: options.localPort ?? 0 });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(options.port, options.host, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch(async (e: unknown) => {
    await closeSocket(socket);
    throw socketError(e, 'cannot connect to', remote);
  });
  const capture = options.capture;
  const link: DatagramLink = {
    local,
    remote,
    send: async (d) => {
      capture?.({ time: wallClockNs(), src: local, dst: remote, payload: d });
      try {
        await sendOn(socket, d, undefined);
      } catch (e) {
        throw socketError(e, 'cannot send to', remote);
      }
    },
    close: () => closeSocket(socket),
  };
  const endpoint = new Endpoint({ ...options.config, role: 'client', keyLog: keyLogOf(options, options.config) });
  const conn = new UdpConnection(endpoint, link, options);
  socket.on('message', (msg) => {
    const payload = new Uint8Array(msg);
    capture?.({ time: wallClockNs(), src: remote, dst: local, payload });
    conn.input(payload);
  });
  socket.on('error', (e) => conn.abort(socketError(e, 'socket error talking to', remote)));
  conn.start();
  return conn;
}

/** A server on one socket: one `UdpConnection` per client whose cookie checked out. */
export class UdpServer {
  private readonly connections = new Map<string, UdpConnection>();
  private readonly pending: UdpConnection[] = [];
  private acceptors: { resolve: (c: UdpConnection) => void; reject: (e: TransportError) => void }[] = [];
  private readonly listeners = new Set<(c: UdpConnection) => void>();
  private readonly cookieJar: CookieJar;
  private closing: Promise<void> | undefined;
  /** Connections handed to accept() or onConnection (those whose cookie checked out). */
  private readonly announced = new WeakSet<UdpConnection>();
  /** Datagrams from new clients dropped because `maxConnections` were being served. */
  droppedOverCapacity = 0;
  /** RFC 9146: the connection of each CID we handed out (hex), and each connection's link. */
  private readonly byConnectionId = new Map<string, UdpConnection>();
  private readonly links = new WeakMap<UdpConnection, MovableLink>();
  /** Clients moved to a new address by a datagram carrying their CID (RFC 9146 §6). */
  addressChanges = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly address: UdpAddress,
    private readonly options: UdpServerOptions,
  ) {
    this.cookieJar = options.config.cookieJar ?? new CookieJar({ random: options.config.random ?? systemRandom });
    socket.on('message', (msg, rinfo) => this.onDatagram(new Uint8Array(msg), { address: rinfo.address, port: rinfo.port }));
    socket.on('error', (e) => {
      // An unconnected socket gets no ICMP errors; anything here is fatal for every client.
      const error = socketError(e, 'server socket', address);
      for (const c of this.connections.values()) c.abort(error);
      void this.close();
    });
  }

  /** Binds 127.0.0.1 or ::1 (port 0: any free port) and starts answering ClientHellos. */
  static async listen(options: UdpServerOptions): Promise<UdpServer> {
    checkLoopback(options.host, 'server address');
    const socket = createSocket(options.host);
    const address = await bind(socket, { address: options.host, port: options.port ?? 0 });
    return new UdpServer(socket, address, options);
  }

  /** The next client whose handshake has begun past the cookie exchange (the first one first). */
  accept(): Promise<UdpConnection> {
    const c = this.pending.shift();
    if (c !== undefined) return Promise.resolve(c);
    if (this.closing !== undefined) return Promise.reject(new TransportError('closed', `the server on ${formatAddress(this.address)} is closed`));
    return new Promise((resolve, reject) => this.acceptors.push({ resolve, reject }));
  }

  /** Calls `listener` with every new connection (instead of queueing it for `accept()`). */
  onConnection(listener: (c: UdpConnection) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The clients being served. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** close_notify to every client, then the socket closes. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const a of this.acceptors.splice(0)) a.reject(new TransportError('closed', `the server on ${formatAddress(this.address)} closed`));
      await Promise.all([...this.connections.values()].map((c) => c.close().catch(() => {})));
      await closeSocket(this.socket);
    })();
    return this.closing;
  }

  private onDatagram(payload: Uint8Array, from: UdpAddress): void {
    if (this.closing !== undefined || !isLoopback(from.address)) return;
    this.options.capture?.({ time: wallClockNs(), src: from, dst: this.address, payload });
    const key = formatAddress(from);
    let conn = this.connections.get(key);
    if (conn === undefined) {
      const known = this.connectionByCid(payload);
      if (known !== undefined) {
        known.input(payload, () => this.maybeMove(known, from));
        return;
      }
      if (this.connections.size >= (this.options.maxConnections ?? 16)) {
        this.droppedOverCapacity++;
        return;
      }
      const config = this.options.config;
      const connectionId = this.newConnectionId();
      const endpoint = new Endpoint({
        ...config,
        ...(connectionId === undefined ? {} : { connectionId }),
        role: 'server',
        peerAddress: key,
        cookieJar: this.cookieJar,
        keyLog: keyLogOf(this.options, config),
      });
      const link = this.linkTo(from, connectionId);
      conn = new UdpConnection(endpoint, link, this.options);
      this.links.set(conn, link);
      this.connections.set(key, conn);
      if (connectionId !== undefined) this.byConnectionId.set(toHex(connectionId), conn);
      conn.start();
    }
    conn.input(payload);
    if (!this.announced.has(conn) && conn.endpoint.status === 'handshaking' && conn.endpoint.handshakeState !== 'ExpectClientHello') {
      // The cookie checked out (RFC 6347 §4.2.1): a client the application hears about.
      this.announced.add(conn);
      this.announce(conn);
    }
  }

  private announce(conn: UdpConnection): void {
    if (this.listeners.size > 0) {
      for (const l of this.listeners) l(conn);
      return;
    }
    const a = this.acceptors.shift();
    if (a !== undefined) a.resolve(conn);
    else this.pending.push(conn);
  }

  /** A fresh CID no client of ours has, when `connectionIdLength` is set. */
  private newConnectionId(): Uint8Array | undefined {
    const length = this.options.connectionIdLength;
    if (length === undefined) return undefined;
    if (!Number.isInteger(length) || length < 1 || length > 255) {
      throw new TransportError('socket', `connectionIdLength must be 1..255, got ${length}`);
    }
    const random = this.options.config.random ?? systemRandom;
    for (;;) {
      const cid = random(length);
      if (!this.byConnectionId.has(toHex(cid))) return cid;
    }
  }

  /** RFC 9146 §3: the connection a datagram's first record names by its CID, if it is a tls12_cid record with one of ours. */
  private connectionByCid(payload: Uint8Array): UdpConnection | undefined {
    const length = this.options.connectionIdLength;
    if (length === undefined || payload.length < CID_OFFSET + length || payload[0] !== ContentType.tls12_cid) return undefined;
    return this.byConnectionId.get(toHex(payload.subarray(CID_OFFSET, CID_OFFSET + length)));
  }

  /**
   * RFC 9146 §6: a datagram with a client's CID came from another address. The client moves there
   * only if that datagram authenticated and is newer than any before; otherwise it stays, and the
   * datagram's records (if valid) were still delivered.
   */
  private maybeMove(conn: UdpConnection, to: UdpAddress): void {
    const link = this.links.get(conn);
    if (link === undefined || !conn.endpoint.lastDatagramWasNewer || conn.finished) return;
    const key = formatAddress(to);
    if (this.connections.has(key)) return; // another client is there now
    this.connections.delete(formatAddress(link.remote));
    link.moveTo(to);
    this.connections.set(key, conn);
    this.addressChanges++;
  }

  private linkTo(initial: UdpAddress, connectionId: Uint8Array | undefined): MovableLink {
    const local = this.address;
    let remote = initial;
    return {
      local,
      get remote() {
        return remote;
      },
      moveTo(address) {
        remote = address;
      },
      send: async (d) => {
        const to = remote;
        this.options.capture?.({ time: wallClockNs(), src: local, dst: to, payload: d });
        try {
          await sendOn(this.socket, d, to);
        } catch (e) {
          throw socketError(e, 'cannot send to', to);
        }
      },
      close: () => {
        this.connections.delete(formatAddress(remote));
        if (connectionId !== undefined) this.byConnectionId.delete(toHex(connectionId));
        return Promise.resolve();
      },
    };
  }
}
