import test from 'ava';
import fc from 'fast-check';
import { Reader, hex } from './reader.ts';
import { Writer, encode } from './writer.ts';

const SEED = Number(process.env.FC_SEED ?? 0x5eed);

test('integers are written big-endian, 8 to 64 bits', (t) => {
  const bytes = encode((w) => w.u8(0x01).u16(0x0203).u24(0x040506).u32(0x0708090a).u48(0x0b0c0d0e0f10).u64(0x1112131415161718n));
  t.is(hex(bytes), '01' + '0203' + '040506' + '0708090a' + '0b0c0d0e0f10' + '1112131415161718');
  t.is(hex(encode((w) => w.u48(2 ** 48 - 1).u64(2n ** 64n - 1n).u64(0n))), 'ffffffffffff' + 'ffffffffffffffff' + '0000000000000000');
});

test('a value that does not fit its field throws a RangeError naming the width', (t) => {
  const cases: [(w: Writer) => unknown, string][] = [
    [(w) => w.u8(256), 'value 256 does not fit an unsigned 8-bit field'],
    [(w) => w.u8(-1), 'value -1 does not fit an unsigned 8-bit field'],
    [(w) => w.u8(1.5), 'value 1.5 does not fit an unsigned 8-bit field'],
    [(w) => w.u8(Number.NaN), 'value NaN does not fit an unsigned 8-bit field'],
    [(w) => w.u16(0x10000), 'value 65536 does not fit an unsigned 16-bit field'],
    [(w) => w.u24(0x1000000), 'value 16777216 does not fit an unsigned 24-bit field'],
    [(w) => w.u32(2 ** 32), 'value 4294967296 does not fit an unsigned 32-bit field'],
    [(w) => w.u48(2 ** 48), 'value 281474976710656 does not fit an unsigned 48-bit field'],
    [(w) => w.u64(2n ** 64n), 'value 18446744073709551616 does not fit an unsigned 64-bit field'],
    [(w) => w.u64(-1n), 'value -1 does not fit an unsigned 64-bit field'],
  ];
  for (const [write, message] of cases) {
    const w = new Writer();
    t.throws(() => write(w), { instanceOf: RangeError, message });
    t.is(w.length, 0, `${message}: nothing was written`);
  }
});

test('a length-prefixed scope patches its length when it closes, nested at every width', (t) => {
  const bytes = encode((w) =>
    w.prefixed(3, (a) => {
      a.u8(0xaa);
      a.prefixed(2, (b) => {
        b.prefixed(1, (c) => c.bytes(Uint8Array.of(1, 2, 3)));
        b.u16(0xbbbb);
      });
    }),
  );
  t.is(hex(bytes), '000009' + 'aa' + '0006' + '03010203' + 'bbbb');
  t.is(hex(encode((w) => w.prefixed(2, () => {}))), '0000', 'an empty scope');
});

test('a scope that outgrows its length prefix throws a RangeError', (t) => {
  t.is(encode((w) => w.opaque(1, new Uint8Array(255))).length, 256);
  t.throws(() => encode((w) => w.opaque(1, new Uint8Array(256))), {
    instanceOf: RangeError,
    message: '256 bytes do not fit a 8-bit length prefix',
  });
  t.throws(() => encode((w) => w.list(2, [0], (x) => x.bytes(new Uint8Array(0x10000)))), { instanceOf: RangeError });
});

test('opaque and list write the prefix, then the bytes or the items in order', (t) => {
  t.is(hex(encode((w) => w.opaque(2, Uint8Array.of(0xde, 0xad)))), '0002dead');
  t.is(hex(encode((w) => w.opaque(1, new Uint8Array(0)))), '00');
  t.is(hex(encode((w) => w.list(2, [0x1301, 0x1302], (x, v) => x.u16(v)))), '000413011302');
  t.is(hex(encode((w) => w.list(1, [], (x, v: number) => x.u8(v)))), '00');
});

test('the buffer grows past its initial size; finish returns a copy', (t) => {
  const w = new Writer();
  const big = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
  w.u8(7).bytes(big);
  t.is(w.length, 5001);
  const out = w.finish();
  t.is(out.length, 5001);
  t.is(out[0], 7);
  t.is(out[5000], 4999 & 0xff);
  out[0] = 0;
  t.is(w.finish()[0], 7, 'changing the result does not change the writer');
  w.u8(8);
  t.is(out.length, 5001, 'writing on does not change an earlier result');
});

test('what the writer writes the reader reads back (opaque, nested lists, integers)', (t) => {
  const item = fc.record({
    n: fc.integer({ min: 0, max: 0xffffff }),
    data: fc.uint8Array({ maxLength: 40 }),
    big: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  });
  fc.assert(
    fc.property(fc.array(item, { maxLength: 20 }), (items) => {
      const bytes = encode((w) => w.list(2, items, (x, v) => x.u24(v.n).opaque((1 + (v.n % 3)) as 1 | 2 | 3, v.data).u64(v.big)));
      const r = Reader.from(bytes, 'X');
      const back = r.list(2, 'items', (e) => {
        const n = e.u24('n');
        return { n, data: e.opaque((1 + (n % 3)) as 1 | 2 | 3, 'data'), big: e.u64('big') };
      });
      r.done();
      t.deepEqual(back, items.map((v) => ({ ...v })));
    }),
    { seed: SEED, numRuns: 200 },
  );
});
