/**
 * werift-dtls (npm, 0.5.8) as an implementation under test: in-process, on real time, both roles.
 *
 * werift takes a transport object (`{type, address, closed, onData, send, close}`); ours is joined
 * straight to a `RealTimeWire`, so a datagram the harness sends is handed to werift's `onData` at
 * once, and whatever werift sends arrives on the wire. What werift really does (0.5.8):
 * - suites: only TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (c02b) and TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
 *   (c02f). The client offers both; the server picks the one its key signs for (P-256 -> c02b, RSA ->
 *   c02f) and fails when the ClientHello lacks it. Groups x25519 and secp256r1, the client's first.
 * - the server signs with {sha256, ecdsa|rsa} only and sends the leaf alone (the first certificate
 *   of the PEM, no chain); its key must be PKCS#8 or PKCS#1 PEM (@fidm/x509 refuses SEC1 "EC PRIVATE
 *   KEY"), so the key file is re-encoded as PKCS#8 with node:crypto whatever form it is in.
 * - the server always answers a cookie-less ClientHello with a HelloVerifyRequest (one random
 *   20-byte cookie per server instance, not bound to the client) and ignores a wrong cookie.
 * - extended_master_secret is switched on here (`extendedMasterSecret: true`): the client offers it;
 *   the server puts it in its ServerHello whether the client offered it or not, and uses the
 *   extended master secret only when both did.
 * - it retransmits a flight on a timer (0.5 s, then 1, 1.5, 2 s ... apart, 10 times) and when the
 *   peer's previous flight comes again, but byte for byte, under the record sequence numbers of the
 *   first transmission: a peer that checks for replays (the harness does) drops every copy.
 * - it sends no alert at all: `close()` sends no close_notify. A warning alert (close_notify)
 *   raises its close event and nothing more (the keys stay, later data is still delivered); a
 *   fatal alert is thrown and caught inside its record handler, with no event.
 * - it raises its connect event again for each Finished that comes again; the client application
 *   here sends its line on the first only.
 *
 * How a session ends on its own, in `exit()` (an in-process library cannot crash the process, so
 * `signal` carries the description): an exception werift throws out of its `onData` on our input
 * (a datagram shorter than a record header, a record a byte shorter than its length field says) is
 * `{code: null, signal: 'exception: <message>'}`, a finding: on a real UDP socket it would escape the
 * socket's message handler and end the process; werift's error event (a handshake failure,
 * retransmissions used up) is `{code: 1, signal: 'error: <message>'}`; its close event (a warning
 * alert arrived) is `{code: 0, signal: 'closed: alert received'}`. The most severe one is kept.
 *
 * werift's retransmission and polling waits are `timers/promises` timers it gives no way to cancel;
 * every call into werift runs inside an AsyncLocalStorage context, an async hook notes each Timeout
 * created in that context, and `close()` clears them, so a closed session keeps nothing alive.
 */
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RealTimeWire } from './real-wire.ts';
import {
  type Exit,
  type Implementation,
  type ImplementationDescription,
  type IutRole,
  type IutSession,
  type KeyType,
  type SessionRequest,
  IutError,
} from './types.ts';

const require = createRequire(import.meta.url);

/** The package's `main` (lib/index.js) is missing from the published package: the real entry point. */
const ENTRY = 'werift-dtls/lib/dtls/src/index.js';

export const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b;
export const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f;

/** The line a werift client sends once its handshake completes. */
export const WERIFT_CLIENT_LINE = 'hello from werift-dtls\n';

// ---- the part of werift-dtls used here (its own typings say `any` in places) ----

type WeriftAddress = [string, number];

interface WeriftTransport {
  readonly type: string;
  readonly address: { readonly address: string; readonly family: string; readonly port: number };
  closed: boolean;
  onData: (data: Buffer, from: WeriftAddress) => void;
  send(data: Buffer, to?: WeriftAddress): Promise<void>;
  close(): Promise<void>;
}

interface WeriftEvent<A extends unknown[]> {
  subscribe(handler: (...args: A) => void): unknown;
}

interface WeriftSocket {
  readonly onConnect: WeriftEvent<unknown[]>;
  readonly onData: WeriftEvent<[Buffer]>;
  readonly onError: WeriftEvent<[unknown]>;
  readonly onClose: WeriftEvent<unknown[]>;
  readonly cipher: { readonly cipherSuite?: number; readonly namedCurve?: number };
  send(data: Buffer): Promise<void>;
  close(): void;
}

interface WeriftClient extends WeriftSocket {
  connect(): Promise<void>;
}

interface WeriftOptions {
  readonly transport: WeriftTransport;
  readonly cert?: string;
  readonly key?: string;
  /** TLS 1.2 SignatureAndHashAlgorithm: hash 4 = sha256; signature 3 = ecdsa, 1 = rsa. */
  readonly signatureHash?: { readonly hash: number; readonly signature: number };
  readonly extendedMasterSecret?: boolean;
}

interface WeriftModule {
  readonly DtlsServer: new (options: WeriftOptions) => WeriftSocket;
  readonly DtlsClient: new (options: WeriftOptions) => WeriftClient;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function loadWerift(): WeriftModule {
  let mod: unknown;
  try {
    mod = require(ENTRY);
  } catch (e) {
    throw new IutError(`werift-dtls is not installed (npm install werift-dtls): ${message(e)}`);
  }
  const ok = typeof mod === 'object' && mod !== null && typeof Reflect.get(mod, 'DtlsServer') === 'function' && typeof Reflect.get(mod, 'DtlsClient') === 'function';
  if (!ok) throw new IutError(`${ENTRY} does not export DtlsServer and DtlsClient: not the werift-dtls this adapter knows (0.5.x)`);
  return mod as WeriftModule;
}

// ---- timers werift starts, per session ----

/** The Timeouts one session's werift started (by async id). */
type TimerSet = Map<number, NodeJS.Timeout>;

const running = new AsyncLocalStorage<TimerSet>();
const timerOwners = new Map<number, TimerSet>();
const isTimeout = (r: unknown): r is NodeJS.Timeout => typeof r === 'object' && r !== null && 'hasRef' in r && 'refresh' in r;
const timerHook = createHook({
  init(asyncId, type, _triggerAsyncId, resource) {
    if (type !== 'Timeout') return;
    const owner = running.getStore();
    if (owner === undefined || !isTimeout(resource)) return;
    owner.set(asyncId, resource);
    timerOwners.set(asyncId, owner);
  },
  destroy(asyncId) {
    timerOwners.get(asyncId)?.delete(asyncId);
    timerOwners.delete(asyncId);
  },
});
let openSessions = 0;

/** Clears every timer in `timers` and forgets them. */
function clearTimers(timers: TimerSet): void {
  for (const [id, t] of timers) {
    clearTimeout(t);
    timerOwners.delete(id);
  }
  timers.clear();
}

// ---- what the application received ----

/**
 * Application data an in-process implementation handed to its application, as one byte stream, and
 * waits for a piece of it to show up (`delivered()`); record boundaries do not matter.
 */
export class ReceivedData {
  private bytes = Buffer.alloc(0);
  private ended = false;
  private readonly waiters = new Set<() => void>();

  push(chunk: Uint8Array): void {
    this.bytes = Buffer.concat([this.bytes, chunk]);
    for (const w of [...this.waiters]) w();
  }

  /** No more data will come: waits end with false. */
  end(): void {
    this.ended = true;
    for (const w of [...this.waiters]) w();
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Whether `data` appears in what was received, within `timeoutMs`. */
  contains(data: Uint8Array, timeoutMs: number): Promise<boolean> {
    const needle = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const found = (): boolean => this.bytes.indexOf(needle) >= 0;
    if (found()) return Promise.resolve(true);
    if (this.ended || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (result: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(result);
      };
      const check = (): void => {
        if (found()) finish(true);
        else if (this.ended) finish(false);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(check);
    });
  }
}

// ---- the session ----

/** The wire between the harness and werift: `transmit` feeds werift, `fromIut` records what it sent. */
class WeriftWire extends RealTimeWire {
  toIut: (datagram: Uint8Array) => void = () => {};

  protected override transmit(datagram: Uint8Array): void {
    this.toIut(datagram);
  }

  fromIut(datagram: Uint8Array): void {
    this.arrived(datagram);
  }
}

/** Where werift thinks its peer is (it does not care: one peer per transport). */
const PEER: WeriftAddress = ['127.0.0.1', 0];

const SEVERITY = { closed: 1, error: 2, exception: 3 } as const;
type Ending = keyof typeof SEVERITY;
const EXIT_CODE: Record<Ending, number | null> = { closed: 0, error: 1, exception: null };

class WeriftSession implements IutSession {
  readonly wire = new WeriftWire();
  readonly transport: WeriftTransport;
  private readonly received = new ReceivedData();
  private readonly timers: TimerSet = new Map();
  private readonly events: string[] = [];
  private ending: { readonly kind: Ending; readonly exit: Exit } | undefined;
  private socket: WeriftSocket | undefined;
  private closed = false;

  constructor(private readonly role: IutRole) {
    const transport: WeriftTransport = {
      type: 'dtlsprobe-wire',
      address: { address: PEER[0], family: 'IPv4', port: PEER[1] },
      closed: false,
      onData: () => {},
      send: (data: Buffer) => {
        if (!transport.closed && !this.closed) this.wire.fromIut(new Uint8Array(data));
        return Promise.resolve();
      },
      close: () => {
        transport.closed = true;
        return Promise.resolve();
      },
    };
    this.transport = transport;
    this.wire.toIut = (d) => this.toWerift(d);
    if (openSessions++ === 0) timerHook.enable();
  }

  readonly delivered = (data: Uint8Array, timeoutMs: number): Promise<boolean> => this.received.contains(data, timeoutMs);

  /** Runs `fn` (a call into werift) so that the timers it starts are this session's. */
  enter<T>(fn: () => T): T {
    return running.run(this.timers, fn);
  }

  note(line: string): void {
    this.events.push(`${this.wire.now().toFixed(1)} ms: ${line}`);
  }

  /** Records how the session ended on its own; a more severe ending replaces a milder one. */
  end(kind: Ending, what: string): void {
    this.note(`${kind}: ${what}`);
    if (this.closed || (this.ending !== undefined && SEVERITY[this.ending.kind] >= SEVERITY[kind])) return;
    this.ending = { kind, exit: { code: EXIT_CODE[kind], signal: `${kind}: ${what}` } };
  }

  /** Creates werift's socket (inside the session's context) and listens to its events. */
  attach<S extends WeriftSocket>(create: () => S): S {
    let socket: S;
    try {
      socket = this.enter(create);
    } catch (e) {
      this.release();
      throw new IutError(`werift-dtls refused its ${this.role} options: ${message(e)}`);
    }
    this.socket = socket;
    let connected = false;
    socket.onConnect.subscribe(() => {
      const { cipherSuite, namedCurve } = socket.cipher;
      this.note(`handshake complete: suite 0x${(cipherSuite ?? 0).toString(16).padStart(4, '0')}, group ${namedCurve ?? '?'}`);
      // werift raises its connect event again for every Finished that comes again (a retransmitted
      // final flight): the application sends its line once, on the first.
      if (this.role === 'client' && !connected) this.sendData(Buffer.from(WERIFT_CLIENT_LINE), 'its line');
      connected = true;
    });
    socket.onData.subscribe((data) => {
      this.note(`application data: ${data.length} bytes`);
      this.received.push(new Uint8Array(data));
      if (this.role === 'server') this.sendData(Buffer.from(data), 'the echo');
    });
    socket.onError.subscribe((e) => this.end('error', message(e)));
    socket.onClose.subscribe(() => this.end('closed', 'alert received'));
    return socket;
  }

  private sendData(data: Buffer, what: string): void {
    const socket = this.socket;
    if (socket === undefined || this.closed) return;
    try {
      this.enter(() => socket.send(data)).catch((e: unknown) => this.end('error', `sending ${what}: ${message(e)}`));
    } catch (e) {
      this.end('exception', `sending ${what}: ${message(e)}`);
    }
  }

  private toWerift(datagram: Uint8Array): void {
    if (this.closed || this.transport.closed) return;
    try {
      this.enter(() => this.transport.onData(Buffer.from(datagram), PEER));
    } catch (e) {
      this.end('exception', message(e));
    }
  }

  exit(): Exit | undefined {
    return this.ending?.exit;
  }

  log(): string {
    return this.events.join('\n');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    try {
      if (socket !== undefined) this.enter(() => socket.close());
    } catch (e) {
      this.note(`close threw: ${message(e)}`);
    }
    this.received.end();
    clearTimers(this.timers);
    // A continuation already queued when close() began may start one more wait: sweep again.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.release();
  }

  private release(): void {
    clearTimers(this.timers);
    if (--openSessions === 0) timerHook.disable();
  }
}

// ---- the implementation ----

/** The server key types werift can sign with, and the one suite each makes it choose. */
const SERVER_KEYS: Partial<Record<KeyType, { readonly signature: number; readonly suite: number; readonly matches: (type: string | undefined, curve: string | undefined) => boolean }>> = {
  p256: { signature: 3, suite: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, matches: (type, curve) => type === 'ec' && curve === 'prime256v1' },
  rsa: { signature: 1, suite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, matches: (type) => type === 'rsa' },
};

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** The certificate PEM and the key as PKCS#8 PEM for a werift server, and its signature algorithm. */
function serverCredentials(request: SessionRequest): { cert: string; key: string; signature: number } {
  const keyType = request.keyType ?? 'p256';
  const scheme = SERVER_KEYS[keyType];
  if (scheme === undefined) throw new IutError(`werift-dtls signs with a P-256 ECDSA or an RSA key only; it cannot serve a ${keyType} certificate`);
  if (request.suites !== undefined && !request.suites.includes(scheme.suite)) {
    throw new IutError(`werift-dtls with a ${keyType} key negotiates ${hex4(scheme.suite)} only; the probe asks for ${request.suites.map(hex4).join(', ')}`);
  }
  const files = request.files.leaf[keyType];
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(files.cert, 'utf8');
    const k = createPrivateKey(readFileSync(files.key, 'utf8'));
    if (!scheme.matches(k.asymmetricKeyType, k.asymmetricKeyDetails?.namedCurve)) {
      throw new Error(`the key is ${k.asymmetricKeyType ?? 'of an unknown type'} ${k.asymmetricKeyDetails?.namedCurve ?? ''}, not ${keyType}`);
    }
    key = String(k.export({ format: 'pem', type: 'pkcs8' }));
  } catch (e) {
    throw new IutError(`werift-dtls server: cannot use ${files.cert} / ${files.key}: ${message(e)}`);
  }
  return { cert, key, signature: scheme.signature };
}

const SUITES = [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] as const;

export const weriftDescription: ImplementationDescription = {
  name: 'werift',
  roles: ['server', 'client'],
  features: ['certificate', 'cookie', 'echo', 'client-sends-data', 'ems'],
  suites: { server: SUITES, client: SUITES },
  clock: 'real',
};

export const werift: Implementation = {
  description: weriftDescription,

  async version(): Promise<string> {
    let pkg: unknown;
    try {
      pkg = require('werift-dtls/package.json');
    } catch (e) {
      throw new IutError(`werift-dtls is not installed (npm install werift-dtls): ${message(e)}`);
    }
    const version = typeof pkg === 'object' && pkg !== null ? Reflect.get(pkg, 'version') : undefined;
    return `werift-dtls ${typeof version === 'string' ? version : 'unknown version'}`;
  },

  async start(request: SessionRequest): Promise<IutSession> {
    return startSession(request);
  },
};

function startSession(request: SessionRequest): IutSession {
  if (request.psk !== undefined) throw new IutError('werift-dtls has no PSK suites');
  if (request.alpn !== undefined && request.alpn.length > 0) throw new IutError('werift-dtls does not implement ALPN');
  const lib = loadWerift();
  if (request.role === 'server') {
    const { cert, key, signature } = serverCredentials(request);
    const session = new WeriftSession('server');
    session.attach(
      () => new lib.DtlsServer({ transport: session.transport, cert, key, signatureHash: { hash: 4, signature }, extendedMasterSecret: true }),
    );
    session.note(`server listening (signature ${signature === 3 ? 'ecdsa' : 'rsa'}/sha256)`);
    return session;
  }
  if (request.suites !== undefined && !request.suites.some((s) => (SUITES as readonly number[]).includes(s))) {
    throw new IutError(`werift-dtls offers ${SUITES.map(hex4).join(', ')} only; the probe asks for ${request.suites.map(hex4).join(', ')}`);
  }
  const session = new WeriftSession('client');
  const client = session.attach(() => new lib.DtlsClient({ transport: session.transport, extendedMasterSecret: true }));
  session.note('client connecting');
  try {
    // connect() settles when its flight's retransmission loop ends; a rejection means werift gave up.
    session.enter(() => client.connect()).catch((e: unknown) => session.end('error', message(e)));
  } catch (e) {
    session.end('exception', message(e));
  }
  return session;
}
