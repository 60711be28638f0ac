/**
 * The real-bytes report: every DTLS datagram that other implementations wrote, from the shared
 * corpora and captures and from our golden transcripts, run through the dissector. It counts what
 * parsed, what re-encoded byte for byte, and what was malformed and why.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readCaptureUdp } from '../../reference/capture/index.ts';
import { fromHex } from '../../reference/capture/bytes.ts';
import type { GoldenTranscript } from '../../reference/capture/transcript.ts';
import { ContentType } from '../../reference/wire/enums.ts';
import { type DissectedDatagram, type Direction, Dissector, type DissectorOptions } from '../../reference/wire/dissect.ts';
import type { DecodeError } from '../../reference/wire/errors.ts';
import { readBoringSslFramed } from '../../fuzz/corpora/formats.ts';

export interface SourceReport {
  readonly source: string;
  files: number;
  datagrams: number;
  datagramsParsed: number;
  datagramsReencoded: number;
  records: number;
  recordsByType: Record<string, number>;
  protectedRecords: number;
  messages: number;
  messagesParsed: number;
  messagesReencoded: number;
  retransmissions: number;
  /** Messages left unparsed on purpose, by reason (no decryption, unknown key exchange). */
  unparsed: Record<string, number>;
  /** Decode failures, by field path and reason (indices and numbers folded). */
  malformed: Record<string, number>;
}

/** One conversation: the datagrams of a flow, in order, with their direction. */
export interface Conversation {
  readonly datagrams: readonly { readonly direction: Direction; readonly bytes: Uint8Array }[];
  readonly options?: DissectorOptions;
}

export function emptyReport(source: string): SourceReport {
  return {
    source, files: 0, datagrams: 0, datagramsParsed: 0, datagramsReencoded: 0, records: 0, recordsByType: {},
    protectedRecords: 0, messages: 0, messagesParsed: 0, messagesReencoded: 0, retransmissions: 0, unparsed: {}, malformed: {},
  };
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** A decode error as a report key: the field path with list indices folded, and the reason. */
export function malformedKey(e: DecodeError): string {
  return `${e.path.replace(/\[\d+\]/g, '[]')}: ${e.reason.replace(/\d+/g, 'N')}`;
}

function count(report: SourceReport, d: DissectedDatagram): void {
  report.datagrams++;
  if (d.error !== undefined) {
    bump(report.malformed, malformedKey(d.error));
    return;
  }
  report.datagramsParsed++;
  if (d.reencodes) report.datagramsReencoded++;
  for (const r of d.records) {
    report.records++;
    if (r.protected) report.protectedRecords++;
    bump(report.recordsByType, r.contentType === undefined ? 'unified header' : ContentType.nameOf(r.contentType));
    if (r.error !== undefined) bump(report.malformed, malformedKey(r.error));
  }
  for (const m of d.messages) {
    report.messages++;
    if (m.retransmission) report.retransmissions++;
    if (m.error !== undefined) bump(report.malformed, malformedKey(m.error));
    else if (m.unparsedReason !== undefined) bump(report.unparsed, `${m.name}: ${m.unparsedReason}`);
    else {
      report.messagesParsed++;
      if (m.reencodes) report.messagesReencoded++;
    }
  }
}

/** Dissects each conversation with a fresh dissector and adds it to the report. */
export function addConversations(report: SourceReport, conversations: Iterable<Conversation>): SourceReport {
  for (const c of conversations) {
    const dissector = new Dissector(c.options);
    for (const d of c.datagrams) count(report, dissector.feed(d.direction, d.bytes));
  }
  return report;
}

/** RFC 7983 §7: a first byte in 20..63 is DTLS (STUN, TURN, RTP share WebRTC's ports). */
export function looksLikeDtls(payload: Uint8Array): boolean {
  return payload.length > 0 && payload[0] >= 20 && payload[0] <= 63;
}

/** The DTLS conversations in a pcap/pcapng: one per address pair; the first sender is the client. */
export function captureConversations(bytes: Uint8Array): Conversation[] {
  const flows = new Map<string, { client: string; datagrams: { direction: Direction; bytes: Uint8Array }[] }>();
  for (const d of readCaptureUdp(bytes).datagrams) {
    if (!looksLikeDtls(d.payload)) continue;
    const src = `${d.src.address}:${d.src.port}`;
    const dst = `${d.dst.address}:${d.dst.port}`;
    const key = [src, dst].sort().join(' ');
    let flow = flows.get(key);
    if (flow === undefined) {
      flow = { client: src, datagrams: [] };
      flows.set(key, flow);
    }
    flow.datagrams.push({ direction: src === flow.client ? 'client' : 'server', bytes: d.payload });
  }
  return [...flows.values()].map((f) => ({ datagrams: f.datagrams }));
}

/** BoringSSL's corpora: the client corpus holds what a client receives, the server's what a server receives. */
export function boringSslConversations(dir: string, receivedFrom: Direction): Conversation[] {
  return readdirSync(dir).sort().map((name) => {
    const { datagrams } = readBoringSslFramed(new Uint8Array(readFileSync(join(dir, name))));
    return { datagrams: datagrams.map((bytes) => ({ direction: receivedFrom, bytes })), options: { nullCipher: true } };
  });
}

/** A golden transcript of ours (vectors/transcripts/*.json). */
export function transcriptConversation(path: string): Conversation {
  const t = JSON.parse(readFileSync(path, 'utf8')) as GoldenTranscript;
  return {
    datagrams: t.datagrams.map((d, i) => {
      const bytes = fromHex(d.hex);
      if (bytes === undefined) throw new Error(`${path}: datagram ${i} is not hex`);
      return { direction: d.dir, bytes };
    }),
  };
}

/** illustrated-dtls's per-record files: `NN-what-X[-prot]`, X naming the sender. */
export function illustratedRecordConversation(dir: string): Conversation {
  const senders: Record<string, Direction> = { c: 'client', chs: 'client', cap: 'client', s: 'server', shs: 'server', sap: 'server' };
  const files = readdirSync(dir).filter((n) => /^\d\d-/.test(n)).sort();
  return {
    datagrams: files.map((name) => {
      const parts = basename(name).replace(/-prot$/, '').split('-');
      const direction = senders[parts[parts.length - 1]];
      if (direction === undefined) throw new Error(`cannot tell the sender of ${name}`);
      return { direction, bytes: new Uint8Array(readFileSync(join(dir, name))) };
    }),
  };
}

/** The sources the report covers, each a thunk so a missing folder can be reported, not crash. */
export function realByteSources(shared: string | undefined, transcriptsDir: string): { name: string; files: () => number; conversations: () => Conversation[] }[] {
  const sources: { name: string; files: () => number; conversations: () => Conversation[] }[] = [];
  if (shared !== undefined) {
    const fp = join(shared, 'corpora', 'pion', 'fingerprints');
    const pcaps = readdirSync(fp).filter((n) => n.endsWith('.pcap') || n.endsWith('.pcapng')).sort();
    for (const name of pcaps) {
      sources.push({ name: `pion/fingerprints/${name}`, files: () => 1, conversations: () => captureConversations(new Uint8Array(readFileSync(join(fp, name)))) });
    }
    const ill = join(shared, 'vectors', 'illustrated-dtls', 'captures');
    sources.push({ name: 'illustrated-dtls/capture.pcap', files: () => 1, conversations: () => captureConversations(new Uint8Array(readFileSync(join(ill, 'capture.pcap')))) });
    sources.push({ name: 'illustrated-dtls/caps', files: () => readdirSync(join(ill, 'caps')).filter((n) => /^\d\d-/.test(n)).length, conversations: () => [illustratedRecordConversation(join(ill, 'caps'))] });
    for (const [dir, from] of [['dtls_client_corpus', 'server'], ['dtls_server_corpus', 'client']] as const) {
      const path = join(shared, 'corpora', 'boringssl', 'fuzz', dir);
      sources.push({ name: `boringssl/${dir}`, files: () => readdirSync(path).length, conversations: () => boringSslConversations(path, from) });
    }
  }
  const transcripts = readdirSync(transcriptsDir).filter((n) => n.endsWith('.json')).sort();
  sources.push({ name: 'vectors/transcripts', files: () => transcripts.length, conversations: () => transcripts.map((n) => transcriptConversation(join(transcriptsDir, n))) });
  return sources;
}

/** Runs every source and returns one report per source. */
export function realBytesReport(shared: string | undefined, transcriptsDir: string): SourceReport[] {
  return realByteSources(shared, transcriptsDir).map((s) => {
    const report = emptyReport(s.name);
    report.files = s.files();
    return addConversations(report, s.conversations());
  });
}

/** A plain-text table of the reports, then the malformed and unparsed reasons per source. */
export function renderReport(reports: readonly SourceReport[]): string {
  const head = ['source', 'files', 'datagrams', 'parsed', 're-encoded', 'records', 'protected', 'messages', 'parsed', 're-encoded'];
  const rows = reports.map((r) => [r.source, r.files, r.datagrams, r.datagramsParsed, r.datagramsReencoded, r.records, r.protectedRecords, r.messages, r.messagesParsed, r.messagesReencoded].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(head), ...rows.map(line)];
  for (const r of reports) {
    const reasons = [
      ...Object.entries(r.malformed).map(([k, n]) => `  malformed ${n}× ${k}`),
      ...Object.entries(r.unparsed).map(([k, n]) => `  not parsed ${n}× ${k}`),
    ];
    if (reasons.length > 0) out.push('', `${r.source}:`, ...reasons.sort());
  }
  return out.join('\n');
}
