import test from 'ava';
import { annotate, renderDump } from './dump.ts';
import { readHandshakeFragment } from './handshake-header.ts';

// A HelloVerifyRequest handshake header with a 3-byte body, then one stray byte.
const bytes = Uint8Array.from([
  0x03, //             msg_type: hello_verify_request
  0x00, 0x00, 0x03, // length: 3
  0x00, 0x00, //       message_seq: 0
  0x00, 0x00, 0x00, // fragment_offset: 0
  0x00, 0x00, 0x03, // fragment_length: 3
  0xfe, 0xff, 0x00, // body
]);

test('the annotated dump names each field with its offset, bytes, value and RFC section', (t) => {
  const a = annotate(bytes, 'Record', readHandshakeFragment);
  t.is(a.error, undefined);
  const text = renderDump(a);
  const lines = text.split('\n');
  t.regex(lines[0], /^0000 +Handshake \(15 bytes\) +\[RFC 6347 §4\.2\.2\]$/);
  t.regex(lines[1], /^0000  03 +msg_type = hello_verify_request \(0x03\)$/);
  t.regex(lines[2], /^0001  00 00 03 +length = 3 \(0x000003\)$/);
  t.regex(text, /000c  fe ff 00 +body = feff00/);
  t.deepEqual(
    a.entries.filter((e) => !e.isStruct).map((e) => [e.path, e.start, e.end]),
    [
      ['Record.Handshake.msg_type', 0, 1],
      ['Record.Handshake.length', 1, 4],
      ['Record.Handshake.message_seq', 4, 6],
      ['Record.Handshake.fragment_offset', 6, 9],
      ['Record.Handshake.fragment_length', 9, 12],
      ['Record.Handshake.body', 12, 15],
    ],
  );
});

test('a dump of malformed bytes shows what was read and where it failed', (t) => {
  const a = annotate(bytes.subarray(0, 13), 'Record', readHandshakeFragment);
  t.is(a.value, undefined);
  t.is(a.error?.path, 'Record.Handshake.body');
  const text = renderDump(a);
  t.regex(text, /000c  ERROR Record\.Handshake\.body: truncated: needs 3 byte\(s\), 1 left/);
  t.regex(text, /unread: fe$/);
});

test('trailing bytes after a structure are a named error in the dump', (t) => {
  const a = annotate(Uint8Array.from([...bytes, 0x99]), 'Record', readHandshakeFragment);
  t.is(a.error?.path, 'Record');
  t.regex(a.error?.reason ?? '', /1 trailing byte/);
});
