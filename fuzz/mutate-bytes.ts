/**
 * Byte-level mutation (AFL's havoc, in short) and the seeded generator every mutator draws from:
 * bit flips, interesting values (0, 0xff, 0x7f, 0x80 and length-ish u16/u24), inserted, deleted,
 * copied and duplicated chunks, truncation, splicing two inputs. `ByteScratch` makes them in one
 * reusable buffer for the runner's loop. The structure-aware levels are in mutate.ts.
 *
 * An `Rng` returns numbers in [0, 1); `xorshift(seed)` is the one the runner and tests use.
 */
import { concatBytes } from '@noble/hashes/utils.js';

export type Rng = () => number;

/** A small seeded generator (xorshift32 with a splitmix-style seed scramble). Never returns 1. */
export function xorshift(seed: number): Rng {
  let s = (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) | 0;
  if (s === 0) s = 0x6d2b79f5;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

/** 0..n-1 (0 when n <= 0), even from an rng that strays outside [0, 1). */
export function below(rng: Rng, n: number): number {
  if (n <= 0) return 0;
  const i = Math.floor(rng() * n);
  return i >= 0 && i < n ? i : i >= n ? n - 1 : 0;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[below(rng, items.length)];
}

export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

export function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = below(rng, 256);
  return out;
}

/** The most a byte mutation lets an input grow to. */
export const MAX_INPUT_LENGTH = 16 * 1024;

const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING_16 = [0x0000, 0x0001, 0x00ff, 0x0100, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x4000, 0x3fff];
const INTERESTING_24 = [0x000000, 0x000001, 0x00ffff, 0x010000, 0x7fffff, 0x800000, 0xffffff];

/** Writes `value` big-endian at `at`, dropping what falls at or past `end` (default: the array's end). */
export function putBE(out: Uint8Array, at: number, width: number, value: number, end = out.length): void {
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    if (at + i < end) out[at + i] = v & 0xff;
    v = Math.floor(v / 256);
  }
}

/** Reads `width` bytes big-endian at `at`, a byte at or past `end` (default: the array's end) as 0. */
export function getBE(bytes: Uint8Array, at: number, width: number, end = bytes.length): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + (at + i < end ? bytes[at + i] : 0);
  return v;
}

// ---- byte level

/** One byte-level change (the input is never changed). */
export function mutateBytesOnce(data: Uint8Array, rng: Rng, maxLength = MAX_INPUT_LENGTH): Uint8Array {
  const n = data.length;
  const op = below(rng, n === 0 ? 1 : 10);
  if (n === 0 || op === 0) {
    // Insert a chunk: random bytes or an interesting value.
    if (n >= maxLength) return data.slice(0, maxLength);
    const at = below(rng, n + 1);
    const chunk = chance(rng, 0.5) ? randomBytes(rng, 1 + below(rng, 8)) : Uint8Array.of(pick(rng, INTERESTING_8));
    return concatBytes(data.subarray(0, at), chunk, data.subarray(at)).subarray(0, maxLength).slice();
  }
  // a copy even when `data` is a Buffer (whose slice() is a view)
  const out = new Uint8Array(data);
  switch (op) {
    case 1: {
      const i = below(rng, n);
      out[i] ^= 1 << below(rng, 8);
      return out;
    }
    case 2:
      out[below(rng, n)] = pick(rng, INTERESTING_8);
      return out;
    case 3: {
      const width = chance(rng, 0.7) ? 2 : 3;
      const at = below(rng, n);
      putBE(out, at, width, width === 2 ? pick(rng, INTERESTING_16) : pick(rng, INTERESTING_24));
      return out;
    }
    case 4: {
      // Nudge a big-endian u16 (a length, a sequence number) by a little.
      const at = below(rng, Math.max(1, n - 1));
      const v = getBE(out, at, 2) + pick(rng, NUDGES);
      putBE(out, at, 2, (v + 0x10000) & 0xffff);
      return out;
    }
    case 5: {
      // Delete a chunk.
      const at = below(rng, n);
      const len = 1 + below(rng, Math.min(16, n - at));
      return concatBytes(data.subarray(0, at), data.subarray(at + len));
    }
    case 6: {
      // Copy a chunk over another place. The chunk fits from both offsets, and copyWithin never
      // writes past the end (out.set with a subarray could, when an offset strayed: RangeError).
      const from = below(rng, n);
      const to = below(rng, n);
      const len = Math.min(1 + below(rng, Math.min(32, n - from, n - to)), n - from, n - to);
      out.copyWithin(to, from, from + len);
      return out;
    }
    case 7: {
      // Duplicate a chunk in place (insert a copy).
      if (n >= maxLength) return out;
      const from = below(rng, n);
      const len = 1 + below(rng, Math.min(64, n - from));
      const at = below(rng, n + 1);
      return concatBytes(data.subarray(0, at), data.slice(from, from + len), data.subarray(at)).subarray(0, maxLength).slice();
    }
    case 8:
      return data.slice(0, below(rng, n));
    default:
      out[below(rng, n)] = below(rng, 256);
      return out;
  }
}

const NUDGES = [-2, -1, 1, 2, 13, -13];

/** One to four byte-level changes (the input is never changed). */
export function mutateBytes(data: Uint8Array, rng: Rng, maxLength = MAX_INPUT_LENGTH): Uint8Array {
  return sharedScratch().mutate(data, rng, maxLength).slice();
}

/** The head of one input and the tail of another, cut at random points. */
export function spliceBytes(a: Uint8Array, b: Uint8Array, rng: Rng, maxLength = MAX_INPUT_LENGTH): Uint8Array {
  return sharedScratch().splice(a, b, rng, maxLength).slice();
}

let scratch: ByteScratch | undefined;

/** The buffer `mutateBytes` and `spliceBytes` work in (they copy their result out of it). */
function sharedScratch(): ByteScratch {
  scratch ??= new ByteScratch();
  return scratch;
}

/**
 * Byte mutation and splicing in one reusable buffer, for the runner's loop: what they return is a
 * view of the buffer, valid until the next call (the caller copies what it keeps). The same changes
 * as `mutateBytes` and `spliceBytes` (which are made of it), the same bytes for the same rng; it
 * saves allocating arrays per mutation, and an array of more than 64 bytes is allocated outside
 * V8's heap, which costs as much as a cheap target's whole exec.
 */
export class ByteScratch {
  private buf = new Uint8Array(0);
  private n = 0;
  /** Where a duplicated chunk waits while the tail moves. */
  private readonly chunk = new Uint8Array(64);

  private load(data: Uint8Array, capacity: number): void {
    if (this.buf.length < capacity) this.buf = new Uint8Array(Math.max(capacity, this.buf.length * 2));
    this.buf.set(data);
    this.n = data.length;
  }

  /** One to four byte-level changes of `data` (which is not changed), as `mutateBytes`. */
  mutate(data: Uint8Array, rng: Rng, maxLength = MAX_INPUT_LENGTH): Uint8Array {
    const steps = 1 + below(rng, 4);
    // no step makes it longer than this (a chunk of at most 64 bytes goes in, then the cut)
    this.load(data, Math.max(data.length, maxLength) + 64);
    for (let i = 0; i < steps; i++) this.changeOnce(rng, maxLength);
    return this.buf.subarray(0, this.n);
  }

  /** The head of `a` and the tail of `b`, as `spliceBytes`. */
  splice(a: Uint8Array, b: Uint8Array, rng: Rng, maxLength = MAX_INPUT_LENGTH): Uint8Array {
    const head = below(rng, a.length + 1);
    const tail = b.subarray(below(rng, b.length + 1));
    const n = Math.min(head + tail.length, maxLength);
    if (this.buf.length < n) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    this.buf.set(a.subarray(0, Math.min(head, n)));
    if (n > head) this.buf.set(tail.subarray(0, n - head), head);
    this.n = n;
    return this.buf.subarray(0, n);
  }

  /** `mutateBytesOnce` on the buffer's bytes, in place. */
  private changeOnce(rng: Rng, maxLength: number): void {
    const out = this.buf;
    const n = this.n;
    const op = below(rng, n === 0 ? 1 : 10);
    if (n === 0 || op === 0) {
      // Insert a chunk: random bytes or an interesting value.
      if (n >= maxLength) {
        this.n = maxLength;
        return;
      }
      const at = below(rng, n + 1);
      const random = chance(rng, 0.5);
      const len = random ? 1 + below(rng, 8) : 1;
      out.copyWithin(at + len, at, n);
      if (random) for (let i = 0; i < len; i++) out[at + i] = below(rng, 256);
      else out[at] = pick(rng, INTERESTING_8);
      this.n = Math.min(n + len, maxLength);
      return;
    }
    switch (op) {
      case 1: {
        const i = below(rng, n);
        out[i] ^= 1 << below(rng, 8);
        return;
      }
      case 2:
        out[below(rng, n)] = pick(rng, INTERESTING_8);
        return;
      case 3: {
        const width = chance(rng, 0.7) ? 2 : 3;
        const at = below(rng, n);
        putBE(out, at, width, width === 2 ? pick(rng, INTERESTING_16) : pick(rng, INTERESTING_24), n);
        return;
      }
      case 4: {
        // Nudge a big-endian u16 (a length, a sequence number) by a little.
        const at = below(rng, Math.max(1, n - 1));
        const v = getBE(out, at, 2, n) + pick(rng, NUDGES);
        putBE(out, at, 2, (v + 0x10000) & 0xffff, n);
        return;
      }
      case 5: {
        // Delete a chunk.
        const at = below(rng, n);
        const len = 1 + below(rng, Math.min(16, n - at));
        out.copyWithin(at, at + len, n);
        this.n = n - len;
        return;
      }
      case 6: {
        // Copy a chunk over another place (see mutateBytesOnce).
        const from = below(rng, n);
        const to = below(rng, n);
        const len = Math.min(1 + below(rng, Math.min(32, n - from, n - to)), n - from, n - to);
        out.copyWithin(to, from, from + len);
        return;
      }
      case 7: {
        // Duplicate a chunk in place (insert a copy).
        if (n >= maxLength) return;
        const from = below(rng, n);
        const len = 1 + below(rng, Math.min(64, n - from));
        const at = below(rng, n + 1);
        this.chunk.set(out.subarray(from, from + len));
        out.copyWithin(at + len, at, n);
        out.set(this.chunk.subarray(0, len), at);
        this.n = Math.min(n + len, maxLength);
        return;
      }
      case 8:
        this.n = below(rng, n);
        return;
      default:
        out[below(rng, n)] = below(rng, 256);
    }
  }
}
