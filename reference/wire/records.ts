/**
 * DTLS records and datagrams: the DTLSPlaintext/DTLSCiphertext header of DTLS 1.0 and 1.2 (also
 * DTLS 1.3's plaintext records), the RFC 9146 `tls12_cid` record, and DTLS 1.3's unified header.
 * A record's payload stays opaque bytes here: protecting and unprotecting it is the record layer's
 * business. The models keep every choice the wire makes (header bits, the sequence number as sent),
 * so an accepted record re-encodes byte for byte.
 *
 * A record is read flat under its container's name: at the root (`DTLSPlaintext.epoch`) or as an
 * item of a datagram (`Datagram.records[2].type`). Its first byte decides its format (RFC 9147 §4.1),
 * so the datagram reader names it `type` whatever it turns out to be.
 */
import { type Ack, ackCodec, readAck, writeAck } from './ack.ts';
import type { Codec } from './codec.ts';
import { ContentType, ProtocolVersion } from './enums.ts';
import { DecodeError } from './errors.ts';
import {
  type HandshakeFragment,
  readHandshakeFragment,
  readHandshakeFragments,
  writeHandshakeFragment,
} from './handshake-header.ts';
import type { NamePrinter, Reader } from './reader.ts';
import { decode } from './reader.ts';
import type { Trace } from './trace.ts';
import type { Writer } from './writer.ts';
import { encode } from './writer.ts';

/**
 * RFC 6347 §4.1 DTLSPlaintext, and DTLSCiphertext (same header, `fragment` protected); RFC 9147 §4
 * DTLSPlaintext (there `version` is `legacy_record_version` and `epoch` the low 16 bits).
 */
export interface DtlsPlaintext {
  format: 'plaintext';
  type: number;
  version: number;
  epoch: number;
  /** uint48. */
  sequenceNumber: number;
  /** The record's payload, plaintext or protected; `length` on the wire is its length. */
  fragment: Uint8Array;
}

/** RFC 9146 §4: the DTLS 1.2 CID-enhanced record, outer content type tls12_cid(25). */
export interface CidRecord {
  format: 'tls12_cid';
  version: number;
  epoch: number;
  /** uint48. */
  sequenceNumber: number;
  /** The connection ID; its length is not on the wire but negotiated (`RecordContext.cidLength`). */
  cid: Uint8Array;
  /** The protected DTLSInnerPlaintext; `length` on the wire is its length. */
  encContent: Uint8Array;
}

/** RFC 9147 §4: a protected DTLS 1.3 record behind the unified header, first byte 0b001CSLEE. */
export interface UnifiedRecord {
  format: 'unified';
  /** C bit: the connection ID when present (its length comes from `RecordContext.cidLength`). */
  cid: Uint8Array | undefined;
  /** S bit: an 8-bit (S = 0) or a 16-bit (S = 1) sequence number. */
  sequenceNumberBits: 8 | 16;
  /** L bit: whether the length is on the wire; without it the record runs to the end of the datagram. */
  lengthPresent: boolean;
  /** EE: the two low bits of the epoch, 0..3. */
  epochBits: number;
  /** The low 8 or 16 bits of the sequence number as sent: encrypted on the wire (RFC 9147 §4.2.3). */
  sequenceNumber: number;
  /** The protected DTLSInnerPlaintext. */
  encryptedRecord: Uint8Array;
}

export type DtlsRecord = DtlsPlaintext | CidRecord | UnifiedRecord;

/** What a reader needs to know that the wire does not say. */
export interface RecordContext {
  /**
   * The length of the connection ID this endpoint receives (RFC 9146 §3, RFC 9147 §9). Undefined
   * when no CID is in use: a tls12_cid record or a unified header with the C bit is then rejected.
   */
  cidLength?: number | undefined;
}

const UNIFIED_MASK = 0xe0;
const UNIFIED_FIXED = 0x20;
const C_BIT = 0x10;
const S_BIT = 0x08;
const L_BIT = 0x04;
const EPOCH_BITS = 0x03;

/** RFC 9147 §4.1: whether a record's first byte is a unified header (0b001xxxxx). */
export function isUnifiedHeaderByte(first: number): boolean {
  return (first & UNIFIED_MASK) === UNIFIED_FIXED;
}

/** Prints a record's first byte: a content type name, or the unified header's bits. */
export const RecordTypeByte: NamePrinter = {
  nameOf(value: number): string {
    if (!isUnifiedHeaderByte(value)) return ContentType.nameOf(value);
    const bit = (mask: number): number => ((value & mask) === 0 ? 0 : 1);
    return `unified_hdr(C=${bit(C_BIT)} S=${bit(S_BIT)} L=${bit(L_BIT)} E=${value & EPOCH_BITS})`;
  },
};

// ---- DTLSPlaintext (RFC 6347 §4.1, RFC 9147 §4)

function readPlaintextAfterType(r: Reader, type: number): DtlsPlaintext {
  const version = r.u16('version', ProtocolVersion);
  const epoch = r.u16('epoch');
  const sequenceNumber = r.u48('sequence_number');
  const fragment = r.opaque(2, 'fragment');
  return { format: 'plaintext', type, version, epoch, sequenceNumber, fragment };
}

/** RFC 6347 §4.1: one DTLSPlaintext (or DTLS 1.2 DTLSCiphertext) record, whatever its type. */
export function readDtlsPlaintext(r: Reader): DtlsPlaintext {
  return readPlaintextAfterType(r, r.u8('type', ContentType));
}

/** RFC 6347 §4.1 */
export function writeDtlsPlaintext(w: Writer, m: DtlsPlaintext): void {
  w.u8(m.type).u16(m.version).u16(m.epoch).u48(m.sequenceNumber).opaque(2, m.fragment);
}

// ---- tls12_cid (RFC 9146 §4)

/** A CID is `opaque cid<0..2^8-1>` (RFC 9146 §3); another length is the caller's mistake, not the peer's. */
function checkContext(ctx: RecordContext): void {
  const n = ctx.cidLength;
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > 255)) {
    throw new RangeError(`cidLength ${n} is not a connection ID length (0..255)`);
  }
}

function readCid(r: Reader, ctx: RecordContext, field: string, why: string): Uint8Array {
  if (ctx.cidLength === undefined) throw r.error(field, `${why} but no connection ID length is known`, r.offset);
  return r.bytes(ctx.cidLength, field);
}

function readCidRecordAfterType(r: Reader, ctx: RecordContext): CidRecord {
  const version = r.u16('version', ProtocolVersion);
  const epoch = r.u16('epoch');
  const sequenceNumber = r.u48('sequence_number');
  const cid = readCid(r, ctx, 'cid', 'a tls12_cid record');
  const encContent = r.opaque(2, 'enc_content');
  return { format: 'tls12_cid', version, epoch, sequenceNumber, cid, encContent };
}

/** RFC 9146 §4 */
export function writeCidRecord(w: Writer, m: CidRecord): void {
  w.u8(ContentType.tls12_cid).u16(m.version).u16(m.epoch).u48(m.sequenceNumber).bytes(m.cid).opaque(2, m.encContent);
}

// ---- the DTLS 1.3 unified header (RFC 9147 §4)

function readUnifiedAfterFirst(r: Reader, first: number, ctx: RecordContext): UnifiedRecord {
  const cid = (first & C_BIT) === 0 ? undefined : readCid(r, ctx, 'cid', 'the C bit is set');
  const sequenceNumberBits = (first & S_BIT) === 0 ? 8 : 16;
  const sequenceNumber = sequenceNumberBits === 8 ? r.u8('sequence_number') : r.u16('sequence_number');
  const lengthPresent = (first & L_BIT) !== 0;
  const encryptedRecord = lengthPresent ? r.opaque(2, 'encrypted_record') : r.rest('encrypted_record');
  const epochBits = first & EPOCH_BITS;
  return { format: 'unified', cid, sequenceNumberBits, lengthPresent, epochBits, sequenceNumber, encryptedRecord };
}

/** The unified header's first byte for a record's choices. */
export function unifiedHeaderByte(m: UnifiedRecord): number {
  if (!Number.isInteger(m.epochBits) || m.epochBits < 0 || m.epochBits > EPOCH_BITS) {
    throw new RangeError(`epoch bits ${m.epochBits} do not fit the 2-bit EE field`);
  }
  return (
    UNIFIED_FIXED |
    (m.cid === undefined ? 0 : C_BIT) |
    (m.sequenceNumberBits === 16 ? S_BIT : 0) |
    (m.lengthPresent ? L_BIT : 0) |
    m.epochBits
  );
}

/** RFC 9147 §4. The writer takes any CID length and writes what it is given. */
export function writeUnifiedRecord(w: Writer, m: UnifiedRecord): void {
  w.u8(unifiedHeaderByte(m));
  if (m.cid !== undefined) w.bytes(m.cid);
  if (m.sequenceNumberBits === 16) w.u16(m.sequenceNumber);
  else w.u8(m.sequenceNumber);
  if (m.lengthPresent) w.opaque(2, m.encryptedRecord);
  else w.bytes(m.encryptedRecord);
}

// ---- any record, and datagrams

/**
 * RFC 9147 §4.1: one record of any format, told apart by its first byte: 0b001xxxxx is a unified
 * header, tls12_cid(25) a CID record, another known content type a DTLSPlaintext; anything else is
 * rejected (as if it had failed deprotection).
 */
export function readRecord(r: Reader, ctx: RecordContext = {}): DtlsRecord {
  checkContext(ctx);
  const first = r.u8('type', RecordTypeByte);
  if (isUnifiedHeaderByte(first)) return readUnifiedAfterFirst(r, first, ctx);
  if (first === ContentType.tls12_cid) return readCidRecordAfterType(r, ctx);
  if (ContentType.isKnown(first)) return readPlaintextAfterType(r, first);
  const shown = `0x${first.toString(16).padStart(2, '0')}`;
  throw r.error('type', `${shown} is neither a content type nor a unified header`, r.offset - 1);
}

export function writeRecord(w: Writer, m: DtlsRecord): void {
  switch (m.format) {
    case 'plaintext':
      return writeDtlsPlaintext(w, m);
    case 'tls12_cid':
      return writeCidRecord(w, m);
    case 'unified':
      return writeUnifiedRecord(w, m);
  }
}

/** RFC 6347 §4.1.1, RFC 9147 §4: the records of one datagram, until its end. */
export function readRecords(r: Reader, ctx: RecordContext = {}): DtlsRecord[] {
  return r.many('records', (s) => readRecord(s, ctx));
}

export function writeRecords(w: Writer, records: readonly DtlsRecord[]): void {
  for (const m of records) writeRecord(w, m);
}

/**
 * Every record in a datagram; a failure names the record, e.g. `Datagram.records[2].type`. Read by
 * a `RecordScanner` (by a `Reader` only with a trace, which the scanner does not keep).
 */
export function readDatagram(bytes: Uint8Array, ctx: RecordContext & { trace?: Trace } = {}): DtlsRecord[] {
  if (ctx.trace !== undefined) return decode(bytes, 'Datagram', (r) => readRecords(r, ctx), ctx.trace);
  const records = scanDatagram(bytes, ctx);
  if (records instanceof RecordRejection) throw records.toDecodeError();
  return records;
}

// ---- reading records without a Reader

/**
 * Why a record of a datagram did not parse: the field, reason and offset `readRecord` reports for
 * it, which `toDecodeError` turns into the error `readDatagram` throws.
 */
export class RecordRejection {
  constructor(
    /** The record's index in its datagram. */
    readonly index: number,
    /** The field, as a `Reader` names it: `type`, `cid`, `fragment.<length>`, ... */
    readonly field: string,
    private why: string | (() => string),
    /** Where the field starts in the datagram. */
    readonly offset: number,
    /** Whether the datagram ends inside the record, rather than a field being unacceptable. */
    readonly truncated: boolean,
  ) {}

  get reason(): string {
    if (typeof this.why === 'function') this.why = this.why();
    return this.why;
  }

  toDecodeError(root = 'Datagram'): DecodeError {
    return DecodeError.at([root, `records[${this.index}]`], this.field, this.why, this.offset);
  }
}

/** The same words as a `Reader` that runs out of bytes. */
function truncatedReason(needs: number, left: number): () => string {
  return () => `truncated: needs ${needs} byte(s), ${left} left`;
}

/**
 * Reads a datagram's records one after the other, straight from its bytes, and never throws on
 * what it reads: a record that does not parse comes back as a `RecordRejection`. This is the
 * record layer's hot path (RFC 6347 §4.1.2.7: an invalid record is silently discarded, so junk
 * costs no exception), and it reads exactly as `readRecord` does: same records, same rejections
 * (`records.test.ts` checks both on generated and mutated datagrams).
 */
export class RecordScanner {
  /** Offset of the next record. */
  pos = 0;
  private index = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly cidLength: number | undefined,
  ) {
    checkContext({ cidLength });
  }

  /** Whether every record has been read. */
  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** The next record, or why it does not parse (after which the datagram cannot be read on). */
  next(): DtlsRecord | RecordRejection {
    const first = this.bytes[this.pos];
    if (isUnifiedHeaderByte(first)) return this.unified(first);
    if (first === ContentType.tls12_cid || ContentType.isKnown(first)) return this.fixedHeader(first);
    const shown = `0x${first.toString(16).padStart(2, '0')}`;
    return this.reject('type', `${shown} is neither a content type nor a unified header`, this.pos, false);
  }

  private reject(field: string, why: string | (() => string), at: number, truncated: boolean): RecordRejection {
    return new RecordRejection(this.index, field, why, at, truncated);
  }

  /** `field` needs `needs` bytes at `at` and the datagram has fewer. */
  private cut(field: string, needs: number, at: number): RecordRejection {
    return this.reject(field, truncatedReason(needs, this.bytes.length - at), at, true);
  }

  /** A DTLSPlaintext/DTLSCiphertext or tls12_cid record: type, version, epoch, sequence_number, [cid,] length. */
  private fixedHeader(type: number): DtlsRecord | RecordRejection {
    const b = this.bytes;
    const n = b.length;
    let at = this.pos + 1;
    if (n - at < 2) return this.cut('version', 2, at);
    const version = b[at] * 256 + b[at + 1];
    at += 2;
    if (n - at < 2) return this.cut('epoch', 2, at);
    const epoch = b[at] * 256 + b[at + 1];
    at += 2;
    if (n - at < 6) return this.cut('sequence_number', 6, at);
    const sequenceNumber = (b[at] * 256 + b[at + 1]) * 2 ** 32 + b[at + 2] * 2 ** 24 + ((b[at + 3] << 16) | (b[at + 4] << 8) | b[at + 5]);
    at += 6;
    let cid: Uint8Array | undefined;
    if (type === ContentType.tls12_cid) {
      const cidLength = this.cidLength;
      if (cidLength === undefined) return this.reject('cid', 'a tls12_cid record but no connection ID length is known', at, false);
      if (n - at < cidLength) return this.cut('cid', cidLength, at);
      cid = b.slice(at, at + cidLength);
      at += cidLength;
    }
    const field = cid === undefined ? 'fragment' : 'enc_content';
    if (n - at < 2) return this.cut(`${field}.<length>`, 2, at);
    const length = b[at] * 256 + b[at + 1];
    at += 2;
    if (n - at < length) return this.cut(field, length, at);
    const body = b.slice(at, at + length);
    this.pos = at + length;
    this.index++;
    if (cid === undefined) return { format: 'plaintext', type, version, epoch, sequenceNumber, fragment: body };
    return { format: 'tls12_cid', version, epoch, sequenceNumber, cid, encContent: body };
  }

  /** RFC 9147 §4: the unified header's first byte says which fields follow. */
  private unified(first: number): UnifiedRecord | RecordRejection {
    const b = this.bytes;
    const n = b.length;
    let at = this.pos + 1;
    let cid: Uint8Array | undefined;
    if ((first & C_BIT) !== 0) {
      const cidLength = this.cidLength;
      if (cidLength === undefined) return this.reject('cid', 'the C bit is set but no connection ID length is known', at, false);
      if (n - at < cidLength) return this.cut('cid', cidLength, at);
      cid = b.slice(at, at + cidLength);
      at += cidLength;
    }
    const sequenceNumberBits = (first & S_BIT) === 0 ? 8 : 16;
    const width = sequenceNumberBits / 8;
    if (n - at < width) return this.cut('sequence_number', width, at);
    const sequenceNumber = width === 1 ? b[at] : b[at] * 256 + b[at + 1];
    at += width;
    const lengthPresent = (first & L_BIT) !== 0;
    let length = n - at;
    if (lengthPresent) {
      if (n - at < 2) return this.cut('encrypted_record.<length>', 2, at);
      length = b[at] * 256 + b[at + 1];
      at += 2;
      if (n - at < length) return this.cut('encrypted_record', length, at);
    }
    const encryptedRecord = b.slice(at, at + length);
    this.pos = at + length;
    this.index++;
    const epochBits = first & EPOCH_BITS;
    return { format: 'unified', cid, sequenceNumberBits, lengthPresent, epochBits, sequenceNumber, encryptedRecord };
  }
}

/** Every record of a datagram, or why one does not parse; never throws on what it reads. */
export function scanDatagram(bytes: Uint8Array, ctx: RecordContext = {}): DtlsRecord[] | RecordRejection {
  const scan = new RecordScanner(bytes, ctx.cidLength);
  const records: DtlsRecord[] = [];
  while (!scan.done) {
    const r = scan.next();
    if (r instanceof RecordRejection) return r;
    records.push(r);
  }
  return records;
}

/** The datagram carrying `records` in order. A record without a length should come last. */
export function writeDatagram(records: readonly DtlsRecord[]): Uint8Array {
  return encode((w) => writeRecords(w, records));
}

// ---- content-type-aware helpers for plaintext records

/** The header fields of a plaintext record, for the builders below. */
export type PlaintextHeader = Pick<DtlsPlaintext, 'version' | 'epoch' | 'sequenceNumber'>;

function contentOf<T>(record: DtlsPlaintext, expected: number, root: string, read: (r: Reader) => T): T {
  if (record.type !== expected) {
    const reason = `expected ${ContentType.nameOf(expected)}, got ${ContentType.nameOf(record.type)}`;
    throw new DecodeError(`${root}.type`, reason, 0);
  }
  return decode(record.fragment, `${root}.fragment`, read);
}

/**
 * RFC 6347 §4.2.3, RFC 9147 §5.5: the handshake fragments a plaintext handshake record carries
 * (one or more, each with its 12-byte header). `root` names the record in error paths.
 */
export function handshakeFragmentsOf(record: DtlsPlaintext, root = 'DTLSPlaintext'): HandshakeFragment[] {
  return contentOf(record, ContentType.handshake, root, readHandshakeFragments);
}

/** A plaintext handshake record carrying `fragments` in order. */
export function handshakeRecord(header: PlaintextHeader, fragments: readonly HandshakeFragment[]): DtlsPlaintext {
  const fragment = encode((w) => {
    for (const f of fragments) writeHandshakeFragment(w, f);
  });
  return { format: 'plaintext', type: ContentType.handshake, ...pickHeader(header), fragment };
}

/** RFC 9147 §7: the ACK a plaintext ack record carries. */
export function ackOf(record: DtlsPlaintext, root = 'DTLSPlaintext'): Ack {
  return contentOf(record, ContentType.ack, root, readAck);
}

/** A plaintext ack record (RFC 9147 §7; protected ones carry the same bytes inside). */
export function ackRecord(header: PlaintextHeader, ack: Ack): DtlsPlaintext {
  const fragment = encode((w) => writeAck(w, ack));
  return { format: 'plaintext', type: ContentType.ack, ...pickHeader(header), fragment };
}

function pickHeader(h: PlaintextHeader): PlaintextHeader {
  return { version: h.version, epoch: h.epoch, sequenceNumber: h.sequenceNumber };
}

// ---- codec entries (codec.ts) for the generic properties and the fuzz targets

const cidName = (base: string, cidLength: number | undefined): string =>
  cidLength === undefined ? base : `${base}(cid=${cidLength})`;

export const dtlsPlaintextCodec: Codec<DtlsPlaintext> = {
  name: 'DTLSPlaintext',
  read: readDtlsPlaintext,
  write: writeDtlsPlaintext,
};

/** One record of any format, for a receiver whose CID length is `cidLength` (undefined: none). */
export function recordCodec(cidLength?: number): Codec<DtlsRecord> {
  return { name: cidName('DTLSRecord', cidLength), read: (r) => readRecord(r, { cidLength }), write: writeRecord };
}

/** The records of one datagram, for a receiver whose CID length is `cidLength` (undefined: none). */
export function datagramCodec(cidLength?: number): Codec<DtlsRecord[]> {
  return { name: cidName('Datagram', cidLength), read: (r) => readRecords(r, { cidLength }), write: writeRecords };
}

/** RFC 6347 §4.2.2: one handshake fragment with its header (codec of handshake-header.ts). */
export const handshakeFragmentCodec: Codec<HandshakeFragment> = {
  name: 'Handshake',
  read: readHandshakeFragment,
  write: writeHandshakeFragment,
};

/** The handshake fragments of one record's fragment. */
export const handshakeFragmentsCodec: Codec<HandshakeFragment[]> = {
  name: 'HandshakeFragments',
  read: readHandshakeFragments,
  write: (w, fragments) => {
    for (const f of fragments) writeHandshakeFragment(w, f);
  },
};

/** Every codec of this file and ack.ts, in the contexts worth testing. */
export const recordCodecs: readonly Codec<unknown>[] = [
  dtlsPlaintextCodec,
  recordCodec(),
  recordCodec(0),
  recordCodec(8),
  datagramCodec(),
  datagramCodec(4),
  ackCodec,
  handshakeFragmentCodec,
  handshakeFragmentsCodec,
];
