/**
 * pcapng files (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/): blocks of
 * (type, total length, body, total length). Read: Section Header (either byte order, several
 * sections), Interface Description (link type, snaplen, if_tsresol, if_tsoffset), Enhanced Packet,
 * Simple Packet, the obsolete Packet Block, and Decryption Secrets; every other block is skipped and
 * counted. Write: the same blocks, with deterministic content given the caller's times.
 * Times are `bigint` nanoseconds since the Unix epoch (see packet.ts).
 */
import { CaptureError, Cursor, Sink } from './bytes.ts';
import { type CapturedPacket, type TimedDatagram, encodeIpUdp, LinkType } from './packet.ts';

export const BlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  ENHANCED_PACKET: 0x00000006,
  DECRYPTION_SECRETS: 0x0000000a,
} as const;

const BLOCK_NAMES: Record<number, string> = {
  [BlockType.SECTION_HEADER]: 'Section Header Block',
  [BlockType.INTERFACE_DESCRIPTION]: 'Interface Description Block',
  [BlockType.PACKET]: 'Packet Block',
  [BlockType.SIMPLE_PACKET]: 'Simple Packet Block',
  [BlockType.ENHANCED_PACKET]: 'Enhanced Packet Block',
  [BlockType.DECRYPTION_SECRETS]: 'Decryption Secrets Block',
};

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Decryption Secrets Block type for an NSS key log ('TLSK'). */
export const SECRETS_TLS_KEYLOG = 0x544c534b;

/** Timestamp resolution: `base ** -exponent` seconds per unit (if_tsresol). Default 10^-6. */
export interface TsResolution {
  base: 2 | 10;
  exponent: number;
}

export interface PcapngInterface {
  linkType: number;
  /** 0 means no limit. */
  snaplen: number;
  tsresol: TsResolution;
  /** if_tsoffset: seconds added to every timestamp. */
  tsoffset: bigint;
  name?: string;
}

export interface PcapngSection {
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  application?: string;
  interfaces: PcapngInterface[];
}

export interface PcapngFile {
  sections: PcapngSection[];
  /** Packets of every section in file order; `interfaceId` is the id inside its own section. */
  packets: CapturedPacket[];
  /** Decryption Secrets Blocks in file order. */
  secrets: { type: number; data: Uint8Array }[];
  /** Blocks of a type this reader does not interpret, skipped. */
  skippedBlocks: number;
}

/** True when `bytes` starts with a pcapng Section Header Block. */
export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
}

type Options = Map<number, Uint8Array[]>;

/** Reads options up to opt_endofopt or the end of the body. */
function readOptions(c: Cursor): Options {
  const out: Options = new Map();
  while (c.remaining >= 4) {
    const code = c.u16('option code');
    const len = c.u16('option length');
    if (code === 0) break;
    const value = c.take(len, `option ${code} value`);
    c.skip((4 - (len % 4)) % 4, `option ${code} padding`);
    out.set(code, [...(out.get(code) ?? []), value]);
  }
  return out;
}

const utf8 = new TextDecoder();
const text = (o: Options, code: number): string | undefined => {
  const v = o.get(code)?.[0];
  return v === undefined ? undefined : utf8.decode(v).replace(/\0+$/, '');
};

/** Converts a timestamp in `tsresol` units to nanoseconds (truncating below a nanosecond). */
export function unitsToNs(units: bigint, r: TsResolution): bigint {
  if (r.base === 2) return (units * 1_000_000_000n) >> BigInt(r.exponent);
  if (r.exponent <= 9) return units * 10n ** BigInt(9 - r.exponent);
  return units / 10n ** BigInt(r.exponent - 9);
}

/** Converts nanoseconds to `tsresol` units (truncating). */
export function nsToUnits(ns: bigint, r: TsResolution): bigint {
  if (r.base === 2) return (ns << BigInt(r.exponent)) / 1_000_000_000n;
  if (r.exponent <= 9) return ns / 10n ** BigInt(9 - r.exponent);
  return ns * 10n ** BigInt(r.exponent - 9);
}

/** Reads a whole pcapng file. Truncation or inconsistent lengths throw a `CaptureError`. */
export function readPcapng(bytes: Uint8Array): PcapngFile {
  const file: PcapngFile = { sections: [], packets: [], secrets: [], skippedBlocks: 0 };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let section: PcapngSection | undefined;
  let at = 0;
  for (let index = 1; at < bytes.length; index++) {
    const fail =
      (where: string) =>
      (detail: string): never => {
        throw new CaptureError('pcapng', at, where, detail);
      };
    if (bytes.length - at < 12) fail(`block #${index}`)(`${bytes.length - at} trailing bytes, too short for a block`);
    const isShb = dv.getUint32(at, false) === BlockType.SECTION_HEADER;
    if (section === undefined && !isShb) fail(`block #${index}`)('the file does not start with a Section Header Block');
    let littleEndian: boolean;
    if (isShb) {
      if (bytes.length - at < 28) fail(`block #${index} (Section Header Block)`)('truncated before the byte-order magic');
      const magic = dv.getUint32(at + 8, true);
      if (magic === BYTE_ORDER_MAGIC) littleEndian = true;
      else if (dv.getUint32(at + 8, false) === BYTE_ORDER_MAGIC) littleEndian = false;
      else return fail(`block #${index} (Section Header Block)`)(`bad byte-order magic 0x${magic.toString(16)}`);
    } else {
      littleEndian = (section as PcapngSection).littleEndian;
    }
    const type = dv.getUint32(at, littleEndian);
    const name = `block #${index} (${BLOCK_NAMES[type] ?? `unknown type 0x${type.toString(16).padStart(8, '0')}`})`;
    const total = dv.getUint32(at + 4, littleEndian);
    if (total < 12 || total % 4 !== 0) fail(name)(`block total length ${total} is not a multiple of 4 of at least 12`);
    if (total > bytes.length - at) fail(name)(`block total length ${total} runs past the end of the file (${bytes.length - at} bytes left)`);
    const trailer = dv.getUint32(at + total - 4, littleEndian);
    if (trailer !== total) fail(name)(`trailing block length ${trailer} differs from the leading ${total}`);
    const body = new Cursor(bytes.subarray(at + 8, at + total - 4), littleEndian, fail(name), 0, at + 8);
    switch (type) {
      case BlockType.SECTION_HEADER: {
        body.u32('byte-order magic');
        const versionMajor = body.u16('major version');
        const versionMinor = body.u16('minor version');
        if (versionMajor !== 1) fail(name)(`unsupported major version ${versionMajor}`);
        body.i64('section length');
        const application = text(readOptions(body), 4);
        section = { littleEndian, versionMajor, versionMinor, interfaces: [] };
        if (application !== undefined) section.application = application;
        file.sections.push(section);
        break;
      }
      case BlockType.INTERFACE_DESCRIPTION: {
        const linkType = body.u16('link type');
        body.u16('reserved');
        const snaplen = body.u32('snaplen');
        const o = readOptions(body);
        const iface: PcapngInterface = { linkType, snaplen, tsresol: { base: 10, exponent: 6 }, tsoffset: 0n };
        const res = o.get(9)?.[0];
        if (res !== undefined) {
          if (res.length !== 1) fail(name)(`if_tsresol has length ${res.length}, expected 1`);
          iface.tsresol = { base: (res[0] & 0x80) !== 0 ? 2 : 10, exponent: res[0] & 0x7f };
        }
        const off = o.get(14)?.[0];
        if (off !== undefined) {
          if (off.length !== 8) fail(name)(`if_tsoffset has length ${off.length}, expected 8`);
          iface.tsoffset = new DataView(off.buffer, off.byteOffset, 8).getBigInt64(0, littleEndian);
        }
        const ifName = text(o, 2);
        if (ifName !== undefined) iface.name = ifName;
        (section as PcapngSection).interfaces.push(iface);
        break;
      }
      case BlockType.ENHANCED_PACKET:
      case BlockType.PACKET: {
        const s = section as PcapngSection;
        const interfaceId = type === BlockType.PACKET ? body.u16('interface id') : body.u32('interface id');
        if (type === BlockType.PACKET) body.u16('drops count');
        const high = body.u32('timestamp (high)');
        const low = body.u32('timestamp (low)');
        const captured = body.u32('captured length');
        const originalLength = body.u32('original length');
        const data = body.take(captured, `packet data (captured length ${captured})`);
        body.skip((4 - (captured % 4)) % 4, 'packet data padding');
        const iface = s.interfaces[interfaceId];
        if (iface === undefined) fail(name)(`interface id ${interfaceId} is not described (${s.interfaces.length} interfaces so far)`);
        const units = (BigInt(high) << 32n) | BigInt(low);
        const time = unitsToNs(units, iface.tsresol) + iface.tsoffset * 1_000_000_000n;
        file.packets.push({ time, linkType: iface.linkType, interfaceId, data, originalLength });
        break;
      }
      case BlockType.SIMPLE_PACKET: {
        const s = section as PcapngSection;
        const iface = s.interfaces[0];
        if (iface === undefined) fail(name)('a Simple Packet Block needs interface 0, which is not described');
        const originalLength = body.u32('original length');
        let captured = Math.min(originalLength, body.remaining);
        if (iface.snaplen !== 0) captured = Math.min(captured, iface.snaplen);
        const data = body.take(captured, 'packet data');
        file.packets.push({ time: undefined, linkType: iface.linkType, interfaceId: 0, data, originalLength });
        break;
      }
      case BlockType.DECRYPTION_SECRETS: {
        const secretsType = body.u32('secrets type');
        const length = body.u32('secrets length');
        file.secrets.push({ type: secretsType, data: body.take(length, `secrets data (length ${length})`) });
        break;
      }
      default:
        file.skippedBlocks++;
    }
    at += total;
  }
  return file;
}

export interface PcapngWriterOptions {
  /** Byte order of the first section; little-endian by default. */
  littleEndian?: boolean;
  /** shb_userappl; omitted when undefined, so the output depends only on the packets. */
  application?: string;
}

export interface InterfaceOptions {
  snaplen?: number;
  /** Units per second as `base ** exponent`; 10^9 (nanoseconds) by default. */
  tsresol?: TsResolution;
  name?: string;
}

const utf8Encode = new TextEncoder();

/** Builds a pcapng file block by block. Interface ids count from 0 within each section. */
export class PcapngWriter {
  private out: Sink;
  private interfaces: TsResolution[] = [];

  constructor(options: PcapngWriterOptions = {}) {
    this.out = new Sink(options.littleEndian ?? true);
    this.section(options);
  }

  /** Starts a new section (its interfaces start again from id 0); it may change the byte order. */
  section(options: PcapngWriterOptions = {}): this {
    if (this.out.length > 0 && options.littleEndian !== undefined && options.littleEndian !== this.out.littleEndian) {
      const before = this.out.finish();
      this.out = new Sink(options.littleEndian);
      this.out.bytes(before);
    }
    this.interfaces = [];
    return this.block(BlockType.SECTION_HEADER, (b) => {
      b.u32(BYTE_ORDER_MAGIC).u16(1).u16(0).i64(-1n);
      if (options.application !== undefined) {
        this.option(b, 4, utf8Encode.encode(options.application));
        b.u32(0); // opt_endofopt
      }
    });
  }

  /** Adds an Interface Description Block and returns its id. */
  addInterface(linkType: number, options: InterfaceOptions = {}): number {
    const tsresol = options.tsresol ?? { base: 10, exponent: 9 };
    this.block(BlockType.INTERFACE_DESCRIPTION, (b) => {
      b.u16(linkType).u16(0).u32(options.snaplen ?? 262144);
      if (options.name !== undefined) this.option(b, 2, utf8Encode.encode(options.name));
      if (tsresol.base !== 10 || tsresol.exponent !== 6) {
        this.option(b, 9, Uint8Array.of((tsresol.base === 2 ? 0x80 : 0) | tsresol.exponent));
      }
      b.u32(0); // opt_endofopt
    });
    this.interfaces.push(tsresol);
    return this.interfaces.length - 1;
  }

  /** Adds an Enhanced Packet Block; `time` is nanoseconds since the epoch. */
  addPacket(interfaceId: number, time: bigint, data: Uint8Array, originalLength = data.length): this {
    const tsresol = this.interfaces[interfaceId];
    if (tsresol === undefined) throw new RangeError(`interface ${interfaceId} has not been added`);
    if (time < 0n) throw new RangeError(`pcapng cannot hold a negative time (${time} ns)`);
    const units = nsToUnits(time, tsresol);
    return this.block(BlockType.ENHANCED_PACKET, (b) => {
      b.u32(interfaceId).u32(Number(units >> 32n)).u32(Number(units & 0xffffffffn));
      b.u32(data.length).u32(originalLength).bytes(data).pad(4);
    });
  }

  /** Adds a Simple Packet Block (interface 0, no timestamp). */
  addSimplePacket(data: Uint8Array): this {
    if (this.interfaces.length === 0) throw new RangeError('a Simple Packet Block needs interface 0');
    return this.block(BlockType.SIMPLE_PACKET, (b) => b.u32(data.length).bytes(data).pad(4));
  }

  /** Adds a Decryption Secrets Block (e.g. `SECRETS_TLS_KEYLOG` with NSS key log text). */
  addSecrets(type: number, data: Uint8Array): this {
    return this.block(BlockType.DECRYPTION_SECRETS, (b) => b.u32(type).u32(data.length).bytes(data).pad(4));
  }

  /** Adds a block of any type with the given body (padded to 4). */
  addBlock(type: number, body: Uint8Array): this {
    return this.block(type, (b) => b.bytes(body).pad(4));
  }

  finish(): Uint8Array {
    return this.out.finish();
  }

  private option(b: Sink, code: number, value: Uint8Array): void {
    b.u16(code).u16(value.length).bytes(value).pad(4);
  }

  private block(type: number, body: (b: Sink) => void): this {
    const start = this.out.length;
    this.out.u32(type).u32(0);
    body(this.out);
    this.out.pad(4);
    const total = this.out.length - start + 4;
    this.out.u32(total);
    this.out.patchU32(start + 4, total);
    return this;
  }
}

export interface PcapngDatagramOptions extends PcapngWriterOptions {
  /** NSS key log text to embed in a Decryption Secrets Block before the packets. */
  keylog?: string;
}

/**
 * Writes UDP datagrams as pcapng: one LINKTYPE_RAW (101) interface with nanosecond timestamps,
 * IPv4 or IPv6 per datagram, so times survive exactly.
 */
export function writePcapng(datagrams: Iterable<TimedDatagram>, options: PcapngDatagramOptions = {}): Uint8Array {
  const w = new PcapngWriter(options);
  const id = w.addInterface(LinkType.RAW);
  if (options.keylog !== undefined) w.addSecrets(SECRETS_TLS_KEYLOG, utf8Encode.encode(options.keylog));
  for (const d of datagrams) w.addPacket(id, d.time, encodeIpUdp(d.src, d.dst, d.payload));
  return w.finish();
}
