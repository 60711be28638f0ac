/**
 * Golden interop transcripts (`vectors/transcripts/<name>.json`): the datagrams two real DTLS
 * implementations exchanged through a recording relay, each with its direction and its time since
 * the first datagram, plus the NSS key log that decrypts them. `transcriptDatagrams` turns one into
 * the datagrams written to `<name>.pcapng`, so the JSON and the capture can be checked against
 * each other.
 */
import { fromHex } from './bytes.ts';
import type { Endpoint, TimedDatagram } from './packet.ts';

export type Direction = 'client' | 'server';

export interface TranscriptDatagram {
  /** Who sent it. */
  dir: Direction;
  /** Seconds since the first datagram of the transcript (microsecond precision). */
  t: number;
  /** The UDP payload. */
  hex: string;
}

export interface GoldenTranscript {
  name: string;
  /** The client program and the first line of its version output. */
  client: string;
  server: string;
  /** The negotiated suite, OpenSSL name and IANA name. */
  cipher: { openssl: string; iana: string };
  /** ISO 8601 time of the first datagram. */
  recordedAt: string;
  /** The addresses written to the pcapng (the relay's real ports were ephemeral). */
  endpoints: { client: Endpoint; server: Endpoint };
  /** The command lines used, with temporary paths and ports as placeholders. */
  commands: { client: string[]; server: string[] };
  datagrams: TranscriptDatagram[];
  /** NSS key log text for the connection. */
  keylog: string;
}

/** The default endpoints for transcripts: fixed so captures are comparable and dissect alike. */
export const TRANSCRIPT_ENDPOINTS: GoldenTranscript['endpoints'] = {
  client: { address: '127.0.0.1', port: 49152 },
  server: { address: '127.0.0.1', port: 4433 },
};

/** Nanoseconds since the epoch of datagram `d` in a transcript recorded at `recordedAt`. */
export function transcriptTime(recordedAt: string, t: number): bigint {
  const base = Date.parse(recordedAt);
  if (Number.isNaN(base)) throw new RangeError(`recordedAt ${JSON.stringify(recordedAt)} is not a date`);
  return BigInt(base) * 1_000_000n + BigInt(Math.round(t * 1e6)) * 1000n;
}

/** The datagrams of a transcript with addresses and absolute times, as written to its pcapng. */
export function transcriptDatagrams(tr: Pick<GoldenTranscript, 'recordedAt' | 'endpoints' | 'datagrams'>): TimedDatagram[] {
  return tr.datagrams.map((d, i) => {
    const payload = fromHex(d.hex);
    if (payload === undefined) throw new RangeError(`datagram ${i}: hex is not hex`);
    const [src, dst] = d.dir === 'client' ? [tr.endpoints.client, tr.endpoints.server] : [tr.endpoints.server, tr.endpoints.client];
    return { time: transcriptTime(tr.recordedAt, d.t), src, dst, payload };
  });
}

/** One DTLS record header as it appears on the wire (RFC 6347 §4.1), without interpretation. */
export interface RecordSketch {
  contentType: number;
  version: number;
  epoch: number;
  length: number;
}

/**
 * The DTLSPlaintext/DTLSCiphertext headers in a datagram, for sanity checks only (the wire codec
 * is the real parser). Stops at the first header that does not fit.
 */
export function sketchRecords(payload: Uint8Array): RecordSketch[] {
  const out: RecordSketch[] = [];
  let at = 0;
  while (payload.length - at >= 13) {
    const length = (payload[at + 11] << 8) | payload[at + 12];
    if (at + 13 + length > payload.length) break;
    out.push({
      contentType: payload[at],
      version: (payload[at + 1] << 8) | payload[at + 2],
      epoch: (payload[at + 3] << 8) | payload[at + 4],
      length,
    });
    at += 13 + length;
  }
  return out;
}
