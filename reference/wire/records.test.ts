import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { arbDatagram, recordCases } from '../../fuzz/arbitraries/wire/records.ts';
import { sharedPath, sharedTest } from '../../testkit/shared.ts';
import { readCaptureUdp } from '../capture/index.ts';
import { ContentType, HandshakeType, ProtocolVersion } from './enums.ts';
import { DecodeError } from './errors.ts';
import { Reader, decode, hex } from './reader.ts';
import {
  type DtlsPlaintext,
  type DtlsRecord,
  type UnifiedRecord,
  RecordRejection,
  RecordTypeByte,
  ackOf,
  ackRecord,
  handshakeFragmentsOf,
  handshakeRecord,
  readDatagram,
  readDtlsPlaintext,
  readRecord,
  readRecords,
  scanDatagram,
  writeDatagram,
  writeRecord,
} from './records.ts';
import { Trace } from './trace.ts';
import { encode } from './writer.ts';

const SEED = Number(process.env.FC_SEED ?? 0x5eed);

/** Hex fixture text: whitespace and `# comments` to the end of a line are ignored. */
function h(text: string): Uint8Array {
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  return Uint8Array.from(digits.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function decodeError(t: ExecutionContext, fn: () => unknown): DecodeError {
  const e = t.throws(fn, { instanceOf: DecodeError });
  if (e === undefined) throw new Error('expected a DecodeError');
  return e;
}

/** A plaintext record: handshake, DTLS 1.2, epoch 0, sequence 0, empty, unless overridden. */
function plaintext(o: Partial<DtlsPlaintext> = {}): DtlsPlaintext {
  return {
    format: 'plaintext',
    type: ContentType.handshake,
    version: ProtocolVersion.DTLSv1_2,
    epoch: 0,
    sequenceNumber: 0,
    fragment: h(''),
    ...o,
  };
}

/** A unified-header record: no CID, 8-bit sequence number 0, length present, epoch bits 0, unless overridden. */
function unified(o: Partial<UnifiedRecord> = {}): UnifiedRecord {
  return {
    format: 'unified',
    cid: undefined,
    sequenceNumberBits: 8,
    lengthPresent: true,
    epochBits: 0,
    sequenceNumber: 0,
    encryptedRecord: h(''),
    ...o,
  };
}

const caps = ['vectors', 'illustrated-dtls', 'captures', 'caps'];
const cap = (name: string): Uint8Array => new Uint8Array(readFileSync(sharedPath(...caps, name)));

// ---- real bytes: the illustrated-dtls capture (wolfSSL, DTLS 1.3, TLS_AES_128_GCM_SHA256)

sharedTest('[RFC9147-4] the ClientHello datagram is one DTLSPlaintext handshake record', [...caps, '01-hello-c'], (t) => {
  const bytes = cap('01-hello-c');
  t.deepEqual(
    bytes.subarray(0, 27),
    h(`
      16                # type: handshake
      fe fd             # legacy_record_version: DTLS 1.2
      00 00             # epoch: 0
      00 00 00 00 00 00 # sequence_number: 0
      00 9d             # length: 157
      01                # fragment: msg_type client_hello
      00 00 91          #   length: 145
      00 00             #   message_seq: 0
      00 00 00          #   fragment_offset: 0
      00 00 91          #   fragment_length: 145
      fe fd             #   ClientHello.legacy_version
    `),
  );
  const records = readDatagram(bytes);
  t.is(records.length, 1);
  const r = records[0] as DtlsPlaintext;
  t.like(r, { format: 'plaintext', type: ContentType.handshake, version: ProtocolVersion.DTLSv1_2, epoch: 0, sequenceNumber: 0 });
  t.is(r.fragment.length, 157);
  const fragments = handshakeFragmentsOf(r);
  t.is(fragments.length, 1);
  t.like(fragments[0], { msgType: HandshakeType.client_hello, length: 145, messageSeq: 0, fragmentOffset: 0 });
  t.is(fragments[0].body.length, 145);
  t.is(hex(writeDatagram(records)), hex(bytes));
  t.is(hex(writeDatagram([handshakeRecord(r, fragments)])), hex(bytes));
});

sharedTest('[RFC9147-4] the ServerHello datagram is one DTLSPlaintext handshake record', [...caps, '02-hello-s'], (t) => {
  const bytes = cap('02-hello-s');
  const [r] = readDatagram(bytes) as DtlsPlaintext[];
  t.like(r, { type: ContentType.handshake, version: ProtocolVersion.DTLSv1_2, epoch: 0, sequenceNumber: 0 });
  const [f] = handshakeFragmentsOf(r);
  t.like(f, { msgType: HandshakeType.server_hello, length: 0x56, messageSeq: 0, fragmentOffset: 0 });
  t.is(hex(writeDatagram([r])), hex(bytes));
});

/** The protected records: first byte, epoch bits, raw (encrypted) sequence number, length. */
const protectedRecords: [string, number, number, number][] = [
  ['03-encext-shs-prot', 2, 0x79fa, 47],
  ['04-cert-shs-prot', 2, 0xed2b, 843],
  ['05-cverify-shs-prot', 2, 0xa43e, 289],
  ['06-fin-shs-prot', 2, 0x0bb8, 61],
  ['07-fin-chs-prot', 2, 0xc248, 61],
  ['08-ack-sap-prot', 3, 0x3150, 35],
  ['09-data-cap-prot', 3, 0x683f, 21],
  ['10-data-sap-prot', 3, 0xa258, 21],
  ['11-bye-sap-prot', 3, 0x690c, 19],
];

for (const [name, epochBits, seq, length] of protectedRecords) {
  sharedTest(`[RFC9147-4] ${name}: a unified header (C=0 S=1 L=1) re-encodes byte for byte`, [...caps, name], (t) => {
    const bytes = cap(name);
    t.is(bytes[0], 0x2c | epochBits, 'first byte 0b001011EE');
    const records = readDatagram(bytes);
    t.is(records.length, 1);
    const r = records[0] as UnifiedRecord;
    t.like(r, { format: 'unified', cid: undefined, sequenceNumberBits: 16, lengthPresent: true, epochBits, sequenceNumber: seq });
    t.is(r.encryptedRecord.length, length);
    t.is(hex(writeDatagram(records)), hex(bytes));
  });
}

const pcapPath = ['vectors', 'illustrated-dtls', 'captures', 'capture.pcap'];
sharedTest('[RFC9147-4] every datagram of the capture reads and re-encodes byte for byte', pcapPath, (t) => {
  const pcap = new Uint8Array(readFileSync(sharedPath(...pcapPath)));
  const { datagrams } = readCaptureUdp(pcap);
  t.is(datagrams.length, 11);
  const formats = datagrams.flatMap((d) => {
    const records = readDatagram(d.payload);
    t.is(hex(writeDatagram(records)), hex(d.payload));
    return records.map((r) => r.format);
  });
  t.deepEqual(formats, ['plaintext', 'plaintext', ...Array<string>(9).fill('unified')]);
});

sharedTest('[RFC9147-7] the server ACK, decrypted, acknowledges record {epoch 2, sequence 0}', [...caps, 'record-sack'], (t) => {
  const inner = cap('record-sack');
  t.is(inner[inner.length - 1], ContentType.ack, 'DTLSInnerPlaintext.type: ack');
  const content = inner.subarray(0, inner.length - 1);
  t.deepEqual(
    content,
    h(`
      00 10                   # record_numbers length: 16
      00 00 00 00 00 00 00 02 # record_numbers[0].epoch: 2
      00 00 00 00 00 00 00 00 # record_numbers[0].sequence_number: 0
    `),
  );
  const record = plaintext({ type: ContentType.ack, epoch: 3, fragment: content });
  const ack = ackOf(record);
  t.deepEqual(ack, { recordNumbers: [{ epoch: 2n, sequenceNumber: 0n }] });
  t.deepEqual(ackRecord(record, ack), record);
});

sharedTest('[RFC9147-5.5] decrypted handshake contents split into whole-message fragments', caps, (t) => {
  const expected: [string, number, number][] = [
    ['record-encext', HandshakeType.encrypted_extensions, 1],
    ['record-cert', HandshakeType.certificate, 2],
    ['record-cverify', HandshakeType.certificate_verify, 3],
    ['record-sfin', HandshakeType.finished, 4],
    ['record-cfin', HandshakeType.finished, 1],
  ];
  for (const [name, msgType, messageSeq] of expected) {
    const inner = cap(name);
    t.is(inner[inner.length - 1], ContentType.handshake, `${name}: inner type handshake`);
    const fragment = inner.subarray(0, inner.length - 1);
    const record = plaintext({ epoch: 2, fragment });
    const fragments = handshakeFragmentsOf(record);
    t.is(fragments.length, 1, name);
    t.like(fragments[0], { msgType, messageSeq, fragmentOffset: 0 }, name);
    t.is(fragments[0].body.length, fragments[0].length, `${name}: a whole message`);
    t.is(hex(handshakeRecord(record, fragments).fragment), hex(fragment), name);
  }
});

// ---- RFC 9147 Figure 4: the three header layouts, by hand

test('[RFC9147-4] Figure 4 DTLSPlaintext: every header field', (t) => {
  const bytes = h(`
    17                # type: application_data
    fe fd             # legacy_record_version
    00 01             # epoch: 1
    00 00 00 01 02 03 # sequence_number: 0x010203
    00 02             # length: 2
    aa bb             # fragment
  `);
  const m = decode(bytes, 'DTLSPlaintext', readDtlsPlaintext);
  t.deepEqual(m, { format: 'plaintext', type: 23, version: 0xfefd, epoch: 1, sequenceNumber: 0x010203, fragment: h('aabb') });
  t.is(hex(encode((w) => writeRecord(w, m))), hex(bytes));
});

test('[RFC9147-4] Figure 4 full DTLSCiphertext: CID, 16-bit sequence number, length', (t) => {
  const bytes = h(`
    3d                # 0b001 C=1 S=1 L=1 EE=01
    c1 c2 c3 c4       # connection ID (length 4 from context)
    12 34             # sequence_number as sent
    00 03             # length: 3
    e1 e2 e3          # encrypted_record
  `);
  const m = decode(bytes, 'Datagram', (r) => readRecord(r, { cidLength: 4 }));
  t.deepEqual(m, {
    format: 'unified',
    cid: h('c1c2c3c4'),
    sequenceNumberBits: 16,
    lengthPresent: true,
    epochBits: 1,
    sequenceNumber: 0x1234,
    encryptedRecord: h('e1e2e3'),
  });
  t.is(hex(encode((w) => writeRecord(w, m))), hex(bytes));
});

test('[RFC9147-4] Figure 4 minimal DTLSCiphertext: 8-bit sequence number, record runs to the datagram end', (t) => {
  const bytes = h(`
    22                # 0b001 C=0 S=0 L=0 EE=10
    7f                # sequence_number as sent
    e1 e2 e3 e4 e5    # encrypted_record: the rest of the datagram
  `);
  const records = readDatagram(bytes);
  t.deepEqual(records, [
    unified({ lengthPresent: false, epochBits: 2, sequenceNumber: 0x7f, encryptedRecord: h('e1e2e3e4e5') }),
  ]);
  t.is(hex(writeDatagram(records)), hex(bytes));
});

test('[RFC9146-4] a tls12_cid record: the CID sits after the sequence number, its length from context', (t) => {
  const bytes = h(`
    19                # type: tls12_cid
    fe fd             # version
    00 01             # epoch: 1
    00 00 00 00 00 07 # sequence_number: 7
    0a 0b 0c          # cid (length 3 from context)
    00 02             # length: 2
    ee ff             # enc_content
  `);
  const records = readDatagram(bytes, { cidLength: 3 });
  t.deepEqual(records, [
    { format: 'tls12_cid', version: 0xfefd, epoch: 1, sequenceNumber: 7, cid: h('0a0b0c'), encContent: h('eeff') },
  ]);
  t.is(hex(writeDatagram(records)), hex(bytes));
  t.is(decodeError(t, () => readDatagram(bytes)).path, 'Datagram.records[0].cid', 'no CID length known');
});

test('[RFC9147-4] several records in one datagram, each format, in order', (t) => {
  const records: DtlsRecord[] = [
    { format: 'plaintext', type: ContentType.alert, version: 0xfefd, epoch: 0, sequenceNumber: 5, fragment: h('0228') },
    { format: 'tls12_cid', version: 0xfefd, epoch: 1, sequenceNumber: 1, cid: h('0102'), encContent: h('aa') },
    unified({ cid: h('0102'), sequenceNumberBits: 16, epochBits: 3, sequenceNumber: 9, encryptedRecord: h('bb') }),
    unified({ lengthPresent: false, sequenceNumber: 1, encryptedRecord: h('cccc') }),
  ];
  const bytes = writeDatagram(records);
  t.deepEqual(readDatagram(bytes, { cidLength: 2 }), records);
});

test('[RFC9147-4] a record without a length swallows whatever follows it in the datagram', (t) => {
  const first = unified({ lengthPresent: false, sequenceNumber: 1, encryptedRecord: h('aa') });
  const second = plaintext();
  const bytes = writeDatagram([first, second]);
  const read = readDatagram(bytes);
  t.is(read.length, 1);
  t.is((read[0] as UnifiedRecord).encryptedRecord.length, 1 + 13);
  t.is(hex(writeDatagram(read)), hex(bytes));
});

test('a CID length outside 0..255 is a programming error (RangeError), not a decode error', (t) => {
  for (const cidLength of [-1, 1.5, 256]) {
    t.throws(() => readDatagram(h('16 fefd 0000 000000000000 0000'), { cidLength }), { instanceOf: RangeError });
  }
});

test('an empty datagram holds no records', (t) => {
  t.deepEqual(readDatagram(new Uint8Array(0)), []);
  t.is(writeDatagram([]).length, 0);
});

// ---- rejects

test('[RFC9147-4.1] a first byte that is neither a content type nor 0b001xxxxx is rejected by record index', (t) => {
  const ok = writeDatagram([
    plaintext({ fragment: h('00') }),
    unified({ encryptedRecord: h('00') }),
  ]);
  for (const first of [0x00, 0x13, 0x1b, 0x1f, 0x40, 0x80, 0xff]) {
    const e = decodeError(t, () => readDatagram(Uint8Array.from([...ok, first, 0xfe, 0xfd])));
    t.is(e.path, 'Datagram.records[2].type');
    t.is(e.offset, ok.length);
  }
});

test('truncated headers and short fragments name the field', (t) => {
  const bytes = h('16 fefd 0000 000000000000 0005 aabbccddee');
  const at = (n: number): string => decodeError(t, () => readDatagram(bytes.subarray(0, n))).path;
  t.is(at(2), 'Datagram.records[0].version');
  t.is(at(4), 'Datagram.records[0].epoch');
  t.is(at(10), 'Datagram.records[0].sequence_number');
  t.is(at(12), 'Datagram.records[0].fragment.<length>');
  t.is(at(17), 'Datagram.records[0].fragment');
  const unified = h('2c 0001 0004 aabb');
  t.is(decodeError(t, () => readDatagram(unified)).path, 'Datagram.records[0].encrypted_record');
  t.is(decodeError(t, () => readDatagram(h('30 01'))).path, 'Datagram.records[0].cid', 'C bit without a CID length');
  t.is(decodeError(t, () => readDatagram(h('30 01'), { cidLength: 4 })).path, 'Datagram.records[0].cid', 'CID truncated');
  t.is(decodeError(t, () => readDatagram(h('28 01'))).path, 'Datagram.records[0].sequence_number', '16-bit sequence number truncated');
});

test('a single-record decode rejects trailing bytes at the root', (t) => {
  const e = decodeError(t, () => decode(h('16 fefd 0000 000000000000 0000 99'), 'DTLSPlaintext', readDtlsPlaintext));
  t.is(e.path, 'DTLSPlaintext');
  t.regex(e.reason, /1 trailing byte/);
});

test('content helpers refuse a record of another content type', (t) => {
  const alert = plaintext({ type: ContentType.alert, fragment: h('0228') });
  t.is(decodeError(t, () => handshakeFragmentsOf(alert, 'Datagram.records[1]')).path, 'Datagram.records[1].type');
  t.is(decodeError(t, () => ackOf(alert)).path, 'DTLSPlaintext.type');
  const hs: DtlsPlaintext = { ...alert, type: ContentType.handshake, fragment: h('01 000010 0000 000000 000010 00') };
  t.is(decodeError(t, () => handshakeFragmentsOf(hs)).path, 'DTLSPlaintext.fragment.handshake[0].Handshake.body');
});

// ---- writers are permissive; only values that do not fit their field throw

test('writers forge what readers reject, and throw RangeError only for values that do not fit', (t) => {
  const unknownType = plaintext({ type: 0x63, version: 0x1234, epoch: 0xffff, sequenceNumber: 2 ** 48 - 1 });
  const forged = writeDatagram([unknownType]);
  t.is(hex(forged), '631234ffffffffffffffff0000');
  t.is(decodeError(t, () => readDatagram(forged)).path, 'Datagram.records[0].type');
  t.deepEqual(decode(forged, 'DTLSPlaintext', readDtlsPlaintext), unknownType, 'the single-record codec keeps any type');
  t.throws(() => writeDatagram([unified({ epochBits: 4 })]), { instanceOf: RangeError });
  t.throws(() => writeDatagram([unified({ sequenceNumber: 0x100 })]), { instanceOf: RangeError });
  t.throws(() => writeDatagram([unified({ sequenceNumberBits: 16, sequenceNumber: 0x10000 })]), { instanceOf: RangeError });
  t.throws(() => writeDatagram([{ ...unknownType, sequenceNumber: 2 ** 48 }]), { instanceOf: RangeError });
  t.throws(() => writeDatagram([{ ...unknownType, fragment: new Uint8Array(0x10000) }]), { instanceOf: RangeError });
});

// ---- the trace names every header field

test('a traced datagram read records each header field with its range; the first byte prints its bits', (t) => {
  t.is(RecordTypeByte.nameOf(0x2e), 'unified_hdr(C=0 S=1 L=1 E=2)');
  t.is(RecordTypeByte.nameOf(0x16), 'handshake');
  t.is(RecordTypeByte.nameOf(0x05), 'unknown(0x05)');
  const trace = new Trace();
  readDatagram(h('16 fefd 0000 000000000001 0001 aa  2d 0102 0001 bb'), { trace });
  t.deepEqual(
    trace.entries.map((e) => [e.path, e.start, e.end, e.value]),
    [
      ['Datagram.records[0].type', 0, 1, 'handshake (0x16)'],
      ['Datagram.records[0].version', 1, 3, 'DTLSv1_2 (0xfefd)'],
      ['Datagram.records[0].epoch', 3, 5, '0 (0x0000)'],
      ['Datagram.records[0].sequence_number', 5, 11, '1 (0x000000000001)'],
      ['Datagram.records[0].fragment.<length>', 11, 13, '1 (0x0001)'],
      ['Datagram.records[0].fragment', 13, 14, 'aa'],
      ['Datagram.records[1].type', 14, 15, 'unified_hdr(C=0 S=1 L=1 E=1) (0x2d)'],
      ['Datagram.records[1].sequence_number', 15, 17, '258 (0x0102)'],
      ['Datagram.records[1].encrypted_record.<length>', 17, 19, '1 (0x0001)'],
      ['Datagram.records[1].encrypted_record', 19, 20, 'bb'],
    ],
  );
});

// ---- the scanner (the record layer's reader) reads as readRecord does

/** readRecord's reading of a datagram: the records, or the error. */
function readByReader(bytes: Uint8Array, cidLength: number | undefined): DtlsRecord[] | DecodeError {
  try {
    return decode(bytes, 'Datagram', (r) => readRecords(r, { cidLength }));
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}

/** Datagrams of every record format, cut short and with bytes overwritten, and plain random bytes. */
const arbDamagedDatagram = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(undefined, 0, 4),
      fc.constantFrom(undefined, 0, 4),
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
    )
    .chain(([writtenWith, readWith, cut, edits]) =>
      arbDatagram(writtenWith).map((records) => {
        const whole = writeDatagram(records);
        const bytes = whole.slice(0, whole.length === 0 ? 0 : cut % (whole.length + 1));
        for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
        return { bytes, cidLength: readWith };
      }),
    ),
  fc.record({ bytes: fc.uint8Array({ maxLength: 40 }), cidLength: fc.constantFrom(undefined, 0, 1, 4) }),
);

test('[RFC6347-4.1] the record scanner reads every datagram as readRecord does: the same records, or the same rejection', (t) => {
  let rejected = 0;
  let accepted = 0;
  fc.assert(
    fc.property(arbDamagedDatagram, ({ bytes, cidLength }) => {
      const scanned = scanDatagram(bytes, { cidLength });
      const read = readByReader(bytes, cidLength);
      if (scanned instanceof RecordRejection) {
        rejected++;
        if (!(read instanceof DecodeError)) return false;
        const e = scanned.toDecodeError();
        t.is(e.message, read.message);
        return e.path === read.path && e.offset === read.offset && e.reason === read.reason;
      }
      accepted++;
      t.deepEqual(scanned, read);
      return !(read instanceof DecodeError);
    }),
    { seed: SEED, numRuns: 3000 },
  );
  t.true(rejected > 500 && accepted > 500, `${accepted} accepted, ${rejected} rejected`);
});

test('a rejection says whether the datagram ended inside the record', (t) => {
  const whole = h('16 fefd 0000 000000000000 0002 aabb');
  for (let n = 1; n < whole.length; n++) {
    const r = scanDatagram(whole.subarray(0, n));
    t.true(r instanceof RecordRejection && r.truncated, `cut at ${n}`);
  }
  const noCid = scanDatagram(h('19 fefd 0001 000000000001 00000000 0000'));
  t.true(noCid instanceof RecordRejection && !noCid.truncated && noCid.field === 'cid');
  const badType = scanDatagram(h('ff fefd'));
  t.true(badType instanceof RecordRejection && !badType.truncated && badType.field === 'type');
});

// ---- round trips over the arbitraries (the generic suite in properties.test.ts goes further)

for (const c of recordCases) {
  test(`${c.codec.name}: read(write(m)) deep-equals m and re-encodes byte for byte`, (t) => {
    fc.assert(
      fc.property(c.arbitrary, (m) => {
        const bytes = encode((w) => c.codec.write(w, m));
        const r = Reader.from(bytes, c.codec.name);
        const back = c.codec.read(r);
        r.done();
        t.deepEqual(back, m);
        t.is(hex(encode((w) => c.codec.write(w, back))), hex(bytes));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
}
