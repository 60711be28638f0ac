/**
 * A growable writer. Length-prefixed scopes patch their length when they close, so message
 * code never computes a length by hand. Values that do not fit their field are programming
 * errors and throw a RangeError naming the field width; everything else is accepted, so the
 * same writers forge malformed messages for probes.
 */
import type { LengthWidth } from './reader.ts';

/** 2 ** (8 * width): the first value that does not fit a field `width` bytes wide. */
const LIMIT = [1, 2 ** 8, 2 ** 16, 2 ** 24, 2 ** 32, 2 ** 40, 2 ** 48];

export class Writer {
  /**
   * Starts at 64 bytes, which V8 keeps on its heap: most records and messages fit, and a larger
   * typed array is allocated outside the heap, at several times the cost. It grows fourfold.
   */
  private buf = new Uint8Array(64);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 4;
    while (size < this.len + n) size *= 4;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private uint(width: number, value: number): this {
    if (!Number.isInteger(value) || value < 0 || value >= LIMIT[width]) {
      throw new RangeError(`value ${value} does not fit an unsigned ${8 * width}-bit field`);
    }
    this.reserve(width);
    let v = value;
    for (let i = width - 1; i >= 0; i--) {
      this.buf[this.len + i] = v % 256;
      v = Math.floor(v / 256);
    }
    this.len += width;
    return this;
  }

  u8(value: number): this {
    return this.uint(1, value);
  }

  u16(value: number): this {
    return this.uint(2, value);
  }

  u24(value: number): this {
    return this.uint(3, value);
  }

  u32(value: number): this {
    return this.uint(4, value);
  }

  u48(value: number): this {
    return this.uint(6, value);
  }

  /** A 64-bit unsigned integer (RFC 9147 RecordNumber), from a bigint. */
  u64(value: bigint): this {
    if (value < 0n || value >= 1n << 64n) {
      throw new RangeError(`value ${value} does not fit an unsigned 64-bit field`);
    }
    this.reserve(8);
    let v = value;
    for (let i = 7; i >= 0; i--) {
      this.buf[this.len + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.len += 8;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** Writes what `fn` writes behind a `width`-byte length prefix. */
  prefixed(width: LengthWidth, fn: (w: this) => void): this {
    this.uint(width, 0);
    const start = this.len;
    fn(this);
    const n = this.len - start;
    if (n >= 2 ** (8 * width)) {
      throw new RangeError(`${n} bytes do not fit a ${8 * width}-bit length prefix`);
    }
    for (let i = 0, v = n; i < width; i++, v = Math.floor(v / 256)) {
      this.buf[start - 1 - i] = v % 256;
    }
    return this;
  }

  /** `opaque<..2^(8*width)-1>`: a length prefix then the bytes. */
  opaque(width: LengthWidth, data: Uint8Array): this {
    // what `prefixed` writes, without its callback; too long for the prefix, `prefixed` says so
    if (data.length >= LIMIT[width]) return this.prefixed(width, (w) => w.bytes(data));
    return this.uint(width, data.length).bytes(data);
  }

  /** A length-prefixed list of items. */
  list<T>(width: LengthWidth, items: readonly T[], item: (w: this, value: T) => void): this {
    return this.prefixed(width, (w) => {
      for (const v of items) item(w, v);
    });
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Runs `fn` on a fresh writer and returns the bytes. */
export function encode(fn: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  fn(w);
  return w.finish();
}
