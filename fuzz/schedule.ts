/**
 * Which corpus entries the runner favours (AFL's "favored" queue entries). For every counter some
 * entry hits, the shortest entry that hits it is its top-rated one; the favoured set is a subset of
 * the top-rated entries that still hits every counter any entry hits, chosen greedily (counters in
 * the order they were first seen, so the same run gives the same set).
 *
 * Why: coverage guidance keeps an input when a counter reaches a new hit-count bucket, and on a
 * parser of repeated items (records in a datagram) each new bucket is a longer input. Picked as
 * often as the rest, those few long inputs end up costing most of the execs. Favoured entries are
 * short and together reach everything the corpus reaches; the runner picks them most of the time
 * and the others still now and then (their counts are what made them interesting).
 *
 * Entries without hits (seeds kept as they are in an unguided run, or a coverage source that does
 * not tell hits per exec) are never favoured; with no favoured entry the runner picks as before.
 */
export class CorpusSchedule {
  /** counter → index of the shortest entry that hits it (the first of equals). */
  private readonly best = new Map<number, number>();
  private readonly lengths: number[] = [];
  private readonly hitsOf: (Int32Array | undefined)[] = [];
  private favoured: number[] = [];
  private stale = false;

  /** Entry `index` (the next one: entries are added in corpus order) is `length` bytes and hits `hits`. */
  add(index: number, length: number, hits: Int32Array | undefined): void {
    if (index !== this.lengths.length) throw new Error(`corpus schedule: entry ${index} added out of order`);
    this.lengths.push(length);
    this.hitsOf.push(hits);
    if (hits === undefined) return;
    for (let i = 0; i < hits.length; i++) {
      const counter = hits[i];
      const held = this.best.get(counter);
      if (held === undefined || this.lengths[held] > length) {
        this.best.set(counter, index);
        this.stale = true;
      }
    }
  }

  /** The favoured entries' indices, in corpus order (recomputed after additions that changed a top-rated entry). */
  favouredEntries(): readonly number[] {
    if (!this.stale) return this.favoured;
    this.stale = false;
    const covered = new Set<number>();
    const chosen = new Set<number>();
    for (const [counter, index] of this.best) {
      if (covered.has(counter) || chosen.has(index)) continue;
      chosen.add(index);
      const hits = this.hitsOf[index];
      if (hits !== undefined) for (let i = 0; i < hits.length; i++) covered.add(hits[i]);
    }
    this.favoured = [...chosen].sort((a, b) => a - b);
    return this.favoured;
  }
}
