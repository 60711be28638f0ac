/**
 * Link-layer, IP and UDP framing for captures.
 *
 * Reading: `decodeFrame(linkType, frame)` peels a captured frame (Ethernet with 802.1Q/802.1ad
 * tags, raw IP, BSD loopback, Linux cooked SLL/SLL2) down to IPv4 or IPv6, walks IPv6 extension
 * headers, and returns the UDP datagram inside, or the reason the frame was skipped. Anything that
 * is not a whole, unfragmented UDP datagram is a skip, never an error: captures hold other traffic.
 *
 * Writing: `encodeIpUdp` builds the raw IP packet (LINKTYPE_RAW) for a datagram: IPv4 with a correct
 * header checksum and UDP checksum 0 (RFC 768 allows "no checksum" over IPv4), or IPv6 with the UDP
 * checksum computed (RFC 8200 §8.1 forbids 0 there).
 *
 * Time: every timestamp is a `bigint` count of nanoseconds since the Unix epoch. Floats cannot
 * hold nanoseconds at today's epoch, bigints are exact for every resolution a file can carry.
 */
import { toHex } from './bytes.ts';

/** An IP address (dotted IPv4 or RFC 5952 IPv6 text) and a UDP port. */
export interface Endpoint {
  address: string;
  port: number;
}

/** A UDP datagram found in a capture. `time` is undefined only for pcapng Simple Packet Blocks. */
export interface UdpDatagram {
  time: bigint | undefined;
  src: Endpoint;
  dst: Endpoint;
  payload: Uint8Array;
}

/** A datagram to write: the caller supplies the time (virtual time keeps the output deterministic). */
export interface TimedDatagram {
  /** Nanoseconds since the Unix epoch. */
  time: bigint;
  src: Endpoint;
  dst: Endpoint;
  payload: Uint8Array;
}

/** One captured frame as a container file holds it, before link-layer decoding. */
export interface CapturedPacket {
  /** Nanoseconds since the Unix epoch; undefined when the block carries no timestamp (SPB). */
  time: bigint | undefined;
  linkType: number;
  interfaceId: number;
  /** The captured bytes (may be shorter than `originalLength` when the snapshot length cut it). */
  data: Uint8Array;
  originalLength: number;
}

/** LINKTYPE_* values this module decodes (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type SkipReason =
  | 'unsupported-link-type'
  | 'not-ip'
  | 'not-udp'
  | 'ip-fragment'
  | 'truncated'
  | 'malformed';

export type FrameDecode =
  | { kind: 'udp'; src: Endpoint; dst: Endpoint; payload: Uint8Array }
  | { kind: 'skip'; reason: SkipReason };

const skip = (reason: SkipReason): FrameDecode => ({ kind: 'skip', reason });
const u16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const u32le = (b: Uint8Array, at: number): number =>
  (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
const u32be = (b: Uint8Array, at: number): number =>
  ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
/** BSD AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux). */
const NULL_FAMILIES = new Set([2, 10, 24, 28, 30]);

/** Decodes one captured frame of the given link type down to UDP. */
export function decodeFrame(linkType: number, frame: Uint8Array): FrameDecode {
  switch (linkType) {
    case LinkType.ETHERNET:
      return decodeEthernet(frame);
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return decodeIp(frame);
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (frame.length < 4) return skip('truncated');
      // The family is in the capturing host's byte order (NULL) or big-endian (LOOP): accept both.
      const le = u32le(frame, 0);
      const be = u32be(frame, 0);
      if (!NULL_FAMILIES.has(le) && !NULL_FAMILIES.has(be)) return skip('not-ip');
      return decodeIp(frame.subarray(4));
    }
    case LinkType.LINUX_SLL:
      // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2)
      if (frame.length < 16) return skip('truncated');
      return decodeEtherType(u16(frame, 14), frame.subarray(16));
    case LinkType.LINUX_SLL2:
      // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8)
      if (frame.length < 20) return skip('truncated');
      return decodeEtherType(u16(frame, 0), frame.subarray(20));
    default:
      return skip('unsupported-link-type');
  }
}

function decodeEthernet(frame: Uint8Array): FrameDecode {
  let at = 12;
  for (;;) {
    if (frame.length < at + 2) return skip('truncated');
    const type = u16(frame, at);
    if (!VLAN_TAGS.has(type)) return decodeEtherType(type, frame.subarray(at + 2));
    at += 4; // TPID was read as the type; skip TCI and read the next type
  }
}

function decodeEtherType(type: number, body: Uint8Array): FrameDecode {
  if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return skip('not-ip');
  return decodeIp(body);
}

/** Decodes a raw IPv4 or IPv6 packet (chosen by its version nibble) down to UDP. */
export function decodeIp(packet: Uint8Array): FrameDecode {
  if (packet.length < 1) return skip('truncated');
  const version = packet[0] >> 4;
  if (version === 4) return decodeIPv4(packet);
  if (version === 6) return decodeIPv6(packet);
  return skip('not-ip');
}

function decodeIPv4(p: Uint8Array): FrameDecode {
  if (p.length < 20) return skip('truncated');
  const ihl = (p[0] & 0x0f) * 4;
  const total = u16(p, 2);
  if (ihl < 20 || total < ihl) return skip('malformed');
  if (p.length < total) return skip('truncated');
  const fragment = u16(p, 6);
  if ((fragment & 0x3fff) !== 0) return skip('ip-fragment'); // MF set or a non-zero offset
  if (p[9] !== 17) return skip('not-udp');
  return decodeUdp(p.subarray(ihl, total), formatIPv4(p.subarray(12, 16)), formatIPv4(p.subarray(16, 20)));
}

/** IPv6 extension headers that share the (next header, length in 8-octet units - 1) layout. */
const IPV6_OPTION_HEADERS = new Set([0, 43, 60, 135, 139, 140]);

function decodeIPv6(p: Uint8Array): FrameDecode {
  if (p.length < 40) return skip('truncated');
  const payloadLength = u16(p, 4);
  // A payload length of 0 means a jumbogram (RFC 2675): take whatever was captured.
  const end = payloadLength === 0 ? p.length : 40 + payloadLength;
  if (p.length < end) return skip('truncated');
  const src = formatIPv6(p.subarray(8, 24));
  const dst = formatIPv6(p.subarray(24, 40));
  let next = p[6];
  let at = 40;
  for (;;) {
    if (next === 17) return decodeUdp(p.subarray(at, end), src, dst);
    if (IPV6_OPTION_HEADERS.has(next)) {
      if (end < at + 8) return skip('truncated');
      const len = (p[at + 1] + 1) * 8;
      next = p[at];
      at += len;
    } else if (next === 44) {
      // Fragment header: only an unfragmented "atomic fragment" (offset 0, M clear) is a datagram.
      if (end < at + 8) return skip('truncated');
      if ((u16(p, at + 2) & 0xfff9) !== 0) return skip('ip-fragment');
      next = p[at];
      at += 8;
    } else if (next === 51) {
      // Authentication Header: length in 4-octet units - 2
      if (end < at + 8) return skip('truncated');
      const len = (p[at + 1] + 2) * 4;
      next = p[at];
      at += len;
    } else {
      return skip('not-udp'); // TCP, ICMPv6, ESP, No Next Header, ...
    }
    if (at > end) return skip('truncated');
  }
}

function decodeUdp(seg: Uint8Array, srcAddress: string, dstAddress: string): FrameDecode {
  if (seg.length < 8) return skip('truncated');
  const length = u16(seg, 4);
  // Length 0 appears on IPv6 jumbograms; otherwise it must cover the header.
  const end = length === 0 ? seg.length : length;
  if (end < 8) return skip('malformed');
  if (end > seg.length) return skip('truncated');
  return {
    kind: 'udp',
    src: { address: srcAddress, port: u16(seg, 0) },
    dst: { address: dstAddress, port: u16(seg, 2) },
    payload: seg.slice(8, end),
  };
}

/** Datagrams found in a run of captured frames, and how many frames were skipped and why. */
export interface UdpExtraction {
  datagrams: UdpDatagram[];
  /** Every frame seen, UDP or not. */
  packets: number;
  skipped: number;
  skippedBy: Partial<Record<SkipReason, number>>;
}

/** Decodes each frame with its own link type and keeps the UDP datagrams. */
export function extractUdp(packets: Iterable<CapturedPacket>): UdpExtraction {
  const out: UdpExtraction = { datagrams: [], packets: 0, skipped: 0, skippedBy: {} };
  for (const p of packets) {
    out.packets++;
    const d = decodeFrame(p.linkType, p.data);
    if (d.kind === 'udp') {
      out.datagrams.push({ time: p.time, src: d.src, dst: d.dst, payload: d.payload });
    } else {
      out.skipped++;
      out.skippedBy[d.reason] = (out.skippedBy[d.reason] ?? 0) + 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Addresses

export function formatIPv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(u16(b, i));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** Parses dotted IPv4 or IPv6 text (with `::` and an optional dotted IPv4 tail). */
export function parseAddress(text: string): { family: 4 | 6; bytes: Uint8Array } {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  if (v6 !== undefined) return { family: 6, bytes: v6 };
  throw new RangeError(`not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
}

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i])) return undefined;
    const v = Number(parts[i]);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseIPv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIPv4(part);
        if (v4 === undefined) return undefined;
        out.push(u16(v4, 0), u16(v4, 2));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** The RFC 1071 one's-complement sum of `parts`, folded to 16 bits (not yet complemented). */
function onesSum(parts: Uint8Array[]): number {
  let sum = 0;
  for (const b of parts) {
    for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The largest UDP payload an IPv4 packet can carry (65535 - 20 - 8). */
export const MAX_UDP_PAYLOAD = 65507;

/**
 * The raw IP packet (for LINKTYPE_RAW) carrying `payload` from `src` to `dst`. Both endpoints must
 * be of one family. IPv4: TTL 64, DF set, identification 0, header checksum correct, UDP checksum 0.
 * IPv6: hop limit 64, UDP checksum computed.
 */
export function encodeIpUdp(src: Endpoint, dst: Endpoint, payload: Uint8Array): Uint8Array {
  const s = parseAddress(src.address);
  const d = parseAddress(dst.address);
  if (s.family !== d.family) {
    throw new RangeError(`source ${src.address} and destination ${dst.address} differ in address family`);
  }
  for (const e of [src, dst]) {
    if (!Number.isInteger(e.port) || e.port < 0 || e.port > 0xffff) throw new RangeError(`bad UDP port ${e.port}`);
  }
  if (payload.length > MAX_UDP_PAYLOAD) throw new RangeError(`UDP payload of ${payload.length} bytes is too long`);
  const udpLength = 8 + payload.length;
  const udp = new Uint8Array(udpLength);
  const uv = new DataView(udp.buffer);
  uv.setUint16(0, src.port);
  uv.setUint16(2, dst.port);
  uv.setUint16(4, udpLength);
  udp.set(payload, 8);
  if (s.family === 4) {
    const p = new Uint8Array(20 + udpLength);
    const v = new DataView(p.buffer);
    v.setUint8(0, 0x45);
    v.setUint16(2, p.length);
    v.setUint16(6, 0x4000); // DF
    v.setUint8(8, 64);
    v.setUint8(9, 17);
    p.set(s.bytes, 12);
    p.set(d.bytes, 16);
    v.setUint16(10, ~onesSum([p.subarray(0, 20)]) & 0xffff);
    p.set(udp, 20);
    return p;
  }
  const p = new Uint8Array(40 + udpLength);
  const v = new DataView(p.buffer);
  v.setUint32(0, 0x60000000);
  v.setUint16(4, udpLength);
  v.setUint8(6, 17);
  v.setUint8(7, 64);
  p.set(s.bytes, 8);
  p.set(d.bytes, 24);
  const pseudo = new Uint8Array(8);
  new DataView(pseudo.buffer).setUint32(0, udpLength);
  pseudo[7] = 17;
  const sum = ~onesSum([s.bytes, d.bytes, pseudo, udp]) & 0xffff;
  uv.setUint16(6, sum === 0 ? 0xffff : sum);
  p.set(udp, 40);
  return p;
}

/** A short text form of a datagram, for logs and test failures. */
export function describeDatagram(d: UdpDatagram): string {
  const ep = (e: Endpoint): string => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);
  return `${d.time ?? '-'} ${ep(d.src)} -> ${ep(d.dst)} ${toHex(d.payload)}`;
}
