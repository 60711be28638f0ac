/**
 * The DTLS 1.3 ACK (RFC 9147 §7): a content type of its own (26), not a handshake message, so it
 * stays out of the transcript. It lists the record numbers of the handshake records received.
 */
import type { Codec } from './codec.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** RFC 9147 §4: a record's full 128-bit number; both halves are uint64, so bigints. */
export interface RecordNumber {
  epoch: bigint;
  sequenceNumber: bigint;
}

/** RFC 9147 §7 */
export interface Ack {
  /** `RecordNumber record_numbers<0..2^16-1>`, in the order sent (the RFC asks for increasing order). */
  recordNumbers: RecordNumber[];
}

/** RFC 9147 §4: RecordNumber, read flat inside its container (`ACK.record_numbers[0].epoch`). */
export function readRecordNumber(r: Reader): RecordNumber {
  const epoch = r.u64('epoch');
  const sequenceNumber = r.u64('sequence_number');
  return { epoch, sequenceNumber };
}

export function writeRecordNumber(w: Writer, n: RecordNumber): void {
  w.u64(n.epoch).u64(n.sequenceNumber);
}

/** RFC 9147 §7 */
export function readAck(r: Reader): Ack {
  return r.struct('ACK', 'RFC 9147 §7', (s) => ({
    recordNumbers: s.list(2, 'record_numbers', readRecordNumber),
  }));
}

/** RFC 9147 §7 */
export function writeAck(w: Writer, m: Ack): void {
  w.list(2, m.recordNumbers, writeRecordNumber);
}

export const ackCodec: Codec<Ack> = { name: 'ACK', read: readAck, write: writeAck };
