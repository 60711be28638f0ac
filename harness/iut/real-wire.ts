/**
 * Wires on real time: datagrams from the implementation queue up as they arrive, `receive` waits
 * for the next one with a timer, and every datagram both ways is recorded with its time since the
 * session started. `UdpWire` carries them over a UDP socket on 127.0.0.1; `RealTimeWire` is the
 * base for in-process implementations that hand datagrams over directly (werift-dtls).
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { WireEvent } from '../report/model.ts';
import type { Wire } from './types.ts';
import { WireLog } from './wire-log.ts';

export abstract class RealTimeWire implements Wire {
  readonly clock = 'real' as const;
  private readonly started = performance.now();
  private readonly wireLog = new WireLog();
  private waiter: (() => void) | undefined;

  now(): number {
    return Math.round((performance.now() - this.started) * 1000) / 1000;
  }

  /** Hands the datagram to the implementation. */
  protected abstract transmit(datagram: Uint8Array): void;

  get transcript(): readonly WireEvent[] {
    return this.wireLog.transcript;
  }

  send(datagram: Uint8Array, note?: string): void {
    this.wireLog.sent(datagram, this.now(), note);
    this.transmit(datagram);
  }

  /** Subclasses call this for each datagram from the implementation. */
  protected arrived(datagram: Uint8Array): void {
    this.wireLog.arrived(datagram, this.now());
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async receive(timeoutMs: number): Promise<Uint8Array | undefined> {
    const deadline = performance.now() + timeoutMs;
    while (this.wireLog.waiting === 0) {
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waiter = undefined;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.wireLog.next();
  }

  arrivedAt(): number {
    return this.wireLog.arrivedAt();
  }

  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, ms));
  }

  annotate(note: string): void {
    this.wireLog.annotate(note);
  }
}

/**
 * A UDP socket on 127.0.0.1. `connect(port)` reaches a server under test; `listen()` waits for a
 * client under test, whose first datagram fixes the address it talks to (datagrams from any other
 * address are ignored).
 */
export class UdpWire extends RealTimeWire {
  private remote: { address: string; port: number } | undefined;
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly localPort: number,
  ) {
    super();
    socket.on('message', (msg, rinfo) => {
      if (this.remote === undefined) this.remote = { address: rinfo.address, port: rinfo.port };
      else if (rinfo.port !== this.remote.port || rinfo.address !== this.remote.address) return;
      this.arrived(new Uint8Array(msg));
    });
    // ICMP port unreachable surfaces as an error on a connected-style socket: the peer is gone,
    // which the conversation sees as silence.
    socket.on('error', () => {});
  }

  private static async openSocket(host: string): Promise<UdpWire> {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpWire(socket, socket.address().port);
  }

  /** A wire to a server under test listening on `host:port`. */
  static async connect(port: number, host = '127.0.0.1'): Promise<UdpWire> {
    const w = await UdpWire.openSocket(host);
    w.remote = { address: host, port };
    return w;
  }

  /** A wire that a client under test will send to, on `localPort`. */
  static listen(host = '127.0.0.1'): Promise<UdpWire> {
    return UdpWire.openSocket(host);
  }

  protected override transmit(datagram: Uint8Array): void {
    if (this.closed || this.remote === undefined) return;
    this.socket.send(datagram, this.remote.port, this.remote.address);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
