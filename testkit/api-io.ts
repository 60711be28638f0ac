/**
 * Helpers for the DtlsConnection lifecycle tests: a pair built like `apiPair` but with a wire log
 * (every datagram's DTLS record headers, as the memory pair's delivery hook sees them) and an
 * optional wrapper around the client's base socket, a base socket whose sends can be held back,
 * and an assertion on GIO error names.
 */
import type { ExecutionContext } from 'ava';
import { DtlsClientConnection, type DtlsClientOptions } from '../reference/api/client-connection.ts';
import type { DatagramBased, InputMessage, IoOptions, OutputMessage } from '../reference/api/datagram-based.ts';
import type { Clock } from '../reference/api/datagram-based.ts';
import { GioError } from '../reference/api/errors.ts';
import { DtlsServerConnection, type DtlsServerOptions } from '../reference/api/server-connection.ts';
import type { TlsFileDatabase } from '../reference/api/tls-database.ts';
import { seededRandom } from '../reference/crypto/random.ts';
import { type MemoryEndpoint, memoryPair } from '../reference/transport/memory.ts';
import { apiCredentials } from './api.ts';

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (m: InputMessage): string => new TextDecoder().decode(m.data);
export const message = (s: string): OutputMessage => ({ vectors: [bytes(s)] });

/** RFC 6347 §4.1 content types, as a record header carries them. */
export const RecordType = { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23 } as const;

/** One datagram on the wire: who sent it, and the content type and epoch of each record in it. */
export interface WireDatagram {
  readonly from: 'client' | 'server';
  readonly bytes: Uint8Array;
  readonly records: readonly { readonly type: number; readonly epoch: number }[];
}

/** The record headers of a DTLS datagram (13 bytes each: type, version, epoch, seq, length). */
export function recordHeaders(datagram: Uint8Array): { type: number; epoch: number }[] {
  const out: { type: number; epoch: number }[] = [];
  for (let at = 0; at + 13 <= datagram.length; ) {
    const length = (datagram[at + 11] << 8) | datagram[at + 12];
    out.push({ type: datagram[at], epoch: (datagram[at + 3] << 8) | datagram[at + 4] });
    at += 13 + length;
  }
  return out;
}

/** Asserts that `p` rejects with a GioError named `codeName` (`G_IO_ERROR_CLOSED`, `G_TLS_ERROR_EOF`). */
export async function rejectsWith(t: ExecutionContext, p: Promise<unknown>, codeName: string): Promise<GioError | undefined> {
  const e = await t.throwsAsync(p, { instanceOf: GioError });
  t.is(e?.codeName, codeName, e?.message);
  return e;
}

/** Whether `p` has settled after a few turns of the event loop. */
export async function hasSettled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

/**
 * A base socket whose sends can be held: while held, sendMessages accepts nothing and resolves
 * only at `release()`, when the held datagrams go out in order. Everything else is the inner socket's.
 */
export class HeldSendSocket implements DatagramBased {
  private held: { messages: readonly OutputMessage[]; resolve: (n: number) => void; reject: (e: unknown) => void }[] = [];
  private holding = false;
  /** Every OutputMessage passed to sendMessages, in order (to check what the connection asked for). */
  readonly sent: OutputMessage[] = [];

  constructor(readonly inner: DatagramBased) {}

  hold(): void {
    this.holding = true;
  }

  /** Stops holding and sends what was held. */
  release(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const h of held) this.inner.sendMessages(h.messages).then(h.resolve, h.reject);
  }

  get heldCount(): number {
    return this.held.length;
  }

  sendMessages(messages: readonly OutputMessage[], options?: IoOptions): Promise<number> {
    this.sent.push(...messages);
    if (!this.holding) return this.inner.sendMessages(messages, options);
    return new Promise<number>((resolve, reject) => this.held.push({ messages, resolve, reject }));
  }

  receiveMessages(count: number, options?: IoOptions): Promise<InputMessage[]> {
    return this.inner.receiveMessages(count, options);
  }

  conditionCheck(condition: number): number {
    return this.inner.conditionCheck(condition);
  }

  conditionWait(condition: number, options?: IoOptions): Promise<void> {
    return this.inner.conditionWait(condition, options);
  }
}

export interface WiredPair {
  readonly client: DtlsClientConnection;
  readonly server: DtlsServerConnection;
  readonly clientBase: MemoryEndpoint;
  readonly serverBase: MemoryEndpoint;
  /** What the client connection was given as its base socket (clientBase, or its wrapper). */
  readonly clientSocket: DatagramBased;
  readonly database: TlsFileDatabase;
  /** Every datagram that crossed the memory pair, in order. */
  readonly wire: WireDatagram[];
  /** Drops datagrams from now on while true (a peer that vanished, a cut link). */
  cut: { client: boolean; server: boolean };
}

export interface WiredPairOptions {
  readonly clock?: Clock;
  readonly client?: DtlsClientOptions;
  readonly server?: DtlsServerOptions;
  /** Whether to lose a datagram, given how many its sender sent before it. */
  readonly drop?: (datagram: WireDatagram, sentBefore: number) => boolean;
  /** Wraps the client's end of the memory pair before the client connection gets it. */
  readonly wrapClient?: (base: MemoryEndpoint) => DatagramBased;
}

/** Like `apiPair`, with a wire log, a switch to drop either side's datagrams, and a client wrapper. */
export async function wiredPair(options: WiredPairOptions = {}): Promise<WiredPair> {
  const { certificate, database } = await apiCredentials();
  const wire: WireDatagram[] = [];
  const cut = { client: false, server: false };
  const sentBy = { client: 0, server: 0 };
  const clientAddress = { address: 'memory-client', port: 1 };
  const [clientBase, serverBase] = memoryPair({
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    addresses: [clientAddress, { address: 'memory-server', port: 2 }],
    hook: (datagram, from, _to, deliver) => {
      const side = from.address === clientAddress.address ? 'client' : 'server';
      const entry: WireDatagram = { from: side, bytes: datagram.slice(), records: recordHeaders(datagram) };
      wire.push(entry);
      const lost = cut[side] || (options.drop?.(entry, sentBy[side]) ?? false);
      sentBy[side]++;
      if (!lost) deliver(datagram);
    },
  });
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const clientSocket = options.wrapClient?.(clientBase) ?? clientBase;
  const client = DtlsClientConnection.new(clientSocket, 'localhost', { ...clock, engine: { random: seededRandom('wired client') }, ...options.client });
  client.setDatabase(database);
  const server = DtlsServerConnection.new(serverBase, certificate, { ...clock, engine: { random: seededRandom('wired server') }, peerAddress: 'memory-client', ...options.server });
  return { client, server, clientBase, serverBase, clientSocket, database, wire, cut };
}

/** The content types of the records `from` sent, one entry per record, from wire index `since` on. */
export function typesSent(wire: readonly WireDatagram[], from: 'client' | 'server', since = 0): number[] {
  return wire.slice(since).filter((d) => d.from === from).flatMap((d) => d.records.map((r) => r.type));
}
