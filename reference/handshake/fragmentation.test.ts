/**
 * RFC 6347 §4.2.3 fragmentation: every fragment fits its budget, the fragments tile the message,
 * and the reassembler puts them back together in any order.
 */
import test from 'ava';
import * as fc from 'fast-check';
import { encode } from '../wire/writer.ts';
import { HANDSHAKE_HEADER_LENGTH, isWholeMessage, writeHandshakeFragment, type HandshakeFragment } from '../wire/handshake-header.ts';
import { fragmentMessage } from './fragmentation.ts';
import { Reassembler, type WholeHandshakeMessage } from './reassembly.ts';
import { assertProperty } from '../../testkit/property.ts';

const CERTIFICATE = 11;

function bodyOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i & 0xff);
}

function encodedSize(f: HandshakeFragment): number {
  return encode((w) => writeHandshakeFragment(w, f)).length;
}

function reassemble(fragments: readonly HandshakeFragment[], nextSeq: number): WholeHandshakeMessage | undefined {
  const r = new Reassembler({ nextSeq });
  for (const f of fragments) r.add(f);
  return r.poll();
}

test('[RFC6347-4.2.3-fragment] a message that fits is one whole fragment at offset 0', (t) => {
  const body = bodyOf(100);
  const fragments = fragmentMessage({ msgType: CERTIFICATE, messageSeq: 3, body }, 112);
  t.is(fragments.length, 1);
  t.true(isWholeMessage(fragments[0]));
  t.deepEqual(fragments[0], { msgType: CERTIFICATE, length: 100, messageSeq: 3, fragmentOffset: 0, body });
  t.is(encodedSize(fragments[0]), 112);
});

test('[RFC6347-4.2.3-fragment] fragments are contiguous, in order, and carry the whole message\'s header fields', (t) => {
  const fragments = fragmentMessage({ msgType: CERTIFICATE, messageSeq: 2, body: bodyOf(25) }, HANDSHAKE_HEADER_LENGTH + 10);
  t.deepEqual(
    fragments.map((f) => [f.msgType, f.length, f.messageSeq, f.fragmentOffset, f.body.length]),
    [
      [CERTIFICATE, 25, 2, 0, 10],
      [CERTIFICATE, 25, 2, 10, 10],
      [CERTIFICATE, 25, 2, 20, 5],
    ],
  );
});

test('[RFC6347-4.2.3-fragment] an empty body gives one empty fragment', (t) => {
  const fragments = fragmentMessage({ msgType: 14, messageSeq: 0, body: new Uint8Array(0) }, HANDSHAKE_HEADER_LENGTH);
  t.deepEqual(fragments, [{ msgType: 14, length: 0, messageSeq: 0, fragmentOffset: 0, body: new Uint8Array(0) }]);
  t.deepEqual(reassemble(fragments, 0), { msgType: 14, messageSeq: 0, body: new Uint8Array(0) });
});

test('[RFC6347-4.2.3-fragment] fragments do not share the caller\'s buffer', (t) => {
  const body = bodyOf(30);
  const fragments = fragmentMessage({ msgType: CERTIFICATE, messageSeq: 0, body }, 22);
  body[0] = 0xff;
  t.is(fragments[0].body[0], 0);
});

test('[RFC6347-4.2.3-fragment] a budget too small for the 12-byte header is refused', (t) => {
  const message = { msgType: CERTIFICATE, messageSeq: 0, body: bodyOf(10) };
  t.throws(() => fragmentMessage(message, 11), {
    instanceOf: RangeError,
    message: 'fragment budget 11 is too small for the 12-byte handshake header',
  });
  t.throws(() => fragmentMessage(message, 12), {
    instanceOf: RangeError,
    message: 'fragment budget 12 leaves no room for body bytes after the 12-byte handshake header',
  });
  t.throws(() => fragmentMessage(message, 20.5), { instanceOf: RangeError, message: /fragment budget 20.5/ });
  t.notThrows(() => fragmentMessage({ ...message, body: new Uint8Array(0) }, 12), 'an empty body needs only the header');
});

test('[RFC6347-4.2.3-fragment] header fields that do not fit the wire are refused', (t) => {
  t.throws(() => fragmentMessage({ msgType: CERTIFICATE, messageSeq: 65_536, body: bodyOf(1) }, 100), {
    instanceOf: RangeError,
    message: 'message_seq 65536 does not fit 16 bits',
  });
  t.throws(() => fragmentMessage({ msgType: 256, messageSeq: 0, body: bodyOf(1) }, 100), {
    instanceOf: RangeError,
    message: 'msg_type 256 does not fit 8 bits',
  });
});

test('[RFC6347-4.2.3-fragment][RFC6347-4.2.3-reassembly] for any body and budget: each fragment fits, they tile the body, and they reassemble in any order', (t) => {
  const arb = fc
    .record({
      msgType: fc.integer({ min: 0, max: 255 }),
      messageSeq: fc.integer({ min: 0, max: 0xffff }),
      body: fc.uint8Array({ maxLength: 3_000 }),
      budget: fc.integer({ min: HANDSHAKE_HEADER_LENGTH + 1, max: 1_500 }),
    })
    .chain((m) => {
      const fragments = fragmentMessage(m, m.budget);
      return fc.record({
        message: fc.constant<WholeHandshakeMessage>({ msgType: m.msgType, messageSeq: m.messageSeq, body: m.body }),
        budget: fc.constant(m.budget),
        fragments: fc.constant(fragments),
        arrival: fc.shuffledSubarray(fragments, { minLength: fragments.length, maxLength: fragments.length }),
      });
    });
  const property = fc.property(arb, ({ message, budget, fragments, arrival }) => {
    let expectedOffset = 0;
    for (const f of fragments) {
      if (encodedSize(f) > budget) return false;
      if (f.fragmentOffset !== expectedOffset || f.length !== message.body.length) return false;
      if (f.msgType !== message.msgType || f.messageSeq !== message.messageSeq) return false;
      if (f.body.length === 0 && message.body.length > 0) return false;
      expectedOffset += f.body.length;
    }
    if (expectedOffset !== message.body.length) return false;
    const minimal = Math.max(1, Math.ceil(message.body.length / (budget - HANDSHAKE_HEADER_LENGTH)));
    if (fragments.length !== minimal) return false;
    const out = reassemble(arrival, message.messageSeq);
    return (
      out !== undefined &&
      out.msgType === message.msgType &&
      out.messageSeq === message.messageSeq &&
      out.body.length === message.body.length &&
      out.body.every((b, i) => b === message.body[i])
    );
  });
  assertProperty(t, property, 200);
});

test('[RFC6347-4.2.3-overlap] a message refragmented with a smaller budget (a PMTU change) still reassembles from a mix of both', (t) => {
  const message: WholeHandshakeMessage = { msgType: CERTIFICATE, messageSeq: 0, body: bodyOf(1_000) };
  const large = fragmentMessage(message, 412);
  const small = fragmentMessage(message, 112);
  const r = new Reassembler();
  r.add(large[0]);
  for (const f of small.slice(5)) r.add(f);
  t.is(r.poll(), undefined, 'bytes 0..399 and 500..999 are held, 400..499 are missing');
  r.add(large[1]);
  t.deepEqual(r.poll(), message);
});
