/**
 * Nodes both roles use: ChangeCipherSpec and Finished, alerts, application data, raw records,
 * silence and close, the clock, retransmissions, and changes to the flight being built (reorder,
 * duplicate, drop, replay).
 */
import { constantTimeEqual } from '../../reference/crypto/hash.ts';
import { verifyData } from '../../reference/crypto/prf.ts';
import { writeAlert } from '../../reference/wire/alert.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { readFinished, writeFinished } from '../../reference/wire/messages12.ts';
import { decode } from '../../reference/wire/reader.ts';
import { type DtlsPlaintext, writeDatagram } from '../../reference/wire/records.ts';
import { type HandshakeFragment, readHandshakeFragments, writeHandshakeFragment } from '../../reference/wire/handshake-header.ts';
import { encode } from '../../reference/wire/writer.ts';
import type { Incoming, Retransmission } from './incoming.ts';
import type { Outgoing, Peer } from './peer.ts';
import { Command, Expect, Generator, ProbeFailure } from './tree.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const utf8 = new TextEncoder();

/** The root of every conversation: the wire is already connected; it marks the start. */
export class Connect extends Command {
  readonly name = 'Connect';
  async run(peer: Peer): Promise<void> {
    peer.log(`connected (${peer.wire.clock} clock)`);
  }
}

/** Base for expectations of one handshake message type. */
export abstract class ExpectHandshake extends Expect {
  abstract readonly msgType: number;
  matches(m: Incoming | undefined): boolean {
    return m?.kind === 'handshake' && m.msgType === this.msgType;
  }
  /** The message's body, checked to be a handshake message (for subclasses' process). */
  protected body(m: Incoming | undefined): { body: Uint8Array; messageSeq: number } {
    if (m?.kind !== 'handshake') throw new ProbeFailure(`${this.name}: no handshake message`);
    return m;
  }
}

/** RFC 5246 §7.1: switches our writing to the next epoch (1), whose keys the key exchange derived. */
export class ChangeCipherSpecGenerator extends Generator {
  readonly name = 'ChangeCipherSpecGenerator';
  constructor(private readonly o: { body?: Uint8Array; keepEpoch?: boolean } = {}) {
    super();
  }
  generate(peer: Peer): void {
    peer.queueRecord(ContentType.change_cipher_spec, this.o.body ?? Uint8Array.of(1), 'ChangeCipherSpec');
    if (this.o.keepEpoch === true) return;
    if (peer.pendingKeys === undefined) peer.deriveKeys();
    peer.writeEpoch++;
    peer.writeKeys = peer.pendingKeys!.write;
  }
}

export class ExpectChangeCipherSpec extends Expect {
  readonly name = 'ExpectChangeCipherSpec';
  matches(m: Incoming | undefined): boolean {
    return m?.kind === 'change_cipher_spec';
  }
  process(m: Incoming | undefined, peer: Peer): void {
    if (m?.kind !== 'change_cipher_spec') return;
    if (m.body.length !== 1 || m.body[0] !== 1) throw new ProbeFailure(`ChangeCipherSpec body is ${hex(m.body)}, not 01`);
    if (peer.pendingKeys === undefined) peer.deriveKeys();
    peer.inbound.readKeys = peer.pendingKeys!.read;
    peer.inbound.readEpoch = m.epoch + 1;
  }
}

function expectedVerifyData(peer: Peer, sender: 'client' | 'server'): Uint8Array {
  if (peer.masterSecret === undefined) throw new Error('Finished before a key exchange');
  return verifyData(peer.prfHash(), peer.masterSecret, sender === 'client' ? 'client finished' : 'server finished', peer.transcript.hash(peer.prfHash()));
}

/** Our Finished (RFC 5246 §7.4.9); `verifyData` forges it, `xor` flips bits of the right one. */
export class FinishedGenerator extends Generator {
  readonly name = 'FinishedGenerator';
  constructor(private readonly o: { verifyData?: Uint8Array; xor?: number; fragmentSize?: number } = {}) {
    super();
  }
  override describe(): string {
    return this.o.verifyData !== undefined || this.o.xor !== undefined ? 'FinishedGenerator(forged verify_data)' : 'FinishedGenerator';
  }
  generate(peer: Peer): void {
    let vd = this.o.verifyData ?? expectedVerifyData(peer, peer.role);
    if (this.o.xor !== undefined) vd = vd.map((b, i) => (i === 0 ? b ^ this.o.xor! : b));
    const body = encode((w) => writeFinished(w, { verifyData: vd }));
    peer.queueHandshake(HandshakeType.finished, body, this.o.fragmentSize === undefined ? {} : { fragmentSize: this.o.fragmentSize });
  }
}

export class ExpectFinished extends ExpectHandshake {
  readonly name = 'ExpectFinished';
  readonly msgType = HandshakeType.finished;
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    if (m?.kind === 'handshake' && m.epoch === 0) throw new ProbeFailure('Finished arrived unprotected, at epoch 0');
    const sender = peer.role === 'client' ? 'server' : 'client';
    const expected = expectedVerifyData(peer, sender);
    const f = decode(body, 'Finished', readFinished);
    if (!constantTimeEqual(f.verifyData, expected)) {
      throw new ProbeFailure(`the ${sender}'s verify_data is ${hex(f.verifyData)}, expected ${hex(expected)}`);
    }
    peer.transcript.add(HandshakeType.finished, messageSeq, body);
  }
}

/** An alert record at the current epoch. */
export class AlertGenerator extends Generator {
  readonly name = 'AlertGenerator';
  constructor(
    private readonly level: number,
    private readonly description: number,
  ) {
    super();
  }
  override describe(): string {
    return `AlertGenerator(${AlertLevel.nameOf(this.level)}, ${AlertDescription.nameOf(this.description)})`;
  }
  generate(peer: Peer): void {
    peer.queueRecord(ContentType.alert, encode((w) => writeAlert(w, { level: this.level, description: this.description })), this.describe());
  }
}

/** An alert; `description` (and `level`) narrow what is accepted, a list allows several. */
export class ExpectAlert extends Expect {
  readonly name = 'ExpectAlert';
  constructor(
    private readonly level?: number,
    private readonly description?: number | readonly number[],
  ) {
    super();
  }
  override describe(): string {
    const d = this.description === undefined ? '' : [this.description].flat().map((x) => AlertDescription.nameOf(x)).join('|');
    return `ExpectAlert(${this.level === undefined ? '' : AlertLevel.nameOf(this.level)}${d === '' ? '' : `, ${d}`})`;
  }
  matches(m: Incoming | undefined): boolean {
    return m?.kind === 'alert';
  }
  process(m: Incoming | undefined): void {
    if (m?.kind !== 'alert') return;
    if (this.level !== undefined && m.level !== this.level) {
      throw new ProbeFailure(`alert level ${AlertLevel.nameOf(m.level)}, expected ${AlertLevel.nameOf(this.level)}`);
    }
    const allowed = this.description === undefined ? undefined : [this.description].flat();
    if (allowed !== undefined && !allowed.includes(m.description)) {
      throw new ProbeFailure(
        `alert ${AlertDescription.nameOf(m.description)}, expected ${allowed.map((d) => AlertDescription.nameOf(d)).join(' or ')}`,
      );
    }
  }
}

/** Application data at the current epoch (epoch 0 unless a ChangeCipherSpec came first: a probe can forge that). */
export class ApplicationDataGenerator extends Generator {
  readonly name = 'ApplicationDataGenerator';
  readonly data: Uint8Array;
  constructor(
    data: Uint8Array | string,
    private readonly o: { epoch?: number; sequenceNumber?: number; corruptTag?: boolean; copies?: number } = {},
  ) {
    super();
    this.data = typeof data === 'string' ? utf8.encode(data) : data;
  }
  override describe(): string {
    const extra = [this.o.corruptTag === true ? 'bad MAC' : '', this.o.epoch !== undefined ? `epoch ${this.o.epoch}` : '', this.o.sequenceNumber !== undefined ? `seq ${this.o.sequenceNumber}` : '']
      .filter((s) => s !== '')
      .join(', ');
    return `ApplicationDataGenerator(${this.data.length} bytes${extra === '' ? '' : `, ${extra}`})`;
  }
  generate(peer: Peer): void {
    const opts = { ...(this.o.epoch === undefined ? {} : { epoch: this.o.epoch }), ...(this.o.sequenceNumber === undefined ? {} : { sequenceNumber: this.o.sequenceNumber }) };
    const out = peer.queueRecord(ContentType.application_data, this.data, this.describe(), opts);
    if (this.o.corruptTag === true) {
      const f = out.record.fragment.slice();
      f[f.length - 1]! ^= 0x01;
      peer.outbox[peer.outbox.length - 1] = { record: { ...out.record, fragment: f }, note: out.note };
    }
    for (let i = 1; i < (this.o.copies ?? 1); i++) peer.outbox.push(peer.outbox[peer.outbox.length - 1]!);
  }
}

/** Application data from the implementation; `data` narrows it (an echo). */
export class ExpectApplicationData extends Expect {
  readonly name = 'ExpectApplicationData';
  constructor(private readonly data?: Uint8Array | string) {
    super();
  }
  matches(m: Incoming | undefined): boolean {
    return m?.kind === 'application_data';
  }
  process(m: Incoming | undefined): void {
    if (m?.kind !== 'application_data') return;
    if (m.epoch === 0) throw new ProbeFailure('application data arrived unprotected, at epoch 0');
    const want = typeof this.data === 'string' ? utf8.encode(this.data) : this.data;
    if (want !== undefined && !(Buffer.from(m.data).includes(Buffer.from(want)))) {
      throw new ProbeFailure(`application data ${JSON.stringify(Buffer.from(m.data).toString('latin1'))} does not contain ${JSON.stringify(Buffer.from(want).toString('latin1'))}`);
    }
  }
}

/** A server under test that echoes what it receives. */
const echoes = (peer: Peer): boolean => peer.role === 'client' && peer.ctx.iut.features.includes('echo');

/**
 * The implementation's application got `data`: through its echo when it echoes (an
 * ApplicationData record carrying it), otherwise through what the implementation reports (process
 * output, in-process callbacks). Fails when it did not, or when the implementation offers neither view.
 */
export class ExpectDelivery extends Command {
  readonly name = 'ExpectDelivery';
  readonly data: Uint8Array;
  constructor(data: Uint8Array | string, private readonly timeoutMs?: number) {
    super();
    this.data = typeof data === 'string' ? utf8.encode(data) : data;
  }
  async run(peer: Peer): Promise<void> {
    peer.flush();
    const timeout = this.timeoutMs ?? peer.defaultTimeoutMs;
    if (echoes(peer)) {
      const m = await peer.nextMessage(timeout);
      if (m?.kind !== 'application_data' || !Buffer.from(m.data).includes(Buffer.from(this.data))) {
        throw new ProbeFailure(`expected the echo of ${JSON.stringify(Buffer.from(this.data).toString('latin1'))}, got ${peer.describe(m)}`);
      }
      if (m.epoch === 0) throw new ProbeFailure('the echo arrived unprotected, at epoch 0');
      return;
    }
    if (peer.delivered === undefined) throw new ProbeFailure('the implementation neither echoes nor reports what it received');
    if (!(await peer.delivered(this.data, timeout))) {
      throw new ProbeFailure(`the implementation's application did not receive ${JSON.stringify(Buffer.from(this.data).toString('latin1'))}`);
    }
  }
}

/** The implementation's application did NOT get `data` (a forged or replayed record was discarded). */
export class ExpectNoDelivery extends Command {
  readonly name = 'ExpectNoDelivery';
  readonly data: Uint8Array;
  constructor(data: Uint8Array | string, private readonly timeoutMs = 1000) {
    super();
    this.data = typeof data === 'string' ? utf8.encode(data) : data;
  }
  async run(peer: Peer): Promise<void> {
    peer.flush();
    if (echoes(peer)) {
      const m = await peer.nextMessage(this.timeoutMs);
      if (m !== undefined) {
        if (m.kind === 'application_data' && Buffer.from(m.data).includes(Buffer.from(this.data))) {
          throw new ProbeFailure(`the implementation echoed ${JSON.stringify(Buffer.from(this.data).toString('latin1'))}, which it should have discarded`);
        }
        throw new ProbeFailure(`expected silence, got ${peer.describe(m)}`);
      }
      return;
    }
    if (peer.delivered !== undefined && (await peer.delivered(this.data, this.timeoutMs))) {
      throw new ProbeFailure(`the implementation's application received ${JSON.stringify(Buffer.from(this.data).toString('latin1'))}, which it should have discarded`);
    }
  }
}

/** Nothing new arrives within `timeoutMs` (retransmissions of earlier messages are recorded, not counted). */
export class ExpectNoMessage extends Expect {
  readonly name: string = 'ExpectNoMessage';
  constructor(timeoutMs?: number) {
    super();
    this.timeoutMs = timeoutMs;
  }
  override describe(): string {
    return this.timeoutMs === undefined ? this.name : `${this.name}(${this.timeoutMs} ms)`;
  }
  matches(m: Incoming | undefined): boolean {
    return m === undefined;
  }
  process(): void {}
}

/**
 * The implementation ended the connection: it sends nothing more (DTLS has no connection to close),
 * or its process exited.
 */
export class ExpectClose extends ExpectNoMessage {
  override readonly name = 'ExpectClose';
}

/** A record with any content type, epoch, sequence number and version, its payload as given (not protected). */
export class RawRecordGenerator extends Generator {
  readonly name = 'RawRecordGenerator';
  constructor(
    private readonly type: number,
    private readonly payload: Uint8Array,
    private readonly o: { epoch?: number; sequenceNumber?: number; version?: number; protect?: boolean; note?: string } = {},
  ) {
    super();
  }
  override describe(): string {
    return `RawRecordGenerator(${ContentType.nameOf(this.type)}, ${this.payload.length} bytes${this.o.note === undefined ? '' : `, ${this.o.note}`})`;
  }
  generate(peer: Peer): void {
    const epoch = this.o.epoch ?? peer.writeEpoch;
    peer.queueRecord(this.type, this.payload, this.describe(), {
      epoch,
      ...(this.o.sequenceNumber === undefined ? {} : { sequenceNumber: this.o.sequenceNumber }),
      ...(this.o.version === undefined ? {} : { version: this.o.version }),
      ...(this.o.protect === true && peer.writeKeys !== undefined ? { keys: peer.writeKeys } : {}),
      ...(this.o.protect === false && epoch > 0 ? { keys: undefined } : {}),
    });
    if (this.o.protect === false && epoch > 0) {
      // queueRecord protects every record above epoch 0; a raw one goes as given
      const last = peer.outbox[peer.outbox.length - 1]!;
      peer.outbox[peer.outbox.length - 1] = { ...last, record: { ...last.record, fragment: this.payload } };
    }
  }
}

/** Bytes sent as one datagram, as they are. */
export class RawDatagramGenerator extends Generator {
  readonly name = 'RawDatagramGenerator';
  constructor(private readonly bytes: Uint8Array, private readonly note = 'raw datagram') {
    super();
  }
  override describe(): string {
    return `RawDatagramGenerator(${this.bytes.length} bytes: ${this.note})`;
  }
  generate(peer: Peer): void {
    peer.flush();
    peer.wire.send(this.bytes, this.note);
  }
}

/** Lets time pass on the probe's clock (virtual time jumps; real time waits), taking in what arrives. */
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

/**
 * A handshake message of any type with the body given, whole, in one record at the current epoch
 * (tlsfuzzer's RawMessageGenerator). It takes the next message_seq unless `messageSeq` is given,
 * and stays out of the transcript unless `transcript` is set.
 */
export class RawHandshakeGenerator extends Generator {
  readonly name = 'RawHandshakeGenerator';
  constructor(
    private readonly msgType: number,
    private readonly body: Uint8Array,
    private readonly o: { messageSeq?: number; transcript?: boolean } = {},
  ) {
    super();
  }
  override describe(): string {
    return `RawHandshakeGenerator(${HandshakeType.nameOf(this.msgType)}, ${this.body.length} bytes)`;
  }
  generate(peer: Peer): void {
    peer.queueHandshake(this.msgType, this.body, {
      transcript: this.o.transcript === true,
      ...(this.o.messageSeq === undefined ? {} : { messageSeq: this.o.messageSeq }),
    });
  }
}

/**
 * One new handshake message of `msgType`, taken without changing the handshake state: for a
 * conversation that ends there, such as a ServerHello of a version the harness does not run.
 * `check` returns why the message is wrong, or undefined.
 */
export class ExpectHandshakeMessage extends ExpectHandshake {
  readonly name = 'ExpectHandshakeMessage';
  constructor(
    readonly msgType: number,
    private readonly o: { check?: (body: Uint8Array, m: Incoming & { kind: 'handshake' }, peer: Peer) => string | undefined; what?: string } = {},
  ) {
    super();
  }
  override describe(): string {
    return `ExpectHandshakeMessage(${HandshakeType.nameOf(this.msgType)}${this.o.what === undefined ? '' : `: ${this.o.what}`})`;
  }
  process(m: Incoming | undefined, peer: Peer): void {
    if (m?.kind !== 'handshake') throw new ProbeFailure(`${this.name}: no handshake message`);
    const wrong = this.o.check?.(m.body, m, peer);
    if (wrong !== undefined) throw new ProbeFailure(`${HandshakeType.nameOf(this.msgType)}: ${wrong}`);
  }
}

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
