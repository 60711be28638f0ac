/**
 * The DTLS 1.2 record layer the engine drives (RFC 6347 §4.1): read and write epochs, each with
 * its protection (epoch 0: none), per-epoch 48-bit send sequence numbers, a replay window per read
 * epoch, records of the next epoch held until its keys arrive, RFC 9146 tls12_cid records, and
 * RFC 8449 record_size_limit on both sides. Sans-IO: records in, records out, no clock. The
 * replay window covers epoch 0 as well (its sequence numbers are unique too, RFC 6347 §4.2.1).
 *
 * Invalid records are not errors (RFC 6347 §4.1.2.7: "invalid records SHOULD be silently
 * discarded"): `unprotect` answers `{ kind: 'discard', reason }` and counts the reason in
 * `stats()`. The one exception is the configurable record_size_limit overflow (see
 * `oversizeIsFatal`). Our own mistakes (no such epoch, payload too big, sequence numbers
 * exhausted) throw a DtlsError.
 */
import { DtlsError } from '../errors.ts';
import { AlertDescription, ContentType, ProtocolVersion } from '../wire/enums.ts';
import { type CidRecord, type DtlsPlaintext, type DtlsRecord, RecordRejection, RecordScanner, writeDatagram } from '../wire/records.ts';
import type { CipherState } from './cipher-state.ts';
import { DEFAULT_REPLAY_WINDOW_SIZE, ReplayWindow } from './replay-window.ts';

/** Why a record was dropped. The first six are RFC 6347 §4.1.2.6/§4.1.2.7 and RFC 8449. */
export type DiscardReason =
  /** Did not authenticate. */
  | 'bad-mac'
  /** Too short for its explicit nonce and tag, no content type inside, or cut off by the datagram's end. */
  | 'bad-length'
  /** An epoch we have no keys for and do not expect next. */
  | 'unknown-epoch'
  /** Its sequence number is already in the replay window. */
  | 'replayed'
  /** Its sequence number is left of the replay window. */
  | 'too-old'
  /** Plaintext over the record_size_limit we advertised (RFC 8449 §4), or over the protocol's maxima. */
  | 'oversize'
  /** RFC 9146 §3: a CID where none is expected, none where one is, or not ours. */
  | 'bad-cid'
  /** Not a DTLS 1.2 record (a DTLS 1.3 unified header) or an unknown content type byte. */
  | 'bad-format'
  /** A record for the next epoch arrived while the buffer for such records was full. */
  | 'buffer-full';

export const DISCARD_REASONS: readonly DiscardReason[] = [
  'bad-mac', 'bad-length', 'unknown-epoch', 'replayed', 'too-old', 'oversize', 'bad-cid', 'bad-format', 'buffer-full',
];

export type UnprotectResult =
  | { kind: 'ok'; epoch: number; seq: number; type: number; payload: Uint8Array }
  /** Held for the next epoch; handed back by `installReadEpoch`. */
  | { kind: 'buffered'; epoch: number; seq: number }
  | { kind: 'discard'; reason: DiscardReason }
  | { kind: 'fatal'; error: DtlsError };

export interface RecordLayerStats {
  readonly sent: number;
  readonly accepted: number;
  /** Records taken into the next-epoch buffer (each is later accepted, discarded, or still waiting). */
  readonly buffered: number;
  readonly discarded: Readonly<Record<DiscardReason, number>>;
}

export interface RecordLayerOptions {
  /** ProtocolVersion written in every record; DTLS 1.2 by default. */
  readonly version?: number;
  /** RFC 6347 §4.1.2.6; 64 by default. */
  readonly replayWindowSize?: number;
  /** How many records of the next epoch are held before its keys are installed; 16 by default. */
  readonly maxBufferedRecords?: number;
  /**
   * What to do with an authentic protected record whose plaintext exceeds the record_size_limit
   * we advertised. RFC 8449 §4: "A TLS endpoint that receives a record larger than its advertised
   * limit MUST generate a fatal record_overflow alert; a DTLS endpoint ... MAY either generate a
   * fatal record_overflow alert or discard the record", and RFC 6347 §4.1.2.7 prefers discarding
   * invalid records. true (the default, the TLS rule RFC 8449 states first): answer
   * `{ kind: 'fatal', error }` whose alert is record_overflow. false: discard it as 'oversize'.
   * Either way it is counted as 'oversize'. Unauthenticated records are never fatal.
   */
  readonly oversizeIsFatal?: boolean;
}

/** RFC 5246 §6.2.1 (inherited by RFC 6347 §4.1): a record's plaintext is at most 2^14 bytes. */
export const MAX_PLAINTEXT = 2 ** 14;
/** RFC 5246 §6.2.3: protection adds at most 2048 bytes. */
const MAX_EXPANSION = 2048;
/** RFC 8449 §4: no limit below 64 may be advertised. */
export const MIN_RECORD_SIZE_LIMIT = 64;
const MAX_SEQ = 2 ** 48 - 1;
const MAX_EPOCH = 0xffff;
/** type(1) version(2) epoch(2) sequence_number(6) length(2). */
export const RECORD_HEADER_LENGTH = 13;

interface ReadEpoch {
  readonly epoch: number;
  readonly protection: CipherState | undefined;
  /** Our CID, expected in every record of this epoch (RFC 9146 §3); undefined: RFC 6347 records. */
  readonly cid: Uint8Array | undefined;
  readonly limit: number;
  readonly window: ReplayWindow;
}

interface WriteEpoch {
  readonly epoch: number;
  readonly protection: CipherState | undefined;
  /** The peer's CID, sent in every record of this epoch; undefined: RFC 6347 records. */
  readonly cid: Uint8Array | undefined;
  readonly limit: number;
  nextSeq: number;
}

const nonEmpty = (cid: Uint8Array | undefined): Uint8Array | undefined => (cid === undefined || cid.length === 0 ? undefined : cid.slice());

function checkLimit(name: string, limit: number): number {
  if (!Number.isInteger(limit) || limit < MIN_RECORD_SIZE_LIMIT || limit > MAX_PLAINTEXT) {
    throw DtlsError.internal(`${name} must be an integer in ${MIN_RECORD_SIZE_LIMIT}..${MAX_PLAINTEXT} (RFC 8449 §4), got ${limit}`);
  }
  return limit;
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 6347 §4.1 */
export class RecordLayer {
  private readonly version: number;
  private readonly windowSize: number;
  private readonly maxBuffered: number;
  private readonly oversizeIsFatal: boolean;
  private readonly reads = new Map<number, ReadEpoch>();
  private readonly writes = new Map<number, WriteEpoch>();
  private currentRead = 0;
  private currentWrite = 0;
  private readonly pending: (DtlsPlaintext | CidRecord)[] = [];
  private sendCid: Uint8Array | undefined;
  private receiveCid: Uint8Array | undefined;
  private sendLimit = MAX_PLAINTEXT;
  private receiveLimit = MAX_PLAINTEXT;
  private readonly counts = { sent: 0, accepted: 0, buffered: 0 };
  private readonly discards = Object.fromEntries(DISCARD_REASONS.map((r) => [r, 0])) as Record<DiscardReason, number>;

  constructor(options: RecordLayerOptions = {}) {
    this.version = options.version ?? ProtocolVersion.DTLSv1_2;
    this.windowSize = options.replayWindowSize ?? DEFAULT_REPLAY_WINDOW_SIZE;
    this.maxBuffered = options.maxBufferedRecords ?? 16;
    this.oversizeIsFatal = options.oversizeIsFatal ?? true;
    if (!Number.isInteger(this.maxBuffered) || this.maxBuffered < 0) {
      throw DtlsError.internal(`maxBufferedRecords must be a non-negative integer, got ${this.maxBuffered}`);
    }
    this.reads.set(0, { epoch: 0, protection: undefined, cid: undefined, limit: MAX_PLAINTEXT, window: new ReplayWindow(this.windowSize) });
    this.writes.set(0, { epoch: 0, protection: undefined, cid: undefined, limit: MAX_PLAINTEXT, nextSeq: 0 });
  }

  get readEpoch(): number {
    return this.currentRead;
  }

  get writeEpoch(): number {
    return this.currentWrite;
  }

  /**
   * RFC 9146 §3: the CIDs negotiated in the handshake: `send` is the peer's (we put it in our
   * records), `receive` ours (we expect it). They apply to the epochs installed from now on; an
   * empty or absent CID means RFC 6347 records in that direction. `receive` also tells
   * `unprotectDatagram` how long the CID of an incoming tls12_cid record is.
   */
  setConnectionIds(ids: { send?: Uint8Array | undefined; receive?: Uint8Array | undefined }): void {
    this.sendCid = nonEmpty(ids.send);
    this.receiveCid = nonEmpty(ids.receive);
  }

  /**
   * RFC 8449 §4: `send` is the limit the peer advertised (the most plaintext we put in one
   * protected record), `receive` the one we advertised. They apply to the epochs installed from
   * now on ("records are subject to the limits that were set in the handshake that produces the
   * keys"). The plaintext measured is the fragment, or for tls12_cid records the whole
   * DTLSInnerPlaintext (content, type and padding: everything that goes into encryption).
   */
  setRecordSizeLimits(limits: { send?: number; receive?: number }): void {
    if (limits.send !== undefined) this.sendLimit = checkLimit('send record size limit', limits.send);
    if (limits.receive !== undefined) this.receiveLimit = checkLimit('receive record size limit', limits.receive);
  }

  /** RFC 6347 §4.1: the next write epoch (the epoch increments with each ChangeCipherSpec sent). */
  installWriteEpoch(protection: CipherState): number {
    const epoch = this.nextEpoch(this.currentWrite);
    this.writes.set(epoch, { epoch, protection, cid: this.sendCid, limit: this.sendLimit, nextSeq: 0 });
    this.currentWrite = epoch;
    return epoch;
  }

  /**
   * The next read epoch, and what its early records turn out to be: the records of that epoch
   * that arrived before its keys, in arrival order (RFC 6347 §4.1: "Implementations MAY either
   * buffer or discard such packets"; we buffer a bounded number).
   */
  installReadEpoch(protection: CipherState): { epoch: number; released: UnprotectResult[] } {
    const epoch = this.nextEpoch(this.currentRead);
    const state = { epoch, protection, cid: this.receiveCid, limit: this.receiveLimit, window: new ReplayWindow(this.windowSize) };
    this.reads.set(epoch, state);
    this.currentRead = epoch;
    const early = this.pending.splice(0).filter((r) => r.epoch === epoch);
    return { epoch, released: early.map((r) => this.process(state, r)) };
  }

  /**
   * Drops the read epochs before the current one. RFC 6347 §4.1: "Until the handshake has
   * completed, implementations MUST accept packets from the old epoch"; afterwards they SHOULD be
   * discarded (or kept up to an MSL, which the engine, owning the clock, decides).
   */
  forgetOldReadEpochs(): void {
    for (const epoch of this.reads.keys()) if (epoch < this.currentRead) this.reads.delete(epoch);
  }

  /** Drops the write epochs before the current one (a flight spanning epochs may still need them). */
  forgetOldWriteEpochs(): void {
    for (const epoch of this.writes.keys()) if (epoch < this.currentWrite) this.writes.delete(epoch);
  }

  /** The sequence number the next record of `epoch` (default: the write epoch) will carry. */
  nextSequenceNumber(epoch = this.currentWrite): number {
    return this.writeState(epoch).nextSeq;
  }

  /**
   * Moves an epoch's send sequence number forward, never back (RFC 6347 §4.2.1: a server "MUST
   * use the record sequence number in the ClientHello as the record sequence number in its
   * initial ServerHello").
   */
  setNextSequenceNumber(seq: number, epoch = this.currentWrite): void {
    const state = this.writeState(epoch);
    if (!Number.isInteger(seq) || seq < state.nextSeq || seq > MAX_SEQ + 1) {
      throw DtlsError.internal(`epoch ${epoch}: next sequence number must be an integer in ${state.nextSeq}..2^48, got ${seq}`);
    }
    state.nextSeq = seq;
  }

  /** The most payload one record of `epoch` may carry, within the record size limit and `mtu` if given. */
  maxPayload(options: { epoch?: number; mtu?: number; padding?: number } = {}): number {
    const state = this.writeState(options.epoch ?? this.currentWrite);
    const inner = state.cid === undefined ? 0 : 1 + (options.padding ?? 0);
    let max = state.limit - inner;
    if (options.mtu !== undefined) {
      const overhead = RECORD_HEADER_LENGTH + (state.cid?.length ?? 0) + (state.protection?.overhead ?? 0) + inner;
      max = Math.min(max, options.mtu - overhead);
    }
    return Math.max(max, 0);
  }

  /**
   * One record carrying `payload` in `options.epoch` (default: the current write epoch), with that
   * epoch's next sequence number: a DTLSPlaintext (RFC 6347 §4.1), or a tls12_cid record (RFC 9146
   * §4) when a CID is sent in that epoch. Refuses payloads over the limit rather than splitting
   * them: handshake messages are fragmented by the handshake layer, application data by
   * `protectApplicationData`.
   */
  protect(type: number, payload: Uint8Array, options: { epoch?: number; padding?: number } = {}): DtlsRecord {
    const epoch = options.epoch ?? this.currentWrite;
    const state = this.writeState(epoch);
    const padding = options.padding ?? 0;
    if (state.protection === undefined && type === ContentType.application_data) {
      throw DtlsError.internal('application data cannot be sent in epoch 0 (RFC 6347 §4.1: not before the handshake completes)');
    }
    const measured = state.cid === undefined ? payload.length : payload.length + 1 + padding;
    if (measured > state.limit) {
      const rule = state.protection === undefined ? 'the 2^14-byte maximum (RFC 5246 §6.2.1)' : `the record size limit ${state.limit} (RFC 8449 §4)`;
      throw DtlsError.internal(`a ${ContentType.nameOf(type)} record of ${measured} plaintext bytes exceeds ${rule}`);
    }
    if (state.nextSeq > MAX_SEQ) {
      throw DtlsError.internal(`epoch ${epoch}: sequence numbers exhausted; RFC 6347 §4.1 requires a rehandshake or a new association, never a wrap`);
    }
    const sequenceNumber = state.nextSeq++;
    this.counts.sent++;
    const header = { version: this.version, epoch, sequenceNumber };
    if (state.protection === undefined) return { format: 'plaintext', type, ...header, fragment: payload.slice() };
    if (state.cid === undefined) {
      return { format: 'plaintext', type, ...header, fragment: state.protection.seal({ type, ...header }, payload) };
    }
    const cidHeader = { ...header, cid: state.cid };
    return { format: 'tls12_cid', ...cidHeader, encContent: state.protection.sealCid(cidHeader, type, payload, padding) };
  }

  /** Application data cut into records of at most `maxPayload({ mtu })` bytes, in the current write epoch. */
  protectApplicationData(data: Uint8Array, options: { mtu?: number } = {}): DtlsRecord[] {
    const max = this.maxPayload(options);
    if (max === 0) throw DtlsError.internal(`an MTU of ${options.mtu} leaves no room for application data`);
    const records: DtlsRecord[] = [];
    let at = 0;
    do {
      const chunk = data.subarray(at, Math.min(at + max, data.length));
      records.push(this.protect(ContentType.application_data, chunk));
      at += chunk.length;
    } while (at < data.length);
    return records;
  }

  /** RFC 6347 §4.1.2.6, §4.1.2.7: authenticate and check one received record. */
  unprotect(record: DtlsRecord): UnprotectResult {
    if (record.format === 'unified') return this.discard('bad-format');
    const state = this.reads.get(record.epoch);
    if (state !== undefined) return this.process(state, record);
    if (record.epoch !== this.currentRead + 1) return this.discard('unknown-epoch');
    if (this.pending.length >= this.maxBuffered) return this.discard('buffer-full');
    this.pending.push(record);
    this.counts.buffered++;
    return { kind: 'buffered', epoch: record.epoch, seq: record.sequenceNumber };
  }

  /**
   * RFC 6347 §4.1.1: every record of one datagram, in order. A record that does not parse ends
   * the datagram (its length cannot be trusted): one 'bad-length' (cut off) or 'bad-format'.
   */
  unprotectDatagram(datagram: Uint8Array): UnprotectResult[] {
    const results: UnprotectResult[] = [];
    const scan = new RecordScanner(datagram, this.receiveCid?.length);
    while (!scan.done) {
      const record = scan.next();
      if (record instanceof RecordRejection) {
        results.push(this.discard(record.truncated ? 'bad-length' : 'bad-format'));
        break;
      }
      results.push(this.unprotect(record));
    }
    return results;
  }

  stats(): RecordLayerStats {
    return { ...this.counts, discarded: { ...this.discards } };
  }

  private process(state: ReadEpoch, record: DtlsPlaintext | CidRecord): UnprotectResult {
    // RFC 9146 §3: plaintext never uses the CID format; with a CID expected, records without it
    // "MUST be treated as invalid"; a CID that is not ours is not for this connection.
    const expected = state.protection === undefined ? undefined : state.cid;
    if (record.format === 'tls12_cid' ? expected === undefined || !equalBytes(record.cid, expected) : expected !== undefined) {
      return this.discard('bad-cid');
    }
    // RFC 6347 §4.1.2.6: the replay check "SHOULD be the first check applied".
    const seq = record.sequenceNumber;
    const verdict = state.window.check(seq);
    if (verdict !== 'new') return this.discard(verdict === 'duplicate' ? 'replayed' : 'too-old');

    const protection = state.protection;
    if (protection === undefined) {
      if (record.format !== 'plaintext') return this.discard('bad-cid'); // excluded above; narrows the type
      if (record.fragment.length > MAX_PLAINTEXT) return this.discard('oversize'); // unauthenticated: never fatal
      state.window.accept(seq);
      this.counts.accepted++;
      return { kind: 'ok', epoch: state.epoch, seq, type: record.type, payload: record.fragment };
    }
    const body = record.format === 'tls12_cid' ? record.encContent : record.fragment;
    if (body.length > MAX_PLAINTEXT + MAX_EXPANSION) return this.discard('oversize'); // RFC 5246 §6.2.3, before any work
    const opened = record.format === 'tls12_cid' ? protection.openCid(record, body) : protection.open(record, body);
    if (!opened.ok) return this.discard(opened.reason);
    // RFC 6347 §4.1.2.6: "The receive window is updated only if the MAC verification succeeds."
    state.window.accept(seq);
    const plaintextLength = body.length - protection.overhead; // the whole DTLSInnerPlaintext for tls12_cid
    if (plaintextLength > state.limit) {
      this.discards.oversize++;
      const message = `a record of ${plaintextLength} plaintext bytes exceeds our record size limit ${state.limit} (RFC 8449 §4)`;
      if (this.oversizeIsFatal) return { kind: 'fatal', error: DtlsError.misbehaved(AlertDescription.record_overflow, message) };
      return { kind: 'discard', reason: 'oversize' };
    }
    this.counts.accepted++;
    return { kind: 'ok', epoch: state.epoch, seq, type: opened.type, payload: opened.content };
  }

  private discard(reason: DiscardReason): UnprotectResult {
    this.discards[reason]++;
    return { kind: 'discard', reason };
  }

  private writeState(epoch: number): WriteEpoch {
    const state = this.writes.get(epoch);
    if (state === undefined) throw DtlsError.internal(`no keys for write epoch ${epoch}`);
    return state;
  }

  private nextEpoch(current: number): number {
    // RFC 6347 §4.1: "implementations MUST NOT allow the epoch to wrap".
    if (current >= MAX_EPOCH) throw DtlsError.internal('epoch 65535 reached: RFC 6347 §4.1 forbids wrapping; start a new association');
    return current + 1;
  }
}

/**
 * RFC 6347 §4.1.1: packs records, in order, into as few datagrams of at most `mtu` bytes as
 * fit. A record longer than the MTU is a mistake of the caller (fragment the message first).
 */
export function packDatagrams(records: readonly DtlsRecord[], mtu: number): Uint8Array[] {
  const datagrams: Uint8Array[] = [];
  let current: DtlsRecord[] = [];
  let size = 0;
  for (const record of records) {
    const length = writeDatagram([record]).length;
    if (length > mtu) throw DtlsError.internal(`a record of ${length} bytes does not fit an MTU of ${mtu}`);
    if (size + length > mtu) {
      datagrams.push(writeDatagram(current));
      current = [];
      size = 0;
    }
    current.push(record);
    size += length;
  }
  if (current.length > 0) datagrams.push(writeDatagram(current));
  return datagrams;
}
