/**
 * node-dtls-client (npm, 2.0.3) as an implementation under test: a PSK client, in-process, on real
 * time. It opens its own UDP socket and is pointed at a `UdpWire.listen()` port on 127.0.0.1.
 *
 * What it really does (2.0.3):
 * - suites: plain PSK only. By default it offers 008b, 008c, 008d, 00ae, 00af (CBC) and 00a8,
 *   00a9 (GCM), c0a4, c0a5 (CCM), c0a8, c0a9 (CCM_8). The harness runs AEAD suites only, so this
 *   adapter offers the six AEAD ones (or those of them the probe asks for).
 * - its ClientHello has no extensions at all: no extended_master_secret (a server requiring RFC
 *   7627 refuses it), no renegotiation_info; it ignores ServerHello extensions and the
 *   psk_identity_hint. It answers a HelloVerifyRequest.
 * - it never retransmits a flight; a handshake not done within `timeout` (here HANDSHAKE_TIMEOUT_MS)
 *   fails with "The DTLS handshake timed out".
 * - the PSK is `psk: {identity: key}`, the key a string or a Buffer. A string is encoded as
 *   *ascii* (not UTF-8), so the harness's hex key goes in as the bytes it stands for (a Buffer);
 *   the identity is encoded as ascii too, so it must be ASCII (checked here).
 * - it binds its socket to the wildcard address (it has no option for a bind address) and accepts
 *   datagrams from any source; it sends only to 127.0.0.1.
 * - once it has received a close_notify it answers with its own and closes the socket.
 *
 * Its UDP 'message' handler has no try/catch: an exception on a malformed handshake message would
 * be an uncaught exception in this process. The adapter wraps that handler, so such an exception is
 * recorded as `exit()` = `{code: null, signal: 'exception: <message>'}` (a finding). Its error event
 * is `{code: 1, signal: 'error: <message>'}`, closing on its own `{code: 0, signal: 'closed: ...'}`.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { dtls as NdcNamespace } from 'node-dtls-client';
import { UdpWire } from './real-wire.ts';
import { type Exit, type Implementation, type ImplementationDescription, type IutSession, type SessionRequest, IutError } from './types.ts';
import { ReceivedData } from './werift.ts';

type NdcSocket = NdcNamespace.Socket;
type NdcOptions = NdcNamespace.Options;
type NdcCipherName = NonNullable<NdcOptions['ciphers']>[number];

/** The AEAD PSK suites node-dtls-client offers, in its order of preference. */
const AEAD_SUITES = [
  [0x00a8, 'TLS_PSK_WITH_AES_128_GCM_SHA256'],
  [0x00a9, 'TLS_PSK_WITH_AES_256_GCM_SHA384'],
  [0xc0a4, 'TLS_PSK_WITH_AES_128_CCM'],
  [0xc0a5, 'TLS_PSK_WITH_AES_256_CCM'],
  [0xc0a8, 'TLS_PSK_WITH_AES_128_CCM_8'],
  [0xc0a9, 'TLS_PSK_WITH_AES_256_CCM_8'],
] as const satisfies readonly (readonly [number, NdcCipherName])[];

/** The line it sends once its handshake completes. */
export const NDC_CLIENT_LINE = 'hello from node-dtls-client\n';

/** How long it may take for the whole handshake (it does not retransmit). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** How long close() waits for its close_notify to go out and its socket to close. */
const CLOSE_WAIT_MS = 1000;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
const isTimeout = (v: unknown): v is NodeJS.Timeout => typeof v === 'object' && v !== null && 'hasRef' in v && 'refresh' in v;

async function loadNdc(): Promise<typeof NdcNamespace> {
  try {
    return (await import('node-dtls-client')).dtls;
  } catch (e) {
    throw new IutError(`node-dtls-client is not installed (npm install node-dtls-client): ${message(e)}`);
  }
}

const SEVERITY = { closed: 1, error: 2, exception: 3 } as const;
type Ending = keyof typeof SEVERITY;
const EXIT_CODE: Record<Ending, number | null> = { closed: 0, error: 1, exception: null };

class NdcSession implements IutSession {
  private readonly received = new ReceivedData();
  private readonly events: string[] = [];
  private ending: { readonly kind: Ending; readonly exit: Exit } | undefined;
  /** Its socket closed (on its own or after an error): nothing more to close but the UDP socket. */
  private done = false;
  private closing = false;

  constructor(
    readonly wire: UdpWire,
    private readonly socket: NdcSocket,
  ) {
    socket.on('connected', () => {
      this.note('handshake complete');
      try {
        socket.send(Buffer.from(NDC_CLIENT_LINE), (e) => {
          if (e) this.end('error', `sending its line: ${message(e)}`);
        });
      } catch (e) {
        this.end('error', `sending its line: ${message(e)}`);
      }
    });
    socket.on('message', (data: Buffer) => {
      this.note(`application data: ${data.length} bytes`);
      this.received.push(new Uint8Array(data));
    });
    socket.on('error', (e: Error) => {
      this.done = true;
      this.end('error', e.message);
    });
    socket.on('close', () => {
      this.done = true;
      if (!this.closing) this.end('closed', 'it closed its socket (close_notify received)');
    });
    this.guardMessageHandler();
  }

  readonly delivered = (data: Uint8Array, timeoutMs: number): Promise<boolean> => this.received.contains(data, timeoutMs);

  private udp(): dgram.Socket | undefined {
    const udp: unknown = Reflect.get(this.socket, 'udp');
    return udp instanceof dgram.Socket ? udp : undefined;
  }

  /** Wraps its UDP 'message' handler so that what it throws is recorded instead of crashing us. */
  private guardMessageHandler(): void {
    const udp = this.udp();
    if (udp === undefined) throw new IutError('node-dtls-client: no UDP socket found on dtls.Socket (not the 2.0.x this adapter knows)');
    const handlers = udp.listeners('message');
    udp.removeAllListeners('message');
    for (const handler of handlers) {
      udp.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
        try {
          Reflect.apply(handler, udp, [msg, rinfo]);
        } catch (e) {
          this.end('exception', message(e));
        }
      });
    }
  }

  private note(line: string): void {
    this.events.push(`${this.wire.now().toFixed(1)} ms: ${line}`);
  }

  private end(kind: Ending, what: string): void {
    this.note(`${kind}: ${what}`);
    if (this.closing || (this.ending !== undefined && SEVERITY[this.ending.kind] >= SEVERITY[kind])) return;
    this.ending = { kind, exit: { code: EXIT_CODE[kind], signal: `${kind}: ${what}` } };
  }

  exit(): Exit | undefined {
    return this.ending?.exit;
  }

  log(): string {
    return this.events.join('\n');
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.received.end();
    if (!this.done) {
      // Its close() sends close_notify, then closes the UDP socket, then emits 'close'.
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          this.socket.off('close', finish);
          resolve();
        };
        const timer = setTimeout(finish, CLOSE_WAIT_MS);
        this.socket.once('close', finish);
        try {
          this.socket.close();
        } catch (e) {
          this.note(`close threw: ${message(e)}`);
          finish();
        }
      });
    }
    // Whatever state it was in: its handshake timer and its UDP socket must not outlive the session.
    const timer: unknown = Reflect.get(this.socket, '_connectionTimeout');
    if (isTimeout(timer)) clearTimeout(timer);
    try {
      this.udp()?.close();
    } catch {
      // already closed
    }
    await this.wire.close();
  }
}

export const nodeDtlsClientDescription: ImplementationDescription = {
  name: 'node-dtls-client',
  roles: ['client'],
  features: ['psk', 'client-sends-data'],
  suites: { client: AEAD_SUITES.map(([code]) => code) },
  clock: 'real',
};

/** The version in node-dtls-client's package.json (its exports map hides the file from require). */
function installedVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('node-dtls-client'));
  for (;;) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && Reflect.get(pkg, 'name') === 'node-dtls-client') {
        const version: unknown = Reflect.get(pkg, 'version');
        return typeof version === 'string' ? version : 'unknown version';
      }
    } catch {
      // no package.json here: look further up
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown version';
    dir = up;
  }
}

/** The suites to offer: the AEAD ones, limited to the probe's when it names some. */
function offeredSuites(request: SessionRequest): NdcCipherName[] {
  const wanted = request.suites;
  const chosen = AEAD_SUITES.filter(([code]) => wanted === undefined || wanted.includes(code));
  if (chosen.length === 0) {
    throw new IutError(`node-dtls-client (as run here) offers ${AEAD_SUITES.map(([c]) => hex4(c)).join(', ')}; the probe asks for ${(wanted ?? []).map(hex4).join(', ')}`);
  }
  return chosen.map(([, name]) => name);
}

/** The PSK as node-dtls-client takes it: {identity: key bytes}. */
function pskTable(request: SessionRequest): Record<string, Buffer> {
  const psk = request.psk;
  if (psk === undefined) throw new IutError('node-dtls-client runs PSK suites only: the probe gives no PSK');
  // It writes the identity with Buffer.from(identity, 'ascii'): beyond ASCII that is not UTF-8.
  if (psk.identity.length === 0 || !/^[\x20-\x7e]*$/.test(psk.identity)) {
    throw new IutError(`node-dtls-client encodes the PSK identity as ASCII: "${psk.identity}" must be printable ASCII`);
  }
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(psk.keyHex)) throw new IutError(`the PSK key must be hex bytes, got "${psk.keyHex}"`);
  return { [psk.identity]: Buffer.from(psk.keyHex, 'hex') };
}

export const nodeDtlsClient: Implementation = {
  description: nodeDtlsClientDescription,

  async version(): Promise<string> {
    try {
      return `node-dtls-client ${installedVersion()}`;
    } catch (e) {
      throw new IutError(`node-dtls-client is not installed (npm install node-dtls-client): ${message(e)}`);
    }
  },

  async start(request: SessionRequest): Promise<IutSession> {
    if (request.role !== 'client') throw new IutError('node-dtls-client is a client only');
    if (request.alpn !== undefined && request.alpn.length > 0) throw new IutError('node-dtls-client does not implement ALPN');
    const psk = pskTable(request);
    const ciphers = offeredSuites(request);
    const ndc = await loadNdc();
    const wire = await UdpWire.listen('127.0.0.1');
    let socket: NdcSocket;
    try {
      socket = ndc.createSocket({ type: 'udp4', address: '127.0.0.1', port: wire.localPort, psk, ciphers, timeout: HANDSHAKE_TIMEOUT_MS });
    } catch (e) {
      await wire.close();
      throw new IutError(`node-dtls-client refused its options: ${message(e)}`);
    }
    try {
      return new NdcSession(wire, socket);
    } catch (e) {
      socket.removeAllListeners();
      socket.on('error', () => {});
      const udp: unknown = Reflect.get(socket, 'udp');
      if (udp instanceof dgram.Socket) udp.close();
      await wire.close();
      throw e;
    }
  },
};
