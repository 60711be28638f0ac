/**
 * A dissector for DTLS traffic seen from the outside (captures, transcripts, corpora): it splits
 * each datagram into records, reassembles the plaintext handshake messages of each direction,
 * follows the negotiation far enough to pick the right codec (DTLS 1.2 or 1.3 layouts, the key
 * exchange for ServerKeyExchange/ClientKeyExchange), and checks that everything it parses
 * re-encodes to the same bytes. It decrypts nothing: protected records are reported as such.
 */
import { type Alert, readAlert } from './alert.ts';
import { ContentType, HandshakeType, ProtocolVersion } from './enums.ts';
import { DecodeError } from './errors.ts';
import type { HandshakeFragment } from './handshake-header.ts';
import type { ServerHello } from './hello.ts';
import { type MessageContext, messageCodec } from './message-table.ts';
import { decode, hex } from './reader.ts';
import { type DtlsRecord, handshakeFragmentsOf, readDatagram, writeDatagram } from './records.ts';
import { keyExchangeOf } from './suites.ts';
import { encode } from './writer.ts';

export type Direction = 'client' | 'server';

export interface DissectorOptions {
  /** Length of the connection ID on records each side receives, when CIDs are in use. */
  readonly cidLength?: number;
  /**
   * Treat records of every epoch as plaintext: for corpora recorded with NULL ciphers (BoringSSL's
   * fuzzing mode), where epoch 1 records are not really encrypted.
   */
  readonly nullCipher?: boolean;
}

export interface DissectedMessage {
  readonly direction: Direction;
  readonly msgType: number;
  readonly name: string;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  /** Seen whole before: a retransmission. */
  readonly retransmission: boolean;
  /** The parsed body; undefined when it did not parse or no codec fits the context. */
  readonly value: unknown;
  readonly error: DecodeError | undefined;
  /** Why the body was not parsed although it did not fail (e.g. the key exchange is unknown). */
  readonly unparsedReason: string | undefined;
  /** Whether writing the parsed body gives the received bytes back. */
  readonly reencodes: boolean;
}

export interface DissectedRecord {
  readonly record: DtlsRecord;
  /** Protected (encrypted) records are not looked into. */
  readonly protected: boolean;
  readonly contentType: number | undefined;
  readonly fragments: readonly HandshakeFragment[];
  readonly alert: Alert | undefined;
  /** A decode failure of the record's content (its header parsed). */
  readonly error: DecodeError | undefined;
}

export interface DissectedDatagram {
  readonly direction: Direction;
  readonly bytes: Uint8Array;
  readonly records: readonly DissectedRecord[];
  /** Handshake messages completed by this datagram. */
  readonly messages: readonly DissectedMessage[];
  /** The datagram's records did not parse. */
  readonly error: DecodeError | undefined;
  /** Whether writing the parsed records gives the datagram back. */
  readonly reencodes: boolean;
}

interface Partial {
  msgType: number;
  length: number;
  bytes: Uint8Array;
  have: Uint8Array;
  missing: number;
}

class DirectionState {
  readonly partial = new Map<number, Partial>();
  readonly whole = new Set<string>();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class Dissector {
  private readonly sides: Record<Direction, DirectionState> = { client: new DirectionState(), server: new DirectionState() };
  private dtls13 = false;
  private cipherSuite: number | undefined;

  constructor(private readonly options: DissectorOptions = {}) {}

  /** The context the messages seen so far establish. */
  get context(): MessageContext {
    const keyExchange = this.cipherSuite === undefined ? undefined : keyExchangeOf(this.cipherSuite);
    return { dtls13: this.dtls13, keyExchange };
  }

  feed(direction: Direction, bytes: Uint8Array): DissectedDatagram {
    let records: DtlsRecord[];
    try {
      records = readDatagram(bytes, { cidLength: this.options.cidLength });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { direction, bytes, records: [], messages: [], error: e, reencodes: false };
    }
    const reencodes = sameBytes(writeDatagram(records), bytes);
    const dissected: DissectedRecord[] = [];
    const messages: DissectedMessage[] = [];
    for (const [i, record] of records.entries()) {
      dissected.push(this.record(direction, record, i, messages));
    }
    return { direction, bytes, records: dissected, messages, error: undefined, reencodes };
  }

  private record(direction: Direction, record: DtlsRecord, index: number, out: DissectedMessage[]): DissectedRecord {
    const base = { record, fragments: [], alert: undefined, error: undefined };
    if (record.format !== 'plaintext') return { ...base, protected: true, contentType: undefined };
    const isProtected = record.epoch > 0 && this.options.nullCipher !== true;
    if (isProtected) return { ...base, protected: true, contentType: record.type };
    const root = `Datagram.records[${index}]`;
    try {
      if (record.type === ContentType.handshake) {
        const fragments = handshakeFragmentsOf(record, root);
        for (const f of fragments) {
          const m = this.fragment(direction, f);
          if (m !== undefined) out.push(m);
        }
        return { ...base, protected: false, contentType: record.type, fragments };
      }
      if (record.type === ContentType.alert) {
        const alert = decode(record.fragment, `${root}.fragment`, readAlert);
        return { ...base, protected: false, contentType: record.type, alert };
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { ...base, protected: false, contentType: record.type, error: e };
    }
    return { ...base, protected: false, contentType: record.type };
  }

  /** RFC 6347 §4.2.3: collects fragments; returns the message when this one completes it. */
  private fragment(direction: Direction, f: HandshakeFragment): DissectedMessage | undefined {
    const side = this.sides[direction];
    let p = side.partial.get(f.messageSeq);
    const fits = f.fragmentOffset + f.body.length <= f.length;
    if (p === undefined || p.msgType !== f.msgType || p.length !== f.length) {
      if (!fits) return undefined;
      p = { msgType: f.msgType, length: f.length, bytes: new Uint8Array(f.length), have: new Uint8Array(f.length), missing: f.length };
      side.partial.set(f.messageSeq, p);
    }
    if (!fits) return undefined;
    for (let i = 0; i < f.body.length; i++) {
      const at = f.fragmentOffset + i;
      if (p.have[at] === 0) {
        p.have[at] = 1;
        p.missing--;
      }
      p.bytes[at] = f.body[i];
    }
    if (p.missing > 0 || (f.length > 0 && f.body.length === 0)) return undefined;
    side.partial.delete(f.messageSeq);
    const key = `${f.messageSeq}:${f.msgType}:${hex(p.bytes)}`;
    const retransmission = side.whole.has(key);
    side.whole.add(key);
    return this.message(direction, p.msgType, f.messageSeq, p.bytes, retransmission);
  }

  private message(direction: Direction, msgType: number, messageSeq: number, body: Uint8Array, retransmission: boolean): DissectedMessage {
    const name = HandshakeType.nameOf(msgType);
    const base = { direction, msgType, name, messageSeq, body, retransmission };
    const codec = messageCodec(msgType, this.context);
    if (codec === undefined) {
      const needsKeyExchange = msgType === HandshakeType.server_key_exchange || msgType === HandshakeType.client_key_exchange;
      const reason = needsKeyExchange
        ? 'the key exchange was not negotiated in what was seen'
        : HandshakeType.isKnown(msgType) ? 'no codec for this message type' : 'unknown message type';
      return { ...base, value: undefined, error: undefined, unparsedReason: reason, reencodes: false };
    }
    try {
      const value = decode(body, 'Handshake.body', (r) => codec.read(r));
      const reencodes = sameBytes(encode((w) => codec.write(w, value)), body);
      this.learn(msgType, value);
      return { ...base, value, error: undefined, unparsedReason: undefined, reencodes };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { ...base, value: undefined, error: e, unparsedReason: undefined, reencodes: false };
    }
  }

  /** Follows the negotiation: the version and suite the server picks. */
  private learn(msgType: number, value: unknown): void {
    if (msgType !== HandshakeType.server_hello) return;
    const sh = value as ServerHello;
    this.cipherSuite = sh.cipherSuite;
    const sv = sh.extensions?.find((e) => e.kind === 'supported_versions');
    this.dtls13 = sv !== undefined && sv.form === 'server_hello' && sv.selectedVersion === ProtocolVersion.DTLSv1_3;
  }
}
