/**
 * A link between a client and a server that applies an impairment model and a script to every
 * datagram, on any Clock: the scheduler's virtual time in simulations, real time in the UDP proxy.
 * It records a transcript: each datagram, its direction, when it was sent, what became of it
 * (delivered, dropped, duplicated, corrupted, truncated, reordered) and when each copy arrived.
 *
 * Random decisions come from one seeded stream per direction, and every datagram draws the same
 * numbers whatever the model says, so a change to one parameter or one direction does not move
 * the dice for the rest: shrinking a failing network keeps the rest of it as it was.
 */
import type { Clock } from '../../reference/api/datagram-based.ts';
import { type NetworkModel, type PathModel, type ScriptCopy, type ScriptRule, type Side, SIDES, otherSide } from './model.ts';
import { Prng } from './prng.ts';

export type Fate = 'delivered' | 'dropped' | 'duplicated' | 'corrupted' | 'truncated' | 'reordered';
export type Cause = 'loss' | 'burst-loss' | 'blackout' | 'mtu' | 'script' | 'closed';

export interface Delivery {
  /** When the copy reached the other side (virtual or real ms on the link's clock). */
  readonly at: number;
  readonly size: number;
  /** Whether its bytes differ from what was sent. */
  readonly altered: boolean;
}

export interface LinkRecord {
  /** Order on the link, both directions. */
  readonly n: number;
  readonly from: Side;
  /** The n-th datagram from this side, retransmissions included. */
  readonly index: number;
  /** The n-th burst from this side: datagrams it sent in a row, at one instant, the other side silent. */
  readonly burst: number;
  readonly sentAt: number;
  readonly size: number;
  readonly fate: Fate;
  readonly cause?: Cause;
  /** What was decided for the datagram: one entry a copy, delays from `sentAt`; none when dropped. */
  copies: readonly ScriptCopy[];
  /** Copies that arrived, filled in as they do. */
  readonly deliveries: Delivery[];
}

export interface LinkOptions {
  readonly clock: Clock;
  readonly model?: NetworkModel;
  readonly script?: readonly ScriptRule[];
  readonly seed?: string | number;
  /** Hands a datagram to the side it was sent to. */
  readonly deliver: (to: Side, datagram: Uint8Array) => void;
  /**
   * Datagrams one side sends in a row, no more than this far apart in time, belong to one burst
   * (a flight, or a retransmission of one); default 0.
   */
  readonly burstGapMs?: number;
  /** Keep each datagram's bytes in the transcript (for reports and fixtures); default false. */
  readonly keepBytes?: boolean;
  /** Keep only the last this many transcript records (a long-running proxy); default all. */
  readonly transcriptLimit?: number;
}

interface Direction {
  readonly model: PathModel;
  readonly prng: Prng;
  sent: number;
  bursts: number;
  lastSentAt: number;
  /** Gilbert–Elliott state. */
  bad: boolean;
  /** Datagrams held back for reordering, each released after `window` later ones or a time limit. */
  held: { record: LinkRecord; bytes: Uint8Array; copies: ScriptCopy[]; remaining: number; cancel: () => void }[];
}

/** The numbers one datagram draws, always all of them, in this order. */
interface Draws {
  readonly loss: number;
  readonly chain: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly jitter: number;
  readonly corrupt: number;
  readonly bits: readonly number[];
}

const CORRUPT_DRAWS = 8;

interface Queued {
  readonly at: number;
  readonly n: number;
  readonly copy: number;
  readonly to: Side;
  readonly bytes: Uint8Array;
  readonly record: LinkRecord;
  readonly altered: boolean;
}

function later(a: Queued, b: Queued): boolean {
  return a.at > b.at || (a.at === b.at && (a.n > b.n || (a.n === b.n && a.copy > b.copy)));
}

export class ImpairedLink {
  /** What became of each datagram; the last `transcriptLimit` of them when that is set. */
  readonly transcript: LinkRecord[] = [];
  /** Each datagram's bytes, beside its transcript record, when `keepBytes` is set. */
  readonly bytes: Uint8Array[] = [];
  private sentTotal = 0;
  private readonly start: number;
  private readonly dirs: Record<Side, Direction>;
  private closed = false;
  private lastSender: Side | undefined;
  /** Copies on their way, by delivery time, then send order. */
  private queue: Queued[] = [];
  private cancelTimer: (() => void) | undefined;
  private armedAt: number | undefined;

  constructor(private readonly options: LinkOptions) {
    this.start = options.clock.now();
    const seed = options.seed ?? 0;
    const dir = (side: Side): Direction => ({
      model: options.model?.[side] ?? {},
      prng: new Prng(`${seed}/${side}`),
      sent: 0,
      bursts: 0,
      lastSentAt: Number.NEGATIVE_INFINITY,
      bad: false,
      held: [],
    });
    this.dirs = { client: dir('client'), server: dir('server') };
  }

  /** Copies scheduled but not yet delivered, plus datagrams held for reordering. */
  get pending(): number {
    return this.queue.length + this.dirs.client.held.length + this.dirs.server.held.length;
  }

  /** Takes a datagram `from` one side; it reaches the other side as the model and script decide. */
  send(from: Side, datagram: Uint8Array): void {
    const d = this.dirs[from];
    const now = this.options.clock.now();
    if (now - d.lastSentAt > (this.options.burstGapMs ?? 0) || this.lastSender !== from) d.bursts++;
    d.lastSentAt = now;
    this.lastSender = from;
    const index = d.sent++;
    const burst = d.bursts - 1;
    const draws = this.draw(d.prng);
    const rule = this.rule(from, index, burst);
    const decided = this.closed
      ? { copies: [], cause: 'closed' as const, hold: 0 }
      : rule !== undefined
        ? { ...scriptCopies(rule), cause: 'script' as const, hold: 0 }
        : this.decide(d, datagram.length, now, draws);
    const record: LinkRecord = {
      n: this.sentTotal++,
      from,
      index,
      burst,
      sentAt: now,
      size: datagram.length,
      fate: fateOf(decided.copies, datagram.length, decided.hold > 0),
      ...(decided.cause === undefined ? {} : { cause: decided.cause }),
      copies: decided.copies,
      deliveries: [],
    };
    this.transcript.push(record);
    if (this.options.keepBytes) this.bytes.push(datagram.slice());
    const limit = this.options.transcriptLimit;
    if (limit !== undefined && this.transcript.length > limit) {
      this.transcript.splice(0, this.transcript.length - limit);
      if (this.bytes.length > limit) this.bytes.splice(0, this.bytes.length - limit);
    }
    if (this.closed) return;
    let held: Direction['held'][number] | undefined;
    if (decided.hold > 0 && decided.copies.length > 0) {
      const maxHold = d.model.reorder?.maxHoldMs ?? 500;
      const h = { record, bytes: datagram.slice(), copies: [...decided.copies], remaining: decided.hold, cancel: () => {} };
      h.cancel = this.options.clock.setTimer(now + maxHold, () => this.release(d, h));
      held = h;
    } else {
      this.schedule(record, datagram, decided.copies, 0);
    }
    // This datagram counts towards releasing the ones held before it, after it has gone: with a
    // window of W, the W datagrams after a held one overtake it.
    this.countTowardsHeld(d);
    if (held !== undefined) d.held.push(held);
  }

  /** Stops every delivery still pending; later sends are recorded as dropped. */
  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.queue = [];
    for (const side of SIDES) {
      for (const h of this.dirs[side].held) h.cancel();
      this.dirs[side].held = [];
    }
  }

  private countTowardsHeld(d: Direction): void {
    for (const h of [...d.held]) {
      h.remaining--;
      if (h.remaining <= 0) this.release(d, h);
    }
  }

  private release(d: Direction, h: Direction['held'][number]): void {
    const i = d.held.indexOf(h);
    if (i < 0) return;
    d.held.splice(i, 1);
    h.cancel();
    const heldFor = this.options.clock.now() - h.record.sentAt;
    // The copies as they finally went, so a recorded script replays the same order.
    const copies = h.copies.map((c) => ({ ...c, delayMs: (c.delayMs ?? 0) + heldFor }));
    h.record.copies = copies;
    this.schedule(h.record, h.bytes, h.copies, 0);
  }

  /**
   * Queues the copies for delivery. Copies due at the same instant go in the order the datagrams
   * were sent (then copy order), not the order they were queued in: a held datagram released
   * later and a recorded script that delays it from the start then deliver identically.
   */
  private schedule(record: LinkRecord, datagram: Uint8Array, copies: readonly ScriptCopy[], extraMs: number): void {
    const to = otherSide(record.from);
    copies.forEach((copy, k) => {
      const bytes = applyCopy(datagram, copy);
      const altered = bytes.length !== datagram.length || bytes.some((b, i) => b !== datagram[i]);
      const item: Queued = { at: this.options.clock.now() + (copy.delayMs ?? 0) + extraMs, n: record.n, copy: k, to, bytes, record, altered };
      let i = this.queue.length;
      while (i > 0 && later(this.queue[i - 1], item)) i--;
      this.queue.splice(i, 0, item);
    });
    this.arm();
  }

  private arm(): void {
    const head = this.queue[0];
    if (head === undefined || head.at === this.armedAt) return;
    this.cancelTimer?.();
    this.armedAt = head.at;
    this.cancelTimer = this.options.clock.setTimer(head.at, () => {
      this.cancelTimer = undefined;
      this.armedAt = undefined;
      const now = this.options.clock.now();
      while (this.queue.length > 0 && this.queue[0].at <= now) {
        const item = this.queue.shift() as Queued;
        item.record.deliveries.push({ at: now, size: item.bytes.length, altered: item.altered });
        this.options.deliver(item.to, item.bytes);
        if (this.closed) return;
      }
      this.arm();
    });
  }

  private rule(from: Side, index: number, burst: number): ScriptRule | undefined {
    const rules = this.options.script;
    if (rules === undefined) return undefined;
    return (
      rules.find((r) => r.from === from && r.datagram === index) ?? rules.find((r) => r.from === from && r.burst === burst && r.datagram === undefined)
    );
  }

  private draw(prng: Prng): Draws {
    const loss = prng.next();
    const chain = prng.next();
    const duplicate = prng.next();
    const reorder = prng.next();
    const jitter = prng.next();
    const corrupt = prng.next();
    const bits: number[] = [];
    for (let i = 0; i < CORRUPT_DRAWS; i++) bits.push(prng.nextU32());
    return { loss, chain, duplicate, reorder, jitter, corrupt, bits };
  }

  private decide(d: Direction, size: number, now: number, draws: Draws): { copies: ScriptCopy[]; cause?: Cause; hold: number } {
    const m = d.model;
    // The Gilbert–Elliott chain moves once per datagram, lost or not.
    if (m.loss?.kind === 'gilbert-elliott') d.bad = d.bad ? !(draws.chain < m.loss.badToGood) : draws.chain < m.loss.goodToBad;
    const elapsed = now - this.start;
    if (m.blackouts?.some((b) => elapsed >= b.startMs && elapsed < b.startMs + b.durationMs)) return { copies: [], cause: 'blackout', hold: 0 };
    if (m.loss?.kind === 'bernoulli' && draws.loss < m.loss.rate) return { copies: [], cause: 'loss', hold: 0 };
    if (m.loss?.kind === 'gilbert-elliott' && draws.loss < (d.bad ? m.loss.lossBad : m.loss.lossGood)) {
      return { copies: [], cause: d.bad ? 'burst-loss' : 'loss', hold: 0 };
    }
    let truncate: number | undefined;
    if (m.mtu !== undefined && size > m.mtu.size) {
      if (m.mtu.action === 'drop') return { copies: [], cause: 'mtu', hold: 0 };
      truncate = m.mtu.size;
    }
    let flips: [number, number][] | undefined;
    const cut = truncate ?? size;
    if (m.corrupt !== undefined && draws.corrupt < m.corrupt.rate && cut > 0) {
      flips = [];
      for (let i = 0; i < Math.min(m.corrupt.bits, CORRUPT_DRAWS); i++) {
        const bit = draws.bits[i] % (cut * 8);
        flips.push([bit >> 3, 1 << (bit & 7)]);
      }
    }
    const delayMs = m.delay === undefined ? 0 : m.delay.baseMs + Math.floor(draws.jitter * (m.delay.jitterMs + 1));
    const copy: ScriptCopy = {
      ...(delayMs > 0 ? { delayMs } : {}),
      ...(flips === undefined ? {} : { flips }),
      ...(truncate === undefined ? {} : { truncate }),
    };
    const copies = m.duplicate !== undefined && draws.duplicate < m.duplicate ? [copy, { ...copy, delayMs: delayMs + 1 }] : [copy];
    const hold = m.reorder !== undefined && draws.reorder < m.reorder.rate ? m.reorder.window : 0;
    return { copies, ...(truncate === undefined ? {} : { cause: 'mtu' as const }), hold };
  }
}

function scriptCopies(rule: ScriptRule): { copies: ScriptCopy[] } {
  const a = rule.action;
  switch (a.kind) {
    case 'drop':
      return { copies: [] };
    case 'delay':
      return { copies: [{ delayMs: a.ms }] };
    case 'duplicate':
      return { copies: [{}, { delayMs: 1 }] };
    case 'copies':
      return { copies: [...a.copies] };
  }
}

function fateOf(copies: readonly ScriptCopy[], size: number, held: boolean): Fate {
  if (copies.length === 0) return 'dropped';
  if (copies.some((c) => c.flips !== undefined && c.flips.some(([offset]) => offset < Math.min(size, c.truncate ?? size)))) return 'corrupted';
  if (copies.some((c) => c.truncate !== undefined && c.truncate < size)) return 'truncated';
  if (copies.length > 1) return 'duplicated';
  if (held) return 'reordered';
  return 'delivered';
}

/** The bytes one copy carries: truncated, then bits flipped. */
export function applyCopy(datagram: Uint8Array, copy: ScriptCopy): Uint8Array {
  const out = datagram.slice(0, copy.truncate ?? datagram.length);
  for (const [offset, mask] of copy.flips ?? []) if (offset < out.length) out[offset] ^= mask;
  return out;
}

/**
 * The script that replays a recorded run exactly on a clean model: one rule per datagram that was
 * not delivered once, at once and unchanged.
 */
export function scriptFromTranscript(transcript: readonly LinkRecord[]): ScriptRule[] {
  const rules: ScriptRule[] = [];
  for (const r of transcript) {
    const plain = r.copies.length === 1 && !r.copies[0].delayMs && r.copies[0].flips === undefined && r.copies[0].truncate === undefined;
    if (plain) continue;
    rules.push({ from: r.from, datagram: r.index, action: r.copies.length === 0 ? { kind: 'drop' } : { kind: 'copies', copies: r.copies } });
  }
  return rules;
}

/** Counts of fates per direction, for reports. */
export function fateCounts(transcript: readonly LinkRecord[]): Record<Side, Record<Fate, number>> {
  const zero = (): Record<Fate, number> => ({ delivered: 0, dropped: 0, duplicated: 0, corrupted: 0, truncated: 0, reordered: 0 });
  const out = { client: zero(), server: zero() };
  for (const r of transcript) out[r.from][r.fate]++;
  return out;
}
