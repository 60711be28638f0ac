/**
 * Values kept under the leading bytes of an input, for a target that can resume an exec from the
 * state an earlier input with the same leading bytes reached: `longest` finds the value for the
 * longest of the given prefix lengths that has one. At most `capacity` values; the oldest goes first.
 */
export class PrefixCache<V> {
  /** By the prefix's bytes (one char a byte; Map order is insertion order, oldest first). */
  private readonly values = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.values.size;
  }

  /** The value kept for the longest `data[0, ends[k])` there is one for (`ends` ascending). */
  longest(data: Uint8Array, ends: readonly number[]): V | undefined {
    for (let k = ends.length - 1; k >= 0; k--) {
      const v = this.values.get(keyOf(data, ends[k]));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Keeps `value` for `data[0, length)`, unless one is kept for it already. */
  add(data: Uint8Array, length: number, value: V): void {
    const key = keyOf(data, length);
    if (this.values.has(key)) return;
    this.values.set(key, value);
    if (this.values.size > this.capacity) {
      const oldest = this.values.keys().next();
      if (oldest.done !== true) this.values.delete(oldest.value);
    }
  }
}

function keyOf(data: Uint8Array, length: number): string {
  return Buffer.from(data.buffer, data.byteOffset, length).toString('latin1');
}
