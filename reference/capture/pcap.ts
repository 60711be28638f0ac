/**
 * Classic libpcap files (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/): a 24-byte file
 * header then records of (seconds, sub-seconds, captured length, original length, bytes).
 * Both byte orders, microsecond (0xA1B2C3D4) and nanosecond (0xA1B23C4D) magic.
 * Times are `bigint` nanoseconds since the Unix epoch (see packet.ts).
 */
import { CaptureError, Cursor, Sink } from './bytes.ts';
import { type CapturedPacket, type TimedDatagram, encodeIpUdp, LinkType } from './packet.ts';

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

export type PcapResolution = 'us' | 'ns';

export interface PcapHeader {
  littleEndian: boolean;
  resolution: PcapResolution;
  versionMajor: number;
  versionMinor: number;
  /** GMT offset in seconds; always 0 in practice and not applied to times. */
  thisZone: number;
  snaplen: number;
  /** The LINKTYPE_ value (the low 16 bits of the header's link-type field). */
  linkType: number;
  /** The FCS length in bytes when the header announces one (bits 28-31 with bit 26 set), else 0. */
  fcsLength: number;
}

export interface PcapFile {
  header: PcapHeader;
  packets: CapturedPacket[];
}

/** True when `bytes` starts with a pcap magic number in either byte order. */
export function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 4);
  return [v.getUint32(0, true), v.getUint32(0, false)].some((m) => m === MAGIC_US || m === MAGIC_NS);
}

/** Reads a whole pcap file. A short or inconsistent file throws a `CaptureError` naming the offset. */
export function readPcap(bytes: Uint8Array): PcapFile {
  const failAt =
    (offset: number, where: string) =>
    (detail: string): never => {
      throw new CaptureError('pcap', offset, where, detail);
    };
  if (bytes.length < 4) failAt(0, 'file header')(`file is ${bytes.length} bytes, too short for a magic number`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian: boolean;
  let resolution: PcapResolution;
  const le = dv.getUint32(0, true);
  const be = dv.getUint32(0, false);
  if (le === MAGIC_US || le === MAGIC_NS) {
    littleEndian = true;
    resolution = le === MAGIC_NS ? 'ns' : 'us';
  } else if (be === MAGIC_US || be === MAGIC_NS) {
    littleEndian = false;
    resolution = be === MAGIC_NS ? 'ns' : 'us';
  } else {
    return failAt(0, 'file header')(`unknown magic number 0x${be.toString(16).padStart(8, '0')}`);
  }
  const h = new Cursor(bytes, littleEndian, failAt(0, 'file header'), 4);
  const versionMajor = h.u16('version_major');
  const versionMinor = h.u16('version_minor');
  const thisZone = h.i32('thiszone');
  h.u32('sigfigs');
  const snaplen = h.u32('snaplen');
  const linkField = h.u32('linktype');
  const header: PcapHeader = {
    littleEndian,
    resolution,
    versionMajor,
    versionMinor,
    thisZone,
    snaplen,
    linkType: linkField & 0xffff,
    fcsLength: (linkField & 0x04000000) !== 0 ? ((linkField >>> 28) & 0xf) * 2 : 0,
  };
  const scale = resolution === 'ns' ? 1n : 1000n;
  const limit = resolution === 'ns' ? 1_000_000_000 : 1_000_000;
  const packets: CapturedPacket[] = [];
  let at = FILE_HEADER;
  for (let index = 1; at < bytes.length; index++) {
    const where = `record #${index}`;
    const r = new Cursor(bytes, littleEndian, failAt(at, where), at);
    const seconds = r.u32('ts_sec');
    const fraction = r.u32(resolution === 'ns' ? 'ts_nsec' : 'ts_usec');
    const captured = r.u32('incl_len');
    const original = r.u32('orig_len');
    if (fraction >= limit) failAt(at, where)(`sub-second field ${fraction} is not below ${limit}`);
    const data = r.take(captured, `packet data (incl_len ${captured})`);
    packets.push({
      time: BigInt(seconds) * 1_000_000_000n + BigInt(fraction) * scale,
      linkType: header.linkType,
      interfaceId: 0,
      data: header.fcsLength > 0 && data.length >= original ? data.subarray(0, Math.max(0, data.length - header.fcsLength)) : data,
      originalLength: original,
    });
    at += RECORD_HEADER + captured;
  }
  return { header, packets };
}

export interface PcapWriteOptions {
  /** Microseconds (the default, readable everywhere) or nanoseconds. */
  resolution?: PcapResolution;
  /** Byte order of the file; little-endian by default, as libpcap writes on x86. */
  littleEndian?: boolean;
  /** Header snaplen; 262144 by default. Frames are never cut. */
  snaplen?: number;
}

/** One frame to write: time in nanoseconds since the epoch and the link-layer bytes. */
export interface PcapFrame {
  time: bigint;
  data: Uint8Array;
}

/** Writes a pcap file of `frames` with the given link type. */
export function writePcapFrames(linkType: number, frames: Iterable<PcapFrame>, options: PcapWriteOptions = {}): Uint8Array {
  const resolution = options.resolution ?? 'us';
  const out = new Sink(options.littleEndian ?? true);
  out.u32(resolution === 'ns' ? MAGIC_NS : MAGIC_US).u16(2).u16(4).u32(0).u32(0);
  out.u32(options.snaplen ?? 262144).u32(linkType);
  const unit = resolution === 'ns' ? 1n : 1000n;
  for (const f of frames) {
    if (f.time < 0n) throw new RangeError(`pcap cannot hold a negative time (${f.time} ns)`);
    const seconds = f.time / 1_000_000_000n;
    if (seconds > 0xffffffffn) throw new RangeError(`pcap cannot hold a time past 2106 (${f.time} ns)`);
    out.u32(Number(seconds)).u32(Number((f.time % 1_000_000_000n) / unit));
    out.u32(f.data.length).u32(f.data.length).bytes(f.data);
  }
  return out.finish();
}

/**
 * Writes UDP datagrams as a LINKTYPE_RAW (101) pcap, IPv4 or IPv6 per datagram. With the default
 * microsecond resolution, sub-microsecond parts of the times are dropped.
 */
export function writePcap(datagrams: Iterable<TimedDatagram>, options: PcapWriteOptions = {}): Uint8Array {
  const frames: PcapFrame[] = [];
  for (const d of datagrams) frames.push({ time: d.time, data: encodeIpUdp(d.src, d.dst, d.payload) });
  return writePcapFrames(LinkType.RAW, frames, options);
}
