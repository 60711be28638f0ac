/** The server's ClientHellos before the cookie checks out: reassembly, and the numbers left after it. */
import test from 'ava';
import { LAST_ANSWERABLE_HELLO_MESSAGE_SEQ, LAST_ANSWERABLE_HELLO_SEQ, StatelessHellos } from './engine-hello.ts';
import type { HandshakeFragment } from './wire/handshake-header.ts';
import { HandshakeType } from './wire/enums.ts';

const body = Uint8Array.from({ length: 40 }, (_, i) => i);

function fragment(messageSeq: number, offset: number, end: number, length = body.length): HandshakeFragment {
  return { msgType: HandshakeType.client_hello, length, messageSeq, fragmentOffset: offset, body: body.slice(offset, end) };
}

test('[RFC6347-4.2.1-cookie] a whole ClientHello is let through as it is', (t) => {
  const h = new StatelessHellos(1000);
  t.deepEqual(h.take(fragment(1, 0, 40), 5), { msgType: HandshakeType.client_hello, messageSeq: 1, body });
  t.is(h.unanswerable, 0);
});

test('[RFC6347-4.2.3-reassembly] a fragmented ClientHello is reassembled; a fragment of another message_seq starts over', (t) => {
  const h = new StatelessHellos(1000);
  t.is(h.take(fragment(0, 0, 20), 0), undefined);
  t.deepEqual(h.take(fragment(0, 20, 40), 1)?.body, body);
  t.is(h.take(fragment(1, 0, 20), 2), undefined);
  t.is(h.take(fragment(2, 20, 40), 3), undefined, 'the half of message 1 is dropped for message 2');
  t.deepEqual(h.take(fragment(2, 0, 20), 4)?.body, body);
  t.is(h.take(fragment(3, 0, 20), 5), undefined);
  h.forget();
  t.is(h.take(fragment(3, 20, 40), 6), undefined, 'forget() drops a half-reassembled ClientHello');
});

test('[RFC6347-4.2.2-message-seq] a ClientHello whose handshake would run out of record or message numbers is dropped and counted', (t) => {
  const h = new StatelessHellos(1000);
  t.truthy(h.take(fragment(LAST_ANSWERABLE_HELLO_MESSAGE_SEQ, 0, 40), LAST_ANSWERABLE_HELLO_SEQ));
  t.is(h.unanswerable, 0);
  t.is(h.take(fragment(LAST_ANSWERABLE_HELLO_MESSAGE_SEQ + 1, 0, 40), 0), undefined);
  t.is(h.take(fragment(0, 0, 40), LAST_ANSWERABLE_HELLO_SEQ + 1), undefined);
  t.is(h.take(fragment(0xffff, 0, 20), 0), undefined);
  t.is(h.unanswerable, 2, 'a fragment is counted once its ClientHello is whole');
  t.is(h.take(fragment(0xffff, 20, 40), 1), undefined);
  t.is(h.unanswerable, 3);
});

test('a ClientHello longer than the bound is not buffered', (t) => {
  const h = new StatelessHellos(30);
  t.is(h.take(fragment(0, 0, 20), 0), undefined);
  t.is(h.take(fragment(0, 20, 40), 1), undefined);
  t.is(h.unanswerable, 0);
});
