/**
 * What the harness makes of the datagrams from the implementation under test: records split out,
 * epoch-1 records opened with the session's keys, handshake fragments reassembled in message_seq
 * order, and each result turned into one `Incoming` message for the expectations. Handshake
 * messages the harness already had (message_seq below the next expected one) are retransmissions:
 * they go to their own list with their arrival time, so the retransmission timeline can be checked,
 * and never reach an expectation that waits for something new.
 */
import { type FragmentOutcome, Reassembler } from '../../reference/handshake/reassembly.ts';
import type { CipherState } from '../../reference/record/cipher-state.ts';
import { readAlert } from '../../reference/wire/alert.ts';
import { AlertDescription, ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { readHandshakeFragments } from '../../reference/wire/handshake-header.ts';
import { decode } from '../../reference/wire/reader.ts';
import { type DtlsPlaintext, readDatagram } from '../../reference/wire/records.ts';

interface RecordMeta {
  readonly epoch: number;
  readonly recordSeq: number;
  readonly version: number;
}

export type Incoming =
  | (RecordMeta & { readonly kind: 'handshake'; readonly msgType: number; readonly messageSeq: number; readonly body: Uint8Array; readonly fragments: number })
  | (RecordMeta & { readonly kind: 'change_cipher_spec'; readonly body: Uint8Array })
  | (RecordMeta & { readonly kind: 'alert'; readonly level: number; readonly description: number })
  | (RecordMeta & { readonly kind: 'application_data'; readonly data: Uint8Array })
  /** A protected record the harness could not open (no keys, or a bad tag). */
  | (RecordMeta & { readonly kind: 'undecryptable'; readonly contentType: number; readonly reason: string })
  /** A record of another content type, or bytes that do not parse. */
  | { readonly kind: 'malformed'; readonly reason: string; readonly hex: string };

/** A retransmitted handshake message or ChangeCipherSpec, with when it came. */
export interface Retransmission {
  readonly at: number;
  readonly msgType: number | 'change_cipher_spec';
  readonly messageSeq: number;
  readonly epoch: number;
}

export function describeIncoming(m: Incoming | undefined): string {
  if (m === undefined) return 'nothing (timeout)';
  switch (m.kind) {
    case 'handshake':
      return `${HandshakeType.nameOf(m.msgType)} (message_seq ${m.messageSeq}, epoch ${m.epoch})`;
    case 'change_cipher_spec':
      return `ChangeCipherSpec (epoch ${m.epoch})`;
    case 'alert':
      return `Alert(${m.level === 2 ? 'fatal' : m.level === 1 ? 'warning' : `level ${m.level}`}, ${AlertDescription.nameOf(m.description)}) (epoch ${m.epoch})`;
    case 'application_data':
      return `ApplicationData (${m.data.length} bytes, epoch ${m.epoch})`;
    case 'undecryptable':
      return `an epoch-${m.epoch} ${ContentType.nameOf(m.contentType)} record the harness cannot open (${m.reason})`;
    case 'malformed':
      return `a malformed datagram (${m.reason})`;
  }
}

/** A protected record kept as it came, opened only when the expectations reach it (the keys may come from a ChangeCipherSpec queued before it). */
interface Sealed {
  readonly kind: 'sealed';
  readonly record: DtlsPlaintext;
  readonly at: number;
}

/** The receiving half of the harness's record layer. */
export class Inbound {
  private readonly items: (Incoming | Sealed)[] = [];
  readonly retransmissions: Retransmission[] = [];
  /** When the first fragment of each message type (and the first ChangeCipherSpec) arrived. */
  readonly firstArrival = new Map<number | 'change_cipher_spec', number>();
  /** Records the harness dropped as duplicates of records already taken (same epoch and sequence number). */
  duplicates = 0;
  readKeys: CipherState | undefined;
  readEpoch = 0;
  private readonly reassembler = new Reassembler();
  private readonly fragmentCounts = new Map<number, number>();
  private readonly seenRecords = new Set<string>();
  private ccsSeen = false;

  /** Whether a message (or a record still to open) is waiting. */
  get pending(): boolean {
    return this.items.length > 0;
  }

  /** The next message, opening protected records with the keys in force now. */
  next(): Incoming | undefined {
    for (;;) {
      const item = this.items.shift();
      if (item === undefined || item.kind !== 'sealed') return item;
      const before = this.items.splice(0);
      this.open(item.record, item.at);
      this.items.push(...before);
    }
  }

  private push(m: Incoming): void {
    this.items.push(m);
  }

  /** The message_seq the next new handshake message must carry. */
  get nextMessageSeq(): number {
    return this.reassembler.nextSeq;
  }

  /** Takes a datagram; returns a one-line note of what it held, for the transcript. */
  take(datagram: Uint8Array, now: number): string {
    let records;
    try {
      records = readDatagram(datagram);
    } catch (e) {
      this.push({ kind: 'malformed', reason: e instanceof Error ? e.message : String(e), hex: Buffer.from(datagram).toString('hex') });
      return 'malformed';
    }
    const notes: string[] = [];
    for (const r of records) {
      if (r.format !== 'plaintext') {
        this.push({ kind: 'malformed', reason: `a ${r.format} record in DTLS 1.2`, hex: Buffer.from(datagram).toString('hex') });
        notes.push(r.format);
        continue;
      }
      notes.push(this.record(r, now));
    }
    return notes.join(', ');
  }

  private record(r: DtlsPlaintext, now: number): string {
    const key = `${r.epoch}/${r.sequenceNumber}`;
    if (this.seenRecords.has(key)) {
      this.duplicates++;
      return `duplicate record ${key}`;
    }
    this.seenRecords.add(key);
    if (r.epoch > 0) {
      this.items.push({ kind: 'sealed', record: r, at: now });
      return `epoch ${r.epoch} record`;
    }
    return this.content(r, r.fragment, now);
  }

  private open(r: DtlsPlaintext, now: number): void {
    const meta: RecordMeta = { epoch: r.epoch, recordSeq: r.sequenceNumber, version: r.version };
    if (r.epoch > 0) {
      if (this.readKeys === undefined || r.epoch !== this.readEpoch) {
        this.push({ ...meta, kind: 'undecryptable', contentType: r.type, reason: this.readKeys === undefined ? 'no keys yet' : `epoch ${r.epoch}` });
        return;
      }
      const opened = this.readKeys.open(r, r.fragment);
      if (!opened.ok) {
        this.push({ ...meta, kind: 'undecryptable', contentType: r.type, reason: opened.reason });
        return;
      }
      this.content(r, opened.content, now);
    }
  }

  private content(r: DtlsPlaintext, content: Uint8Array, now: number): string {
    const meta: RecordMeta = { epoch: r.epoch, recordSeq: r.sequenceNumber, version: r.version };
    switch (r.type) {
      case ContentType.handshake:
        return this.handshake(meta, content, now);
      case ContentType.change_cipher_spec:
        if (this.ccsSeen && this.readEpoch > 0) {
          this.retransmissions.push({ at: now, msgType: 'change_cipher_spec', messageSeq: -1, epoch: r.epoch });
          return 'ChangeCipherSpec (again)';
        }
        this.ccsSeen = true;
        if (!this.firstArrival.has('change_cipher_spec')) this.firstArrival.set('change_cipher_spec', now);
        this.push({ ...meta, kind: 'change_cipher_spec', body: content });
        return 'ChangeCipherSpec';
      case ContentType.alert: {
        try {
          const a = decode(content, 'Alert', readAlert);
          const m: Incoming = { ...meta, kind: 'alert', level: a.level, description: a.description };
          this.push(m);
          return describeIncoming(m);
        } catch (e) {
          this.push({ kind: 'malformed', reason: `alert: ${e instanceof Error ? e.message : String(e)}`, hex: Buffer.from(content).toString('hex') });
          return 'malformed alert';
        }
      }
      case ContentType.application_data:
        this.push({ ...meta, kind: 'application_data', data: content });
        return `ApplicationData (${content.length} bytes)`;
      default:
        this.push({ kind: 'malformed', reason: `content type ${r.type}`, hex: Buffer.from(content).toString('hex') });
        return `content type ${r.type}`;
    }
  }

  private handshake(meta: RecordMeta, content: Uint8Array, now: number): string {
    let fragments;
    try {
      fragments = decode(content, 'handshake fragments', readHandshakeFragments);
    } catch (e) {
      this.push({ kind: 'malformed', reason: `handshake: ${e instanceof Error ? e.message : String(e)}`, hex: Buffer.from(content).toString('hex') });
      return 'malformed handshake record';
    }
    const notes: string[] = [];
    for (const f of fragments) {
      const outcome: FragmentOutcome = this.reassembler.add(f);
      const name = HandshakeType.nameOf(f.msgType);
      if (outcome.kind === 'retransmission') {
        if (!this.retransmissions.some((x) => x.at === now && x.messageSeq === f.messageSeq)) {
          this.retransmissions.push({ at: now, msgType: f.msgType, messageSeq: f.messageSeq, epoch: meta.epoch });
        }
        notes.push(`${name} seq ${f.messageSeq} (retransmitted)`);
        continue;
      }
      if (outcome.kind === 'rejected' || outcome.kind === 'dropped') {
        this.push({ kind: 'malformed', reason: `${name} fragment ${outcome.kind}: ${outcome.reason}`, hex: Buffer.from(content).toString('hex') });
        notes.push(`${name} fragment ${outcome.kind}`);
        continue;
      }
      if (!this.firstArrival.has(f.msgType)) this.firstArrival.set(f.msgType, now);
      this.fragmentCounts.set(f.messageSeq, (this.fragmentCounts.get(f.messageSeq) ?? 0) + 1);
      notes.push(f.body.length === f.length ? `${name} seq ${f.messageSeq}` : `${name} seq ${f.messageSeq} [${f.fragmentOffset}+${f.body.length}/${f.length}]`);
      for (let m = this.reassembler.poll(); m !== undefined; m = this.reassembler.poll()) {
        this.push({ ...meta, kind: 'handshake', msgType: m.msgType, messageSeq: m.messageSeq, body: m.body, fragments: this.fragmentCounts.get(m.messageSeq) ?? 1 });
      }
    }
    return notes.join(', ');
  }
}
