/**
 * RFC 6347 §4.2.3 reassembly: handshake fragments in, whole messages out, strictly in message_seq
 * order, whatever order the fragments came in, however they overlap or repeat.
 *
 * Each message being assembled holds one buffer of its full length and a sorted list of the byte
 * ranges received so far (merged intervals): the work per fragment is proportional to the number
 * of ranges, with no bookkeeping per byte. Memory is bounded three ways: by message length, by how
 * far ahead of the next expected message a fragment may be, and by the bytes held in total.
 * Nothing here throws on peer input; every fragment gets a typed outcome and bumps one counter.
 */
import type { HandshakeFragment } from '../wire/handshake-header.ts';

/** A whole handshake message, its body still encoded. */
export interface WholeHandshakeMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
}

/** Why a fragment was refused as inconsistent. */
export type FragmentRejection =
  /** msg_type differs from earlier fragments of the same message_seq. */
  | 'msg-type-mismatch'
  /** length differs from earlier fragments of the same message_seq. */
  | 'length-mismatch'
  /** fragment_offset + fragment_length exceeds length. */
  | 'out-of-bounds'
  /** Bytes that overlap earlier fragments of the same message differ from them. */
  | 'conflicting-bytes'
  /** A header field outside its wire range (only forged fragments can carry one). */
  | 'malformed';

/** Why a consistent fragment was not kept: a memory bound. */
export type FragmentDrop =
  /** length is over `maxMessageLength`. */
  | 'message-too-long'
  /** message_seq is `maxBufferedMessages` or more ahead of the next expected one. */
  | 'beyond-window'
  /** Holding the message would exceed `maxBufferedBytes`. */
  | 'buffer-full'
  /** The message would be split into more than `maxRangesPerMessage` separate ranges. */
  | 'too-fragmented';

export type FragmentOutcome =
  /** New bytes were kept; `poll` may now have messages. */
  | { readonly kind: 'accepted' }
  /** Nothing new: every byte was already held (or an empty fragment of a non-empty message). */
  | { readonly kind: 'duplicate' }
  /**
   * A fragment of a message already completed (message_seq below the next expected one): the
   * peer is retransmitting, which may call for resending our flight (RFC 6347 §4.2.4). Not kept.
   */
  | { readonly kind: 'retransmission'; readonly messageSeq: number }
  | { readonly kind: 'rejected'; readonly reason: FragmentRejection }
  | { readonly kind: 'dropped'; readonly reason: FragmentDrop };

export interface ReassemblyCounters {
  readonly accepted: number;
  readonly duplicates: number;
  readonly retransmissions: number;
  readonly rejected: Readonly<Record<FragmentRejection, number>>;
  readonly dropped: Readonly<Record<FragmentDrop, number>>;
  /** Partly or wholly received future messages discarded to make room for an earlier one. */
  readonly evictedMessages: number;
  /** Whole messages handed out by `poll`. */
  readonly deliveredMessages: number;
}

export interface ReassemblerOptions {
  /** The first message_seq expected (0; a server that answered with a stateless HelloVerifyRequest expects 1). */
  readonly nextSeq?: number;
  /** The largest message body accepted, in bytes. */
  readonly maxMessageLength?: number;
  /** How many messages, counting from the next expected one, may be held: the window. */
  readonly maxBufferedMessages?: number;
  /** Bytes held in total, in messages being assembled and in whole messages not yet polled. */
  readonly maxBufferedBytes?: number;
  /** Separate received ranges one message may have before further gaps are refused. */
  readonly maxRangesPerMessage?: number;
}

export const DEFAULT_MAX_MESSAGE_LENGTH = 128 * 1024;
export const DEFAULT_MAX_BUFFERED_MESSAGES = 16;
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;
export const DEFAULT_MAX_RANGES_PER_MESSAGE = 256;

/** A half-open byte range [start, end). */
interface Range {
  start: number;
  end: number;
}

interface PartialMessage {
  readonly msgType: number;
  readonly body: Uint8Array;
  /** Sorted, disjoint and not touching: neighbours are merged. */
  ranges: Range[];
  received: number;
}

const ACCEPTED: FragmentOutcome = { kind: 'accepted' };
const DUPLICATE: FragmentOutcome = { kind: 'duplicate' };
const MAX_U16 = 0xffff;
const MAX_U24 = 0xffffff;

function isUint(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

function checkLimit(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer of at least ${min}, got ${value}`);
  return value;
}

function zeroCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = 0;
  return out;
}

const REJECTIONS: readonly FragmentRejection[] = ['msg-type-mismatch', 'length-mismatch', 'out-of-bounds', 'conflicting-bytes', 'malformed'];
const DROPS: readonly FragmentDrop[] = ['message-too-long', 'beyond-window', 'buffer-full', 'too-fragmented'];

/** RFC 6347 §4.2.3 */
export class Reassembler {
  readonly maxMessageLength: number;
  readonly maxBufferedMessages: number;
  readonly maxBufferedBytes: number;
  readonly maxRangesPerMessage: number;

  private expected: number;
  private readonly partial = new Map<number, PartialMessage>();
  private readonly ready: WholeHandshakeMessage[] = [];
  private held = 0;

  private accepted = 0;
  private duplicates = 0;
  private retransmissions = 0;
  private readonly rejected = zeroCounts(REJECTIONS);
  private readonly dropped = zeroCounts(DROPS);
  private evictedMessages = 0;
  private deliveredMessages = 0;

  constructor(options: ReassemblerOptions = {}) {
    this.expected = options.nextSeq ?? 0;
    if (!isUint(this.expected, MAX_U16)) throw new RangeError(`nextSeq must be a message_seq (0..65535), got ${this.expected}`);
    this.maxMessageLength = checkLimit('maxMessageLength', options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH, 0);
    this.maxBufferedMessages = checkLimit('maxBufferedMessages', options.maxBufferedMessages ?? DEFAULT_MAX_BUFFERED_MESSAGES, 1);
    this.maxBufferedBytes = checkLimit('maxBufferedBytes', options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, 0);
    this.maxRangesPerMessage = checkLimit('maxRangesPerMessage', options.maxRangesPerMessage ?? DEFAULT_MAX_RANGES_PER_MESSAGE, 1);
    if (this.maxMessageLength > this.maxBufferedBytes) {
      throw new RangeError(`maxMessageLength (${this.maxMessageLength}) exceeds maxBufferedBytes (${this.maxBufferedBytes}): such a message could never be held`);
    }
  }

  /** The message_seq of the next message to complete; lower ones are retransmissions. */
  get nextSeq(): number {
    return this.expected;
  }

  /** Bytes held now, in messages being assembled and in whole messages not yet polled. */
  get bufferedBytes(): number {
    return this.held;
  }

  /** Messages being assembled (whole messages waiting for `poll` not included). */
  get bufferedMessages(): number {
    return this.partial.size;
  }

  get counters(): ReassemblyCounters {
    return {
      accepted: this.accepted,
      duplicates: this.duplicates,
      retransmissions: this.retransmissions,
      rejected: { ...this.rejected },
      dropped: { ...this.dropped },
      evictedMessages: this.evictedMessages,
      deliveredMessages: this.deliveredMessages,
    };
  }

  /** The next whole message in message_seq order, or undefined when the next one is not complete. */
  poll(): WholeHandshakeMessage | undefined {
    const message = this.ready.shift();
    if (message === undefined) return undefined;
    this.held -= message.body.length;
    this.deliveredMessages++;
    return message;
  }

  /** Takes one fragment; what became of it is the outcome, and exactly one counter moves. */
  add(fragment: HandshakeFragment): FragmentOutcome {
    const outcome = this.classify(fragment);
    switch (outcome.kind) {
      case 'accepted':
        this.accepted++;
        this.completeInOrder();
        break;
      case 'duplicate':
        this.duplicates++;
        break;
      case 'retransmission':
        this.retransmissions++;
        break;
      case 'rejected':
        this.rejected[outcome.reason]++;
        break;
      case 'dropped':
        this.dropped[outcome.reason]++;
        break;
    }
    return outcome;
  }

  private classify(f: HandshakeFragment): FragmentOutcome {
    const { msgType, length, messageSeq: seq, fragmentOffset: offset } = f;
    const end = offset + f.body.length;
    if (!isUint(msgType, 0xff) || !isUint(length, MAX_U24) || !isUint(seq, MAX_U16) || !isUint(offset, MAX_U24)) {
      return { kind: 'rejected', reason: 'malformed' };
    }
    if (seq < this.expected) return { kind: 'retransmission', messageSeq: seq };
    if (seq >= this.expected + this.maxBufferedMessages) return { kind: 'dropped', reason: 'beyond-window' };
    if (length > this.maxMessageLength) return { kind: 'dropped', reason: 'message-too-long' };

    const existing = this.partial.get(seq);
    if (existing !== undefined && existing.msgType !== msgType) return { kind: 'rejected', reason: 'msg-type-mismatch' };
    if (existing !== undefined && existing.body.length !== length) return { kind: 'rejected', reason: 'length-mismatch' };
    if (end > length) return { kind: 'rejected', reason: 'out-of-bounds' };

    if (existing !== undefined) return this.merge(existing, offset, f.body);
    if (f.body.length === 0 && length > 0) return DUPLICATE;
    if (!this.makeRoom(seq, length)) return { kind: 'dropped', reason: 'buffer-full' };
    const message: PartialMessage = { msgType, body: new Uint8Array(length), ranges: [], received: 0 };
    this.partial.set(seq, message);
    this.held += length;
    if (length === 0) return ACCEPTED; // complete as it stands
    return this.merge(message, offset, f.body);
  }

  /**
   * Adds `bytes` at `start` to a message: checks that they agree with the bytes already held where
   * they overlap, copies the gaps, and replaces the ranges they touch with one merged range.
   */
  private merge(message: PartialMessage, start: number, bytes: Uint8Array): FragmentOutcome {
    const end = start + bytes.length;
    if (bytes.length === 0) return DUPLICATE;
    const ranges = message.ranges;
    // ranges[first..last] overlap or touch [start, end).
    let first = 0;
    while (first < ranges.length && ranges[first].end < start) first++;
    let last = first - 1;
    while (last + 1 < ranges.length && ranges[last + 1].start <= end) last++;

    for (let k = first; k <= last; k++) {
      const from = Math.max(start, ranges[k].start);
      const to = Math.min(end, ranges[k].end);
      for (let i = from; i < to; i++) {
        if (message.body[i] !== bytes[i - start]) return { kind: 'rejected', reason: 'conflicting-bytes' };
      }
    }
    const touched = last - first + 1;
    if (touched === 1 && ranges[first].start <= start && end <= ranges[first].end) return DUPLICATE;
    if (touched === 0 && ranges.length >= this.maxRangesPerMessage) return { kind: 'dropped', reason: 'too-fragmented' };

    // Copy the gaps: the parts of [start, end) outside every touched range.
    let cursor = start;
    for (let k = first; k <= last && cursor < end; k++) {
      const gapEnd = Math.min(end, ranges[k].start);
      if (cursor < gapEnd) this.copy(message, bytes, start, cursor, gapEnd);
      cursor = Math.max(cursor, ranges[k].end);
    }
    if (cursor < end) this.copy(message, bytes, start, cursor, end);

    const merged: Range = {
      start: touched === 0 ? start : Math.min(start, ranges[first].start),
      end: touched === 0 ? end : Math.max(end, ranges[last].end),
    };
    ranges.splice(first, touched, merged);
    return ACCEPTED;
  }

  /** Copies bytes[from - start .. to - start) into the message at [from, to). */
  private copy(message: PartialMessage, bytes: Uint8Array, start: number, from: number, to: number): void {
    message.body.set(bytes.subarray(from - start, to - start), from);
    message.received += to - from;
  }

  /**
   * Makes room for `length` more bytes for message `seq` by evicting messages further ahead than
   * it, the furthest first: the next expected message is never starved by later ones.
   */
  private makeRoom(seq: number, length: number): boolean {
    while (this.held + length > this.maxBufferedBytes) {
      let furthest = -1;
      for (const s of this.partial.keys()) if (s > seq && s > furthest) furthest = s;
      const victim = this.partial.get(furthest);
      if (victim === undefined) return false;
      this.partial.delete(furthest);
      this.held -= victim.body.length;
      this.evictedMessages++;
    }
    return true;
  }

  /** Moves every complete message at the head of the sequence to the ready queue. */
  private completeInOrder(): void {
    for (;;) {
      const message = this.partial.get(this.expected);
      if (message === undefined || message.received < message.body.length) return;
      this.partial.delete(this.expected);
      this.ready.push({ msgType: message.msgType, messageSeq: this.expected, body: message.body });
      this.expected++;
    }
  }
}
