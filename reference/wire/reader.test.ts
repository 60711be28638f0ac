import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { CipherSuite, ContentType, NamedGroup } from './enums.ts';
import { DecodeError } from './errors.ts';
import { openEnum } from './open-enum.ts';
import { Reader, decode, hex } from './reader.ts';
import { Trace } from './trace.ts';

const SEED = Number(process.env.FC_SEED ?? 0x5eed);

function h(text: string): Uint8Array {
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  return Uint8Array.from(digits.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** The DecodeError `fn` throws (fails the test if it throws anything else or nothing). */
function rejects(t: ExecutionContext, fn: () => unknown): DecodeError {
  const e = t.throws(fn, { instanceOf: DecodeError });
  if (e === undefined) throw new Error('expected a DecodeError');
  return e;
}

// ---- fixed-width integers

test('integers are big-endian, 8 to 64 bits; u48 and u64 are exact', (t) => {
  const r = Reader.from(h('01 0203 040506 0708090a 0b0c0d0e0f10 ffffffffffffffff'), 'X');
  t.is(r.u8('a'), 0x01);
  t.is(r.u16('b'), 0x0203);
  t.is(r.u24('c'), 0x040506);
  t.is(r.u32('d'), 0x0708090a);
  t.is(r.u48('e'), 0x0b0c0d0e0f10);
  t.is(r.u64('f'), 2n ** 64n - 1n);
  t.true(r.atEnd());
  r.done();
});

test('a truncated read names the field, the bytes needed and the absolute offset', (t) => {
  for (const [width, read] of [
    [1, (r: Reader) => r.u8('f')],
    [2, (r: Reader) => r.u16('f')],
    [3, (r: Reader) => r.u24('f')],
    [4, (r: Reader) => r.u32('f')],
    [6, (r: Reader) => r.u48('f')],
    [8, (r: Reader) => r.u64('f')],
    [5, (r: Reader) => r.bytes(5, 'f')],
  ] as const) {
    const e = rejects(t, () =>
      decode(new Uint8Array(width + 1), 'X', (r) => {
        r.u16('first');
        return read(r);
      }),
    );
    t.is(e.path, 'X.f');
    t.is(e.reason, `truncated: needs ${width} byte(s), ${width - 1} left`);
    t.is(e.offset, 2);
    t.is(e.message, `X.f: truncated: needs ${width} byte(s), ${width - 1} left (at offset 2)`);
  }
});

// ---- trailing bytes, sub-readers

test('trailing bytes are rejected with the path of the structure that did not consume them', (t) => {
  const e = rejects(t, () => decode(h('01 02'), 'X', (r) => r.u8('a')));
  t.is(e.path, 'X');
  t.is(e.reason, '1 trailing byte(s)');
  t.is(e.offset, 1);
  const inner = rejects(t, () => decode(h('0003 aabbcc'), 'X', (r) => r.sub(2, 'body', (s) => s.u16('a'))));
  t.is(inner.path, 'X.body');
  t.is(inner.reason, '1 trailing byte(s)');
  t.is(inner.offset, 4);
});

test('a sub-reader is bounded by its length prefix even when the parent has more', (t) => {
  const bytes = h('02 aabb ccdd');
  const e = rejects(t, () => decode(bytes, 'X', (r) => r.sub(1, 'body', (s) => s.u24('a'))));
  t.is(e.path, 'X.body.a');
  t.is(e.reason, 'truncated: needs 3 byte(s), 2 left');
  const value = decode(bytes, 'X', (r) => [r.sub(1, 'body', (s) => s.u16('a')), r.u16('b')]);
  t.deepEqual(value, [0xaabb, 0xccdd]);
});

test('a sub-reader longer than what is left is a truncation of the field', (t) => {
  const e = rejects(t, () => decode(h('0005 aabb'), 'X', (r) => r.sub(2, 'body', (s) => s.rest('x'))));
  t.is(e.path, 'X.body');
  t.is(e.reason, 'truncated: needs 5 byte(s), 2 left');
  t.is(e.offset, 2);
});

test('sub enforces its minimum length; fixed reads exactly n bytes; offsets stay absolute', (t) => {
  const short = rejects(t, () => decode(h('01 aa'), 'X', (r) => r.sub(1, 'body', (s) => s.rest('x'), 2)));
  t.is(short.path, 'X.body');
  t.is(short.reason, 'length 1 below the minimum 2');
  t.is(short.offset, 0);
  const offsets = decode(h('aa bbcc dd'), 'X', (r) => {
    r.u8('a');
    const inside = r.fixed(2, 'pair', (s) => [s.offset, s.remaining, s.u16('v'), s.offset, s.atEnd()]);
    const after = [r.offset, r.remaining];
    r.u8('d');
    return [inside, ...after];
  });
  t.deepEqual(offsets, [[1, 2, 0xbbcc, 3, true], 3, 1]);
});

// ---- opaque

test('opaque<min..max>: lengths outside the bounds name the field and the prefix offset', (t) => {
  t.deepEqual(decode(h('02 aabb'), 'X', (r) => r.opaque(1, 'session_id', 0, 32)), h('aabb'));
  const long = rejects(t, () => decode(Uint8Array.from([0x21, ...new Uint8Array(33)]), 'X', (r) => r.opaque(1, 'session_id', 0, 32)));
  t.is(long.path, 'X.session_id');
  t.is(long.reason, 'length 33 outside 0..32');
  t.is(long.offset, 0);
  const empty = rejects(t, () => decode(h('0000'), 'X', (r) => r.opaque(2, 'cookie', 1)));
  t.is(empty.reason, 'length 0 outside 1..65535');
  const cut = rejects(t, () => decode(h('000003 aabb'), 'X', (r) => r.opaque(3, 'cert')));
  t.is(cut.path, 'X.cert');
  const noPrefix = rejects(t, () => decode(h('00'), 'X', (r) => r.opaque(2, 'cert')));
  t.is(noPrefix.path, 'X.cert.<length>');
});

// ---- list and many

test('list items carry their index in the path: X.cipher_suites[3]', (t) => {
  const suites = (r: Reader): number[] => r.list(2, 'cipher_suites', (e) => e.u16('', CipherSuite), 2);
  t.deepEqual(decode(h('0006 1301 1302 1303'), 'X', suites), [0x1301, 0x1302, 0x1303]);
  const odd = rejects(t, () => decode(h('0007 1301 1302 1303 13'), 'X', suites));
  t.is(odd.path, 'X.cipher_suites[3]');
  t.is(odd.reason, 'truncated: needs 2 byte(s), 1 left');
  t.is(odd.offset, 8);
  const none = rejects(t, () => decode(h('0000'), 'X', suites));
  t.is(none.path, 'X.cipher_suites');
  t.is(none.reason, 'length 0 below the minimum 2');
  const beyond = rejects(t, () => decode(h('0004 1301'), 'X', suites));
  t.is(beyond.path, 'X.cipher_suites');
  t.is(rejects(t, () => decode(h('00'), 'X', suites)).path, 'X.cipher_suites.<length>');
});

test('nested lists and structs compose their paths', (t) => {
  const e = rejects(t, () =>
    decode(h('000b 0017 0002 0001  0018 0003 aa'), 'ClientHello', (r) =>
      r.list(2, 'extensions', (x) =>
        x.struct('Extension', 'RFC 8446 §4.2', (s) => ({ type: s.u16('extension_type'), data: s.opaque(2, 'extension_data') })),
      ),
    ),
  );
  t.is(e.path, 'ClientHello.extensions[1].Extension.extension_data');
});

test('many reads items until its reader ends, with indices', (t) => {
  t.deepEqual(decode(h('01 02 03'), 'X', (r) => r.many('b', (s, i) => [i, s.u8('')])), [[0, 1], [1, 2], [2, 3]]);
  t.deepEqual(decode(new Uint8Array(0), 'X', (r) => r.many('b', (s) => s.u8(''))), []);
  t.is(rejects(t, () => decode(h('0001 00'), 'X', (r) => r.many('w', (s) => s.u16('v')))).path, 'X.w[1].v');
});

test('fail names the field under the current structure; the path is restored after an error', (t) => {
  const r = Reader.from(h('0001'), 'Root');
  const e = rejects(t, () => r.struct('S', undefined, (s) => s.fail('f', 'bad value')));
  t.is(e.path, 'Root.S.f');
  t.is(e.reason, 'bad value');
  t.is(r.pathOf('g'), 'Root.g', 'the struct segment was popped');
  t.is(r.pathOf(''), 'Root');
});

// ---- the trace

test('a traced read records each leaf with its range and value, and each struct with its RFC section', (t) => {
  const trace = new Trace();
  decode(
    h('16 feff  0004 1301 abcd  01 aa'),
    'Rec',
    (r) => {
      r.u8('type', ContentType);
      r.struct('Hello', 'RFC 6347 §4.2.2', (s) => {
        s.u16('version');
        s.list(2, 'suites', (e) => e.u16('', CipherSuite));
        s.struct('Inner', undefined, (i) => i.opaque(1, 'data'));
      });
    },
    trace,
  );
  t.deepEqual(
    trace.entries.map((e) => [e.path, e.start, e.end, e.value, e.rfc, e.depth, e.isStruct]),
    [
      ['Rec.type', 0, 1, 'handshake (0x16)', undefined, 1, false],
      ['Rec.Hello', 1, 11, '', 'RFC 6347 §4.2.2', 2, true],
      ['Rec.Hello.version', 1, 3, '65279 (0xfeff)', 'RFC 6347 §4.2.2', 2, false],
      ['Rec.Hello.suites.<length>', 3, 5, '4 (0x0004)', 'RFC 6347 §4.2.2', 2, false],
      ['Rec.Hello.suites[0]', 5, 7, 'TLS_AES_128_GCM_SHA256 (0x1301)', 'RFC 6347 §4.2.2', 3, false],
      ['Rec.Hello.suites[1]', 7, 9, 'unknown(0xabcd)', 'RFC 6347 §4.2.2', 3, false],
      ['Rec.Hello.Inner', 9, 11, '', 'RFC 6347 §4.2.2', 3, true],
      ['Rec.Hello.Inner.data.<length>', 9, 10, '1 (0x01)', 'RFC 6347 §4.2.2', 3, false],
      ['Rec.Hello.Inner.data', 10, 11, 'aa', 'RFC 6347 §4.2.2', 3, false],
    ],
  );
});

test('a traced byte string longer than 24 bytes is previewed; an empty one prints (empty)', (t) => {
  const trace = new Trace();
  const bytes = Uint8Array.from([0, 30, ...Array.from({ length: 30 }, (_, i) => i)]);
  decode(bytes, 'X', (r) => [r.opaque(1, 'none'), r.opaque(1, 'long')], trace);
  t.is(trace.entries[1].value, '(empty)');
  t.is(trace.entries[3].value, `${hex(Uint8Array.from({ length: 24 }, (_, i) => i))}… (30 bytes)`);
});

test('a trace keeps what was read before a failure', (t) => {
  const trace = new Trace();
  t.throws(() => decode(h('0005 aa'), 'X', (r) => r.list(2, 'l', (e) => e.u16('')), trace), { instanceOf: DecodeError });
  t.deepEqual(trace.entries.map((e) => e.path), ['X.l.<length>']);
});

// ---- open enums

test('open enums print known names and the hex of unknown values, at the field width', (t) => {
  t.is(CipherSuite.nameOf(0x1301), 'TLS_AES_128_GCM_SHA256');
  t.is(CipherSuite.nameOf(0x1234), 'unknown(0x1234)');
  t.is(ContentType.nameOf(0x05), 'unknown(0x05)');
  t.is(NamedGroup.nameOf(29), 'x25519');
  t.true(CipherSuite.isKnown(0x1301));
  t.false(CipherSuite.isKnown(0x1234));
  t.is(CipherSuite.parse('TLS_AES_128_GCM_SHA256'), 0x1301);
  t.is(CipherSuite.parse('toString'), undefined, 'inherited properties are not names');
  const E = openEnum('E', 2, { a: 1, alias: 1, b: 0x0203 });
  t.deepEqual([...E.known], [1, 0x0203]);
  t.is(E.nameOf(1), 'a', 'the first name of a value wins');
  t.is(E.enumName, 'E');
  t.is(E.width, 2);
  t.true(Object.isFrozen(E));
});

test('unknown code points survive a read as plain numbers', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), (v) => {
      const got = decode(Uint8Array.of(v >> 8, v & 0xff), 'X', (r) => r.u16('suite', CipherSuite));
      t.is(got, v);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

test('hex prints lower-case pairs', (t) => {
  t.is(hex(h('00 0a ff')), '000aff');
  t.is(hex(new Uint8Array(0)), '');
});
