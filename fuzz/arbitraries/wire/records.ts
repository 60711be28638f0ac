/**
 * fast-check arbitraries for valid records, datagrams, ACKs and handshake fragments, and the cases
 * pairing them with their codecs for the generic property suite. Values are mostly realistic
 * (known content types and versions, small epochs) and sometimes anything the field can hold.
 */
import fc from 'fast-check';
import { type Ack, type RecordNumber, ackCodec } from '../../../reference/wire/ack.ts';
import { ContentType, HandshakeType, ProtocolVersion } from '../../../reference/wire/enums.ts';
import type { HandshakeFragment } from '../../../reference/wire/handshake-header.ts';
import {
  type CidRecord,
  type DtlsPlaintext,
  type DtlsRecord,
  type UnifiedRecord,
  datagramCodec,
  dtlsPlaintextCodec,
  handshakeFragmentCodec,
  handshakeFragmentsCodec,
  recordCodec,
} from '../../../reference/wire/records.ts';
import type { WireCase } from './case.ts';

/** Plain objects, as readers build them (fast-check's default is a null prototype). */
const NO_NULL_PROTO = { noNullPrototype: true };

const U16 = 0xffff;
const U24 = 0xffffff;
const U48 = 2 ** 48 - 1;
const U64 = 2n ** 64n - 1n;

/** Mostly `often`, sometimes `rarely`. */
function mostly<T>(often: fc.Arbitrary<T>, rarely: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: often, weight: 4 }, { arbitrary: rarely, weight: 1 });
}

/** Mostly one of `known`, sometimes any value up to `max`. */
function openValue(known: readonly number[], max: number): fc.Arbitrary<number> {
  return mostly(fc.constantFrom(...known), fc.integer({ min: 0, max }));
}

/** Small values (the common case on the wire) and, less often, the whole range. */
function smallOrAny(max: number): fc.Arbitrary<number> {
  return mostly(fc.integer({ min: 0, max: Math.min(max, 3) }), fc.integer({ min: 0, max }));
}

function bytes(maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: Math.min(maxLength, 48) }), weight: 5 },
    { arbitrary: fc.uint8Array({ maxLength }), weight: 1 },
  );
}

export const arbRecordVersion: fc.Arbitrary<number> = openValue(
  [ProtocolVersion.DTLSv1_2, ProtocolVersion.DTLSv1_0, ProtocolVersion.DTLSv1_3],
  U16,
);

/** Content types a datagram reader dispatches to DTLSPlaintext (known, not tls12_cid). */
const PLAINTEXT_TYPES = ContentType.known.filter((v) => v !== ContentType.tls12_cid);

function plaintextWith(type: fc.Arbitrary<number>): fc.Arbitrary<DtlsPlaintext> {
  return fc.record({
    format: fc.constant('plaintext' as const),
    type,
    version: arbRecordVersion,
    epoch: smallOrAny(U16),
    sequenceNumber: smallOrAny(U48),
    fragment: bytes(300),
  }, NO_NULL_PROTO);
}

/** Any DTLSPlaintext, including unknown content types (the single-record codec keeps them). */
export const arbDtlsPlaintext: fc.Arbitrary<DtlsPlaintext> = plaintextWith(openValue(ContentType.known, 0xff));

/** A DTLSPlaintext a datagram reader accepts: its type is a known content type other than tls12_cid. */
export const arbDispatchablePlaintext: fc.Arbitrary<DtlsPlaintext> = plaintextWith(fc.constantFrom(...PLAINTEXT_TYPES));

export function arbCidRecord(cidLength: number): fc.Arbitrary<CidRecord> {
  return fc.record({
    format: fc.constant('tls12_cid' as const),
    version: arbRecordVersion,
    epoch: smallOrAny(U16),
    sequenceNumber: smallOrAny(U48),
    cid: fc.uint8Array({ minLength: cidLength, maxLength: cidLength }),
    encContent: bytes(300),
  }, NO_NULL_PROTO);
}

/** A unified-header record; with `cidLength` undefined the C bit is never set. */
export function arbUnifiedRecord(cidLength: number | undefined): fc.Arbitrary<UnifiedRecord> {
  const cid: fc.Arbitrary<Uint8Array | undefined> =
    cidLength === undefined
      ? fc.constant(undefined)
      : fc.option(fc.uint8Array({ minLength: cidLength, maxLength: cidLength }), { nil: undefined });
  return fc
    .record({
      cid,
      sequenceNumberBits: fc.constantFrom(8 as const, 16 as const),
      lengthPresent: fc.boolean(),
      epochBits: fc.integer({ min: 0, max: 3 }),
      sequenceNumber: fc.integer({ min: 0, max: U16 }),
      encryptedRecord: bytes(300),
    })
    .map((m) => ({
      format: 'unified' as const,
      cid: m.cid,
      sequenceNumberBits: m.sequenceNumberBits,
      lengthPresent: m.lengthPresent,
      epochBits: m.epochBits,
      sequenceNumber: m.sequenceNumberBits === 8 ? m.sequenceNumber & 0xff : m.sequenceNumber,
      encryptedRecord: m.encryptedRecord,
    }));
}

/** One record a reader with this CID length accepts. */
export function arbRecord(cidLength: number | undefined): fc.Arbitrary<DtlsRecord> {
  const kinds: fc.Arbitrary<DtlsRecord>[] = [arbDispatchablePlaintext, arbUnifiedRecord(cidLength)];
  if (cidLength !== undefined) kinds.push(arbCidRecord(cidLength));
  return fc.oneof(...kinds);
}

/** The records of one datagram: a record without a length only comes last (RFC 9147 §4). */
export function arbDatagram(cidLength: number | undefined): fc.Arbitrary<DtlsRecord[]> {
  return fc
    .array(arbRecord(cidLength), { maxLength: 4 })
    .map((records) =>
      records.map((m, i) =>
        m.format === 'unified' && !m.lengthPresent && i < records.length - 1 ? { ...m, lengthPresent: true } : m,
      ),
    );
}

export const arbRecordNumber: fc.Arbitrary<RecordNumber> = fc.record({
  epoch: mostly(fc.bigInt({ min: 0n, max: 4n }), fc.bigInt({ min: 0n, max: U64 })),
  sequenceNumber: mostly(fc.bigInt({ min: 0n, max: 16n }), fc.bigInt({ min: 0n, max: U64 })),
}, NO_NULL_PROTO);

export const arbAck: fc.Arbitrary<Ack> = fc.record(
  { recordNumbers: fc.array(arbRecordNumber, { maxLength: 8 }) },
  NO_NULL_PROTO,
);

export const arbHandshakeFragment: fc.Arbitrary<HandshakeFragment> = fc.record({
  msgType: openValue(HandshakeType.known, 0xff),
  length: smallOrAny(U24),
  messageSeq: smallOrAny(U16),
  fragmentOffset: smallOrAny(U24),
  body: bytes(300),
}, NO_NULL_PROTO);

export const recordCases: WireCase<unknown>[] = [
  { codec: dtlsPlaintextCodec, arbitrary: arbDtlsPlaintext },
  { codec: recordCodec(), arbitrary: arbRecord(undefined) },
  { codec: recordCodec(0), arbitrary: arbRecord(0) },
  { codec: recordCodec(8), arbitrary: arbRecord(8) },
  { codec: datagramCodec(), arbitrary: arbDatagram(undefined) },
  { codec: datagramCodec(4), arbitrary: arbDatagram(4) },
  { codec: ackCodec, arbitrary: arbAck },
  { codec: handshakeFragmentCodec, arbitrary: arbHandshakeFragment },
  { codec: handshakeFragmentsCodec, arbitrary: fc.array(arbHandshakeFragment, { maxLength: 4 }) },
];
