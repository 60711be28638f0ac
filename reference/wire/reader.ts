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
  /**
   * The context of a reader `decode` made, which nothing reads from once it fails: a structure
   * that fails in it leaves its segment on the path rather than taking it off in a `finally` (an
   * exception that passes through a `finally` is thrown again, which costs V8 about as much as
   * the throw). A reader from `Reader.from` restores its path after an error, for whoever reads on.
   */
  readonly scoped: boolean;
}

const HEX_PREVIEW = 24;

/** 2 ** (8 * width) - 1: the largest length a prefix `width` bytes wide can say. */
const LENGTH_MAX = [0, 2 ** 8 - 1, 2 ** 16 - 1, 2 ** 24 - 1, 2 ** 32 - 1, 2 ** 40 - 1, 2 ** 48 - 1];

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

/**
 * The `field[i]` path segments of list items, each made once (a segment is pushed for every item
 * read). Written without a branch, so instrumented for coverage it adds no feature of its own.
 */
const itemSegments: Record<string, string[]> = Object.create(null) as Record<string, string[]>;

function itemSegment(field: string, i: number): string {
  const names = (itemSegments[field] ??= []);
  return (names[i] ??= `${field}[${i}]`);
}

/** `Reader.from` for `decode`: a reader whose path need not be restored after an error (`Context.scoped`). */
let scopedReader: (bytes: Uint8Array, root: string, trace: Trace | undefined) => Reader;

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
    return new Reader(bytes, 0, bytes.length, newContext(root, trace, false));
  }

  static {
    scopedReader = (bytes, root, trace) => new Reader(bytes, 0, bytes.length, newContext(root, trace, true));
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
    throw this.error(field, reason, at);
  }

  /**
   * The `DecodeError` `fail` throws. The reader's own checks throw what this returns rather than
   * call `fail`: V8 optimises a function only once it has returned often enough, and one that
   * always throws never does, so building the error here keeps that work in optimised code.
   */
  error(field: string, reason: string | (() => string), at: number): DecodeError {
    return DecodeError.at(this.ctx.segments, field, reason, at);
  }

  private need(n: number, field: string): number {
    if (n > this.end - this.pos) {
      const left = this.end - this.pos;
      throw this.error(field, () => `truncated: needs ${n} byte(s), ${left} left`, this.pos);
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
    if (len < min) throw this.error(field, `length ${len} below the minimum ${min}`, this.pos - width);
    if (len > max) throw this.error(field, `length ${len} above the maximum ${max}`, this.pos - width);
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

  /**
   * The length prefix of `field`, named `field.<length>` (`<length>` for an unnamed field when
   * `bare`); the name is put together only for an error or a trace.
   */
  private lengthOf(width: LengthWidth, field: string, bare: boolean): number {
    if (width > this.end - this.pos || this.ctx.trace !== undefined) {
      return this.uint(width, bare && field === '' ? '<length>' : `${field}.<length>`);
    }
    const at = this.pos;
    this.pos += width;
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + this.buf[at + i];
    return v;
  }

  /** A length-prefixed byte string `opaque field<min..max>`, the prefix `width` bytes wide. */
  opaque(width: LengthWidth, field: string, min = 0, max = LENGTH_MAX[width]): Uint8Array {
    const len = this.lengthOf(width, field, true);
    if (len < min || len > max) throw this.error(field, `length ${len} outside ${min}..${max}`, this.pos - width);
    return this.bytes(len, field);
  }

  /** Reads a length prefix, then `fn` on a sub-reader bounded to that length, which it must consume. */
  sub<T>(width: LengthWidth, field: string, fn: (r: Reader) => T, min = 0, max = LENGTH_MAX[width]): T {
    const len = this.lengthOf(width, field, true);
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
    if (this.ctx.scoped) {
      const value = fn(inner);
      inner.done();
      if (pushed) this.ctx.segments.pop();
      return value;
    }
    try {
      const value = fn(inner);
      inner.done();
      return value;
    } finally {
      if (pushed) this.ctx.segments.pop();
    }
  }

  /** A length-prefixed list; each item is read by `item` with `field[i]` in its path. */
  list<T>(width: LengthWidth, field: string, item: (r: Reader, index: number) => T, min = 0, max = LENGTH_MAX[width]): T[] {
    const len = this.lengthOf(width, field, false);
    this.checkLength(field, len, min, max, width);
    const start = this.pos;
    this.need(len, field);
    const inner = new Reader(this.buf, start, start + len, this.ctx);
    const out: T[] = [];
    while (!inner.atEnd()) {
      const i = out.length;
      this.ctx.segments.push(itemSegment(field, i));
      if (this.ctx.scoped) {
        out.push(item(inner, i));
        this.ctx.segments.pop();
        continue;
      }
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
      this.ctx.segments.push(itemSegment(field, i));
      if (this.ctx.scoped) {
        out.push(item(this, i));
        this.ctx.segments.pop();
        continue;
      }
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
    if (this.ctx.scoped) {
      const value = this.structBody(start, index, fn);
      this.ctx.segments.pop();
      this.ctx.rfcs.pop();
      return value;
    }
    try {
      return this.structBody(start, index, fn);
    } finally {
      this.ctx.segments.pop();
      this.ctx.rfcs.pop();
    }
  }

  private structBody<T>(start: number, index: number, fn: (r: Reader) => T): T {
    const trace = this.ctx.trace;
    if (trace !== undefined) this.record('', start, '', true);
    const value = fn(this);
    if (trace !== undefined) {
      const opening = trace.entries[index];
      trace.entries[index] = { ...opening, end: this.pos };
    }
    return value;
  }

  /** Rejects trailing bytes. */
  done(): void {
    if (this.pos !== this.end) throw this.error('', `${this.end - this.pos} trailing byte(s)`, this.pos);
  }
}

function newContext(root: string, trace: Trace | undefined, scoped: boolean): Context {
  return { segments: root === '' ? [] : [root], rfcs: [undefined], trace, scoped };
}

/**
 * Decodes all of `bytes` with `fn`, rejecting trailing bytes. The reader is `fn`'s alone: once a
 * read fails, the DecodeError says where, and the reader is not to be read from again.
 */
export function decode<T>(bytes: Uint8Array, root: string, fn: (r: Reader) => T, trace?: Trace): T {
  const r = scopedReader(bytes, root, trace);
  const value = fn(r);
  r.done();
  return value;
}
