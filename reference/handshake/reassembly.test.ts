/**
 * RFC 6347 §4.2.3 reassembly: unit tests for every outcome, and seeded property tests (arrival
 * order, overlaps and duplicates do not change the output; memory bounds hold under junk).
 */
import test from 'ava';
import * as fc from 'fast-check';
import type { HandshakeFragment } from '../wire/handshake-header.ts';
import { Reassembler, type FragmentDrop, type FragmentRejection, type ReassemblyCounters, type WholeHandshakeMessage } from './reassembly.ts';
import { assertProperty } from '../../testkit/property.ts';

const CLIENT_HELLO = 1;
const CERTIFICATE = 11;

function frag(messageSeq: number, msgType: number, length: number, fragmentOffset: number, body: number[]): HandshakeFragment {
  return { msgType, length, messageSeq, fragmentOffset, body: Uint8Array.from(body) };
}

/** Every message ready now. */
function drain(r: Reassembler): WholeHandshakeMessage[] {
  const out: WholeHandshakeMessage[] = [];
  for (let m = r.poll(); m !== undefined; m = r.poll()) out.push(m);
  return out;
}

function message(messageSeq: number, msgType: number, body: number[]): WholeHandshakeMessage {
  return { msgType, messageSeq, body: Uint8Array.from(body) };
}

/** How many fragments the counters account for: every fragment moves exactly one of them. */
function fragmentsCounted(c: ReassemblyCounters): number {
  const sum = (record: Readonly<Record<string, number>>): number => Object.values(record).reduce((a, b) => a + b, 0);
  return c.accepted + c.duplicates + c.retransmissions + sum(c.rejected) + sum(c.dropped);
}

// ---------------------------------------------------------------------------------------------
// Unit tests

test('[RFC6347-4.2.3-reassembly] an unfragmented message comes out whole', (t) => {
  const r = new Reassembler();
  t.deepEqual(r.add(frag(0, CLIENT_HELLO, 3, 0, [1, 2, 3])), { kind: 'accepted' });
  t.deepEqual(drain(r), [message(0, CLIENT_HELLO, [1, 2, 3])]);
  t.is(r.nextSeq, 1);
  t.is(r.bufferedBytes, 0);
  t.is(r.counters.deliveredMessages, 1);
});

test('[RFC6347-4.2.3-reassembly] fragments out of order, overlapping: the message is held until whole', (t) => {
  const r = new Reassembler();
  t.is(r.add(frag(0, CERTIFICATE, 8, 5, [5, 6, 7])).kind, 'accepted');
  t.is(r.add(frag(0, CERTIFICATE, 8, 0, [0, 1, 2])).kind, 'accepted');
  t.is(r.poll(), undefined, 'bytes 3..4 are missing');
  t.is(r.bufferedBytes, 8);
  t.is(r.add(frag(0, CERTIFICATE, 8, 2, [2, 3, 4, 5])).kind, 'accepted', 'overlaps both neighbours');
  t.deepEqual(drain(r), [message(0, CERTIFICATE, [0, 1, 2, 3, 4, 5, 6, 7])]);
  t.is(r.bufferedBytes, 0);
});

test('[RFC6347-4.2.2-next-receive-seq] messages come out in message_seq order, a later one waits for an earlier one', (t) => {
  const r = new Reassembler();
  r.add(frag(1, CERTIFICATE, 1, 0, [0xbb]));
  t.is(r.poll(), undefined);
  t.is(r.bufferedMessages, 1);
  r.add(frag(0, CLIENT_HELLO, 1, 0, [0xaa]));
  t.deepEqual(drain(r), [message(0, CLIENT_HELLO, [0xaa]), message(1, CERTIFICATE, [0xbb])]);
});

test('[RFC6347-4.2.3-reassembly] an empty body is a whole message from one empty fragment', (t) => {
  const r = new Reassembler();
  t.deepEqual(r.add(frag(0, 14, 0, 0, [])), { kind: 'accepted' });
  t.deepEqual(drain(r), [message(0, 14, [])]);
});

test('[RFC6347-4.2.3-overlap] a fragment whose bytes are all held already is a duplicate', (t) => {
  const r = new Reassembler();
  r.add(frag(0, CERTIFICATE, 6, 0, [0, 1, 2, 3]));
  t.deepEqual(r.add(frag(0, CERTIFICATE, 6, 1, [1, 2])), { kind: 'duplicate' });
  t.deepEqual(r.add(frag(0, CERTIFICATE, 6, 0, [0, 1, 2, 3])), { kind: 'duplicate' });
  t.deepEqual(r.add(frag(0, CERTIFICATE, 6, 4, [])), { kind: 'duplicate' }, 'an empty fragment adds nothing');
  t.deepEqual(r.add(frag(1, CERTIFICATE, 6, 4, [])), { kind: 'duplicate' }, 'nor does it open a new message');
  t.is(r.bufferedMessages, 1);
  t.is(r.counters.duplicates, 4);
});

test('[RFC6347-4.2.2-next-receive-seq] a fragment of a completed message is a retransmission, not buffered', (t) => {
  const r = new Reassembler();
  r.add(frag(0, CLIENT_HELLO, 2, 0, [1, 2]));
  drain(r);
  t.deepEqual(r.add(frag(0, CLIENT_HELLO, 2, 1, [2])), { kind: 'retransmission', messageSeq: 0 });
  t.deepEqual(r.add(frag(0, CERTIFICATE, 9, 0, [])), { kind: 'retransmission', messageSeq: 0 }, 'whatever its contents');
  t.is(r.bufferedBytes, 0);
  t.is(r.counters.retransmissions, 2);
});

test('[RFC6347-4.2.2-next-receive-seq] a server that sent a stateless HelloVerifyRequest starts at message_seq 1', (t) => {
  const r = new Reassembler({ nextSeq: 1 });
  t.deepEqual(r.add(frag(0, CLIENT_HELLO, 1, 0, [7])), { kind: 'retransmission', messageSeq: 0 });
  r.add(frag(1, CLIENT_HELLO, 1, 0, [8]));
  t.deepEqual(drain(r), [message(1, CLIENT_HELLO, [8])]);
});

const rejectionCases: readonly { reason: FragmentRejection; title: string; second: HandshakeFragment }[] = [
  { reason: 'msg-type-mismatch', title: 'msg_type differs from an earlier fragment', second: frag(0, CLIENT_HELLO, 4, 2, [2, 3]) },
  { reason: 'length-mismatch', title: 'length differs from an earlier fragment', second: frag(0, CERTIFICATE, 5, 2, [2, 3]) },
  { reason: 'out-of-bounds', title: 'fragment_offset + fragment_length exceeds length', second: frag(0, CERTIFICATE, 4, 3, [3, 4]) },
  { reason: 'conflicting-bytes', title: 'overlapping bytes differ from those held', second: frag(0, CERTIFICATE, 4, 1, [9, 2, 3]) },
  { reason: 'malformed', title: 'a forged header field outside its wire range', second: frag(0, CERTIFICATE, 4, -1, [2, 3]) },
];

for (const { reason, title, second } of rejectionCases) {
  test(`[RFC6347-4.2.3-length-consistent] rejected (${reason}): ${title}; counted, not fatal`, (t) => {
    const r = new Reassembler();
    r.add(frag(0, CERTIFICATE, 4, 0, [0, 1]));
    t.deepEqual(r.add(second), { kind: 'rejected', reason });
    t.is(r.counters.rejected[reason], 1);
    t.is(r.poll(), undefined);
    t.is(r.add(frag(0, CERTIFICATE, 4, 2, [2, 3])).kind, 'accepted', 'the message still completes');
    t.deepEqual(drain(r), [message(0, CERTIFICATE, [0, 1, 2, 3])]);
  });
}

test('[RFC6347-4.2.3-length-consistent] out of bounds on a first fragment opens no message', (t) => {
  const r = new Reassembler();
  t.deepEqual(r.add(frag(0, CERTIFICATE, 2, 1, [1, 2])), { kind: 'rejected', reason: 'out-of-bounds' });
  t.deepEqual(r.add(frag(0, CERTIFICATE, 0, 1, [])), { kind: 'rejected', reason: 'out-of-bounds' });
  t.is(r.bufferedMessages, 0);
  t.is(r.bufferedBytes, 0);
});

const dropCases: readonly { reason: FragmentDrop; title: string; run: (r: Reassembler) => HandshakeFragment }[] = [
  { reason: 'message-too-long', title: 'length over maxMessageLength', run: () => frag(0, CERTIFICATE, 101, 0, [1]) },
  { reason: 'beyond-window', title: 'message_seq at nextSeq + maxBufferedMessages', run: () => frag(3, CERTIFICATE, 1, 0, [1]) },
  {
    reason: 'buffer-full',
    title: 'no room within maxBufferedBytes, and nothing further ahead to evict',
    run: (r) => {
      r.add(frag(0, CERTIFICATE, 100, 0, [1]));
      r.add(frag(1, CERTIFICATE, 100, 0, [1]));
      return frag(2, CERTIFICATE, 100, 0, [1]);
    },
  },
  {
    reason: 'too-fragmented',
    title: 'more separate ranges than maxRangesPerMessage',
    run: (r) => {
      r.add(frag(0, CERTIFICATE, 10, 0, [1]));
      r.add(frag(0, CERTIFICATE, 10, 2, [1]));
      r.add(frag(0, CERTIFICATE, 10, 4, [1]));
      return frag(0, CERTIFICATE, 10, 6, [1]);
    },
  },
];

for (const { reason, title, run } of dropCases) {
  test(`[RFC6347-4.2.2-queue-future] dropped (${reason}): ${title}; counted, not fatal`, (t) => {
    const r = new Reassembler({ maxMessageLength: 100, maxBufferedMessages: 3, maxBufferedBytes: 250, maxRangesPerMessage: 3 });
    const fragment = run(r);
    const held = r.bufferedBytes;
    t.deepEqual(r.add(fragment), { kind: 'dropped', reason });
    t.is(r.counters.dropped[reason], 1);
    t.is(r.bufferedBytes, held, 'nothing more is held');
  });
}

test('[RFC6347-4.2.3-overlap] a fragment bridging ranges merges them, so the range count stays bounded', (t) => {
  const r = new Reassembler({ maxRangesPerMessage: 2 });
  r.add(frag(0, CERTIFICATE, 6, 0, [0]));
  r.add(frag(0, CERTIFICATE, 6, 2, [2]));
  t.deepEqual(r.add(frag(0, CERTIFICATE, 6, 4, [4])), { kind: 'dropped', reason: 'too-fragmented' });
  t.is(r.add(frag(0, CERTIFICATE, 6, 0, [0, 1, 2, 3])).kind, 'accepted', 'merges [0,1) and [2,3) into [0,4)');
  t.is(r.add(frag(0, CERTIFICATE, 6, 5, [5])).kind, 'accepted', 'room for a second range again');
  t.is(r.add(frag(0, CERTIFICATE, 6, 4, [4])).kind, 'accepted');
  t.deepEqual(drain(r), [message(0, CERTIFICATE, [0, 1, 2, 3, 4, 5])]);
});

test('[RFC6347-4.2.2-queue-future] later messages are evicted, furthest first, to make room for an earlier one', (t) => {
  const r = new Reassembler({ maxMessageLength: 100, maxBufferedMessages: 8, maxBufferedBytes: 200 });
  r.add(frag(2, CERTIFICATE, 100, 0, [2]));
  r.add(frag(3, CERTIFICATE, 100, 0, [3]));
  t.is(r.bufferedBytes, 200);
  t.is(r.add(frag(0, CLIENT_HELLO, 50, 0, [0])).kind, 'accepted');
  t.is(r.counters.evictedMessages, 1);
  t.is(r.bufferedBytes, 150);
  t.deepEqual(r.add(frag(3, CERTIFICATE, 100, 1, [3])), { kind: 'dropped', reason: 'buffer-full' }, 'message 3 was the one evicted');
  t.is(r.add(frag(2, CERTIFICATE, 100, 1, [2])).kind, 'accepted', 'message 2 is still held');
});

test('[RFC6347-4.2.2-queue-future] whole messages not yet polled count against maxBufferedBytes', (t) => {
  const r = new Reassembler({ maxMessageLength: 100, maxBufferedBytes: 150 });
  r.add(frag(0, CLIENT_HELLO, 100, 0, new Array<number>(100).fill(1)));
  t.is(r.bufferedBytes, 100);
  t.is(r.bufferedMessages, 0, 'it is whole, waiting for poll');
  t.deepEqual(r.add(frag(1, CERTIFICATE, 100, 0, [1])), { kind: 'dropped', reason: 'buffer-full' });
  t.is(r.poll()?.messageSeq, 0);
  t.is(r.bufferedBytes, 0);
  t.is(r.add(frag(1, CERTIFICATE, 100, 0, [1])).kind, 'accepted');
});

test('options are checked at the boundary with exact messages', (t) => {
  t.throws(() => new Reassembler({ nextSeq: 65_536 }), { instanceOf: RangeError, message: 'nextSeq must be a message_seq (0..65535), got 65536' });
  t.throws(() => new Reassembler({ maxBufferedMessages: 0 }), {
    instanceOf: RangeError,
    message: 'maxBufferedMessages must be an integer of at least 1, got 0',
  });
  t.throws(() => new Reassembler({ maxMessageLength: 2_000, maxBufferedBytes: 1_000 }), {
    instanceOf: RangeError,
    message: 'maxMessageLength (2000) exceeds maxBufferedBytes (1000): such a message could never be held',
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

function sameMessages(a: readonly WholeHandshakeMessage[], b: readonly WholeHandshakeMessage[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (m, i) =>
        m.msgType === b[i].msgType &&
        m.messageSeq === b[i].messageSeq &&
        m.body.length === b[i].body.length &&
        m.body.every((x, j) => x === b[i].body[j]),
    )
  );
}

const messagesArb = fc.array(fc.record({ msgType: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 300 }) }), {
  minLength: 1,
  maxLength: 6,
});

/** Contiguous fragments cut at `cuts`, plus overlapping extras [a, b) anywhere in the body. */
function fragmentsOf(m: WholeHandshakeMessage, cuts: number[], extras: [number, number][]): HandshakeFragment[] {
  const length = m.body.length;
  const points = [...new Set([0, ...cuts.filter((c) => c > 0 && c < length), length])].sort((a, b) => a - b);
  const ranges: [number, number][] = points.length === 1 ? [[0, 0]] : points.slice(1).map((end, i) => [points[i], end]);
  for (const [a, b] of extras) ranges.push([Math.min(a, b), Math.max(a, b)]);
  return ranges.map(([start, end]) => ({
    msgType: m.msgType,
    length,
    messageSeq: m.messageSeq,
    fragmentOffset: start,
    body: m.body.slice(start, end),
  }));
}

/** Messages 0..n-1, and all their fragments shuffled, with some duplicated anywhere. */
const scenarioArb = messagesArb
  .chain((raw) => {
    const messages = raw.map((m, seq) => ({ msgType: m.msgType, messageSeq: seq, body: m.body }));
    const perMessage = messages.map((m) =>
      fc
        .record({
          cuts: fc.array(fc.nat(m.body.length), { maxLength: 12 }),
          extras: fc.array(fc.tuple(fc.nat(m.body.length), fc.nat(m.body.length)), { maxLength: 4 }),
        })
        .map(({ cuts, extras }) => fragmentsOf(m, cuts, extras)),
    );
    return fc.tuple(fc.constant(messages), fc.tuple(...perMessage));
  })
  .chain(([messages, perMessage]) => {
    const all = perMessage.flat();
    return fc.record({
      messages: fc.constant(messages),
      fragments: fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
      duplicates: fc.array(fc.tuple(fc.nat(all.length - 1), fc.nat()), { maxLength: 10 }),
      pollEagerly: fc.boolean(),
    });
  })
  .map(({ messages, fragments, duplicates, pollEagerly }) => {
    const arrival = [...fragments];
    for (const [which, where] of duplicates) arrival.splice(where % (arrival.length + 1), 0, fragments[which]);
    return { messages, arrival, pollEagerly };
  });

test('[RFC6347-4.2.3-reassembly][RFC6347-4.2.3-overlap] any arrival order, overlaps and duplicates: the messages come out whole and in order', (t) => {
  const property = fc.property(scenarioArb, ({ messages, arrival, pollEagerly }) => {
    const r = new Reassembler({ maxBufferedMessages: 8 });
    const out: WholeHandshakeMessage[] = [];
    for (const f of arrival) {
      const outcome = r.add(f);
      if (outcome.kind !== 'accepted' && outcome.kind !== 'duplicate' && outcome.kind !== 'retransmission') return false;
      if (pollEagerly) out.push(...drain(r));
    }
    out.push(...drain(r));
    if (!sameMessages(out, messages)) return false;
    const counters = r.counters;
    // Retransmissions of the last flight are recognised as such and keep nothing.
    for (const f of arrival.slice(0, 3)) if (r.add(f).kind !== 'retransmission') return false;
    return (
      r.nextSeq === messages.length &&
      r.bufferedBytes === 0 &&
      r.bufferedMessages === 0 &&
      counters.deliveredMessages === messages.length &&
      fragmentsCounted(counters) === arrival.length
    );
  });
  assertProperty(t, property, 300);
});

/** The shape junk fragments of each message_seq usually claim, so that fragments meet and messages complete. */
const JUNK_SHAPES: readonly { msgType: number; length: number }[] = [
  { msgType: 1, length: 3 },
  { msgType: 2, length: 480 },
  { msgType: 11, length: 0 },
  { msgType: 12, length: 300 },
  { msgType: 14, length: 40 },
  { msgType: 16, length: 480 },
  { msgType: 20, length: 300 },
  { msgType: 11, length: 470 },
];

/**
 * Junk that often looks right: most fragments claim their message_seq's usual shape and carry bytes
 * of one pattern per message (overlaps agree, messages complete, the window moves); the rest carry
 * a random msg_type, length (up to 2^24 - 1), offset, size or bytes.
 */
/** `arb` one time in six, undefined otherwise. */
function sometimes<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: arb, weight: 1 });
}

const junkArb = fc
  .record({
    messageSeq: fc.nat(JUNK_SHAPES.length - 1),
    offsetPermille: fc.nat(1000),
    sizePermille: fc.nat(1000),
    msgType: sometimes(fc.integer({ min: 0, max: 255 })),
    length: sometimes(fc.oneof(fc.nat(700), fc.constant(0xffffff))),
    overshoot: sometimes(fc.integer({ min: 1, max: 50 })),
    noise: sometimes(fc.uint8Array({ maxLength: 200 })),
  })
  .map((j): HandshakeFragment => {
    const shape = JUNK_SHAPES[j.messageSeq];
    const length = j.length ?? shape.length;
    const fragmentOffset = Math.floor((Math.min(length, 1000) * j.offsetPermille) / 1000);
    const size = Math.floor(((Math.min(length, 1000) - Math.min(fragmentOffset, 1000)) * j.sizePermille) / 1000) + (j.overshoot ?? 0);
    const pattern = Uint8Array.from({ length: Math.max(0, size) }, (_, i) => (j.messageSeq * 31 + fragmentOffset + i) & 0xff);
    return { msgType: j.msgType ?? shape.msgType, length, messageSeq: j.messageSeq, fragmentOffset, body: j.noise ?? pattern };
  });

test('[RFC6347-4.2.2-queue-future] under arbitrary junk fragments the memory bounds hold and nothing throws', (t) => {
  const limits = { maxMessageLength: 500, maxBufferedMessages: 4, maxBufferedBytes: 1_000, maxRangesPerMessage: 6 };
  const property = fc.property(fc.array(junkArb, { minLength: 20, maxLength: 300, size: 'max' }), fc.boolean(), (junk, pollEagerly) => {
    const r = new Reassembler(limits);
    let lastSeq = -1;
    for (const f of junk) {
      r.add(f);
      if (r.bufferedBytes > limits.maxBufferedBytes || r.bufferedMessages > limits.maxBufferedMessages) return false;
      if (r.bufferedBytes < 0) return false;
      if (!pollEagerly) continue;
      for (const m of drain(r)) {
        if (m.messageSeq !== lastSeq + 1) return false;
        lastSeq = m.messageSeq;
      }
    }
    return fragmentsCounted(r.counters) === junk.length;
  });
  assertProperty(t, property, 300);
});
