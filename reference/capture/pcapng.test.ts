import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { sharedPath, sharedTest } from '../../testkit/shared.ts';
import { CaptureError } from './bytes.ts';
import { readCaptureUdp } from './index.ts';
import { encodeIpUdp, extractUdp, formatIPv6, LinkType, type TimedDatagram } from './packet.ts';
import { writePcap } from './pcap.ts';
import { BlockType, isPcapng, nsToUnits, PcapngWriter, readPcapng, SECRETS_TLS_KEYLOG, unitsToNs, writePcapng } from './pcapng.ts';

const SEED = Number(process.env.FC_SEED ?? 0x5eed);

function datagramArb(): fc.Arbitrary<TimedDatagram> {
  const pair = fc.oneof(
    fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([a, b]) => [a.join('.'), b.join('.')]),
    fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([a, b]) => [formatIPv6(a), formatIPv6(b)]),
  );
  const port = fc.integer({ min: 0, max: 0xffff });
  return fc
    .record({ time: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), pair, sp: port, dp: port, payload: fc.uint8Array({ maxLength: 300 }) })
    .map(({ time, pair: [sa, da], sp, dp, payload }) => ({ time, src: { address: sa, port: sp }, dst: { address: da, port: dp }, payload }));
}

const plain = (d: { time: bigint | undefined; src: object; dst: object; payload: Uint8Array }): unknown => ({
  ...d,
  payload: Buffer.from(d.payload).toString('hex'),
});

const a: TimedDatagram = { time: 1_700_000_000_123_456_789n, src: { address: '127.0.0.1', port: 40000 }, dst: { address: '127.0.0.1', port: 4433 }, payload: Uint8Array.of(1, 2, 3) };
const b: TimedDatagram = { time: 1_700_000_000_200_000_001n, src: { address: '::1', port: 4433 }, dst: { address: '::1', port: 40000 }, payload: Uint8Array.of(9) };
const ip = (d: TimedDatagram): Uint8Array => encodeIpUdp(d.src, d.dst, d.payload);

test('writes SHB, IDB (LINKTYPE_RAW, if_tsresol 9) and EPBs, deterministically', (t) => {
  const bytes = writePcapng([a, b]);
  t.deepEqual(bytes, writePcapng([a, b]));
  t.true(isPcapng(bytes));
  t.is(Buffer.from(bytes.subarray(0, 28)).toString('hex'), '0a0d0d0a' + '1c000000' + '4d3c2b1a' + '0100' + '0000' + 'ffffffffffffffff' + '1c000000');
  const idb = Buffer.from(bytes.subarray(28, 28 + 32)).toString('hex');
  t.is(idb, '01000000' + '20000000' + '6500' + '0000' + '00000400' + '0900' + '0100' + '09000000' + '00000000' + '20000000');
  const file = readPcapng(bytes);
  t.deepEqual(file.sections.map((s) => s.interfaces), [[{ linkType: LinkType.RAW, snaplen: 262144, tsresol: { base: 10, exponent: 9 }, tsoffset: 0n }]]);
  t.deepEqual(extractUdp(file.packets).datagrams.map(plain), [a, b].map(plain));
});

test('property: write then read gives the same datagrams (both byte orders, 64-bit ns times)', (t) => {
  t.log(`fast-check seed ${SEED} (set FC_SEED to change)`);
  fc.assert(
    fc.property(fc.array(datagramArb(), { maxLength: 12 }), fc.boolean(), (ds, littleEndian) => {
      const file = readPcapng(writePcapng(ds, { littleEndian, application: 'dtlsprobe test' }));
      t.is(file.sections[0].application, 'dtlsprobe test');
      const back = extractUdp(file.packets);
      t.deepEqual(back.datagrams.map(plain), ds.map(plain));
      return back.skipped === 0 && file.sections[0].littleEndian === littleEndian;
    }),
    { seed: SEED, numRuns: 150 },
  );
});

test('property: tsresol unit conversions invert at nanosecond resolution or finer', (t) => {
  t.log(`fast-check seed ${SEED} (set FC_SEED to change)`);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 1n << 62n }), fc.integer({ min: 9, max: 12 }), (ns, exponent) => {
      return unitsToNs(nsToUnits(ns, { base: 10, exponent }), { base: 10, exponent }) === ns;
    }),
    { seed: SEED, numRuns: 200 },
  );
  t.is(unitsToNs(3n, { base: 2, exponent: 1 }), 1_500_000_000n);
  t.is(unitsToNs(1_000_001n, { base: 10, exponent: 6 }), 1_000_001_000n);
});

test('several interfaces with their own link types and resolutions, SPB, unknown blocks skipped', (t) => {
  const w = new PcapngWriter({ application: 'handmade' });
  const raw = w.addInterface(LinkType.RAW, { tsresol: { base: 10, exponent: 6 }, snaplen: 0 });
  const eth = w.addInterface(LinkType.ETHERNET, { tsresol: { base: 2, exponent: 10 }, name: 'eth0' });
  const ethFrame = new Uint8Array(14 + ip(b).length);
  ethFrame[12] = 0x86;
  ethFrame[13] = 0xdd;
  ethFrame.set(ip(b), 14);
  w.addBlock(0x00000bad, Uint8Array.of(1, 2, 3)); // unknown type, odd body: padded
  w.addPacket(eth, 3n * 1_000_000_000n, ethFrame);
  w.addSimplePacket(ip(a));
  w.addBlock(0x00000005, new Uint8Array(12)); // Interface Statistics Block: not interpreted
  w.addPacket(raw, a.time, ip(a));
  w.addSecrets(SECRETS_TLS_KEYLOG, new TextEncoder().encode('CLIENT_RANDOM 00 00\n'));
  const file = readPcapng(w.finish());
  t.is(file.skippedBlocks, 2);
  t.deepEqual(
    file.sections[0].interfaces.map((i) => [i.linkType, i.tsresol.base, i.tsresol.exponent, i.name]),
    [[LinkType.RAW, 10, 6, undefined], [LinkType.ETHERNET, 2, 10, 'eth0']],
  );
  t.deepEqual(file.packets.map((p) => [p.interfaceId, p.linkType, p.time]), [
    [1, LinkType.ETHERNET, 3_000_000_000n],
    [0, LinkType.RAW, undefined],
    [0, LinkType.RAW, 1_700_000_000_123_456_000n],
  ]);
  const r = extractUdp(file.packets);
  t.deepEqual(r.datagrams.map((d) => [d.src.address, d.payload.length]), [['::1', 1], ['127.0.0.1', 3], ['127.0.0.1', 3]]);
  t.deepEqual(file.secrets.map((s) => [s.type, new TextDecoder().decode(s.data)]), [[SECRETS_TLS_KEYLOG, 'CLIENT_RANDOM 00 00\n']]);
});

test('sections in both byte orders: interface ids restart in each section', (t) => {
  const w = new PcapngWriter({ littleEndian: true });
  w.addPacket(w.addInterface(LinkType.RAW), a.time, ip(a));
  w.section({ littleEndian: false });
  w.addInterface(LinkType.ETHERNET);
  const second = w.addInterface(LinkType.IPV6, { tsresol: { base: 10, exponent: 3 } });
  w.addPacket(second, b.time, ip(b));
  const file = readPcapng(w.finish());
  t.deepEqual(file.sections.map((s) => [s.littleEndian, s.interfaces.length]), [[true, 1], [false, 2]]);
  t.deepEqual(file.packets.map((p) => [p.interfaceId, p.linkType, p.time]), [
    [0, LinkType.RAW, a.time],
    [1, LinkType.IPV6, 1_700_000_000_200_000_000n],
  ]);
  t.deepEqual(extractUdp(file.packets).datagrams.map((d) => d.dst.port), [4433, 40000]);
});

test('if_tsoffset is added to timestamps', (t) => {
  // A hand-assembled IDB: link type 101, snaplen 0, if_tsresol 0 (seconds), if_tsoffset 100 s.
  const w = new PcapngWriter();
  const idbBody = Buffer.from('6500' + '0000' + '00000000' + '0900' + '0100' + '00000000' + '0e00' + '0800' + '6400000000000000' + '00000000', 'hex');
  w.addBlock(BlockType.INTERFACE_DESCRIPTION, idbBody);
  const epb = Buffer.alloc(20 + 32);
  epb.writeUInt32LE(0, 0);
  epb.writeUInt32LE(0, 4);
  epb.writeUInt32LE(7, 8); // 7 units of 1 s
  epb.writeUInt32LE(31, 12);
  epb.writeUInt32LE(31, 16);
  Buffer.from(ip(a)).copy(epb, 20);
  w.addBlock(BlockType.ENHANCED_PACKET, epb);
  t.is(readPcapng(w.finish()).packets[0].time, 107_000_000_000n);
});

test('errors name the block, its number and its offset', (t) => {
  const bytes = writePcapng([a, b]);
  const epb2 = 28 + 32 + 64; // SHB, IDB, EPB #1 (8 + 20 + 31 bytes padded to 32 + 4)
  const fails = (data: Uint8Array): CaptureError => t.throws(() => readPcapng(data), { instanceOf: CaptureError }) as CaptureError;
  let e = fails(bytes.subarray(0, bytes.length - 4));
  t.is(e.offset, epb2);
  t.is(e.message, `pcapng: block #4 (Enhanced Packet Block) at offset ${epb2} (0x${epb2.toString(16)}): block total length 84 runs past the end of the file (80 bytes left)`);
  const badTrailer = bytes.slice();
  badTrailer[bytes.length - 4] ^= 0x04;
  t.regex(fails(badTrailer).message, /block #4 \(Enhanced Packet Block\).*trailing block length 80 differs from the leading 84/);
  const badIf = bytes.slice();
  badIf[epb2 + 8] = 3;
  t.regex(fails(badIf).message, /block #4 .*interface id 3 is not described \(1 interfaces so far\)/);
  const badCaplen = bytes.slice();
  badCaplen[epb2 + 20] = 200;
  t.regex(fails(badCaplen).message, /block #4 .*packet data \(captured length 200\) needs 200 bytes at file offset 152 but only 52 remain/);
  t.regex(fails(bytes.subarray(28)).message, /^pcapng: block #1 at offset 0 .*does not start with a Section Header Block/);
  const badMagic = bytes.slice();
  badMagic[8] = 0;
  t.regex(fails(badMagic).message, /Section Header Block.*bad byte-order magic/);
  t.regex(fails(bytes.subarray(0, 28 + 6)).message, /block #2 at offset 28 .*6 trailing bytes/);
});

test('readCaptureUdp tells pcap from pcapng', (t) => {
  t.is(readCaptureUdp(writePcapng([a])).format, 'pcapng');
  t.is(readCaptureUdp(writePcap([a])).format, 'pcap');
  t.throws(() => readCaptureUdp(Uint8Array.of(0, 0, 0, 0)), { instanceOf: CaptureError, message: /neither a pcap nor a pcapng/ });
});

const pion = (file: string): string[] => ['corpora', 'pion', 'fingerprints', file];

for (const [file, count, snd, rcv] of [
  ['capture-chrome-Chromium_123.0.6312.0_.pcap', 5, 54427, 59458],
  ['capture-firefox-Mozilla_Firefox_125.0.pcap', 4, 53771, 38786],
] as const) {
  sharedTest(`reads pion's ${file} (pcapng, Linux SLL): ${count} UDP datagrams`, pion(file), (t) => {
    const bytes = readFileSync(sharedPath(...pion(file)));
    const parsed = readPcapng(bytes);
    t.deepEqual(parsed.sections[0].interfaces.map((i) => i.linkType), [LinkType.LINUX_SLL]);
    const r = readCaptureUdp(bytes);
    t.is(r.format, 'pcapng');
    t.is(r.skipped, 0);
    t.is(r.datagrams.length, count);
    t.deepEqual([r.datagrams[0].src.port, r.datagrams[0].dst.port], [snd, rcv]);
    t.true(r.datagrams.every((d) => d.payload[1] === 0xfe)); // every datagram starts with a DTLS record
  });
}
