/**
 * A small deterministic PRNG (splitmix32-style mixing) for external fuzzing: case `i` of a campaign
 * with seed `s` always draws the same mutation decisions, so `--seed s` plus the case index replays it.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator for case `index` of a campaign seeded with `seed`. */
  static forCase(seed: number, index: number): Rng {
    const r = new Rng(seed ^ Math.imul(index + 1, 0x9e3779b9));
    r.u32();
    return r;
  }

  u32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (n <= 0) return 0;
    return this.u32() % n;
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  bool(p = 0.5): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('rng: pick from an empty list');
    return items[this.int(items.length)];
  }

  /** One of `items`, chosen with the given weights. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let x = this.u32() / 0x1_0000_0000 * total;
    for (const [item, w] of items) {
      if (x < w) return item;
      x -= w;
    }
    return items[items.length - 1][0];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A value that tends to sit on a boundary for a field of `bits` bits. */
  interesting(bits: number, current: number): number {
    const max = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
    const v = this.pick([0, 1, max, max - 1, Math.floor(max / 2) + 1, current + 1, Math.max(0, current - 1), this.int(max + 1), (current ^ (1 << this.int(Math.min(bits, 31)))) >>> 0]);
    return v > max ? v % (max + 1) : v;
  }
}

export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
