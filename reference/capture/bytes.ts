/**
 * Byte-level helpers shared by the capture readers and writers: one error type that names the
 * format, the block and the file offset, a bounds-checked cursor over a DataView, and a growable
 * byte sink for the writers. Nothing here knows about packets.
 */

/** Which container a `CaptureError` came from. */
export type CaptureFormat = 'pcap' | 'pcapng' | 'capture';

/**
 * A malformed or truncated capture file. `offset` is the file offset of the structure named by
 * `where` (a file header, a record, a block), `detail` says what is wrong with it.
 */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly format: CaptureFormat,
    readonly offset: number,
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${format}: ${where} at offset ${offset} (0x${offset.toString(16)}): ${detail}`);
  }
}

/**
 * Reads fixed-width integers from a byte view in one byte order. Every read is bounds-checked and
 * a short read throws a `CaptureError` naming `where` and the offset of the structure.
 */
export class Cursor {
  private readonly view: DataView;
  private pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    private readonly fail: (detail: string) => never,
    start = 0,
    /** The file offset of `bytes[0]`, so messages name file offsets. */
    private readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) {
      this.fail(`${what} needs ${n} bytes at file offset ${this.base + this.pos} but only ${this.remaining} remain`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  i64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  /** A view (not a copy) of the next `n` bytes. */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }
}

/** An append-only byte buffer with fixed-width integer writes in one byte order. */
export class Sink {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  constructor(readonly littleEndian: boolean) {}

  get length(): number {
    return this.len;
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.grow(1);
    this.view.setUint8(this.len, v);
    this.len += 1;
    return this;
  }

  u16(v: number): this {
    this.grow(2);
    this.view.setUint16(this.len, v, this.littleEndian);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    this.grow(4);
    this.view.setUint32(this.len, v, this.littleEndian);
    this.len += 4;
    return this;
  }

  i64(v: bigint): this {
    this.grow(8);
    this.view.setBigInt64(this.len, v, this.littleEndian);
    this.len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Zero bytes up to the next multiple of `n`. */
  pad(n: number): this {
    while (this.len % n !== 0) this.u8(0);
    return this;
  }

  /** Overwrites a 32-bit value written earlier (used to patch block lengths). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, this.littleEndian);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Lower-case hex of `b`. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Bytes from hex (either case, even length); undefined when `s` is not hex. */
export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
