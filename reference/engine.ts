/**
 * The sans-IO DTLS 1.2 endpoint (DESIGN.md): it does no I/O and reads no clock. It is fed
 * datagrams and time, and asked for datagrams to send, events, and its next deadline:
 *
 *   endpoint.receive(datagram, now)   endpoint.handleTimeout(now)   endpoint.nextTimeout()
 *   endpoint.pollTransmit()           endpoint.pollEvent()
 *   endpoint.send(data)               endpoint.close()              endpoint.shutdown(read, write)
 *
 * It composes the record layer, the reassembler, the RFC 6347 §4.2.4 flight timer and the
 * handshake states; each of those is its own module with its own tests.
 */
import { DtlsError, alertFor, toDtlsError } from './errors.ts';
import { type EndpointConfig, type ResolvedConfig, resolveConfig } from './handshake/dtls12/config.ts';
import { type FlightItem, type HandshakeAction, HandshakeContext, type Negotiated } from './handshake/dtls12/context.ts';
import { startClient } from './handshake/dtls12/client.ts';
import { type ChannelBindingType, channelBinding, exportKeyingMaterial } from './handshake/dtls12/exporter.ts';
import { startServer } from './handshake/dtls12/server.ts';
import { forgetSession } from './handshake/dtls12/resumption.ts';
import type { Session } from './handshake/dtls12/session.ts';
import { NewestRecord } from './handshake/dtls12/connection-id.ts';
import { type SrtpKeyingMaterial, srtpKeyingMaterial } from './handshake/dtls12/srtp.ts';
import type { HandshakeState } from './handshake/dtls12/state.ts';
import { FlightTimer } from './handshake/flight-timer.ts';
import { Reassembler } from './handshake/reassembly.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType } from './wire/enums.ts';
import { readAlert } from './wire/alert.ts';
import { DecodeError } from './wire/errors.ts';
import { type HandshakeFragment, isWholeMessage, readHandshakeFragments } from './wire/handshake-header.ts';
import { decode } from './wire/reader.ts';
import { RecordLayer, type RecordLayerStats } from './record/record-layer.ts';
import { CipherState, deriveKeys } from './record/cipher-state.ts';
import { transmitFlight, transmitRecords } from './engine-flights.ts';
import { StatelessHellos } from './engine-hello.ts';

export type EngineEvent =
  | { readonly kind: 'handshake-complete'; readonly negotiated: Negotiated }
  | { readonly kind: 'data'; readonly data: Uint8Array }
  /** A warning alert, or the peer's close_notify (then `closed` follows). */
  | { readonly kind: 'alert'; readonly from: 'peer' | 'us'; readonly level: number; readonly description: number }
  /** Client: the server sent a CertificateRequest. */
  | { readonly kind: 'certificate-requested'; readonly acceptedCas: readonly Uint8Array[]; readonly sentCertificate: boolean }
  /** The peer closed its sending side with close_notify. */
  | { readonly kind: 'peer-closed' }
  /** The connection failed: a fatal alert either way, or the retransmission budget ran out. */
  | { readonly kind: 'error'; readonly error: DtlsError };

export type EndpointStatus = 'handshaking' | 'established' | 'failed' | 'closed';

export interface EndpointStats {
  readonly records: RecordLayerStats;
  readonly reassembly: Reassembler['counters'];
  readonly retransmissions: number;
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
  /** Handshake fragments that did not parse (the record is dropped, §4.1.2.7). */
  readonly malformedHandshakeRecords: number;
  readonly earlyChangeCipherSpecs: number;
  /** Application records that arrived before the peer's Finished and were over the bound. */
  readonly earlyDataDropped: number;
  /** ClientHellos ignored because their record number or message_seq left no room for the handshake. */
  readonly unanswerableHellos: number;
}

/** Application records held while the peer's Finished is still on its way. */
export const MAX_EARLY_DATA_RECORDS = 16;

export class Endpoint {
  readonly config: ResolvedConfig;
  private readonly ctx: HandshakeContext;
  private readonly records = new RecordLayer();
  private reassembler: Reassembler;
  private readonly timer: FlightTimer<FlightItem>;
  private state: HandshakeState;
  private readKeys: CipherState | undefined;
  private readonly outbox: Uint8Array[] = [];
  private readonly events: EngineEvent[] = [];
  private statusValue: EndpointStatus = 'handshaking';
  private negotiatedValue: Negotiated | undefined;
  private readShut = false;
  private writeShut = false;
  private retransmissions = 0;
  private datagramsSent = 0;
  private datagramsReceived = 0;
  private malformedHandshakeRecords = 0;
  private earlyCcs = 0;
  private readonly earlyData: Uint8Array[] = [];
  private earlyDataDropped = 0;
  /** ClientHellos before the cookie checks out (a server's only state then). */
  private readonly hellos: StatelessHellos;
  /** Epoch-0 record numbers seen from the peer, and the one that last moved the handshake. */
  private readonly seenEpoch0 = new Set<number>();
  private progressSeq = -1;
  /**
   * The message_seq the peer's flight now on its way starts at (the next one we expected when we
   * sent our latest flight). Only a repeat of an earlier message, one of the flight before, says
   * the peer missed our flight (RFC 6347 §4.2.4); a repeat of a message of the flight we are still
   * reassembling says only that the peer's timer fired, and answering it with our flight again
   * would trade retransmissions with the peer for ever, each side re-arming the other's timer.
   */
  private peerFlightStart = 0;
  /**
   * The fragments of the peer's previous flight seen since we last answered a repeat of it. A
   * repeat spans as many datagrams as the flight does; answering each would send our flight that
   * many times, and a peer that counts the copies (OpenSSL gives up after 12) fails. A fragment
   * already in this set starts a new repeat; one not in it continues the repeat we answered. Kept
   * by message and offset only: a peer that refragments its repeat still starts each message at 0.
   */
  private answeredRepeat: Set<string> | undefined;
  private pendingCcsSeq: number | undefined;
  /** RFC 9146 §6: the newest authenticated protected record, and whether the last datagram moved it. */
  private readonly newest = new NewestRecord();
  private lastDatagramNewer = false;

  constructor(config: EndpointConfig) {
    this.config = resolveConfig(config);
    this.ctx = new HandshakeContext(this.config);
    this.reassembler = this.newReassembler(0);
    this.hellos = new StatelessHellos(this.config.maxHandshakeMessageLength);
    this.timer = new FlightTimer<FlightItem>({
      initialTimeoutMs: this.config.initialTimeoutMs,
      maxTimeoutMs: this.config.maxTimeoutMs,
      maxRetransmissions: this.config.maxRetransmissions,
      startIn: this.config.role === 'client' ? 'preparing' : 'waiting',
    });
    this.state = this.config.role === 'client' ? placeholderState : startServer();
  }

  /** A client sends its first flight. */
  connect(now: number): void {
    if (this.config.role !== 'client') throw DtlsError.internal('connect() is for clients; a server waits for a ClientHello');
    if (this.state !== placeholderState) return;
    this.ctx.now = now;
    this.state = startClient(this.ctx);
    this.runActions(now);
  }

  get status(): EndpointStatus {
    return this.statusValue;
  }

  /** What the handshake settled, once complete. */
  get negotiated(): Negotiated | undefined {
    return this.negotiatedValue;
  }

  /**
   * The session to resume on a later connection (config `resumeSession`, RFC 5246 §7.3), once the
   * handshake is complete; undefined before, after a fatal error, or when the server gave neither a
   * session ID nor a ticket.
   */
  session(): Session | undefined {
    const s = this.ctx.resumption.session;
    if (s === undefined || this.negotiatedValue === undefined || this.statusValue === 'failed') return undefined;
    return s.sessionId.length > 0 || s.ticket !== undefined ? s : undefined;
  }

  /** The name of the handshake state, for tests and reports. */
  get handshakeState(): string {
    return this.state.name;
  }

  nextTimeout(): number | undefined {
    return this.statusValue === 'failed' || this.statusValue === 'closed' ? undefined : this.timer.nextTimeout();
  }

  pollTransmit(): Uint8Array | undefined {
    return this.outbox.shift();
  }

  pollEvent(): EngineEvent | undefined {
    return this.events.shift();
  }

  stats(): EndpointStats {
    return {
      records: this.records.stats(),
      reassembly: this.reassembler.counters,
      retransmissions: this.retransmissions,
      datagramsSent: this.datagramsSent,
      datagramsReceived: this.datagramsReceived,
      malformedHandshakeRecords: this.malformedHandshakeRecords,
      earlyChangeCipherSpecs: this.earlyCcs,
      earlyDataDropped: this.earlyDataDropped,
      unanswerableHellos: this.hellos.unanswerable,
    };
  }

  /** Bytes held for the peer's handshake (reassembly) and records of the next epoch. */
  bufferedBytes(): number {
    return this.reassembler.bufferedBytes;
  }

  handleTimeout(now: number): void {
    if (this.statusValue === 'failed' || this.statusValue === 'closed') return;
    const outcome = this.timer.handleTimeout(now);
    if (outcome.kind === 'retransmit') {
      this.retransmissions++;
      this.transmit(outcome.flight);
    } else if (outcome.kind === 'timeout') {
      this.fail(DtlsError.timeout(outcome.retransmissions), false);
    }
  }

  receive(datagram: Uint8Array, now: number): void {
    if (this.statusValue === 'failed' || this.statusValue === 'closed') return;
    this.datagramsReceived++;
    this.ctx.now = now;
    this.lastDatagramNewer = false;
    let answeredRetransmission = false;
    try {
      for (const r of this.records.unprotectDatagram(datagram)) {
        if (r.kind === 'fatal') throw r.error;
        if (r.kind !== 'ok') continue;
        if (r.epoch > 0 && this.newest.advance(r.epoch, r.seq)) this.lastDatagramNewer = true;
        answeredRetransmission = this.record(r.epoch, r.seq, r.type, r.payload, now, answeredRetransmission);
        if (this.status === 'failed') return;
      }
      if (answeredRetransmission) this.checkPeerFinishedAuthenticates();
    } catch (e) {
      this.fail(toDtlsError(e), true);
    }
  }

  /** One authenticated record. Returns whether a peer retransmission was answered in this datagram. */
  private record(epoch: number, seq: number, type: number, payload: Uint8Array, now: number, answered: boolean): boolean {
    if (epoch === 0) this.seenEpoch0.add(seq);
    switch (type) {
      case ContentType.handshake:
        return this.handshakeRecord(epoch, seq, payload, now, answered);
      case ContentType.change_cipher_spec:
        this.changeCipherSpec(epoch, seq, payload, now);
        return answered;
      case ContentType.alert:
        this.alert(payload);
        return answered;
      case ContentType.application_data:
        if (epoch === 0 || this.readShut) return answered;
        if (this.statusValue === 'established') this.events.push({ kind: 'data', data: payload });
        else if (this.statusValue === 'handshaking') this.holdEarlyData(payload);
        return answered;
      default:
        return answered;
    }
  }

  private handshakeRecord(epoch: number, seq: number, payload: Uint8Array, now: number, answered: boolean): boolean {
    let fragments: HandshakeFragment[];
    try {
      fragments = decode(payload, 'Record.fragment', readHandshakeFragments);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.malformedHandshakeRecords++;
      return answered;
    }
    let retransmission = false;
    const repeated: string[] = [];
    for (const f of fragments) {
      if (this.statelessHello(f)) {
        const hello = this.hellos.take(f, seq);
        if (hello === undefined) continue;
        this.progressSeq = Math.max(this.progressSeq, seq);
        this.step(hello, now);
        continue;
      }
      if (this.state.established && f.msgType === this.state.expects[0] && isWholeMessage(f)) {
        this.step({ msgType: f.msgType, messageSeq: f.messageSeq, body: f.body }, now);
        continue;
      }
      const outcome = this.reassembler.add(f);
      if (outcome.kind === 'retransmission') {
        retransmission = true;
        if (outcome.messageSeq < this.peerFlightStart) repeated.push(`${f.messageSeq}/${f.fragmentOffset}`);
      }
      if (outcome.kind === 'accepted' && epoch === 0) this.progressSeq = Math.max(this.progressSeq, seq);
    }
    for (let m = this.reassembler.poll(); m !== undefined; m = this.reassembler.poll()) {
      this.step(m, now);
      if (this.status === 'failed') return answered;
    }
    if (this.pendingCcsSeq !== undefined && this.state.expectsChangeCipherSpec) {
      this.pendingCcsSeq = undefined;
      this.acceptChangeCipherSpec(now);
    }
    if (retransmission && !answered) {
      // Resend ours only for a repeat of the flight before it (see peerFlightStart), once per repeat.
      const outcome = this.startsRepeat(repeated) ? this.timer.onPeerRetransmission(now) : undefined;
      if (outcome?.kind === 'retransmit') {
        this.retransmissions++;
        this.transmit(outcome.flight);
      }
      return true;
    }
    return answered;
  }

  /** Whether these fragments of the peer's previous flight start a repeat we have not answered. */
  private startsRepeat(repeated: readonly string[]): boolean {
    if (repeated.length === 0) return false;
    const seen = this.answeredRepeat;
    if (seen === undefined || repeated.some((k) => seen.has(k))) {
      this.answeredRepeat = new Set(repeated);
      return true;
    }
    for (const k of repeated) seen.add(k);
    return false;
  }

  /**
   * RFC 6347 §4.2.7: a peer persistently sending bad messages ends the handshake. We took the
   * peer's CCS, its Finished failed authentication (dropped, §4.1.2.7), and it resent the flight
   * whose Finished failed again: our keys disagree (a wrong PSK, an altered key exchange). Waiting
   * on could only end in the timeout; a bad MAC we alert on is fatal bad_record_mac (§4.1.2.7).
   */
  private checkPeerFinishedAuthenticates(): void {
    if (this.statusValue !== 'handshaking' || this.records.readEpoch === 0) return;
    if (this.records.stats().discarded['bad-mac'] < 2) return;
    throw DtlsError.misbehaved(AlertDescription.bad_record_mac, 'the peer\'s Finished does not authenticate under our keys, again after a retransmission: the keys disagree (wrong PSK?)');
  }

  /**
   * Application data under the new epoch that overtook the peer's Finished (RFC 6347 §4.1: records
   * of the next epoch "may be held"): it authenticates under the new keys, but is handed to the
   * application only once the Finished has checked the handshake; held up to a bound, then dropped.
   */
  private holdEarlyData(payload: Uint8Array): void {
    if (this.earlyData.length >= MAX_EARLY_DATA_RECORDS) {
      this.earlyDataDropped++;
      return;
    }
    this.earlyData.push(payload);
  }

  /** A ClientHello to a server still waiting for one: see engine-hello.ts. */
  private statelessHello(f: HandshakeFragment): boolean {
    return this.config.role === 'server' && this.state.name === 'ExpectClientHello' && f.msgType === HandshakeType.client_hello;
  }

  /** One whole handshake message through the current state. */
  private step(message: { msgType: number; messageSeq: number; body: Uint8Array }, now: number): void {
    const before = this.state;
    this.state = this.state.handle(message, this.ctx);
    // RFC 9146 §3: CIDs agreed in the hellos, for the epochs to come and for reading the peer's
    // tls12_cid records (a datagram may carry the peer's first one right after its key exchange).
    if (this.ctx.connectionIds !== undefined) this.records.setConnectionIds(this.ctx.connectionIds);
    if (before.name === 'ExpectClientHello' && this.state.name !== 'ExpectClientHello') {
      this.hellos.forget();
      this.reassembler = this.newReassembler(message.messageSeq + 1);
    }
    this.runActions(now);
  }

  /** RFC 6347 §4.2.5 / RFC 5246 §7.1 */
  private changeCipherSpec(epoch: number, seq: number, payload: Uint8Array, now: number): void {
    if (payload.length !== 1 || payload[0] !== 1) {
      throw DtlsError.misbehaved(AlertDescription.decode_error, 'ChangeCipherSpec is not the single byte 1');
    }
    if (this.state.expectsChangeCipherSpec) {
      this.acceptChangeCipherSpec(now);
      return;
    }
    // A retransmitted flight's CCS: we are past it, or already read the epoch it started.
    if (this.state.established || epoch !== 0 || this.records.readEpoch > 0) return;
    this.earlyCcs++;
    // A CCS before the messages it must follow. If some earlier record of the peer is missing, the
    // network reordered them: hold it until those messages arrive. If none is missing, the peer
    // sent it early: unexpected_message (the EarlyCCS attack is this).
    for (let k = this.progressSeq + 1; k < seq; k++) {
      if (!this.seenEpoch0.has(k)) {
        this.pendingCcsSeq = seq;
        return;
      }
    }
    throw new DtlsError(
      { kind: 'unexpected-message', expected: this.state.expects.map((t) => HandshakeType.nameOf(t)), got: 'change_cipher_spec' },
      `ChangeCipherSpec arrived in ${this.state.name}, before the messages it must follow`,
    );
  }

  private acceptChangeCipherSpec(now: number): void {
    this.state = this.state.changeCipherSpec(this.ctx);
    this.runActions(now);
  }

  private alert(payload: Uint8Array): void {
    const alert = decode(payload, 'Alert', readAlert);
    if (alert.description === AlertDescription.close_notify) {
      this.events.push({ kind: 'alert', from: 'peer', level: alert.level, description: alert.description });
      this.readShut = true;
      this.events.push({ kind: 'peer-closed' });
      return;
    }
    if (alert.level === AlertLevel.fatal) {
      this.fail(DtlsError.alertReceived(alert.level, alert.description), false);
      return;
    }
    this.events.push({ kind: 'alert', from: 'peer', level: alert.level, description: alert.description });
  }

  /** Carries out what the handshake asked for, in order. */
  private runActions(now: number): void {
    for (let a = this.ctx.actions.shift(); a !== undefined; a = this.ctx.actions.shift()) this.action(a, now);
  }

  private action(a: HandshakeAction, now: number): void {
    switch (a.kind) {
      case 'keys': {
        const keys = deriveKeys(a.cipherSuite, a.masterSecret, a.clientRandom, a.serverRandom, this.config.role);
        this.records.installWriteEpoch(CipherState.forSuite(a.cipherSuite, keys.write));
        this.readKeys = CipherState.forSuite(a.cipherSuite, keys.read);
        return;
      }
      case 'peer-ccs': {
        if (this.readKeys === undefined) throw DtlsError.internal('ChangeCipherSpec before keys');
        const { released } = this.records.installReadEpoch(this.readKeys);
        for (const r of released) {
          if (r.kind === 'ok') this.record(r.epoch, r.seq, r.type, r.payload, now, false);
        }
        return;
      }
      case 'flight': {
        if (this.config.role === 'server' && a.items.some((i) => i.kind === 'handshake' && i.epoch === 0)) {
          // RFC 6347 §4.2.1: a HelloVerifyRequest takes the ClientHello's record sequence number,
          // and so does the ServerHello of a stateless server: whatever endpoint answered the first
          // ClientHello, our records never go below the client's, or it would see a replay.
          this.records.setNextSequenceNumber(Math.max(this.progressSeq, this.records.nextSequenceNumber(0)), 0);
        }
        this.peerFlightStart = this.reassembler.nextSeq;
        this.answeredRepeat = undefined;
        this.transmit(this.timer.send(a.items, { final: a.final, retransmittable: a.retransmittable }, now));
        return;
      }
      case 'complete':
        this.statusValue = 'established';
        this.negotiatedValue = this.ctx.negotiated();
        // Whoever did not send the last flight has just received it (the client after a full
        // handshake, the server after an abbreviated one, RFC 6347 §4.2.4): nothing more to resend.
        if (this.timer.state !== 'finished') this.timer.onPeerFinalFlight();
        this.events.push({ kind: 'handshake-complete', negotiated: this.negotiatedValue });
        for (const data of this.earlyData.splice(0)) this.events.push({ kind: 'data', data });
        return;
      case 'alert':
        this.sendAlert(a.level, a.description);
        return;
      case 'certificate-requested':
        this.events.push({ kind: 'certificate-requested', acceptedCas: a.acceptedCas, sentCertificate: a.sentCertificate });
        return;
    }
  }

  private transmit(items: readonly FlightItem[]): void {
    for (const d of transmitFlight(this.records, items, this.config.mtu)) this.queue(d);
  }

  private queue(datagram: Uint8Array): void {
    this.outbox.push(datagram);
    this.datagramsSent++;
  }

  private sendAlert(level: number, description: number): void {
    // The epoch of our last ChangeCipherSpec: a server has its epoch-1 keys from the
    // ClientKeyExchange on, but the client cannot read them before our CCS.
    const epoch = this.ctx.writeEpoch;
    const record = this.records.protect(ContentType.alert, Uint8Array.of(level, description), { epoch });
    for (const d of transmitRecords([record], this.config.mtu)) this.queue(d);
    this.events.push({ kind: 'alert', from: 'us', level, description });
  }

  /** Ends the connection: a fatal alert when we detected the problem, then the error event. */
  private fail(error: DtlsError, sendAlert: boolean): void {
    if (this.statusValue === 'failed') return;
    // RFC 5246 §7.2.2: a fatal alert invalidates the session (a timeout sent or got none).
    if (error.detail.kind !== 'timeout') forgetSession(this.ctx);
    const alert = sendAlert ? alertFor(error) : undefined;
    if (alert !== undefined) {
      try {
        this.sendAlert(alert.level, alert.description);
      } catch {
        // The alert could not be protected (no keys); the error still stands.
      }
    }
    this.statusValue = 'failed';
    this.events.push({ kind: 'error', error });
  }

  /** Sends one application datagram (one record, RFC 6347 §4.1.1: never split across datagrams). */
  send(data: Uint8Array): void {
    if (this.statusValue !== 'established') throw DtlsError.internal(`cannot send application data while ${this.statusValue}`);
    if (this.writeShut) throw DtlsError.internal('cannot send after shutting down the write side');
    const max = this.records.maxPayload({ mtu: this.config.mtu });
    if (data.length > max) throw DtlsError.internal(`application datagram of ${data.length} bytes exceeds the ${max} bytes one record carries at MTU ${this.config.mtu}`);
    const record = this.records.protect(ContentType.application_data, data);
    for (const d of transmitRecords([record], this.config.mtu)) this.queue(d);
  }

  /** Shuts down one or both directions; shutting the write side sends close_notify. */
  shutdown(read: boolean, write: boolean): void {
    if (write && !this.writeShut) {
      this.writeShut = true;
      if (this.statusValue === 'established' || this.statusValue === 'handshaking') {
        this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      }
    }
    if (read) this.readShut = true;
    if (this.readShut && this.writeShut && this.statusValue !== 'failed') this.statusValue = 'closed';
  }

  /** Both directions (RFC 5246 §7.2.1: close_notify). */
  close(): void {
    this.shutdown(true, true);
  }

  /** RFC 5705 */
  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    if (this.negotiatedValue === undefined) throw DtlsError.internal('keying material is exported after the handshake');
    return exportKeyingMaterial(this.negotiatedValue, label, context, length);
  }

  /** RFC 5764 §4.2: the SRTP master keys and salts, once the handshake is complete; undefined without use_srtp. */
  srtpKeyingMaterial(): SrtpKeyingMaterial | undefined {
    if (this.negotiatedValue === undefined) throw DtlsError.internal('SRTP keying material is exported after the handshake');
    return srtpKeyingMaterial(this.negotiatedValue);
  }

  /**
   * RFC 9146 §6: whether the datagram last given to receive() held a protected record that
   * authenticated and is newer (epoch, then sequence number) than any before. Only on such a
   * datagram may a transport move the peer to the address it came from.
   */
  get lastDatagramWasNewer(): boolean {
    return this.lastDatagramNewer;
  }

  channelBinding(type: ChannelBindingType): Uint8Array | undefined {
    return this.negotiatedValue === undefined ? undefined : channelBinding(this.negotiatedValue, type);
  }

  private newReassembler(nextSeq: number): Reassembler {
    return new Reassembler({
      nextSeq,
      maxMessageLength: this.config.maxHandshakeMessageLength,
      maxBufferedMessages: this.config.maxBufferedMessages,
    });
  }
}

/** The client's state before connect(). */
const placeholderState: HandshakeState = {
  name: 'Start',
  expects: [],
  expectsChangeCipherSpec: false,
  established: false,
  handle(message) {
    throw DtlsError.unexpected([], message.msgType);
  },
  changeCipherSpec() {
    throw DtlsError.internal('ChangeCipherSpec before connect()');
  },
};
