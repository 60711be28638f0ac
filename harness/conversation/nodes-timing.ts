/**
 * Nodes about time: letting the clock run, and what the implementation retransmits and when
 * (RFC 6347 §4.2.4): retransmissions, their backoff, their absence, and how many bytes it sends
 * before a cookie is verified.
 */
import { HandshakeType } from '../../reference/wire/enums.ts';
import type { Retransmission } from './incoming.ts';
import type { Peer } from './peer.ts';
import { Command, ProbeFailure } from './tree.ts';


export class AdvanceClock extends Command {
  readonly name = 'AdvanceClock';
  constructor(readonly ms: number) {
    super();
  }
  override describe(): string {
    return `AdvanceClock(${this.ms} ms)`;
  }
  async run(peer: Peer): Promise<void> {
    await peer.idle(this.ms);
  }
}

/**
 * The implementation retransmits a handshake message it sent before (RFC 6347 §4.2.4): waits for
 * the next retransmission of `msgType` (any, when undefined), and checks when it came relative to
 * the previous transmission of the same flight when `afterMs` is given.
 */
export class ExpectRetransmission extends Command {
  readonly name = 'ExpectRetransmission';
  constructor(
    private readonly o: { msgType?: number | 'change_cipher_spec'; afterMs?: { min: number; max: number }; timeoutMs?: number } = {},
  ) {
    super();
  }
  override describe(): string {
    const t = this.o.msgType === undefined ? 'any' : this.o.msgType === 'change_cipher_spec' ? 'ChangeCipherSpec' : HandshakeType.nameOf(this.o.msgType);
    return `ExpectRetransmission(${t}${this.o.afterMs === undefined ? '' : `, after ${this.o.afterMs.min}..${this.o.afterMs.max} ms`})`;
  }
  async run(peer: Peer): Promise<void> {
    peer.flush();
    const want = (r: { msgType: number | 'change_cipher_spec' }): boolean => this.o.msgType === undefined || r.msgType === this.o.msgType;
    const seenBefore = peer.inbound.retransmissions.filter(want).length;
    const since = peer.lastTransmissionOf(this.o.msgType);
    const deadline = peer.wire.now() + (this.o.timeoutMs ?? peer.defaultTimeoutMs);
    const duplicates = peer.inbound.duplicates;
    while (peer.inbound.retransmissions.filter(want).length === seenBefore) {
      const left = deadline - peer.wire.now();
      const d = left > 0 ? await peer.wire.receive(left) : undefined;
      if (d === undefined) throw new ProbeFailure(`no retransmission within ${this.o.timeoutMs ?? peer.defaultTimeoutMs} ms${reusedRecordsNote(peer, duplicates)}`);
      peer.wire.annotate(peer.inbound.take(d, peer.wire.arrivedAt()));
    }
    const r = peer.inbound.retransmissions.filter(want)[seenBefore]!;
    peer.noteTransmission(r.msgType, r.at);
    const gap = since === undefined ? undefined : r.at - since;
    peer.log(`  retransmitted after ${gap === undefined ? '?' : gap.toFixed(0)} ms`);
    if (this.o.afterMs !== undefined && gap !== undefined && (gap < this.o.afterMs.min || gap > this.o.afterMs.max)) {
      throw new ProbeFailure(`retransmitted ${gap.toFixed(0)} ms after the previous transmission, outside ${this.o.afterMs.min}..${this.o.afterMs.max} ms`);
    }
  }
}

/**
 * Silence for `ms`: no new message, no retransmission of an earlier one, and no datagram repeated
 * byte for byte (a HelloVerifyRequest is never resent on a timer, RFC 6347 §3.2.1; a final flight
 * is resent only when the peer's last flight comes again, §4.2.4).
 */
export class ExpectNoRetransmission extends Command {
  readonly name = 'ExpectNoRetransmission';
  constructor(readonly ms: number) {
    super();
  }
  override describe(): string {
    return `ExpectNoRetransmission(${this.ms} ms)`;
  }
  async run(peer: Peer): Promise<void> {
    const retransmitted = peer.inbound.retransmissions.length;
    const duplicates = peer.inbound.duplicates;
    const started = peer.wire.now();
    await peer.idle(this.ms);
    const again = peer.inbound.retransmissions[retransmitted];
    if (again !== undefined) {
      throw new ProbeFailure(`${kindName(again.msgType)} (message_seq ${again.messageSeq}) was sent again ${(again.at - started).toFixed(0)} ms into a ${this.ms} ms wait`);
    }
    if (peer.inbound.duplicates > duplicates) throw new ProbeFailure(`a record was sent again, byte for byte, within ${this.ms} ms`);
    if (peer.inbound.pending) throw new ProbeFailure(`expected silence for ${this.ms} ms, got ${peer.describe(peer.inbound.next())}`);
  }
}

const kindName = (t: number | 'change_cipher_spec'): string => (t === 'change_cipher_spec' ? 'ChangeCipherSpec' : HandshakeType.nameOf(t));

/**
 * What to add to a "no retransmission" failure when records came again byte for byte in the wait:
 * a resend under record numbers already used is dropped by replay detection (RFC 6347 §4.1.2.6),
 * as every record is new to the record layer, with a new sequence number (§4.2.2).
 */
function reusedRecordsNote(peer: Peer, duplicatesBefore: number): string {
  const n = peer.inbound.duplicates - duplicatesBefore;
  return n === 0 ? '' : ` (${n} record${n === 1 ? '' : 's'} came again under record numbers already used, dropped as replays: a retransmission needs new record sequence numbers)`;
}

/** Waits until the `n`th retransmission of `msgType` (any, when undefined) is recorded; undefined on timeout. */
async function awaitRetransmission(peer: Peer, msgType: number | 'change_cipher_spec' | undefined, n: number, timeoutMs: number): Promise<Retransmission | undefined> {
  const want = (r: Retransmission): boolean => msgType === undefined || r.msgType === msgType;
  const deadline = peer.wire.now() + timeoutMs;
  for (;;) {
    const r = peer.inbound.retransmissions.filter(want)[n];
    if (r !== undefined) return r;
    const left = deadline - peer.wire.now();
    if (left <= 0) return undefined;
    const d = await peer.wire.receive(left);
    if (d === undefined) return undefined;
    peer.wire.annotate(peer.inbound.take(d, peer.wire.arrivedAt()));
  }
}

/**
 * RFC 6347 §4.2.4.1: the implementation, left without an answer, retransmits its flight `count`
 * times on its own timer; the first gap (from the previous transmission of `msgType`) lies within
 * `firstMs`, and each later gap is `factor` times the one before (doubling: about 2). Each wait
 * lasts the longest allowed gap (4 times the previous one without a factor) plus a second.
 */
export class ExpectRetransmissionBackoff extends Command {
  readonly name = 'ExpectRetransmissionBackoff';
  constructor(
    private readonly o: {
      msgType?: number | 'change_cipher_spec';
      count: number;
      firstMs: { min: number; max: number };
      /** Unchecked when undefined (a single retransmission has no factor). */
      factor?: { min: number; max: number };
    },
  ) {
    super();
  }
  override describe(): string {
    const t = this.o.msgType === undefined ? 'any' : kindName(this.o.msgType);
    const f = this.o.factor === undefined ? '' : `, x${this.o.factor.min}..${this.o.factor.max}`;
    return `ExpectRetransmissionBackoff(${t}, ${this.o.count} times, first after ${this.o.firstMs.min}..${this.o.firstMs.max} ms${f})`;
  }
  async run(peer: Peer): Promise<void> {
    peer.flush();
    const want = (r: Retransmission): boolean => this.o.msgType === undefined || r.msgType === this.o.msgType;
    const seenBefore = peer.inbound.retransmissions.filter(want).length;
    let previous = peer.lastTransmissionOf(this.o.msgType);
    if (previous === undefined) throw new ProbeFailure('nothing was sent that could be retransmitted');
    const gaps: number[] = [];
    const duplicates = peer.inbound.duplicates;
    for (let i = 0; i < this.o.count; i++) {
      const longest = i === 0 ? this.o.firstMs.max : gaps[i - 1]! * (this.o.factor?.max ?? 4);
      const waitFrom = peer.wire.now();
      const r = await awaitRetransmission(peer, this.o.msgType, seenBefore + i, Math.max(0, previous + longest - waitFrom) + 1000);
      if (r === undefined) {
        throw new ProbeFailure(`retransmission ${i + 1} of ${this.o.count} did not come (gaps so far: ${gaps.map((g) => g.toFixed(0)).join(', ') || 'none'} ms)${reusedRecordsNote(peer, duplicates)}`);
      }
      const gap = r.at - previous;
      gaps.push(gap);
      previous = r.at;
      peer.noteTransmission(r.msgType, r.at);
      peer.log(`  retransmission ${i + 1} after ${gap.toFixed(0)} ms`);
      if (i === 0 && (gap < this.o.firstMs.min || gap > this.o.firstMs.max)) {
        throw new ProbeFailure(`the first retransmission came ${gap.toFixed(0)} ms after the flight, outside ${this.o.firstMs.min}..${this.o.firstMs.max} ms`);
      }
      const factor = this.o.factor;
      if (i > 0 && factor !== undefined) {
        const ratio = gap / gaps[i - 1]!;
        if (ratio < factor.min || ratio > factor.max) {
          throw new ProbeFailure(`retransmission gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms: the last grew by x${ratio.toFixed(2)}, outside x${factor.min}..x${factor.max}`);
        }
      }
    }
  }
}

/**
 * Anti-amplification (RFC 6347 §4.2.1): after `settleMs` more of listening, the bytes the
 * implementation has sent so far (UDP payloads) are at most `factor` times the bytes it was sent.
 */
export class ExpectAmplificationLimit extends Command {
  readonly name = 'ExpectAmplificationLimit';
  constructor(private readonly o: { factor: number; settleMs?: number }) {
    super();
  }
  override describe(): string {
    return `ExpectAmplificationLimit(x${this.o.factor})`;
  }
  async run(peer: Peer): Promise<void> {
    await peer.idle(this.o.settleMs ?? 0);
    let sent = 0;
    let received = 0;
    for (const e of peer.wire.transcript) {
      if (e.dir === 'sent') sent += e.hex.length / 2;
      else received += e.hex.length / 2;
    }
    peer.log(`  ${received} bytes received for ${sent} bytes sent`);
    if (received > this.o.factor * sent) {
      throw new ProbeFailure(`the implementation sent ${received} bytes in answer to ${sent} bytes, more than ${this.o.factor} times as many`);
    }
  }
}

/** One fragment of a message for FragmentMessage: a range of the body, optionally with a forged length field. */
/**
 * RFC 6347 §4.2.4: the implementation retransmits its whole last flight: one more retransmission
 * of every listed message type than there was when this node began, within `timeoutMs`.
 */
export class ExpectFlightRetransmission extends Command {
  readonly name = 'ExpectFlightRetransmission';
  constructor(private readonly o: { msgTypes: readonly (number | 'change_cipher_spec')[]; timeoutMs?: number }) {
    super();
  }
  override describe(): string {
    return `ExpectFlightRetransmission(${this.o.msgTypes.map(kindName).join(', ')})`;
  }
  async run(peer: Peer): Promise<void> {
    peer.flush();
    const count = (t: number | 'change_cipher_spec'): number => peer.inbound.retransmissions.filter((r) => r.msgType === t).length;
    const before = new Map(this.o.msgTypes.map((t) => [t, count(t)] as const));
    const missing = (): (number | 'change_cipher_spec')[] => this.o.msgTypes.filter((t) => count(t) <= before.get(t)!);
    const timeout = this.o.timeoutMs ?? peer.defaultTimeoutMs;
    const deadline = peer.wire.now() + timeout;
    const duplicates = peer.inbound.duplicates;
    while (missing().length > 0) {
      const left = deadline - peer.wire.now();
      const d = left > 0 ? await peer.wire.receive(left) : undefined;
      if (d === undefined) throw new ProbeFailure(`within ${timeout} ms, no retransmission of ${missing().map(kindName).join(', ')}${reusedRecordsNote(peer, duplicates)}`);
      peer.wire.annotate(peer.inbound.take(d, peer.wire.arrivedAt()));
    }
    for (const t of this.o.msgTypes) {
      const r = peer.inbound.retransmissions.filter((x) => x.msgType === t)[before.get(t)!]!;
      peer.noteTransmission(t, r.at);
    }
  }
}

/** A copy of a queued record under a fresh sequence number, sealed anew when protected. */
