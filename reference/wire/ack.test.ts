import test from 'ava';
import { ackCodec, readAck, writeAck } from './ack.ts';
import { DecodeError } from './errors.ts';
import { decode, hex } from './reader.ts';
import { Trace } from './trace.ts';
import { encode } from './writer.ts';

function h(text: string): Uint8Array {
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  return Uint8Array.from(digits.match(/../g) ?? [], (b) => parseInt(b, 16));
}

const two = h(`
  00 20                   # record_numbers length: 32 (two RecordNumbers)
  00 00 00 00 00 00 00 02 # record_numbers[0].epoch: 2
  00 00 00 00 00 00 00 00 # record_numbers[0].sequence_number: 0
  ff ff ff ff ff ff ff ff # record_numbers[1].epoch: 2^64-1
  00 20 00 00 00 00 00 01 # record_numbers[1].sequence_number: 2^53+1
`);

test('[RFC9147-7] an ACK lists 64-bit record numbers, exactly, beyond 2^53', (t) => {
  const ack = decode(two, 'Record', readAck);
  t.deepEqual(ack, {
    recordNumbers: [
      { epoch: 2n, sequenceNumber: 0n },
      { epoch: 2n ** 64n - 1n, sequenceNumber: 2n ** 53n + 1n },
    ],
  });
  t.is(hex(encode((w) => writeAck(w, ack))), hex(two));
});

test('[RFC9147-7] an empty ACK is two zero bytes', (t) => {
  t.deepEqual(decode(h('0000'), 'Record', readAck), { recordNumbers: [] });
  t.is(hex(encode((w) => ackCodec.write(w, { recordNumbers: [] }))), '0000');
});

test('[RFC9147-7] a list length that is not a multiple of 16 fails inside the last RecordNumber', (t) => {
  const bad = Uint8Array.from([0x00, 0x18, ...two.subarray(2, 2 + 24)]);
  const e = t.throws(() => decode(bad, 'Record', readAck), { instanceOf: DecodeError });
  t.is(e?.path, 'Record.ACK.record_numbers[1].sequence_number');
});

test('[RFC9147-7] a truncated list and trailing bytes are rejected by name', (t) => {
  const truncated = t.throws(() => decode(two.subarray(0, 20), 'Record', readAck), { instanceOf: DecodeError });
  t.is(truncated?.path, 'Record.ACK.record_numbers');
  const trailing = t.throws(() => decode(Uint8Array.from([...two, 0]), 'Record', readAck), { instanceOf: DecodeError });
  t.is(trailing?.path, 'Record');
});

test('writing a record number outside 0..2^64-1 throws a RangeError', (t) => {
  t.throws(() => encode((w) => writeAck(w, { recordNumbers: [{ epoch: 2n ** 64n, sequenceNumber: 0n }] })), { instanceOf: RangeError });
  t.throws(() => encode((w) => writeAck(w, { recordNumbers: [{ epoch: 0n, sequenceNumber: -1n }] })), { instanceOf: RangeError });
});

test('a traced ACK names each record number field under RFC 9147 §7', (t) => {
  const trace = new Trace();
  decode(two, 'Record', readAck, trace);
  const leaves = trace.entries.filter((e) => !e.isStruct);
  t.deepEqual(
    leaves.map((e) => [e.path, e.start, e.end, e.rfc]),
    [
      ['Record.ACK.record_numbers.<length>', 0, 2, 'RFC 9147 §7'],
      ['Record.ACK.record_numbers[0].epoch', 2, 10, 'RFC 9147 §7'],
      ['Record.ACK.record_numbers[0].sequence_number', 10, 18, 'RFC 9147 §7'],
      ['Record.ACK.record_numbers[1].epoch', 18, 26, 'RFC 9147 §7'],
      ['Record.ACK.record_numbers[1].sequence_number', 26, 34, 'RFC 9147 §7'],
    ],
  );
  t.is(leaves[3].value, '18446744073709551615 (0xffffffffffffffff)');
  t.deepEqual(trace.entries[0], { path: 'Record.ACK', start: 0, end: 34, value: '', rfc: 'RFC 9147 §7', depth: 2, isStruct: true });
});
