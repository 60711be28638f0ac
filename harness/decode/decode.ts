/**
 * `dtlsprobe decode`'s model: the UDP datagrams of a capture, followed per conversation (address
 * pair) with the wire `Dissector`, and the protected DTLS 1.2 records opened with the record
 * layer's cipher state when the NSS key log has the connection's CLIENT_RANDOM line. The result is
 * plain data (JSON-ready); `renderDecode` turns it into the annotated text transcript.
 */
import type { KeylogEntry } from '../../reference/capture/keylog.ts';
import type { Endpoint, UdpDatagram } from '../../reference/capture/packet.ts';
import { readAlert } from '../../reference/wire/alert.ts';
import { type DissectedDatagram, type Direction, Dissector } from '../../reference/wire/dissect.ts';
import { annotate, renderDump } from '../../reference/wire/dump.ts';
import { AlertDescription, AlertLevel, CipherSuite, ContentType, HandshakeType } from '../../reference/wire/enums.ts';
import { DecodeError } from '../../reference/wire/errors.ts';
import { type HandshakeFragment, readHandshakeFragments } from '../../reference/wire/handshake-header.ts';
import type { ClientHello, ServerHello } from '../../reference/wire/hello.ts';
import { type MessageContext, messageCodec } from '../../reference/wire/message-table.ts';
import { decode, hex } from '../../reference/wire/reader.ts';
import type { DtlsRecord } from '../../reference/wire/records.ts';
import { type SessionKeys, sessionKeysFromKeylog } from './session-keys.ts';

export type RecordStatus = 'plaintext' | 'decrypted' | 'encrypted' | 'malformed';

export interface DecodedAlert {
  readonly level: string;
  readonly description: string;
}

export interface DecodedFragment {
  readonly msgType: string;
  readonly messageSeq: number;
  readonly fragmentOffset: number;
  readonly fragmentLength: number;
  readonly length: number;
}

/** What a record carries (in the clear, or once decrypted). */
export interface DecodedContent {
  readonly contentType: string;
  readonly length: number;
  readonly fragments?: readonly DecodedFragment[];
  /** Whole handshake messages in the record, each as an annotated dump. */
  readonly messages?: readonly DecodedMessage[];
  readonly alert?: DecodedAlert;
  /** Application data (and unknown content): the bytes in hex, and a printable-ASCII preview. */
  readonly hex?: string;
  readonly text?: string;
  readonly error?: string;
}

export interface DecodedRecord {
  readonly index: number;
  readonly format: DtlsRecord['format'];
  readonly contentType: string;
  readonly epoch: number | undefined;
  readonly sequenceNumber: number;
  readonly length: number;
  readonly status: RecordStatus;
  /** Why a protected record stayed encrypted, or what is wrong with a malformed one. */
  readonly note?: string;
  readonly content?: DecodedContent;
}

export interface DecodedMessage {
  readonly name: string;
  readonly messageSeq: number;
  readonly retransmission: boolean;
  /** The annotated fields, as `dtlsprobe dump` prints them. */
  readonly dump: string;
  readonly error?: string;
}

export interface DecodedDatagram {
  /** 1-based, in capture order (UDP datagrams only). */
  readonly number: number;
  /** Seconds since the first datagram; undefined when the capture block had no timestamp. */
  readonly time: number | undefined;
  readonly direction: Direction;
  readonly src: string;
  readonly dst: string;
  readonly length: number;
  readonly records: readonly DecodedRecord[];
  /** Plaintext handshake messages this datagram completed. */
  readonly messages: readonly DecodedMessage[];
  readonly error?: string;
}

export interface DecodeSummary {
  datagrams: number;
  records: number;
  decrypted: number;
  undecryptable: number;
  malformed: number;
}

export interface DecodeResult {
  readonly datagrams: readonly DecodedDatagram[];
  readonly summary: DecodeSummary;
}

const NO_KEY = 'no key for this connection';

interface Conversation {
  readonly dissector: Dissector;
  readonly client: string;
  clientRandom?: Uint8Array;
  serverRandom?: Uint8Array;
  cipherSuite?: number;
  /** undefined: not tried yet; a string: why there are none. */
  keys?: SessionKeys | string;
}

function endpointText(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** The side that sent the first datagram seen of a conversation, from its first handshake message. */
function firstSenderIsClient(payload: Uint8Array): boolean {
  if (payload.length < 14 || payload[0] !== ContentType.handshake) return true;
  const epoch = (payload[3] << 8) | payload[4];
  if (epoch !== 0) return true;
  const serverMessages: readonly number[] = [
    HandshakeType.server_hello,
    HandshakeType.hello_verify_request,
    HandshakeType.certificate,
    HandshakeType.server_key_exchange,
    HandshakeType.certificate_request,
    HandshakeType.server_hello_done,
  ];
  return !serverMessages.includes(payload[13]);
}

const PREVIEW_BYTES = 64;

function printable(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(0, PREVIEW_BYTES).map((b) => (b >= 0x20 && b < 0x7f ? b : 0x2e)));
}

function errorText(e: DecodeError): string {
  return `${e.path}: ${e.reason}`;
}

/** A whole handshake message annotated field by field, with the codec the negotiation so far selects. */
function dumpMessage(msgType: number, body: Uint8Array, ctx: MessageContext): { dump: string; error?: string } {
  const codec = messageCodec(msgType, ctx);
  if (codec === undefined) return { dump: `      ${hex(body.subarray(0, PREVIEW_BYTES))}${body.length > PREVIEW_BYTES ? '…' : ''}` };
  const a = annotate(body, 'Handshake.body', (r) => codec.read(r));
  return { dump: renderDump(a), ...(a.error === undefined ? {} : { error: errorText(a.error) }) };
}

function fragmentOf(f: HandshakeFragment): DecodedFragment {
  return {
    msgType: HandshakeType.nameOf(f.msgType),
    messageSeq: f.messageSeq,
    fragmentOffset: f.fragmentOffset,
    fragmentLength: f.body.length,
    length: f.length,
  };
}

function alertOf(bytes: Uint8Array, root: string): DecodedAlert {
  const a = decode(bytes, root, readAlert);
  return { level: AlertLevel.nameOf(a.level), description: AlertDescription.nameOf(a.description) };
}

/** The content of a decrypted record. */
function innerContent(type: number, content: Uint8Array, ctx: MessageContext): DecodedContent {
  const base = { contentType: ContentType.nameOf(type), length: content.length };
  try {
    if (type === ContentType.handshake) {
      const fragments = decode(content, 'Record.fragment', readHandshakeFragments);
      const messages = fragments
        .filter((f) => f.fragmentOffset === 0 && f.body.length === f.length)
        .map((f) => ({ name: HandshakeType.nameOf(f.msgType), messageSeq: f.messageSeq, retransmission: false, ...dumpMessage(f.msgType, f.body, ctx) }));
      return { ...base, fragments: fragments.map(fragmentOf), messages };
    }
    if (type === ContentType.alert) return { ...base, alert: alertOf(content, 'Record.fragment') };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ...base, hex: hex(content), error: errorText(e) };
  }
  return { ...base, hex: hex(content), text: printable(content) };
}

/** Follows every conversation in `datagrams` and decrypts what `keylog` opens. */
export function decodeDatagrams(datagrams: readonly UdpDatagram[], keylog: readonly KeylogEntry[]): DecodeResult {
  const conversations = new Map<string, Conversation>();
  const summary: DecodeSummary = { datagrams: 0, records: 0, decrypted: 0, undecryptable: 0, malformed: 0 };
  const out: DecodedDatagram[] = [];
  const t0 = datagrams.find((d) => d.time !== undefined)?.time;
  for (const [i, d] of datagrams.entries()) {
    const src = endpointText(d.src);
    const dst = endpointText(d.dst);
    const key = [src, dst].sort().join(' ');
    let conv = conversations.get(key);
    if (conv === undefined) {
      conv = { dissector: new Dissector(), client: firstSenderIsClient(d.payload) ? src : dst };
      conversations.set(key, conv);
    }
    const direction: Direction = src === conv.client ? 'client' : 'server';
    const dissected = conv.dissector.feed(direction, d.payload);
    learn(conv, dissected);
    const ctx = conv.dissector.context;
    const messages: DecodedMessage[] = dissected.messages.map((m) => {
      const shown = m.error !== undefined || m.value !== undefined ? dumpMessage(m.msgType, m.body, ctx) : { dump: `      (${m.unparsedReason ?? 'not parsed'})` };
      if (shown.error !== undefined) summary.malformed++;
      return { name: m.name, messageSeq: m.messageSeq, retransmission: m.retransmission, ...shown };
    });
    const records = dissected.records.map((r, index) => decodeRecord(conv, direction, r, index, ctx, keylog, summary));
    summary.datagrams++;
    summary.records += records.length;
    if (dissected.error !== undefined) summary.malformed++;
    out.push({
      number: i + 1,
      time: d.time === undefined || t0 === undefined ? undefined : Number(d.time - t0) / 1e9,
      direction,
      src,
      dst,
      length: d.payload.length,
      records,
      messages,
      ...(dissected.error === undefined ? {} : { error: errorText(dissected.error) }),
    });
  }
  return { datagrams: out, summary };
}

function learn(conv: Conversation, dissected: DissectedDatagram): void {
  for (const m of dissected.messages) {
    if (m.value === undefined) continue;
    if (m.msgType === HandshakeType.client_hello) {
      const random = (m.value as ClientHello).random;
      if (conv.clientRandom === undefined || hex(conv.clientRandom) !== hex(random)) conv.keys = undefined;
      conv.clientRandom = random;
    } else if (m.msgType === HandshakeType.server_hello) {
      const sh = m.value as ServerHello;
      if (conv.serverRandom === undefined || hex(conv.serverRandom) !== hex(sh.random)) conv.keys = undefined;
      conv.serverRandom = sh.random;
      conv.cipherSuite = sh.cipherSuite;
    }
  }
}

function keysOf(conv: Conversation, keylog: readonly KeylogEntry[]): SessionKeys | string {
  if (conv.keys !== undefined) return conv.keys;
  if (conv.clientRandom === undefined || conv.serverRandom === undefined || conv.cipherSuite === undefined) {
    return NO_KEY; // the hellos were not seen: not cached, they may still come
  }
  try {
    conv.keys = sessionKeysFromKeylog(keylog, conv.cipherSuite, conv.clientRandom, conv.serverRandom) ?? NO_KEY;
  } catch (e) {
    conv.keys = `cannot decrypt ${CipherSuite.nameOf(conv.cipherSuite)}: ${e instanceof Error ? e.message : String(e)}`;
  }
  return conv.keys;
}

function decodeRecord(
  conv: Conversation,
  direction: Direction,
  dr: DissectedDatagram['records'][number],
  index: number,
  ctx: MessageContext,
  keylog: readonly KeylogEntry[],
  summary: DecodeSummary,
): DecodedRecord {
  const r = dr.record;
  if (r.format !== 'plaintext') {
    summary.undecryptable++;
    const length = r.format === 'tls12_cid' ? r.encContent.length : r.encryptedRecord.length;
    const contentType = r.format === 'tls12_cid' ? 'tls12_cid' : 'dtls13_ciphertext';
    const epoch = r.format === 'tls12_cid' ? r.epoch : undefined;
    return { index, format: r.format, contentType, epoch, sequenceNumber: r.sequenceNumber, length, status: 'encrypted', note: `${r.format} records are not decrypted` };
  }
  const head = { index, format: r.format, contentType: ContentType.nameOf(r.type), epoch: r.epoch, sequenceNumber: r.sequenceNumber, length: r.fragment.length };
  if (!dr.protected) {
    if (dr.error !== undefined) {
      summary.malformed++;
      return { ...head, status: 'malformed', note: errorText(dr.error) };
    }
    const content: DecodedContent = {
      contentType: head.contentType,
      length: r.fragment.length,
      ...(dr.fragments.length > 0 ? { fragments: dr.fragments.map(fragmentOf) } : {}),
      ...(dr.alert === undefined ? {} : { alert: { level: AlertLevel.nameOf(dr.alert.level), description: AlertDescription.nameOf(dr.alert.description) } }),
      ...(r.type === ContentType.application_data ? { hex: hex(r.fragment), text: printable(r.fragment) } : {}),
    };
    return { ...head, status: 'plaintext', content };
  }
  const keys = r.epoch === 1 ? keysOf(conv, keylog) : `no key for epoch ${r.epoch}`;
  if (typeof keys === 'string') {
    summary.undecryptable++;
    return { ...head, status: 'encrypted', note: keys };
  }
  const opened = keys[direction].open(r, r.fragment);
  if (!opened.ok) {
    summary.undecryptable++;
    return { ...head, status: 'encrypted', note: opened.reason === 'bad-mac' ? 'does not open with the logged key (bad MAC)' : 'too short for the AEAD' };
  }
  const content = innerContent(opened.type, opened.content, ctx);
  summary.decrypted++;
  if (content.error !== undefined || content.messages?.some((m) => m.error !== undefined)) summary.malformed++;
  return { ...head, status: 'decrypted', content };
}

// ---- text

function indent(text: string, by: string): string[] {
  return text.split('\n').map((l) => `${by}${l}`);
}

function fragmentLine(f: DecodedFragment): string {
  const whole = f.fragmentOffset === 0 && f.fragmentLength === f.length;
  return `${f.msgType} message_seq=${f.messageSeq} ${whole ? `length=${f.length}` : `fragment ${f.fragmentOffset}+${f.fragmentLength} of ${f.length}`}`;
}

function contentLines(c: DecodedContent, by: string): string[] {
  const out: string[] = [];
  for (const f of c.fragments ?? []) out.push(`${by}${fragmentLine(f)}`);
  for (const m of c.messages ?? []) out.push(...indent(m.dump, `${by}  `));
  if (c.alert !== undefined) out.push(`${by}alert ${c.alert.level} ${c.alert.description}`);
  if (c.hex !== undefined) {
    const shown = c.hex.slice(0, PREVIEW_BYTES * 2).replace(/(..)(?!$)/g, '$1 ');
    out.push(`${by}${c.length} bytes: ${shown}${c.length > PREVIEW_BYTES ? ' …' : ''}`);
    if (c.text !== undefined) out.push(`${by}text: ${JSON.stringify(c.text)}`);
  }
  if (c.error !== undefined) out.push(`${by}ERROR ${c.error}`);
  return out;
}

export function summaryLine(s: DecodeSummary): string {
  return `${s.datagrams} datagrams, ${s.records} records, ${s.decrypted} decrypted, ${s.undecryptable} undecryptable, ${s.malformed} malformed`;
}

/** The annotated transcript: one block per datagram, then the summary line. */
export function renderDecode(result: DecodeResult): string[] {
  const out: string[] = [];
  for (const d of result.datagrams) {
    const time = d.time === undefined ? '-' : `+${d.time.toFixed(6)}s`;
    out.push(`#${d.number} ${time} ${d.direction} ${d.src} -> ${d.dst} (${d.length} bytes)`);
    if (d.error !== undefined) out.push(`  MALFORMED ${d.error}`);
    for (const r of d.records) {
      out.push(`  record ${r.index}: ${r.contentType} epoch=${r.epoch ?? '-'} seq=${r.sequenceNumber} length=${r.length}`);
      if (r.status === 'encrypted') out.push(`    encrypted (${r.note ?? NO_KEY})`);
      else if (r.status === 'malformed') out.push(`    MALFORMED ${r.note ?? ''}`);
      else if (r.content !== undefined) {
        if (r.status === 'decrypted') out.push(`    decrypted: ${r.content.contentType} (${r.content.length} bytes)`);
        out.push(...contentLines(r.content, r.status === 'decrypted' ? '      ' : '    '));
      }
    }
    for (const m of d.messages) {
      out.push(`  message ${m.name} message_seq=${m.messageSeq}${m.retransmission ? ' (retransmission)' : ''}`);
      out.push(...indent(m.dump, '    '));
    }
  }
  out.push(summaryLine(result.summary));
  return out;
}
