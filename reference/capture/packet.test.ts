import test from 'ava';
import fc from 'fast-check';
import { fromHex } from './bytes.ts';
import {
  decodeFrame,
  encodeIpUdp,
  extractUdp,
  formatIPv6,
  LinkType,
  parseAddress,
  type FrameDecode,
} from './packet.ts';

const SEED = Number(process.env.FC_SEED ?? 0x5eed);

/** Hex fixture text: whitespace and `# comments` to the end of a line are ignored. */
const hex = (s: string): Uint8Array => {
  const b = fromHex(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''));
  if (b === undefined) throw new Error(`bad hex fixture ${s}`);
  return b;
};
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const payload = Uint8Array.of(0x16, 0xfe, 0xfd, 0x01, 0x02);
const v4 = encodeIpUdp({ address: '192.0.2.1', port: 4433 }, { address: '198.51.100.7', port: 5544 }, payload);
const v6 = encodeIpUdp({ address: '2001:db8::1', port: 4433 }, { address: '2001:db8::2', port: 5544 }, payload);

function udp(t: { deepEqual: (a: unknown, b: unknown) => void }, d: FrameDecode, src: string, dst: string): void {
  t.deepEqual(d, { kind: 'udp', src: { address: src, port: 4433 }, dst: { address: dst, port: 5544 }, payload });
}

/** RFC 1071: a header with a correct checksum sums to 0xffff. */
function onesSum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

test('IPv4 header as written: fields, header checksum valid, UDP checksum 0', (t) => {
  const expected = hex(`
    45 00       # version 4, IHL 5; DSCP/ECN 0
    0021        # total length 33 = 20 + 8 + 5
    0000 4000   # identification 0; flags DF, fragment offset 0
    40 11       # TTL 64; protocol 17 (UDP)
    4e90        # header checksum (RFC 1071)
    c0000201    # source 192.0.2.1
    c6336407    # destination 198.51.100.7
    1151 15a8   # UDP ports 4433 -> 5544
    000d 0000   # UDP length 13; checksum 0 (none)
    16fefd0102  # payload
  `);
  t.deepEqual(v4, expected);
  t.is(onesSum(v4.subarray(0, 20)), 0xffff);
});

test('IPv6 packet as written: UDP checksum over the pseudo-header verifies', (t) => {
  t.is(v6[0] >> 4, 6);
  t.is((v6[4] << 8) | v6[5], 8 + payload.length);
  t.is(v6[6], 17);
  const udpSeg = v6.subarray(40);
  const pseudo = cat(v6.subarray(8, 40), hex('0000000d 000000 11'));
  t.is(onesSum(cat(pseudo, udpSeg, udpSeg.length % 2 === 1 ? Uint8Array.of(0) : new Uint8Array(0))), 0xffff);
});

test('raw IP link types 101, 228, 229', (t) => {
  udp(t, decodeFrame(LinkType.RAW, v4), '192.0.2.1', '198.51.100.7');
  udp(t, decodeFrame(LinkType.RAW, v6), '2001:db8::1', '2001:db8::2');
  udp(t, decodeFrame(LinkType.IPV4, v4), '192.0.2.1', '198.51.100.7');
  udp(t, decodeFrame(LinkType.IPV6, v6), '2001:db8::1', '2001:db8::2');
});

test('Ethernet, with 802.1Q and QinQ tags, and trailing padding', (t) => {
  const macs = hex('020000000001 020000000002');
  udp(t, decodeFrame(LinkType.ETHERNET, cat(macs, hex('0800'), v4, new Uint8Array(6))), '192.0.2.1', '198.51.100.7');
  udp(t, decodeFrame(LinkType.ETHERNET, cat(macs, hex('8100 0064 86dd'), v6)), '2001:db8::1', '2001:db8::2');
  udp(t, decodeFrame(LinkType.ETHERNET, cat(macs, hex('88a8 0001 8100 0064 0800'), v4)), '192.0.2.1', '198.51.100.7');
  t.deepEqual(decodeFrame(LinkType.ETHERNET, cat(macs, hex('0806'), new Uint8Array(28))), { kind: 'skip', reason: 'not-ip' });
});

test('BSD loopback (NULL) in either byte order, and LOOP', (t) => {
  udp(t, decodeFrame(LinkType.NULL, cat(hex('02000000'), v4)), '192.0.2.1', '198.51.100.7');
  udp(t, decodeFrame(LinkType.NULL, cat(hex('00000002'), v4)), '192.0.2.1', '198.51.100.7');
  udp(t, decodeFrame(LinkType.NULL, cat(hex('1e000000'), v6)), '2001:db8::1', '2001:db8::2');
  udp(t, decodeFrame(LinkType.LOOP, cat(hex('00000018'), v6)), '2001:db8::1', '2001:db8::2');
  t.deepEqual(decodeFrame(LinkType.NULL, cat(hex('07000000'), v4)), { kind: 'skip', reason: 'not-ip' });
});

test('Linux cooked captures SLL (113) and SLL2 (276)', (t) => {
  const sll = hex('0000 0304 0006 000000000000 0000');
  udp(t, decodeFrame(LinkType.LINUX_SLL, cat(sll, hex('0800'), v4)), '192.0.2.1', '198.51.100.7');
  udp(t, decodeFrame(LinkType.LINUX_SLL, cat(sll, hex('86dd'), v6)), '2001:db8::1', '2001:db8::2');
  const sll2 = (proto: string): Uint8Array => hex(`${proto} 0000 00000001 0304 00 06 000000000000 0000`);
  udp(t, decodeFrame(LinkType.LINUX_SLL2, cat(sll2('0800'), v4)), '192.0.2.1', '198.51.100.7');
  udp(t, decodeFrame(LinkType.LINUX_SLL2, cat(sll2('86dd'), v6)), '2001:db8::1', '2001:db8::2');
  t.deepEqual(decodeFrame(LinkType.LINUX_SLL, hex('0000 0304')), { kind: 'skip', reason: 'truncated' });
});

test('IPv6 extension headers are walked to UDP; fragments and ESP are skipped', (t) => {
  // Rewrites next header to `first` and inserts `ext` between the fixed header and UDP.
  const withExt = (first: number, ext: Uint8Array): Uint8Array => {
    const p = cat(v6.subarray(0, 40), ext, v6.subarray(40));
    p[6] = first;
    const len = p.length - 40;
    p[4] = len >> 8;
    p[5] = len & 0xff;
    return p;
  };
  const hopByHop = hex('3c 00 0104 00000000'); // next: destination options; PadN
  const destOpts = hex('2c 00 0104 00000000'); // next: fragment
  const atomicFragment = hex('11 00 0000 12345678'); // next: UDP, offset 0, M clear
  udp(t, decodeFrame(LinkType.RAW, withExt(0, cat(hopByHop, destOpts, atomicFragment))), '2001:db8::1', '2001:db8::2');
  const ah = hex('11 02 0000 00000001 00000001 00000000 00000000'); // AH: (2 + 2) * 4 = 16 bytes, next UDP
  udp(t, decodeFrame(LinkType.RAW, withExt(51, ah.subarray(0, 16))), '2001:db8::1', '2001:db8::2');
  const firstFragment = hex('11 00 0001 12345678'); // M set
  t.deepEqual(decodeFrame(LinkType.RAW, withExt(44, firstFragment)), { kind: 'skip', reason: 'ip-fragment' });
  t.deepEqual(decodeFrame(LinkType.RAW, withExt(50, hex('00000001 00000001'))), { kind: 'skip', reason: 'not-udp' });
});

test('IPv4: fragments, other protocols, truncation and bad lengths are skips, not errors', (t) => {
  const mf = v4.slice();
  mf[6] |= 0x20;
  t.deepEqual(decodeFrame(LinkType.RAW, mf), { kind: 'skip', reason: 'ip-fragment' });
  const tcp = v4.slice();
  tcp[9] = 6;
  t.deepEqual(decodeFrame(LinkType.RAW, tcp), { kind: 'skip', reason: 'not-udp' });
  t.deepEqual(decodeFrame(LinkType.RAW, v4.subarray(0, v4.length - 1)), { kind: 'skip', reason: 'truncated' });
  const shortUdp = v4.slice();
  shortUdp[25] = 4; // UDP length 4 < 8
  t.deepEqual(decodeFrame(LinkType.RAW, shortUdp), { kind: 'skip', reason: 'malformed' });
  t.deepEqual(decodeFrame(LinkType.RAW, hex('55')), { kind: 'skip', reason: 'not-ip' });
  t.deepEqual(decodeFrame(147, v4), { kind: 'skip', reason: 'unsupported-link-type' });
});

test('extractUdp counts every frame and each skip reason', (t) => {
  const tcp = v4.slice();
  tcp[9] = 6;
  const frames = [v4, tcp, v6, hex('00'), tcp].map((data) => ({
    time: 1n,
    linkType: LinkType.RAW,
    interfaceId: 0,
    data,
    originalLength: data.length,
  }));
  const r = extractUdp(frames);
  t.is(r.datagrams.length, 2);
  t.is(r.packets, 5);
  t.is(r.skipped, 3);
  t.deepEqual(r.skippedBy, { 'not-udp': 2, 'not-ip': 1 });
});

test('addresses: RFC 5952 text, embedded IPv4, rejects', (t) => {
  t.is(formatIPv6(parseAddress('2001:0DB8:0:0:1:0:0:1').bytes), '2001:db8::1:0:0:1');
  t.is(formatIPv6(parseAddress('::ffff:192.0.2.1').bytes), '::ffff:c000:201');
  t.is(formatIPv6(parseAddress('::').bytes), '::');
  t.is(formatIPv6(parseAddress('1:0:2:3:4:5:6:7').bytes), '1:0:2:3:4:5:6:7');
  t.deepEqual(parseAddress('127.0.0.1'), { family: 4, bytes: Uint8Array.of(127, 0, 0, 1) });
  for (const bad of ['256.0.0.1', '1.2.3', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'localhost', '1:2:3:4:5:6:7::8']) {
    t.throws(() => parseAddress(bad), { instanceOf: RangeError }, bad);
  }
  t.throws(() => encodeIpUdp({ address: '127.0.0.1', port: 1 }, { address: '::1', port: 1 }, payload), { message: /address family/ });
  t.throws(() => encodeIpUdp({ address: '127.0.0.1', port: 70000 }, { address: '127.0.0.1', port: 1 }, payload), { message: /port/ });
});

test('property: IPv6 text round-trips through bytes, and fast-check ipV6() strings parse', (t) => {
  t.log(`fast-check seed ${SEED} (set FC_SEED to change)`);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.ipV6(), (bytes, text) => {
      const formatted = formatIPv6(bytes);
      if (formatIPv6(parseAddress(formatted).bytes) !== formatted) return false;
      return parseAddress(text).family === 6;
    }),
    { seed: SEED, numRuns: 300 },
  );
  t.pass();
});

test('property: encode then decode gives the datagram back (IPv4 and IPv6)', (t) => {
  t.log(`fast-check seed ${SEED} (set FC_SEED to change)`);
  const addr = fc.oneof(
    fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([a, b]) => [a.join('.'), b.join('.')]),
    fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([a, b]) => [formatIPv6(a), formatIPv6(b)]),
  );
  const port = fc.integer({ min: 0, max: 0xffff });
  fc.assert(
    fc.property(addr, port, port, fc.uint8Array({ maxLength: 600 }), ([sa, da], sp, dp, body) => {
      const src = { address: sa, port: sp };
      const dst = { address: da, port: dp };
      const d = decodeFrame(LinkType.RAW, encodeIpUdp(src, dst, body));
      return (
        d.kind === 'udp' &&
        d.src.address === sa && d.src.port === sp &&
        d.dst.address === da && d.dst.port === dp &&
        Buffer.from(d.payload).equals(Buffer.from(body))
      );
    }),
    { seed: SEED, numRuns: 300 },
  );
  t.pass();
});
