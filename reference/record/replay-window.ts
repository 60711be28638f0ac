/**
 * The DTLS anti-replay window (RFC 6347 §4.1.2.6, after ESP's RFC 4303 §3.4.3): one per read
 * epoch. The right edge is the highest sequence number that authenticated; a record left of the
 * window is too old, one inside it is new unless its bit is set, one right of it is new.
 *
 * The window is a ring of bits indexed by `seq mod capacity` (the RFC 6479 layout): moving the
 * right edge clears only the bits it passes over, so `accept` costs O(words) at worst and `check`
 * O(1). Sequence numbers are uint48, so plain numbers hold them exactly; no bigint.
 *
 * Use: `check(seq)` first (the RFC wants it to be the first test after a record is matched to its
 * connection), then `accept(seq)` only once the record has authenticated: "The receive window is
 * updated only if the MAC verification succeeds."
 */
import { DtlsError } from '../errors.ts';

export type ReplayVerdict = 'new' | 'duplicate' | 'too-old';

/** RFC 6347 §4.1.2.6: "a window size of 64 is preferred and SHOULD be employed as the default". */
export const DEFAULT_REPLAY_WINDOW_SIZE = 64;
/** We support 64 and up (the RFC's floor is 32; 64 is what it prefers). */
export const MIN_REPLAY_WINDOW_SIZE = 64;
/** An upper bound so a configuration mistake cannot allocate without limit (128 KiB of bits). */
export const MAX_REPLAY_WINDOW_SIZE = 1 << 20;
/** Sequence numbers are uint48 (RFC 6347 §4.1). */
const SEQ_LIMIT = 2 ** 48;

const WORD_BITS = 32;

/** RFC 6347 §4.1.2.6 */
export class ReplayWindow {
  /** The window width: sequence numbers in (right - size, right] are tracked. */
  readonly size: number;
  private readonly bits: Uint32Array;
  /** The ring's capacity in bits: `size` rounded up to whole words. */
  private readonly capacity: number;
  /** The highest accepted sequence number, or -1 before the first. */
  private right = -1;

  constructor(size: number = DEFAULT_REPLAY_WINDOW_SIZE) {
    if (!Number.isInteger(size) || size < MIN_REPLAY_WINDOW_SIZE || size > MAX_REPLAY_WINDOW_SIZE) {
      throw DtlsError.internal(
        `replay window size must be an integer in ${MIN_REPLAY_WINDOW_SIZE}..${MAX_REPLAY_WINDOW_SIZE} (RFC 6347 §4.1.2.6), got ${size}`,
      );
    }
    this.size = size;
    const words = Math.ceil(size / WORD_BITS);
    this.bits = new Uint32Array(words);
    this.capacity = words * WORD_BITS;
  }

  /** The highest sequence number accepted so far, or undefined before the first. */
  get highest(): number | undefined {
    return this.right < 0 ? undefined : this.right;
  }

  /** RFC 6347 §4.1.2.6: whether a record with this sequence number may be processed. */
  check(seq: number): ReplayVerdict {
    checkSeq(seq);
    if (seq > this.right) return 'new';
    if (seq <= this.right - this.size) return 'too-old';
    return this.isSet(seq) ? 'duplicate' : 'new';
  }

  /**
   * Marks `seq` as received, moving the right edge when it is beyond it. Call only after the
   * record authenticated. A sequence number left of the window is ignored (`check` said too-old).
   */
  accept(seq: number): void {
    checkSeq(seq);
    if (seq > this.right) {
      this.clearBetween(this.right + 1, seq);
      this.right = seq;
    } else if (seq <= this.right - this.size) {
      return;
    }
    const i = seq % this.capacity;
    this.bits[i >>> 5] |= 1 << (i & 31);
  }

  private isSet(seq: number): boolean {
    const i = seq % this.capacity;
    return (this.bits[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** Clears the bits of sequence numbers `from..to` (inclusive) as the right edge passes them. */
  private clearBetween(from: number, to: number): void {
    if (to - from + 1 >= this.capacity) {
      this.bits.fill(0);
      return;
    }
    for (let s = from; s <= to; s++) {
      const i = s % this.capacity;
      if ((i & 31) === 0 && s + 31 <= to) {
        this.bits[i >>> 5] = 0; // a whole word at once
        s += 31;
      } else {
        this.bits[i >>> 5] &= ~(1 << (i & 31));
      }
    }
  }
}

function checkSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq >= SEQ_LIMIT) {
    throw DtlsError.internal(`sequence number must be an integer in 0..2^48-1, got ${seq}`);
  }
}
