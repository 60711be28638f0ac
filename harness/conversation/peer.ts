/**
 * The harness's side of a conversation: the other endpoint, played with the reference codec and
 * crypto so that every field can be forged. It keeps what tlsfuzzer's ConnectionState keeps — the
 * hellos, the negotiated suite, the key exchange, the handshake transcript, the master secret, the
 * record layer's epochs and sequence numbers — and a queue of datagrams for the flight being built,
 * which the runner sends before it waits for the implementation.
 */
import { hashByName, type Hash } from '../../reference/crypto/hash.ts';
import type { KeyShare } from '../../reference/crypto/ecdh.ts';
import type { PrivateKey } from '../../reference/crypto/private-key.ts';
import { type RandomSource, seededRandom } from '../../reference/crypto/random.ts';
import { Transcript } from '../../reference/handshake/dtls12/transcript.ts';
import { fragmentMessage } from '../../reference/handshake/fragmentation.ts';
import { CipherState, deriveKeys } from '../../reference/record/cipher-state.ts';
import { ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { type HandshakeFragment, writeHandshakeFragment } from '../../reference/wire/handshake-header.ts';
import type { ClientHello, ServerHello } from '../../reference/wire/hello.ts';
import { type DtlsPlaintext, writeDatagram } from '../../reference/wire/records.ts';
import { suiteInfo } from '../../reference/wire/suites.ts';
import { encode } from '../../reference/wire/writer.ts';
import type { Wire } from '../iut/types.ts';
import type { ProbeContext } from '../suites/types.ts';
import { describeIncoming, Inbound, type Incoming } from './incoming.ts';

export const DTLS12 = 0xfefd;

/** A message queued for the flight being built: one record, one datagram unless packed. */
export interface Outgoing {
  readonly record: DtlsPlaintext;
  /** For the transcript: what it is. */
  readonly note: string;
}

export interface PeerOptions {
  readonly role: 'client' | 'server';
  readonly wire: Wire;
  readonly ctx: ProbeContext;
  /** The harness's certificate chain (DER, leaf first) and key, for the server role. */
  readonly certificate?: { readonly chain: readonly Uint8Array[]; readonly privateKey: PrivateKey };
  /** Whether the implementation's application received some data (IutSession.delivered). */
  readonly delivered?: (data: Uint8Array, timeoutMs: number) => Promise<boolean>;
  /** How long an expectation waits by default, on the wire's clock. */
  readonly defaultTimeoutMs: number;
}

export class Peer {
  readonly role: 'client' | 'server';
  readonly wire: Wire;
  readonly ctx: ProbeContext;
  readonly certificate: PeerOptions['certificate'];
  readonly delivered: PeerOptions['delivered'];
  readonly random: RandomSource;
  readonly inbound = new Inbound();
  readonly steps: string[] = [];
  defaultTimeoutMs: number;

  // --- handshake state (tlsfuzzer's ConnectionState)
  readonly transcript = new Transcript();
  clientHello: ClientHello | undefined;
  serverHello: ServerHello | undefined;
  clientRandom: Uint8Array | undefined;
  serverRandom: Uint8Array | undefined;
  cipherSuite: number | undefined;
  /** Both hellos carried extended_master_secret. */
  extendedMasterSecret = false;
  cookie: Uint8Array = new Uint8Array(0);
  /** The record sequence number of the last ClientHello (a HelloVerifyRequest mirrors it). */
  lastClientHelloRecordSeq = 0;
  keyShare: KeyShare | undefined;
  /** The implementation's ECDHE public value and group (from its key exchange message). */
  peerPublic: { readonly group: number; readonly value: Uint8Array } | undefined;
  /** The PSK identity hint the server sent. */
  pskIdentityHint: Uint8Array | undefined;
  peerCertificates: readonly Uint8Array[] = [];
  certificateRequested = false;
  masterSecret: Uint8Array | undefined;
  /** The cipher states of epoch 1 (derived once the key exchange is done). */
  pendingKeys: { readonly write: CipherState; readonly read: CipherState } | undefined;

  // --- record layer, sending half
  writeEpoch = 0;
  private readonly writeSeq = new Map<number, number>();
  writeKeys: CipherState | undefined;
  /** The message_seq of the next handshake message we send. */
  nextSendMessageSeq = 0;
  /** The flight being built; sent before the next expectation. */
  outbox: Outgoing[] = [];
  /** Datagrams of the last flight sent, for retransmission. */
  lastFlight: Outgoing[] = [];
  /** Packs the whole flight into one datagram instead of one record per datagram. */
  packFlight = false;
  /** Drops (instead of sending) outgoing datagrams whose index in the flight is listed (negative: from the end, -1 the last). */
  dropIndices: ReadonlySet<number> = new Set();

  constructor(o: PeerOptions) {
    this.role = o.role;
    this.wire = o.wire;
    this.ctx = o.ctx;
    this.certificate = o.certificate;
    this.delivered = o.delivered;
    this.random = seededRandom(`dtlsprobe harness ${o.ctx.seed}`);
    this.defaultTimeoutMs = o.defaultTimeoutMs;
  }

  log(line: string): void {
    this.steps.push(`${this.wire.now().toFixed(0).padStart(7)} ms  ${line}`);
  }

  /** The suite's PRF hash. */
  prfHash(): Hash {
    const info = this.cipherSuite === undefined ? undefined : suiteInfo(this.cipherSuite);
    if (info === undefined || info.tls13) return hashByName('sha256');
    return hashByName(info.prfHash);
  }

  /** The next record sequence number of an epoch (and advances it). */
  nextRecordSeq(epoch: number): number {
    const n = this.writeSeq.get(epoch) ?? 0;
    this.writeSeq.set(epoch, n + 1);
    return n;
  }

  /** Queues one record of `type` at the current write epoch, protected when the epoch is above 0. */
  queueRecord(type: number, content: Uint8Array, note: string, o: { epoch?: number; sequenceNumber?: number; version?: number; keys?: CipherState } = {}): Outgoing {
    const epoch = o.epoch ?? this.writeEpoch;
    const sequenceNumber = o.sequenceNumber ?? this.nextRecordSeq(epoch);
    const header: DtlsPlaintext = { format: 'plaintext', type, version: o.version ?? DTLS12, epoch, sequenceNumber, fragment: content };
    const keys = o.keys ?? (epoch > 0 ? this.writeKeys : undefined);
    const record = keys === undefined ? header : { ...header, fragment: keys.seal(header, content) };
    const out = { record, note };
    this.outbox.push(out);
    return out;
  }

  /** Handshake fragments of one message (whole unless `fragments` sets the split), in one record each. */
  queueHandshake(
    msgType: number,
    body: Uint8Array,
    o: {
      messageSeq?: number;
      /** Add the message to the transcript (default true). */
      transcript?: boolean;
      /** Fragment bodies of at most this many bytes. */
      fragmentSize?: number;
      /** Explicit fragments (offset, length) of the body, sent in this order. */
      fragments?: readonly { readonly offset: number; readonly length: number }[];
      /** Overrides the length field of every fragment (a length mismatch). */
      lengthField?: number;
      epoch?: number;
    } = {},
  ): void {
    const messageSeq = o.messageSeq ?? this.nextSendMessageSeq;
    if (o.messageSeq === undefined) this.nextSendMessageSeq++;
    if (o.transcript !== false) this.transcript.add(msgType, messageSeq, body);
    let fragments: HandshakeFragment[];
    if (o.fragments !== undefined) {
      fragments = o.fragments.map((f) => ({
        msgType,
        length: body.length,
        messageSeq,
        fragmentOffset: f.offset,
        body: body.subarray(f.offset, f.offset + f.length),
      }));
    } else if (o.fragmentSize !== undefined) {
      fragments = fragmentMessage({ msgType, messageSeq, body }, o.fragmentSize + 12);
    } else {
      fragments = [{ msgType, length: body.length, messageSeq, fragmentOffset: 0, body }];
    }
    const name = HandshakeType.nameOf(msgType);
    for (const f of fragments) {
      const forged = o.lengthField === undefined ? f : { ...f, length: o.lengthField };
      const note =
        fragments.length === 1 && f.body.length === body.length && o.lengthField === undefined
          ? `${name} (message_seq ${messageSeq})`
          : `${name} (message_seq ${messageSeq}) fragment ${f.fragmentOffset}+${f.body.length} of ${forged.length}`;
      this.queueRecord(ContentType.handshake, encode((w) => writeHandshakeFragment(w, forged)), note, o.epoch === undefined ? {} : { epoch: o.epoch });
    }
  }

  /** Sends the flight being built: one datagram per record, or one datagram for all when packed. */
  flush(): void {
    if (this.outbox.length === 0) return;
    const flight = this.outbox;
    const drop = this.dropIndices;
    this.outbox = [];
    this.dropIndices = new Set();
    this.lastFlight = flight;
    if (this.packFlight) {
      this.wire.send(writeDatagram(flight.map((o) => o.record)), flight.map((o) => o.note).join(' + '));
      return;
    }
    flight.forEach((o, i) => {
      if (drop.has(i) || drop.has(i - flight.length)) {
        this.log(`  (dropped: ${o.note})`);
        return;
      }
      this.wire.send(writeDatagram([o.record]), o.note);
    });
  }

  /** Epoch 1's cipher states from the master secret (RFC 5246 §6.3). */
  deriveKeys(): void {
    if (this.masterSecret === undefined || this.cipherSuite === undefined || this.clientRandom === undefined || this.serverRandom === undefined) {
      throw new Error('the harness has no master secret yet: the conversation must run a key exchange first');
    }
    const k = deriveKeys(this.cipherSuite, this.masterSecret, this.clientRandom, this.serverRandom, this.role);
    this.pendingKeys = { write: CipherState.forSuite(this.cipherSuite, k.write), read: CipherState.forSuite(this.cipherSuite, k.read) };
  }

  /** The next message from the implementation, or undefined when nothing came within `timeoutMs`. */
  async nextMessage(timeoutMs: number): Promise<Incoming | undefined> {
    this.flush();
    const deadline = this.wire.now() + timeoutMs;
    for (;;) {
      const m = this.inbound.next();
      if (m !== undefined) return m;
      const left = deadline - this.wire.now();
      if (left <= 0) return undefined;
      const d = await this.wire.receive(left);
      if (d === undefined) return undefined;
      this.wire.annotate(this.inbound.take(d, this.wire.arrivedAt()));
    }
  }

  /** Waits `ms`, taking in whatever arrives meanwhile (retransmissions are recorded, messages queued). */
  async idle(ms: number): Promise<void> {
    this.flush();
    const deadline = this.wire.now() + ms;
    for (;;) {
      const left = deadline - this.wire.now();
      if (left <= 0) return;
      const d = await this.wire.receive(left);
      if (d === undefined) return;
      this.wire.annotate(this.inbound.take(d, this.wire.arrivedAt()));
    }
  }

  private readonly lastSeen = new Map<number | 'change_cipher_spec', number>();

  /** When a message of this type (any, when undefined) last arrived, first sending or retransmission. */
  lastTransmissionOf(msgType: number | 'change_cipher_spec' | undefined): number | undefined {
    if (msgType !== undefined) return this.lastSeen.get(msgType) ?? this.inbound.firstArrival.get(msgType);
    const all = [...this.lastSeen.values(), ...this.inbound.firstArrival.values()];
    return all.length === 0 ? undefined : Math.max(...all);
  }

  noteTransmission(msgType: number | 'change_cipher_spec', at: number): void {
    this.lastSeen.set(msgType, at);
  }

  describe(m: Incoming | undefined): string {
    return describeIncoming(m);
  }
}
