/**
 * A bounded reader over bytes, after rustls' `Reader`: every length prefix becomes a sub-reader
 * that must be consumed exactly, so message code never does offset arithmetic and trailing bytes
 * are rejected by name. Every read names its field; a failure throws a `DecodeError` with the
 * whole field path. With a `Trace`, each field read is recorded for the annotated dump.
 */
import { DecodeError } from './errors.ts';
import type { Trace } from './trace.ts';

/** Something that prints the name of a code point (see `openEnum`). */
export interface NamePrinter {
  nameOf(value: number): string;
}

export type LengthWidth = 1 | 2 | 3;

interface Context {
  readonly segments: string[];
  readonly rfcs: (string | undefined)[];
  readonly trace: Trace | undefined;
}

const HEX_PREVIEW = 24;

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function printBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return '(empty)';
  const shown = hex(bytes.subarray(0, HEX_PREVIEW));
  return bytes.length > HEX_PREVIEW ? `${shown}… (${bytes.length} bytes)` : shown;
}

function printNumber(value: number, names: NamePrinter | undefined, width: number): string {
  const h = `0x${value.toString(16).padStart(width * 2, '0')}`;
  if (names === undefined) return `${value} (${h})`;
  const name = names.nameOf(value);
  return name.startsWith('unknown(') ? name : `${name} (${h})`;
}

export class Reader {
  private pos: number;

  private constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly end: number,
    private readonly ctx: Context,
  ) {
    this.pos = start;
  }

  /** A reader over all of `bytes`; `root` names the outermost structure in error paths. */
  static from(bytes: Uint8Array, root: string, trace?: Trace): Reader {
    const segments = root === '' ? [] : [root];
    return new Reader(bytes, 0, bytes.length, { segments, rfcs: [undefined], trace });
  }

  /** Absolute offset of the next byte in the original input. */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The dotted path of `field` inside the current structure. */
  pathOf(field: string): string {
    const base = this.ctx.segments.join('.');
    if (base === '') return field === '' ? '(top level)' : field;
    return field === '' ? base : `${base}.${field}`;
  }

  /** Throws a `DecodeError` for `field`. */
  fail(field: string, reason: string | (() => string), at: number = this.pos): never {
    throw DecodeError.at(this.ctx.segments, field, reason, at);
  }

  private need(n: number, field: string): number {
    if (n > this.end - this.pos) {
      const left = this.end - this.pos;
      this.fail(field, () => `truncated: needs ${n} byte(s), ${left} left`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Adds a trace entry; callers check for a trace first, so untraced reads never format values. */
  private record(field: string, start: number, value: string, isStruct = false): void {
    const trace = this.ctx.trace;
    if (trace === undefined) return;
    trace.add({
      path: this.pathOf(field),
      start,
      end: this.pos,
      value,
      rfc: this.ctx.rfcs[this.ctx.rfcs.length - 1],
      depth: this.ctx.segments.length,
      isStruct,
    });
  }

  private uint(width: number, field: string, names?: NamePrinter): number {
    const at = this.need(width, field);
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + this.buf[at + i];
    if (this.ctx.trace !== undefined) this.record(field, at, printNumber(v, names, width));
    return v;
  }

  u8(field: string, names?: NamePrinter): number {
    return this.uint(1, field, names);
  }

  u16(field: string, names?: NamePrinter): number {
    return this.uint(2, field, names);
  }

  u24(field: string): number {
    return this.uint(3, field);
  }

  u32(field: string): number {
    return this.uint(4, field);
  }

  /** A 48-bit unsigned integer (DTLS sequence numbers); exact in a JS number. */
  u48(field: string): number {
    return this.uint(6, field);
  }

  /** A 64-bit unsigned integer (RFC 9147 RecordNumber), as a bigint: it does not fit a JS number. */
  u64(field: string): bigint {
    const at = this.need(8, field);
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(this.buf[at + i]);
    if (this.ctx.trace !== undefined) this.record(field, at, `${v} (0x${v.toString(16).padStart(16, '0')})`);
    return v;
  }

  private checkLength(field: string, len: number, min: number, max: number, width: number): void {
    if (len < min) this.fail(field, `length ${len} below the minimum ${min}`, this.pos - width);
    if (len > max) this.fail(field, `length ${len} above the maximum ${max}`, this.pos - width);
  }

  /** Exactly `n` bytes (a copy). */
  bytes(n: number, field: string): Uint8Array {
    const at = this.need(n, field);
    const out = this.buf.slice(at, at + n);
    if (this.ctx.trace !== undefined) this.record(field, at, printBytes(out));
    return out;
  }

  /** All that is left (a copy). */
  rest(field: string): Uint8Array {
    return this.bytes(this.remaining, field);
  }

  /** A length-prefixed byte string `opaque field<min..max>`, the prefix `width` bytes wide. */
  opaque(width: LengthWidth, field: string, min = 0, max = 2 ** (8 * width) - 1): Uint8Array {
    const len = this.uint(width, field === '' ? '<length>' : `${field}.<length>`);
    if (len < min || len > max) this.fail(field, `length ${len} outside ${min}..${max}`, this.pos - width);
    return this.bytes(len, field);
  }

  /** Reads a length prefix, then `fn` on a sub-reader bounded to that length, which it must consume. */
  sub<T>(width: LengthWidth, field: string, fn: (r: Reader) => T, min = 0, max = 2 ** (8 * width) - 1): T {
    const len = this.uint(width, field === '' ? '<length>' : `${field}.<length>`);
    this.checkLength(field, len, min, max, width);
    return this.fixed(len, field, fn);
  }

  /** Runs `fn` on a sub-reader over the next `len` bytes, which it must consume. */
  fixed<T>(len: number, field: string, fn: (r: Reader) => T): T {
    const start = this.pos;
    this.need(len, field);
    const inner = new Reader(this.buf, start, start + len, this.ctx);
    const pushed = field !== '';
    if (pushed) this.ctx.segments.push(field);
    try {
      const value = fn(inner);
      inner.done();
      return value;
    } finally {
      if (pushed) this.ctx.segments.pop();
    }
  }

  /** A length-prefixed list; each item is read by `item` with `field[i]` in its path. */
  list<T>(width: LengthWidth, field: string, item: (r: Reader, index: number) => T, min = 0, max = 2 ** (8 * width) - 1): T[] {
    const len = this.uint(width, `${field}.<length>`);
    this.checkLength(field, len, min, max, width);
    const start = this.pos;
    this.need(len, field);
    const inner = new Reader(this.buf, start, start + len, this.ctx);
    const out: T[] = [];
    while (!inner.atEnd()) {
      const i = out.length;
      this.ctx.segments.push(`${field}[${i}]`);
      try {
        out.push(item(inner, i));
      } finally {
        this.ctx.segments.pop();
      }
    }
    return out;
  }

  /** Items until this reader is exhausted (lists whose length is the enclosing one). */
  many<T>(field: string, item: (r: Reader, index: number) => T): T[] {
    const out: T[] = [];
    while (!this.atEnd()) {
      const i = out.length;
      this.ctx.segments.push(`${field}[${i}]`);
      try {
        out.push(item(this, i));
      } finally {
        this.ctx.segments.pop();
      }
    }
    return out;
  }

  /** Names a structure (and the RFC section defining it) for paths, traces and the dump. */
  struct<T>(name: string, rfc: string | undefined, fn: (r: Reader) => T): T {
    const start = this.pos;
    const trace = this.ctx.trace;
    const index = trace === undefined ? -1 : trace.entries.length;
    this.ctx.segments.push(name);
    this.ctx.rfcs.push(rfc ?? this.ctx.rfcs[this.ctx.rfcs.length - 1]);
    try {
      if (trace !== undefined) this.record('', start, '', true);
      const value = fn(this);
      if (trace !== undefined) {
        const opening = trace.entries[index];
        trace.entries[index] = { ...opening, end: this.pos };
      }
      return value;
    } finally {
      this.ctx.segments.pop();
      this.ctx.rfcs.pop();
    }
  }

  /** Rejects trailing bytes. */
  done(): void {
    if (this.pos !== this.end) this.fail('', `${this.end - this.pos} trailing byte(s)`);
  }
}

/** Decodes all of `bytes` with `fn`, rejecting trailing bytes. */
export function decode<T>(bytes: Uint8Array, root: string, fn: (r: Reader) => T, trace?: Trace): T {
  const r = Reader.from(bytes, root, trace);
  const value = fn(r);
  r.done();
  return value;
}
