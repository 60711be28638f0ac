/**
 * Nodes both roles use: ChangeCipherSpec and Finished, alerts, application data, raw records and
 * handshake messages, delivery to the application, silence and close. Time and retransmissions are
 * in nodes-timing.ts, changes to the flight being built in nodes-flight.ts.
 */
import { constantTimeEqual } from '../../reference/crypto/hash.ts';
import { verifyData } from '../../reference/crypto/prf.ts';
import { writeAlert } from '../../reference/wire/alert.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { readFinished, writeFinished } from '../../reference/wire/messages12.ts';
import { decode } from '../../reference/wire/reader.ts';
import { encode } from '../../reference/wire/writer.ts';
import type { Incoming } from './incoming.ts';
import type { Peer } from './peer.ts';
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
