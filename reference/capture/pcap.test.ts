import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { sharedPath, sharedTest } from '../../testkit/shared.ts';
import { CaptureError } from './bytes.ts';
import { extractUdp, formatIPv6, LinkType, type TimedDatagram } from './packet.ts';
import { isPcap, readPcap, writePcap, writePcapFrames } from './pcap.ts';

const SEED = Number(process.env.FC_SEED ?? 0x5eed);

/** Datagrams with both endpoints in one family, times that fit pcap's 32-bit seconds. */
function datagramArb(maxTimeNs = 0xffffffffn * 1_000_000_000n): fc.Arbitrary<TimedDatagram> {
  const pair = fc.oneof(
    fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([a, b]) => [a.join('.'), b.join('.')]),
    fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([a, b]) => [formatIPv6(a), formatIPv6(b)]),
  );
  const port = fc.integer({ min: 0, max: 0xffff });
  return fc
    .record({ time: fc.bigInt({ min: 0n, max: maxTimeNs }), pair, sp: port, dp: port, payload: fc.uint8Array({ maxLength: 300 }) })
    .map(({ time, pair: [sa, da], sp, dp, payload }) => ({ time, src: { address: sa, port: sp }, dst: { address: da, port: dp }, payload }));
}

const plain = (d: { time: bigint | undefined; src: object; dst: object; payload: Uint8Array }): unknown => ({
  ...d,
  payload: Buffer.from(d.payload).toString('hex'),
});

const two: TimedDatagram[] = [
  { time: 1_700_000_000_123_456_789n, src: { address: '127.0.0.1', port: 40000 }, dst: { address: '127.0.0.1', port: 4433 }, payload: Uint8Array.of(1, 2, 3) },
  { time: 1_700_000_001_000_000_000n, src: { address: '::1', port: 4433 }, dst: { address: '::1', port: 40000 }, payload: new Uint8Array(0) },
];

test('writes the libpcap header: magic, version 2.4, snaplen, LINKTYPE_RAW', (t) => {
  const b = writePcap([]);
  t.is(Buffer.from(b).toString('hex'), 'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '65000000');
  t.is(Buffer.from(writePcap([], { littleEndian: false, resolution: 'ns' })).toString('hex').slice(0, 8), 'a1b23c4d');
});

test('round trip: microseconds truncate the time, nanoseconds keep it; both byte orders', (t) => {
  for (const littleEndian of [true, false]) {
    const us = readPcap(writePcap(two, { littleEndian }));
    t.is(us.header.littleEndian, littleEndian);
    t.is(us.header.resolution, 'us');
    t.is(us.header.linkType, LinkType.RAW);
    t.deepEqual(extractUdp(us.packets).datagrams.map((d) => d.time), [1_700_000_000_123_456_000n, 1_700_000_001_000_000_000n]);
    const ns = readPcap(writePcap(two, { littleEndian, resolution: 'ns' }));
    t.is(ns.header.resolution, 'ns');
    t.deepEqual(extractUdp(ns.packets).datagrams.map(plain), two.map(plain));
  }
});

test('property: write then read gives the same datagrams (ns, both byte orders)', (t) => {
  t.log(`fast-check seed ${SEED} (set FC_SEED to change)`);
  fc.assert(
    fc.property(fc.array(datagramArb(), { maxLength: 12 }), fc.boolean(), (ds, littleEndian) => {
      const back = extractUdp(readPcap(writePcap(ds, { littleEndian, resolution: 'ns' })).packets);
      t.deepEqual(back.datagrams.map(plain), ds.map(plain));
      return back.skipped === 0;
    }),
    { seed: SEED, numRuns: 150 },
  );
});

test('rejects times pcap cannot hold', (t) => {
  const d = { ...two[0] };
  t.throws(() => writePcap([{ ...d, time: -1n }]), { instanceOf: RangeError });
  t.throws(() => writePcap([{ ...d, time: 0x100000000n * 1_000_000_000n }]), { instanceOf: RangeError });
});

test('errors name the record and its offset', (t) => {
  const b = writePcap(two);
  const first = 24;
  const second = first + 16 + 20 + 8 + 3;
  const cut = (n: number): CaptureError => t.throws(() => readPcap(b.subarray(0, n)), { instanceOf: CaptureError }) as CaptureError;
  let e = cut(second + 10);
  t.is(e.offset, second);
  t.regex(e.message, /^pcap: record #2 at offset 71 \(0x47\): incl_len needs 4 bytes at file offset 79 but only 2 remain$/);
  e = cut(second - 1);
  t.is(e.where, 'record #1');
  t.regex(e.message, /packet data \(incl_len 31\)/);
  e = cut(20);
  t.is(e.where, 'file header');
  e = t.throws(() => readPcap(Uint8Array.of(1, 2, 3, 4, 5)), { instanceOf: CaptureError }) as CaptureError;
  t.regex(e.message, /unknown magic number 0x01020304/);
  const badFraction = b.slice();
  new DataView(badFraction.buffer).setUint32(first + 4, 1_000_000, true);
  t.regex((t.throws(() => readPcap(badFraction)) as Error).message, /record #1 .*sub-second field 1000000/);
  t.true(isPcap(b));
  t.false(isPcap(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a)));
});

test('non-UDP frames are counted and skipped; other link types decode', (t) => {
  const frame = (data: Uint8Array) => ({ time: 5n * 1_000_000_000n, data });
  const v4 = readPcap(writePcap([two[0]])).packets[0].data;
  const arp = new Uint8Array(42);
  arp[12] = 0x08;
  arp[13] = 0x06;
  const eth = new Uint8Array(14 + v4.length);
  eth[12] = 0x08;
  eth.set(v4, 14);
  const file = readPcap(writePcapFrames(LinkType.ETHERNET, [frame(arp), frame(eth), frame(arp)], { littleEndian: false }));
  t.is(file.header.linkType, LinkType.ETHERNET);
  const r = extractUdp(file.packets);
  t.is(r.datagrams.length, 1);
  t.is(r.skipped, 2);
  t.deepEqual(r.skippedBy, { 'not-ip': 2 });
  t.is(r.datagrams[0].dst.port, 4433);
});

sharedTest(
  'reads the illustrated-dtls capture (pcap, NULL/loopback, µs): 11 UDP datagrams',
  ['vectors', 'illustrated-dtls', 'captures', 'capture.pcap'],
  (t) => {
    const file = readPcap(readFileSync(sharedPath('vectors', 'illustrated-dtls', 'captures', 'capture.pcap')));
    t.like(file.header, { littleEndian: true, resolution: 'us', linkType: LinkType.NULL, versionMajor: 2, versionMinor: 4 });
    const r = extractUdp(file.packets);
    t.is(r.packets, 11);
    t.is(r.skipped, 0);
    t.is(r.datagrams.length, 11);
    const first = r.datagrams[0];
    t.deepEqual([first.src, first.dst], [{ address: '127.0.0.1', port: 52862 }, { address: '127.0.0.1', port: 8400 }]);
    t.is(first.time, 1_656_872_874_697_047_000n);
    t.is(first.payload[0], 0x16); // handshake record: ClientHello
    t.is(r.datagrams.filter((d) => d.src.port === 52862).length, 3);
  },
);
