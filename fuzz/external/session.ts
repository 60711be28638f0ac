/**
 * One DTLS 1.2 conversation with a peer over UDP on 127.0.0.1, played by the reference `Endpoint`
 * (sans-IO) with every outgoing flight passing through a hook that may replace or drop datagrams.
 * The session records both directions, learns the session keys from the endpoint's key log and the
 * ServerHello on the wire (so it can seal forged records and open the peer's), and can send raw
 * datagrams of its own.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { Endpoint } from '../../reference/engine.ts';
import type { DtlsError } from '../../reference/errors.ts';
import type { EndpointConfig } from '../../reference/handshake/dtls12/config.ts';
import type { CipherState } from '../../reference/record/cipher-state.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { readHandshakeFragments } from '../../reference/wire/handshake-header.ts';
import { readClientHello, readServerHello } from '../../reference/wire/hello.ts';
import { decode } from '../../reference/wire/reader.ts';
import { type DtlsPlaintext, readDatagram, writeDatagram } from '../../reference/wire/records.ts';
import { type SessionKeys, keysFromKeyLog } from '../../testkit/forge.ts';

/** The flights of a DTLS 1.2 full handshake we send, by role (RFC 6347 §4.2.4), and data after it. */
export const CLIENT_FLIGHTS = ['ClientHello', 'ClientHello+cookie', 'ClientKeyExchange..Finished', 'application-data'] as const;
export const SERVER_FLIGHTS = ['HelloVerifyRequest', 'ServerHello..ServerHelloDone', 'ChangeCipherSpec+Finished', 'application-data'] as const;
export type Flight = (typeof CLIENT_FLIGHTS)[number] | (typeof SERVER_FLIGHTS)[number];

const MAX_SEQUENCE = 2 ** 48 - 1;

export interface Timed {
  /** ms since the session opened. */
  readonly at: number;
  readonly bytes: Uint8Array;
}

export type BurstHook = (burst: Uint8Array[], flight: Flight | undefined, session: Session) => Uint8Array[];

export interface SessionOptions {
  /** Our role. */
  readonly role: 'client' | 'server';
  /** The peer's port on 127.0.0.1 (client role). */
  readonly remotePort?: number;
  readonly config: Omit<EndpointConfig, 'role' | 'keyLog'>;
  readonly onBurst?: BurstHook;
}

function plaintextRecords(d: Uint8Array): DtlsPlaintext[] {
  try {
    return readDatagram(d).filter((r): r is DtlsPlaintext => r.format === 'plaintext');
  } catch {
    return [];
  }
}

/** Which of our flights a burst of datagrams from the endpoint is. */
export function classifyFlight(burst: readonly Uint8Array[]): Flight | undefined {
  for (const d of burst) {
    for (const r of plaintextRecords(d)) {
      if (r.type === ContentType.change_cipher_spec) return 'ChangeCipherSpec+Finished';
      if (r.type !== ContentType.handshake || r.epoch !== 0) continue;
      let fs;
      try {
        fs = decode(r.fragment, 'fragment', readHandshakeFragments);
      } catch {
        continue;
      }
      for (const f of fs) {
        switch (f.msgType) {
          case HandshakeType.client_hello: {
            try {
              return decode(f.body, 'ClientHello', readClientHello).cookie.length > 0 ? 'ClientHello+cookie' : 'ClientHello';
            } catch {
              return 'ClientHello';
            }
          }
          case HandshakeType.hello_verify_request:
            return 'HelloVerifyRequest';
          case HandshakeType.server_hello:
            return 'ServerHello..ServerHelloDone';
          case HandshakeType.client_key_exchange:
          case HandshakeType.certificate:
            return 'ClientKeyExchange..Finished';
          default:
            break;
        }
      }
    }
  }
  return undefined;
}

export class Session {
  readonly endpoint: Endpoint;
  readonly inbound: Timed[] = [];
  readonly outbound: Timed[] = [];
  readonly started = performance.now();
  keyLogLine: string | undefined;
  serverHello: { cipherSuite: number; random: Uint8Array } | undefined;
  complete = false;
  failure: DtlsError | undefined;
  /** Largest epoch-1 record sequence number we have sent (the endpoint's or ours). */
  maxSentEpoch1Seq = -1;
  private remote: { address: string; port: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private waiters: (() => void)[] = [];
  private cachedKeys: SessionKeys | undefined;
  private pendingSends = 0;
  private flushed: (() => void)[] = [];

  private constructor(
    private readonly socket: dgram.Socket,
    readonly localPort: number,
    private readonly options: SessionOptions,
  ) {
    this.endpoint = new Endpoint({ ...options.config, role: options.role, keyLog: (line) => (this.keyLogLine = line.trim()) });
    if (options.remotePort !== undefined) this.remote = { address: '127.0.0.1', port: options.remotePort };
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== '127.0.0.1') return;
      if (this.remote === undefined) this.remote = { address: rinfo.address, port: rinfo.port };
      else if (rinfo.port !== this.remote.port) return;
      this.onDatagram(new Uint8Array(msg));
    });
    socket.on('error', () => {});
  }

  static async open(options: SessionOptions): Promise<Session> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: '127.0.0.1', port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const s = new Session(socket, socket.address().port, options);
    if (options.role === 'client') {
      s.endpoint.connect(s.now());
      s.pump();
    }
    return s;
  }

  now(): number {
    return performance.now() - this.started;
  }

  /** Peer address learned (server role) or given (client role). */
  get peerPort(): number | undefined {
    return this.remote?.port;
  }

  private onDatagram(d: Uint8Array): void {
    if (this.closed) return;
    this.inbound.push({ at: this.now(), bytes: d });
    this.learn(d);
    this.endpoint.receive(d, this.now());
    this.pump();
  }

  /** Drains the endpoint's events and datagrams, and re-arms its timer. */
  private pump(): void {
    for (let e = this.endpoint.pollEvent(); e !== undefined; e = this.endpoint.pollEvent()) {
      if (e.kind === 'handshake-complete') this.complete = true;
      else if (e.kind === 'error') this.failure = e.error;
    }
    const burst: Uint8Array[] = [];
    for (let d = this.endpoint.pollTransmit(); d !== undefined; d = this.endpoint.pollTransmit()) burst.push(d);
    if (burst.length > 0) {
      const hook = this.options.onBurst;
      const out = hook === undefined ? burst : hook(burst, classifyFlight(burst), this);
      for (const d of out) this.sendRaw(d);
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.endpoint.nextTimeout();
    if (next !== undefined && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.closed) return;
        this.endpoint.handleTimeout(this.now());
        this.pump();
      }, Math.max(0, next - this.now()));
    }
    for (const w of this.waiters.slice()) w();
  }

  /** Sends bytes as they are (they are recorded as sent). */
  sendRaw(d: Uint8Array): void {
    if (this.closed || this.remote === undefined) return;
    this.learn(d, true);
    this.outbound.push({ at: this.now(), bytes: d });
    this.pendingSends++;
    this.socket.send(d, this.remote.port, this.remote.address, () => {
      this.pendingSends--;
      if (this.pendingSends === 0) for (const f of this.flushed.splice(0)) f();
    });
  }

  /** Learns the ServerHello (suite, server random) and our epoch-1 sequence numbers. */
  private learn(d: Uint8Array, ours = false): void {
    for (const r of plaintextRecords(d)) {
      if (ours && r.epoch === 1) this.maxSentEpoch1Seq = Math.max(this.maxSentEpoch1Seq, r.sequenceNumber);
      if (this.serverHello !== undefined || r.type !== ContentType.handshake || r.epoch !== 0) continue;
      try {
        for (const f of decode(r.fragment, 'fragment', readHandshakeFragments)) {
          if (f.msgType === HandshakeType.server_hello && f.fragmentOffset === 0 && f.body.length === f.length) {
            const sh = decode(f.body, 'ServerHello', readServerHello);
            this.serverHello = { cipherSuite: sh.cipherSuite, random: sh.random };
          }
        }
      } catch {
        // not ours to judge here
      }
    }
  }

  /** Both directions' epoch-1 protection, once the key log line and the ServerHello are known. */
  keys(): SessionKeys | undefined {
    if (this.cachedKeys !== undefined) return this.cachedKeys;
    if (this.keyLogLine === undefined || this.serverHello === undefined) return undefined;
    try {
      this.cachedKeys = keysFromKeyLog(this.keyLogLine, this.serverHello.cipherSuite, this.serverHello.random);
    } catch {
      return undefined;
    }
    return this.cachedKeys;
  }

  writeKeys(): CipherState | undefined {
    const k = this.keys();
    return k === undefined ? undefined : this.options.role === 'client' ? k.client : k.server;
  }

  readKeys(): CipherState | undefined {
    const k = this.keys();
    return k === undefined ? undefined : this.options.role === 'client' ? k.server : k.client;
  }

  /** A protected record of ours at epoch 1 with the next free sequence number. */
  sealNext(type: number, plaintext: Uint8Array): Uint8Array | undefined {
    const keys = this.writeKeys();
    // A mutated record of ours may have taken the last sequence number there is.
    if (keys === undefined || this.maxSentEpoch1Seq + 1 > MAX_SEQUENCE) return undefined;
    const header: DtlsPlaintext = { format: 'plaintext', type, version: 0xfefd, epoch: 1, sequenceNumber: this.maxSentEpoch1Seq + 1, fragment: new Uint8Array(0) };
    this.maxSentEpoch1Seq++;
    return writeDatagram([{ ...header, fragment: keys.seal(header, plaintext) }]);
  }

  /** The peer's records received from index `from` of `inbound` on, opened where they are protected. */
  peerRecords(from = 0): { epoch: number; type: number; content: Uint8Array | undefined }[] {
    const keys = this.readKeys();
    const out: { epoch: number; type: number; content: Uint8Array | undefined }[] = [];
    for (const d of this.inbound.slice(from)) {
      for (const r of plaintextRecords(d.bytes)) {
        if (r.epoch === 0) out.push({ epoch: 0, type: r.type, content: r.fragment });
        else {
          const opened = keys?.open(r, r.fragment);
          out.push({ epoch: r.epoch, type: r.type, content: opened !== undefined && opened.ok ? opened.content : undefined });
        }
      }
    }
    return out;
  }

  /** Resolves true as soon as `pred()` holds (checked on every datagram in or out), false after `ms`. */
  waitUntil(pred: () => boolean, ms: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean): void => {
        clearTimeout(t);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(v);
      };
      const check = (): void => {
        if (pred()) done(true);
      };
      const t = setTimeout(() => done(pred()), ms);
      this.waiters.push(check);
    });
  }

  /** Re-evaluates waiters (for conditions that change outside the session, such as peer output). */
  poke(): void {
    for (const w of this.waiters.slice()) w();
  }

  /**
   * A fatal alert so the peer drops the connection: at epoch 1 when the keys are known, and at epoch 0
   * when `plaintext` (only once the peer holds state for us: a stateless server waiting for a
   * ClientHello has no connection to drop, and some answer stray records there badly).
   */
  abort(plaintext: boolean, description: number = AlertDescription.handshake_failure): void {
    if (this.remote === undefined) return;
    const alert = Uint8Array.of(AlertLevel.fatal, description);
    if (plaintext) this.sendRaw(writeDatagram([{ format: 'plaintext', type: ContentType.alert, version: 0xfefd, epoch: 0, sequenceNumber: 1000, fragment: alert }]));
    const sealed = this.sealNext(ContentType.alert, alert);
    if (sealed !== undefined) this.sendRaw(sealed);
  }

  /** Whether the peer sent an alert (any epoch: the record type is in the clear in DTLS 1.2). */
  peerSentAlert(): boolean {
    return this.inbound.some((d) => plaintextRecords(d.bytes).some((r) => r.type === ContentType.alert));
  }

  /** Whether the peer sent a ServerHello (a server past its cookie exchange holds state for us). */
  peerSentServerHello(): boolean {
    return this.options.role === 'client' && this.serverHello !== undefined;
  }

  /** close_notify, sealed by us (the endpoint's own sequence numbers may already be taken by records we sealed). */
  closeNotify(): void {
    const sealed = this.sealNext(ContentType.alert, Uint8Array.of(AlertLevel.warning, AlertDescription.close_notify));
    if (sealed !== undefined) this.sendRaw(sealed);
  }

  /** Closes the socket once every datagram handed to it has gone out. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pendingSends > 0) await new Promise<void>((resolve) => this.flushed.push(resolve));
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const w of this.waiters.slice()) w();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
