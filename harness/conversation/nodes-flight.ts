/**
 * Nodes that change the flight being built before it is sent: our own retransmission and replay,
 * reordering, duplication, loss, fragmentation (overlapping or not), records merged, message_seq
 * set, tags corrupted.
 */
import { ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { decode } from '../../reference/wire/reader.ts';
import { type DtlsPlaintext, writeDatagram } from '../../reference/wire/records.ts';
import { type HandshakeFragment, readHandshakeFragments, writeHandshakeFragment } from '../../reference/wire/handshake-header.ts';
import { encode } from '../../reference/wire/writer.ts';
import type { Outgoing, Peer } from './peer.ts';
import { Command, Generator } from './tree.ts';


/**
 * Sends the last flight again, with new record sequence numbers (our own retransmission). Protected
 * records are sealed anew: the sequence number is part of the nonce and the additional data.
 */
export class RetransmitFlight extends Generator {
  readonly name = 'RetransmitFlight';
  generate(peer: Peer): void {
    for (const o of peer.lastFlight) {
      const r = o.record;
      let record = { ...r, sequenceNumber: peer.nextRecordSeq(r.epoch) };
      const opened = r.epoch > 0 && peer.writeKeys !== undefined ? peer.writeKeys.open(r, r.fragment) : undefined;
      // a record that does not open (a forged tag) goes again as it was, under its new number
      if (opened?.ok === true) record = { ...record, fragment: peer.writeKeys!.seal(record, opened.content) };
      peer.outbox.push({ ...o, record, note: `${o.note} (retransmitted)` });
    }
  }
}

/** Sends again the exact datagram bytes of a record of the last flight (a replay: same epoch and sequence number). */
export class ReplayLastFlight extends Generator {
  readonly name = 'ReplayLastFlight';
  generate(peer: Peer): void {
    peer.flush();
    for (const o of peer.lastFlight) peer.wire.send(writeDatagram([o.record]), `${o.note} (replayed)`);
  }
}

/**
 * Reorders the flight being built: `order` lists the indices of the queued records (negative ones
 * count from the end, -1 the last); records it does not name go first, in their own order (such as
 * the client Certificate a server may ask for ahead of the messages a probe reorders).
 */
export class ReorderFlight extends Command {
  readonly name = 'ReorderFlight';
  constructor(private readonly order: 'reverse' | readonly number[]) {
    super();
  }
  override describe(): string {
    return `ReorderFlight(${this.order === 'reverse' ? 'reverse' : this.order.join(',')})`;
  }
  async run(peer: Peer): Promise<void> {
    const q = peer.outbox;
    if (this.order === 'reverse') peer.outbox = q.slice().reverse();
    else {
      const named = this.order.map((i) => (i < 0 ? q.length + i : i)).filter((i) => i >= 0 && i < q.length);
      peer.outbox = [...q.filter((_, i) => !named.includes(i)), ...named.map((i) => q[i]!)];
    }
    peer.flush();
  }
}

/** Duplicates records of the flight being built (each listed index is sent twice, in place). */
export class DuplicateRecords extends Command {
  readonly name = 'DuplicateRecords';
  constructor(private readonly indices: 'all' | readonly number[]) {
    super();
  }
  async run(peer: Peer): Promise<void> {
    const q = peer.outbox;
    peer.outbox = q.flatMap((o, i) => (this.indices === 'all' || this.indices.includes(i) ? [o, o] : [o]));
    peer.flush();
  }
}

/** Drops records of the flight being built, by index (an impaired path in our direction). */
export class Impair extends Command {
  readonly name = 'Impair';
  constructor(private readonly o: { drop?: readonly number[]; pack?: boolean }) {
    super();
  }
  override describe(): string {
    return `Impair(${this.o.drop === undefined ? '' : `drop ${this.o.drop.join(',')}`}${this.o.pack === true ? ' pack' : ''})`;
  }
  async run(peer: Peer): Promise<void> {
    if (this.o.drop !== undefined) peer.dropIndices = new Set(this.o.drop);
    if (this.o.pack !== undefined) peer.packFlight = this.o.pack;
  }
}

export interface FragmentSpec {
  readonly offset: number;
  readonly length: number;
  /** Overrides the fragment's length field (the message's total length), for an inconsistent fragment. */
  readonly lengthField?: number;
  /** Adds this to the real length in the fragment's length field (an inconsistent fragment whatever the message's size). */
  readonly lengthDelta?: number;
  /** Replaces the fragment's bytes with this byte value (bytes that disagree with the message). */
  readonly fill?: number;
}

/**
 * Cuts a handshake message already queued in the flight being built (the last queued record, the
 * one at `index`, or the last one holding a message of `msgType`) into fragments, each in a record of its own with a fresh sequence number, in
 * the order listed (tlsfuzzer's `split_message` / `fragment_message`): `size` cuts contiguous
 * fragments of at most that many bytes, `fragments` gives the ranges (overlapping, repeated,
 * empty or out of order as the probe likes). A protected record is opened and each fragment sealed
 * anew. Other commands (ReorderFlight, DuplicateRecords) can then shuffle the records.
 */
export class FragmentMessage extends Command {
  readonly name = 'FragmentMessage';
  constructor(private readonly o: { index?: number; msgType?: number; size?: number; fragments?: readonly FragmentSpec[] }) {
    super();
  }
  override describe(): string {
    const how =
      this.o.fragments !== undefined
        ? this.o.fragments
            .map((f) => `${f.offset}+${f.length}${f.lengthField === undefined ? '' : `/len ${f.lengthField}`}${f.lengthDelta === undefined ? '' : `/len${f.lengthDelta >= 0 ? '+' : ''}${f.lengthDelta}`}${f.fill === undefined ? '' : '/forged bytes'}`)
            .join(',')
        : `size ${this.o.size ?? '?'}`;
    const which = this.o.msgType !== undefined ? HandshakeType.nameOf(this.o.msgType) : this.o.index === undefined ? 'last' : `#${this.o.index}`;
    return `FragmentMessage(${which}: ${how})`;
  }
  /** The message queued in record `i`, opened when protected; undefined when it is not one whole handshake message. */
  private message(peer: Peer, i: number): HandshakeFragment | undefined {
    const r = peer.outbox[i]?.record;
    if (r === undefined || r.type !== ContentType.handshake) return undefined;
    let content = r.fragment;
    if (r.epoch > 0) {
      const opened = peer.writeKeys?.open(r, r.fragment);
      if (opened?.ok !== true) return undefined;
      content = opened.content;
    }
    const parsed = decode(content, 'handshake fragments', readHandshakeFragments);
    const whole = parsed[0];
    if (parsed.length !== 1 || whole === undefined || whole.fragmentOffset !== 0 || whole.body.length !== whole.length) return undefined;
    return whole;
  }
  async run(peer: Peer): Promise<void> {
    let index = this.o.index ?? peer.outbox.length - 1;
    if (this.o.msgType !== undefined) {
      index = -1;
      for (let i = peer.outbox.length - 1; i >= 0 && index < 0; i--) if (this.message(peer, i)?.msgType === this.o.msgType) index = i;
      if (index < 0) throw new Error(`FragmentMessage: no ${HandshakeType.nameOf(this.o.msgType)} in the flight being built`);
    }
    const r = peer.outbox[index]?.record;
    const whole = this.message(peer, index);
    if (r === undefined || whole === undefined) throw new Error(`FragmentMessage: record #${index} of the flight being built does not hold one whole handshake message`);
    const keys = r.epoch > 0 ? peer.writeKeys : undefined;
    let specs: readonly FragmentSpec[];
    if (this.o.fragments !== undefined) {
      specs = this.o.fragments;
    } else {
      const size = this.o.size ?? 0;
      if (size <= 0) throw new Error('FragmentMessage: give a positive size or explicit fragments');
      const cut: FragmentSpec[] = [];
      for (let offset = 0; offset < whole.length; offset += size) cut.push({ offset, length: Math.min(size, whole.length - offset) });
      specs = cut;
    }
    const name = HandshakeType.nameOf(whole.msgType);
    const records = specs.map((s) => {
      const start = Math.min(s.offset, whole.length);
      const real = whole.body.subarray(start, Math.min(whole.length, start + s.length));
      const body = s.fill === undefined ? real : new Uint8Array(real.length).fill(s.fill);
      const length = s.lengthField ?? whole.length + (s.lengthDelta ?? 0);
      const fragment = { msgType: whole.msgType, length, messageSeq: whole.messageSeq, fragmentOffset: start, body };
      const plain = encode((w) => writeHandshakeFragment(w, fragment));
      const header: DtlsPlaintext = { ...r, sequenceNumber: peer.nextRecordSeq(r.epoch), fragment: plain };
      const record: DtlsPlaintext = keys === undefined ? header : { ...header, fragment: keys.seal(header, plain) };
      return { record, note: `${name} (message_seq ${whole.messageSeq}) fragment ${start}+${body.length} of ${fragment.length}` };
    });
    peer.outbox.splice(index, 1, ...records);
  }
}

/**
 * Puts handshake messages of the flight being built into one record (RFC 6347 §4.2.3: several
 * messages of one flight may share a record): the queued records at `indices` (all, by default),
 * which must be handshake records of one epoch, become one record at the place and sequence number
 * of the first, holding their contents in order. A protected record is opened and the result
 * sealed anew.
 */
export class MergeRecords extends Command {
  readonly name = 'MergeRecords';
  constructor(private readonly indices: 'all' | readonly number[] = 'all') {
    super();
  }
  override describe(): string {
    return `MergeRecords(${this.indices === 'all' ? 'all' : this.indices.join(',')})`;
  }
  async run(peer: Peer): Promise<void> {
    const picked = this.indices === 'all' ? peer.outbox.map((_, i) => i) : [...this.indices].sort((a, b) => a - b);
    if (picked.length < 2) throw new Error('MergeRecords: give at least two records');
    const queued = picked.map((i) => {
      const o = peer.outbox[i];
      if (o === undefined) throw new Error(`MergeRecords: no record #${i} in the flight being built`);
      return o;
    });
    const first = queued[0]!.record;
    if (queued.some((o) => o.record.type !== ContentType.handshake || o.record.epoch !== first.epoch)) {
      throw new Error('MergeRecords: the records must all be handshake records of one epoch');
    }
    const keys = first.epoch > 0 ? peer.writeKeys : undefined;
    const contents = queued.map((o) => {
      if (keys === undefined) return o.record.fragment;
      const opened = keys.open(o.record, o.record.fragment);
      if (!opened.ok) throw new Error(`MergeRecords: a record does not open under our keys (${opened.reason})`);
      return opened.content;
    });
    const plain = Buffer.concat(contents);
    const header: DtlsPlaintext = { ...first, fragment: plain };
    const record: DtlsPlaintext = keys === undefined ? header : { ...header, fragment: keys.seal(header, plain) };
    const merged = { record, note: queued.map((o) => o.note).join(' + ') };
    const drop = new Set(picked.slice(1));
    peer.outbox = peer.outbox.flatMap((o, i) => (i === picked[0] ? [merged] : drop.has(i) ? [] : [o]));
  }
}

/**
 * Sets the message_seq our next handshake message takes: a new handshake on an established
 * connection starts again at 0 (RFC 6347 §4.2.2: a HelloRequest has message_seq 0).
 */
export class SetMessageSeq extends Command {
  readonly name = 'SetMessageSeq';
  constructor(private readonly messageSeq: number) {
    super();
  }
  override describe(): string {
    return `SetMessageSeq(${this.messageSeq})`;
  }
  async run(peer: Peer): Promise<void> {
    peer.nextSendMessageSeq = this.messageSeq;
  }
}

/**
 * Flips a bit of the authentication tag (the record's last byte) of a protected record in the flight
 * being built: the last one queued, or the one at `index` (tlsfuzzer's `fuzz_mac`). With
 * `keepOriginal`, the corrupted copy goes first, under a fresh sequence number, and the intact
 * record after it: a receiver that drops the bad one (RFC 6347 §4.1.2.7) still gets the good one.
 */
export class CorruptTag extends Command {
  readonly name = 'CorruptTag';
  constructor(private readonly o: { index?: number; keepOriginal?: boolean } = {}) {
    super();
  }
  override describe(): string {
    return `CorruptTag(${this.o.index === undefined ? 'last' : `#${this.o.index}`}${this.o.keepOriginal === true ? ', then the intact record' : ''})`;
  }
  async run(peer: Peer): Promise<void> {
    const index = this.o.index ?? peer.outbox.length - 1;
    const queued = peer.outbox[index];
    if (queued === undefined) throw new Error(`CorruptTag: no record #${index} in the flight being built`);
    if (queued.record.epoch === 0) throw new Error(`CorruptTag: record #${index} (${queued.note}) is not protected`);
    const fragment = queued.record.fragment.slice();
    fragment[fragment.length - 1]! ^= 0x01;
    const sequenceNumber = this.o.keepOriginal === true ? peer.nextRecordSeq(queued.record.epoch) : queued.record.sequenceNumber;
    const bad = { record: { ...queued.record, sequenceNumber, fragment }, note: `${queued.note} (bad tag)` };
    peer.outbox.splice(index, 1, ...(this.o.keepOriginal === true ? [bad, queued] : [bad]));
  }
}

function requeued(peer: Peer, o: Outgoing, note: string): Outgoing {
  const r = o.record;
  let record: DtlsPlaintext = { ...r, sequenceNumber: peer.nextRecordSeq(r.epoch) };
  const opened = r.epoch > 0 && peer.writeKeys !== undefined ? peer.writeKeys.open(r, r.fragment) : undefined;
  if (opened?.ok === true) record = { ...record, fragment: peer.writeKeys!.seal(record, opened.content) };
  return { record, note };
}

/**
 * Rearranges the records queued from index `from` (0 by default) to the end of the flight being
 * built, without sending them (ReorderFlight and DuplicateRecords send at once): `order` reverses
 * them or sends every second one first (`interleave`: 1, 3, 5, ..., then 0, 2, 4, ...), and
 * `repeat` follows each with a copy under a fresh record sequence number (a repeated message or
 * fragment, which record-level replay detection does not drop). Later messages queue after them.
 */
export class RearrangeQueued extends Command {
  readonly name = 'RearrangeQueued';
  constructor(private readonly o: { from?: number; order?: 'reverse' | 'interleave'; repeat?: boolean }) {
    super();
  }
  override describe(): string {
    const what = [this.o.order ?? '', this.o.repeat === true ? 'each twice' : ''].filter((s) => s !== '').join(', ');
    return `RearrangeQueued(from #${this.o.from ?? 0}: ${what === '' ? 'as is' : what})`;
  }
  async run(peer: Peer): Promise<void> {
    const from = this.o.from ?? 0;
    if (from >= peer.outbox.length) throw new Error(`RearrangeQueued: nothing queued from #${from}`);
    let tail = peer.outbox.slice(from);
    if (this.o.order === 'reverse') tail.reverse();
    if (this.o.order === 'interleave') tail = [...tail.filter((_, i) => i % 2 === 1), ...tail.filter((_, i) => i % 2 === 0)];
    if (this.o.repeat === true) tail = tail.flatMap((o) => [o, requeued(peer, o, `${o.note} (again)`)]);
    peer.outbox = [...peer.outbox.slice(0, from), ...tail];
  }
}

/**
 * Cuts a queued handshake message (the last queued record, or the one at `index`) into fragments of
 * `size` bytes that overlap by `overlap` bytes, each starting `size - overlap` after the one before
 * and the last ending with the message (RFC 6347 §4.2.3: receivers handle overlapping ranges, as
 * after a sender refragments for a smaller PMTU). FragmentMessage does the cutting.
 */
export class FragmentWithOverlap extends Command {
  readonly name = 'FragmentWithOverlap';
  constructor(private readonly o: { index?: number; size: number; overlap: number }) {
    super();
  }
  override describe(): string {
    return `FragmentWithOverlap(${this.o.index === undefined ? 'last' : `#${this.o.index}`}: ${this.o.size} bytes, overlapping by ${this.o.overlap})`;
  }
  async run(peer: Peer): Promise<void> {
    const step = this.o.size - this.o.overlap;
    if (step <= 0 || this.o.overlap < 0) throw new Error('FragmentWithOverlap: the overlap must be smaller than the size, and not negative');
    const index = this.o.index ?? peer.outbox.length - 1;
    const r = peer.outbox[index]?.record;
    if (r === undefined || r.type !== ContentType.handshake) throw new Error(`FragmentWithOverlap: record #${index} is not a queued handshake record`);
    let content = r.fragment;
    if (r.epoch > 0) {
      const opened = peer.writeKeys?.open(r, r.fragment);
      if (opened?.ok !== true) throw new Error(`FragmentWithOverlap: record #${index} does not open under our keys`);
      content = opened.content;
    }
    const whole = decode(content, 'handshake fragments', readHandshakeFragments)[0];
    if (whole === undefined) throw new Error(`FragmentWithOverlap: record #${index} holds no handshake message`);
    const fragments: FragmentSpec[] = [];
    for (let offset = 0; ; offset += step) {
      const length = Math.min(this.o.size, whole.length - offset);
      fragments.push({ offset, length });
      if (offset + length >= whole.length) break;
    }
    await new FragmentMessage({ index, fragments }).run(peer);
  }
}
