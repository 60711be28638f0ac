/**
 * GDtlsConnection: the Gio-shaped API as a thin driver over the sans-IO engine. It pumps datagrams
 * between its base DatagramBased and the engine, arms one timer on a Clock for the engine's next
 * deadline, and turns engine events into resolved or rejected promises, property notifications
 * and the accept-certificate signal. It is itself a DatagramBased of application datagrams.
 *
 * GIO's blocking, _async and _finish forms are one Promise-returning method here; a Cancellable is
 * an AbortSignal.
 */
import { type EngineEvent, Endpoint } from '../engine.ts';
import type { DtlsError } from '../errors.ts';
import type { EndpointConfig, PeerVerdict } from '../handshake/dtls12/config.ts';
import { CipherSuite, AlertDescription } from '../wire/enums.ts';
import { type Clock, type DatagramBased, type InputMessage, type IoOptions, type OutputMessage, systemClock } from './datagram-based.ts';
import { IOCondition, TlsCertificateFlags, TlsChannelBindingType, TlsProtocolVersion, type TlsChannelBindingTypeValue, type TlsProtocolVersionValue } from './enums.ts';
import { GioError, IOErrorEnum, TlsChannelBindingErrorEnum, TlsErrorEnum, channelBindingError, fromDtlsError, ioError, tlsError } from './errors.ts';
import { DtlsConnectionSettings } from './connection-settings.ts';
import { TlsCertificate } from './tls-certificate.ts';
import { TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT, TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER } from './tls-database.ts';
import { Waiters } from './waiters.ts';

export type { DtlsConnectionSignals } from './connection-settings.ts';

/** What a subclass tells the base about its side. */
export interface SideOptions {
  readonly role: 'client' | 'server';
  readonly baseSocket: DatagramBased;
  readonly clock?: Clock;
  /** Extra engine settings (suites, groups, timers, MTU, key log...). */
  readonly engine?: Partial<EndpointConfig>;
}

const RECEIVE_BATCH = 16;

export abstract class DtlsConnection extends DtlsConnectionSettings implements DatagramBased {
  readonly baseSocket: DatagramBased;
  protected readonly clock: Clock;
  private readonly role: 'client' | 'server';
  private readonly engineOptions: Partial<EndpointConfig>;
  private endpoint: Endpoint | undefined;
  private handshakePromise: Promise<void> | undefined;
  private readonly waiters = new Waiters();
  private readonly incoming: Uint8Array[] = [];
  private cancelTimer: (() => void) | undefined;
  private pumpAbort: AbortController | undefined;
  private failure: GioError | undefined;
  private closed = false;
  private readClosed = false;
  private writeClosed = false;
  private peerClosed = false;
  private baseGone = false;
  /** Settles when every datagram handed to the base socket so far has been sent (or failed). */
  private sending: Promise<void> = Promise.resolve();
  /** The base socket's first send failure (closed under us...): later sends report it. */
  private sendFailure: GioError | undefined;

  private peerCertificateValue: TlsCertificate | undefined;
  private peerCertificateErrorsValue = 0;
  private pendingPeer: { certificate: TlsCertificate; errors: number } | undefined;

  protected constructor(options: SideOptions) {
    super();
    this.baseSocket = options.baseSocket;
    this.clock = options.clock ?? systemClock;
    this.role = options.role;
    this.engineOptions = options.engine ?? {};
  }

  // ---- read-only properties (the settable ones are in connection-settings.ts)

  get negotiatedProtocol(): string | null {
    return this.usable()?.negotiated?.alpn ?? null;
  }
  getNegotiatedProtocol(): string | null {
    return this.negotiatedProtocol;
  }

  get peerCertificate(): TlsCertificate | undefined {
    return this.peerCertificateValue;
  }
  getPeerCertificate(): TlsCertificate | undefined {
    return this.peerCertificate;
  }

  get peerCertificateErrors(): number {
    return this.peerCertificateErrorsValue;
  }
  getPeerCertificateErrors(): number {
    return this.peerCertificateErrors;
  }

  /** IANA name; null before the handshake and after close. */
  get ciphersuiteName(): string | null {
    const suite = this.usable()?.negotiated?.cipherSuite;
    return suite === undefined ? null : CipherSuite.nameOf(suite);
  }
  getCiphersuiteName(): string | null {
    return this.ciphersuiteName;
  }

  /** UNKNOWN before the handshake and after close. */
  get protocolVersion(): TlsProtocolVersionValue {
    return this.usable()?.negotiated === undefined ? TlsProtocolVersion.UNKNOWN : TlsProtocolVersion.DTLS_1_2;
  }
  getProtocolVersion(): TlsProtocolVersionValue {
    return this.protocolVersion;
  }

  private usable(): Endpoint | undefined {
    return this.closed ? undefined : this.endpoint;
  }

  /**
   * g_dtls_connection_get_channel_binding_data. With `checkOnly`, only whether the data can be had
   * (returns an empty array). Errors, in GIO's G_TLS_CHANNEL_BINDING_ERROR domain: INVALID_STATE
   * before the handshake or after close, NOT_IMPLEMENTED for a type we do not know, NOT_AVAILABLE
   * when the type does not apply (tls-exporter without EMS).
   */
  getChannelBindingData(type: TlsChannelBindingTypeValue, checkOnly = false): Uint8Array {
    const e = this.usable();
    if (e === undefined || e.negotiated === undefined) throw channelBindingError(TlsChannelBindingErrorEnum.INVALID_STATE, 'the handshake is not finished: no channel binding data yet');
    const name = type === TlsChannelBindingType.UNIQUE ? 'tls-unique' : type === TlsChannelBindingType.SERVER_END_POINT ? 'tls-server-end-point' : type === TlsChannelBindingType.EXPORTER ? 'tls-exporter' : undefined;
    if (name === undefined) throw channelBindingError(TlsChannelBindingErrorEnum.NOT_IMPLEMENTED, `unknown channel binding type ${type}`);
    const data = e.channelBinding(name);
    if (data === undefined) throw channelBindingError(TlsChannelBindingErrorEnum.NOT_AVAILABLE, `${name} is not available on this connection`);
    return checkOnly ? new Uint8Array(0) : data;
  }

  /** g_dtls_connection_emit_accept_certificate: the first handler that returns true accepts. */
  emitAcceptCertificate(peerCert: TlsCertificate, errors: number): boolean {
    for (const fn of this.handlersOf('accept-certificate')) if (fn(peerCert, errors)) return true;
    return false;
  }

  // ---- the handshake

  /** What the subclass adds to the engine's configuration (certificate, identity, client auth). */
  protected abstract sideConfig(): Partial<EndpointConfig>;
  /** The identity the peer's certificate must match (client: the server identity). */
  protected abstract peerIdentity(): string | undefined;
  /** Whether accept-certificate is emitted for these verification errors. */
  protected abstract emitsAcceptCertificate(errors: number): boolean;

  /** g_dtls_connection_handshake: the first call runs it; later calls resolve at once (seed: handshake once). */
  handshake(options: IoOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(ioError(IOErrorEnum.CLOSED, 'the DTLS connection is closed'));
    // Once established there is nothing to do, and nothing a signal could cancel.
    if (this.endpoint?.status === 'established') return Promise.resolve();
    this.handshakePromise ??= this.runHandshake();
    return this.withSignal(this.handshakePromise, options.signal, () => this.abortHandshake());
  }

  private runHandshake(): Promise<void> {
    let endpoint: Endpoint;
    try {
      const config: EndpointConfig = {
        role: this.role,
        ...this.engineOptions,
        ...(this.advertisedProtocolsValue === null ? {} : { alpn: this.advertisedProtocolsValue }),
        ...this.sideConfig(),
        verifyPeer: (chain) => this.verifyPeer(chain),
      };
      endpoint = new Endpoint(config);
    } catch (e) {
      const error = e instanceof GioError ? e : tlsError(TlsErrorEnum.MISC, e instanceof Error ? e.message : String(e), e);
      return Promise.reject(this.setFailure(error));
    }
    this.endpoint = endpoint;
    const done = this.waiters.until(() => {
      if (this.failure !== undefined) throw this.failure;
      return endpoint.status === 'established' || endpoint.status === 'closed';
    });
    this.startPump();
    if (this.role === 'client') endpoint.connect(this.clock.now());
    this.flush();
    return done;
  }

  private abortHandshake(): void {
    if (this.endpoint !== undefined && this.endpoint.status !== 'handshaking') return;
    this.setFailure(ioError(IOErrorEnum.CANCELLED, 'the handshake was cancelled'));
    this.stopPump();
    this.waiters.wake();
  }

  /** The engine's certificate hook: database verification, then accept-certificate. */
  private verifyPeer(chain: readonly Uint8Array[]): PeerVerdict {
    let certificate: TlsCertificate;
    try {
      certificate = TlsCertificate.newFromDerChain(chain);
    } catch (e) {
      return { ok: false, alert: AlertDescription.bad_certificate, reason: `the peer's certificate does not parse: ${e instanceof Error ? e.message : String(e)}` };
    }
    const errors = this.verifyChain(certificate);
    this.pendingPeer = { certificate, errors };
    // A client emits only for errors its validation flags count; the others leave it acceptable.
    const accepted = this.emitsAcceptCertificate(errors) ? this.emitAcceptCertificate(certificate, errors) : true;
    if (accepted) return { ok: true };
    return { ok: false, alert: AlertDescription.bad_certificate, reason: `the peer's certificate was not accepted (flags ${errors})` };
  }

  /**
   * As glib-networking's verify_peer_certificate: with no database, UNKNOWN_CA plus what the
   * certificate's own check finds (identity, validity); with one, its verifyChain, and
   * GENERIC_ERROR if that fails outright.
   */
  private verifyChain(certificate: TlsCertificate): number {
    const db = this.databaseValue;
    const identity = this.peerIdentity();
    if (db === null) return TlsCertificateFlags.UNKNOWN_CA | certificate.verify(identity, undefined);
    const purpose = this.role === 'client' ? TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER : TLS_DATABASE_PURPOSE_AUTHENTICATE_CLIENT;
    try {
      return db.verifyChainSync(certificate, purpose, identity, this.interactionValue);
    } catch {
      return TlsCertificateFlags.GENERIC_ERROR;
    }
  }

  // ---- the pump: base socket -> engine -> base socket, one timer

  private startPump(): void {
    const abort = new AbortController();
    this.pumpAbort = abort;
    void this.pump(abort.signal);
  }

  private stopPump(): void {
    this.pumpAbort?.abort();
    this.pumpAbort = undefined;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private async pump(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let messages: InputMessage[];
      try {
        messages = await this.baseSocket.receiveMessages(RECEIVE_BATCH, { signal });
      } catch (e) {
        if (signal.aborted) return;
        this.baseFailed(e);
        return;
      }
      if (messages.length === 0) {
        // The base socket reached its end (its peer closed): no more datagrams will come.
        this.baseFailed(ioError(IOErrorEnum.BROKEN_PIPE, 'the base socket was closed by its peer'));
        return;
      }
      for (const m of messages) this.endpoint?.receive(m.data, this.clock.now());
      this.flush();
    }
  }

  /** The base socket went away (closed, or an error): the peer is gone without close_notify. */
  private baseFailed(e: unknown): void {
    this.baseGone = true;
    if (this.endpoint?.status === 'handshaking') {
      this.setFailure(e instanceof GioError ? e : ioError(IOErrorEnum.FAILED, String(e)));
      this.stopPump(); // the handshake is over: no retransmissions into a dead socket
    }
    this.waiters.wake();
  }

  /** Sends what the engine queued, takes its events, re-arms the timer. */
  protected flush(): void {
    const e = this.endpoint;
    if (e === undefined) return;
    const out: OutputMessage[] = [];
    for (let d = e.pollTransmit(); d !== undefined; d = e.pollTransmit()) out.push({ vectors: [d] });
    if (out.length > 0) {
      const sent = this.baseSocket.sendMessages(out).then(
        () => {},
        (err: unknown) => {
          this.sendFailure ??= err instanceof GioError ? err : ioError(IOErrorEnum.FAILED, String(err), err);
          this.baseFailed(err);
        },
      );
      this.sending = Promise.all([this.sending, sent]).then(() => {});
    }
    for (let ev = e.pollEvent(); ev !== undefined; ev = e.pollEvent()) this.event(ev);
    this.cancelTimer?.();
    const at = this.failure === undefined && !this.closed ? e.nextTimeout() : undefined;
    this.cancelTimer = at === undefined ? undefined : this.clock.setTimer(at, () => {
      e.handleTimeout(this.clock.now());
      this.flush();
    });
    this.waiters.wake();
  }

  private event(ev: EngineEvent): void {
    switch (ev.kind) {
      case 'handshake-complete':
        this.publishPeerCertificate();
        this.notify('ciphersuite-name');
        this.notify('protocol-version');
        if (ev.negotiated.alpn !== undefined) this.notify('negotiated-protocol');
        return;
      case 'data':
        if (!this.readClosed) this.incoming.push(ev.data);
        return;
      case 'peer-closed':
        this.peerClosed = true;
        return;
      case 'error':
        this.setFailure(this.mapError(ev.error));
        this.publishPeerCertificate(); // seed: set once the handshake "has completed or failed"
        return;
      case 'certificate-requested':
        this.onCertificateRequest(ev.acceptedCas, ev.sentCertificate);
        return;
      case 'alert':
        return;
    }
  }

  /** The peer certificate and its errors, kept back during accept-certificate, become visible now. */
  private publishPeerCertificate(): void {
    const peer = this.pendingPeer;
    if (peer === undefined) return;
    this.pendingPeer = undefined;
    this.peerCertificateValue = peer.certificate;
    this.peerCertificateErrorsValue = peer.errors;
    this.notify('peer-certificate');
    this.notify('peer-certificate-errors');
  }

  /** A client hears of the server's CertificateRequest here. */
  protected onCertificateRequest(_acceptedCas: readonly Uint8Array[], _sentCertificate: boolean): void {}

  /** Engine failures in GIO's terms; a refused or missing client certificate is CERTIFICATE_REQUIRED. */
  protected mapError(error: DtlsError): GioError {
    return fromDtlsError(error, this.endpoint?.negotiated === undefined ? 'handshake' : 'io');
  }

  private setFailure(error: GioError): GioError {
    this.failure ??= error;
    return this.failure;
  }

  // ---- DatagramBased of application data

  private checkOpen(): void {
    if (this.closed) throw ioError(IOErrorEnum.CLOSED, 'the DTLS connection is closed');
  }

  /** Application datagrams; a client (or server) handshakes first if it has not (seed: implicit handshake). */
  async receiveMessages(count: number, options: IoOptions = {}): Promise<InputMessage[]> {
    this.checkOpen();
    if (this.readClosed) throw ioError(IOErrorEnum.CLOSED, 'the read side is shut down');
    await this.handshake(options);
    const ready = (): boolean => this.incoming.length > 0 || this.peerClosed || this.baseGone || this.failure !== undefined || this.closed;
    await this.withSignal(this.waiters.until(ready, this.deadline(options)), options.signal, () => {});
    this.checkOpen();
    if (this.incoming.length > 0) return this.incoming.splice(0, Math.max(1, count)).map((data) => ({ address: undefined, data }));
    if (this.failure !== undefined) throw this.failure;
    if (this.peerClosed) return [{ address: undefined, data: new Uint8Array(0) }];
    // The base went away without close_notify.
    if (this.requireCloseNotifyValue) throw tlsError(TlsErrorEnum.EOF, 'the peer closed without sending close_notify');
    return [{ address: undefined, data: new Uint8Array(0) }];
  }

  async sendMessages(messages: readonly OutputMessage[], options: IoOptions = {}): Promise<number> {
    this.checkOpen();
    if (this.writeClosed) throw ioError(IOErrorEnum.CLOSED, 'the write side is shut down');
    // Once established, the datagram reaches the engine at once, so a send made before close() goes before close_notify.
    if (this.endpoint?.status !== 'established') await this.handshake(options);
    this.checkOpen();
    if (this.writeClosed) throw ioError(IOErrorEnum.CLOSED, 'the write side is shut down');
    if (this.failure !== undefined) throw this.failure;
    const e = this.endpoint;
    if (e === undefined) throw ioError(IOErrorEnum.NOT_CONNECTED, 'no DTLS session');
    let sent = 0;
    for (const m of messages) {
      const data = concat(m.vectors);
      try {
        e.send(data);
      } catch (err) {
        if (sent > 0) break;
        throw ioError(IOErrorEnum.MESSAGE_TOO_LARGE, err instanceof Error ? err.message : String(err), err);
      }
      sent++;
    }
    this.flush();
    // As GIO's send does, report what the base socket made of it (G_IO_ERROR_CLOSED once it is closed).
    await this.sending;
    if (this.sendFailure !== undefined) throw this.sendFailure;
    return sent;
  }

  conditionCheck(condition: number): number {
    let ready = 0;
    if (this.closed) return condition & IOCondition.NVAL;
    if ((condition & IOCondition.IN) !== 0 && (this.incoming.length > 0 || this.peerClosed)) ready |= IOCondition.IN;
    if ((condition & IOCondition.OUT) !== 0 && this.endpoint?.status === 'established' && !this.writeClosed) ready |= IOCondition.OUT;
    if (this.baseGone || this.peerClosed) ready |= IOCondition.HUP & condition;
    if (this.failure !== undefined) ready |= IOCondition.ERR & condition;
    return ready;
  }

  async conditionWait(condition: number, options: IoOptions = {}): Promise<void> {
    this.checkOpen();
    await this.withSignal(this.waiters.until(() => this.conditionCheck(condition) !== 0, this.deadline(options)), options.signal, () => {});
  }

  // ---- closing

  /**
   * g_dtls_connection_shutdown; shutting the write side sends close_notify after the data still
   * waiting for the base socket, and completes once all of it has been sent (seed: close flushes).
   * Cancelled meanwhile, it leaves the connection half shut; calling it again finishes. The base
   * socket stays open.
   */
  async shutdown(read: boolean, write: boolean, options: IoOptions = {}): Promise<void> {
    if (this.closed) return;
    if (options.signal?.aborted === true) throw ioError(IOErrorEnum.CANCELLED, 'shutdown was cancelled');
    if (write && !this.writeClosed) {
      this.writeClosed = true;
      if (this.endpoint !== undefined && this.endpoint.status === 'established') this.endpoint.shutdown(false, true);
      this.flush();
    }
    if (write) await this.withSignal(this.sending, options.signal, () => {});
    if (this.closed) return;
    if (read) this.readClosed = true;
    if (this.readClosed && this.writeClosed) {
      this.closed = true;
      // A handshake still running ends here: whoever waits for it hears CLOSED.
      if (this.endpoint?.status === 'handshaking') this.setFailure(ioError(IOErrorEnum.CLOSED, 'the DTLS connection was closed during the handshake'));
      this.stopPump();
      this.notify('ciphersuite-name');
      this.notify('protocol-version');
      this.waiters.wake();
    }
  }

  /** g_dtls_connection_close: both directions; closing twice is not an error. */
  close(options: IoOptions = {}): Promise<void> {
    return this.shutdown(true, true, options);
  }

  /** Releasing the connection (`await using`) closes it, as dropping GIO's last reference does. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- helpers

  private deadline(options: IoOptions): { clock: Clock; at: number; error: () => GioError } | undefined {
    const t = options.timeoutMs;
    if (t === undefined || t < 0) return undefined;
    if (t === 0) return { clock: this.clock, at: this.clock.now(), error: () => ioError(IOErrorEnum.WOULD_BLOCK, 'the operation would block') };
    return { clock: this.clock, at: this.clock.now() + t, error: () => ioError(IOErrorEnum.TIMED_OUT, `timed out after ${t} ms`) };
  }

  private withSignal<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
    if (signal === undefined) return p;
    if (signal.aborted) {
      onAbort();
      p.catch(() => {}); // its failure is reported to whoever else awaits it, not as unhandled
      return Promise.reject(ioError(IOErrorEnum.CANCELLED, 'the operation was cancelled'));
    }
    return new Promise<T>((resolve, reject) => {
      const abort = (): void => {
        onAbort();
        reject(ioError(IOErrorEnum.CANCELLED, 'the operation was cancelled'));
      };
      signal.addEventListener('abort', abort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
    });
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
