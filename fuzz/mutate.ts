/**
 * Structure-aware mutation for the fuzz targets, deterministic from a seeded `rng` (the byte
 * level, and the generator, are in mutate-bytes.ts):
 *
 * - field level, guided by the codec's own trace of a read: the numeric fields (length prefixes
 *   twice as often) set to interesting values or nudged, so lengths stop matching their content;
 * - model level: parse with the reference codec, change the model (a number, a byte string, an
 *   array's items: duplicated, dropped, reordered, emptied), and write it back with the
 *   permissive writer, which keeps every length consistent with what it wraps;
 * - record and flight level: records of a datagram dropped, duplicated, reordered or renumbered;
 *   handshake fragments re-typed, resequenced, split into smaller fragments, reordered, their
 *   bodies mutated with the codec of their message; datagrams of a flight dropped, duplicated,
 *   reordered, split and merged.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import type { Codec } from '../reference/wire/codec.ts';
import { ContentType, HandshakeType, ProtocolVersion } from '../reference/wire/enums.ts';
import { type HandshakeFragment, readHandshakeFragments, writeHandshakeFragment } from '../reference/wire/handshake-header.ts';
import { messageCodec } from '../reference/wire/message-table.ts';
import { Reader } from '../reference/wire/reader.ts';
import { type DtlsRecord, RecordRejection, readRecords, scanDatagram, writeDatagram } from '../reference/wire/records.ts';
import { Trace } from '../reference/wire/trace.ts';
import { Writer, encode } from '../reference/wire/writer.ts';
import { type Rng, below, chance, getBE, mutateBytes, mutateBytesOnce, pick, putBE, randomBytes } from './mutate-bytes.ts';

// ---- field level: the numeric fields a traced read saw

export interface NumericField {
  readonly start: number;
  readonly width: number;
  readonly isLength: boolean;
}

/** The 1-3 byte numeric fields of an input a reader accepts (or reads part of), from its trace. */
export function numericFields(bytes: Uint8Array, read: (r: Reader) => unknown): NumericField[] {
  const trace = new Trace();
  try {
    const r = Reader.from(bytes, 'Input', trace);
    read(r);
  } catch {
    // A partial trace is still a map of the fields read so far.
  }
  const out: NumericField[] = [];
  for (const e of trace.entries) {
    const width = e.end - e.start;
    if (e.isStruct || width < 1 || width > 3 || !/\(0x[0-9a-f]+\)$/.test(e.value)) continue;
    out.push({ start: e.start, width, isLength: e.path.endsWith('<length>') });
  }
  return out;
}

/** Sets one numeric field (a length prefix more often than not) to an interesting or nearby value. */
export function mutateNumericField(bytes: Uint8Array, fields: readonly NumericField[], rng: Rng): Uint8Array | undefined {
  if (fields.length === 0) return undefined;
  const lengths = fields.filter((f) => f.isLength);
  const f = lengths.length > 0 && chance(rng, 0.5) ? pick(rng, lengths) : pick(rng, fields);
  const max = 2 ** (8 * f.width) - 1;
  const v = getBE(bytes, f.start, f.width);
  const candidates = [0, 1, max, max - 1, v + 1, v - 1, v + 2, v - 2, v * 2, v >> 1, below(rng, max + 1), 0x80, 0x7f];
  if (f.width >= 2) candidates.push(0x4000, 0x3fff, 0x8000, 0xffff >> 1);
  const next = (((pick(rng, candidates) % (max + 1)) + max + 1) % (max + 1)) >>> 0;
  const out = bytes.slice();
  putBE(out, f.start, f.width, next);
  return out;
}

// ---- model level: parse, change the model, write back

type Slot = { readonly holder: Record<string, unknown> | unknown[]; readonly key: string | number; readonly value: unknown };

function cloneModel(v: unknown): unknown {
  if (v instanceof Uint8Array) return v.slice();
  if (Array.isArray(v)) return v.map(cloneModel);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = cloneModel(x);
    return out;
  }
  return v;
}

function collectSlots(v: unknown, out: Slot[]): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push({ holder: v, key: i, value: x });
      collectSlots(x, out);
    });
  } else if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
    for (const [k, x] of Object.entries(v)) {
      out.push({ holder: v as Record<string, unknown>, key: k, value: x });
      collectSlots(x, out);
    }
  }
}

function setSlot(s: Slot, value: unknown): void {
  if (Array.isArray(s.holder)) s.holder[s.key as number] = value;
  else s.holder[s.key as string] = value;
}

function mutateNumber(v: number, rng: Rng): number {
  const nearby = [v + 1, v - 1, 0, 1, 0xff, 0x100, 0xffff, 0x7f, 0x80, v ^ 0x0a0a, below(rng, 0x10000), below(rng, 0x100)];
  const next = pick(rng, nearby);
  return next < 0 ? 0 : next;
}

/** Changes one part of a model in place (arrays: duplicate, drop, swap, empty, reverse an item). */
function mutateModelInPlace(model: unknown, rng: Rng): boolean {
  const slots: Slot[] = [];
  collectSlots(model, slots);
  const arrays: unknown[][] = [];
  if (Array.isArray(model)) arrays.push(model);
  for (const s of slots) if (Array.isArray(s.value)) arrays.push(s.value);
  const leaves = slots.filter((s) => typeof s.value === 'number' || typeof s.value === 'bigint' || s.value instanceof Uint8Array || typeof s.value === 'boolean');
  if (arrays.length > 0 && chance(rng, 0.35)) {
    const a = pick(rng, arrays);
    const op = below(rng, 6);
    if (a.length === 0) return false;
    if (op <= 1) a.splice(below(rng, a.length + 1), 0, cloneModel(a[below(rng, a.length)]));
    else if (op === 2) a.splice(below(rng, a.length), 1);
    else if (op === 3 && a.length > 1) {
      const i = below(rng, a.length);
      const j = below(rng, a.length);
      [a[i], a[j]] = [a[j], a[i]];
    } else if (op === 4) a.reverse();
    else a.length = below(rng, a.length);
    return true;
  }
  if (leaves.length === 0) return false;
  const s = pick(rng, leaves);
  const v = s.value;
  if (typeof v === 'number') setSlot(s, mutateNumber(v, rng));
  else if (typeof v === 'bigint') setSlot(s, pick(rng, [0n, 1n, v + 1n, (1n << 48n) - 1n, (1n << 64n) - 1n]));
  else if (typeof v === 'boolean') setSlot(s, !v);
  else if (v instanceof Uint8Array) {
    const op = below(rng, 5);
    if (op === 0) setSlot(s, new Uint8Array(0));
    else if (op === 1) setSlot(s, v.slice(0, below(rng, v.length + 1)));
    else if (op === 2) setSlot(s, concatBytes(v, v));
    else if (op === 3) setSlot(s, randomBytes(rng, pick(rng, [1, 2, 31, 32, 33, 255, 256])));
    else setSlot(s, v.length === 0 ? randomBytes(rng, 1) : mutateBytesOnce(v, rng, 4096));
  }
  return true;
}

/**
 * Parse `bytes` with `codec`, change the model, write it back with the permissive writer.
 * Undefined when the codec rejects the input or the writer refuses the changed model (a value
 * wider than its field).
 */
export function mutateWithCodec<T>(bytes: Uint8Array, codec: Codec<T>, rng: Rng): Uint8Array | undefined {
  let model: unknown;
  try {
    const r = Reader.from(bytes, codec.name);
    model = codec.read(r);
    r.done();
  } catch {
    return undefined;
  }
  const copy = cloneModel(model);
  const steps = 1 + below(rng, 2);
  for (let i = 0; i < steps; i++) mutateModelInPlace(copy, rng);
  try {
    const w = new Writer();
    codec.write(w, copy as T);
    return w.finish();
  } catch {
    return undefined;
  }
}

/** A codec-aware mutation of one encoded value: model, field or byte level. */
export function mutateEncoded<T>(bytes: Uint8Array, codec: Codec<T>, rng: Rng): Uint8Array {
  const choice = rng();
  if (choice < 0.45) {
    const out = mutateWithCodec(bytes, codec, rng);
    if (out !== undefined) return out;
  } else if (choice < 0.75) {
    const out = mutateNumericField(bytes, numericFields(bytes, (r) => codec.read(r)), rng);
    if (out !== undefined) return out;
  }
  return mutateBytes(bytes, rng);
}

// ---- records and handshake fragments

const RECORD_VERSIONS = [ProtocolVersion.DTLSv1_2, ProtocolVersion.DTLSv1_0, ProtocolVersion.DTLSv1_3, 0x0303, 0xffff, 0];
const MESSAGE_CONTEXT = { dtls13: false, keyExchange: 'ecdhe' } as const;

/** The records of a datagram, or undefined when it does not parse. */
export function parseDatagram(bytes: Uint8Array, cidLength?: number): DtlsRecord[] | undefined {
  const records = scanDatagram(bytes, { cidLength });
  return records instanceof RecordRejection ? undefined : records;
}

function parseFragments(payload: Uint8Array): HandshakeFragment[] | undefined {
  try {
    const r = Reader.from(payload, 'Fragments');
    return readHandshakeFragments(r);
  } catch {
    return undefined;
  }
}

function writeFragments(fragments: readonly HandshakeFragment[]): Uint8Array {
  return encode((w) => {
    for (const f of fragments) writeHandshakeFragment(w, f);
  });
}

/** One change to a list of handshake fragments (one record's, or a flight's). */
export function mutateFragments(fragments: HandshakeFragment[], rng: Rng): HandshakeFragment[] {
  const out = fragments.map((f) => ({ ...f }));
  if (out.length === 0) return out;
  const i = below(rng, out.length);
  const f = out[i];
  switch (below(rng, 11)) {
    case 0:
      f.msgType = chance(rng, 0.8) ? pick(rng, HandshakeType.known) : below(rng, 256);
      break;
    case 1:
      f.length = pick(rng, [0, f.body.length + 1, f.body.length - 1 < 0 ? 0 : f.body.length - 1, 0xffffff, f.length * 2 & 0xffffff, 0x10000]);
      break;
    case 2:
      f.messageSeq = pick(rng, [0, 1, 2, 3, 4, 5, f.messageSeq + 1, f.messageSeq - 1 < 0 ? 0 : f.messageSeq - 1, 0xffff, 16, 17]);
      break;
    case 3:
      f.fragmentOffset = pick(rng, [0, 1, f.length, f.fragmentOffset + 1, 0xffffff, below(rng, f.length + 1)]);
      break;
    case 4: {
      // Split into two consistent fragments (a valid fragmentation).
      if (f.body.length < 2) break;
      const cut = 1 + below(rng, f.body.length - 1);
      const a = { ...f, body: f.body.slice(0, cut) };
      const b = { ...f, fragmentOffset: f.fragmentOffset + cut, body: f.body.slice(cut) };
      out.splice(i, 1, ...(chance(rng, 0.3) ? [b, a] : [a, b]));
      break;
    }
    case 5:
      out.splice(below(rng, out.length + 1), 0, { ...f });
      break;
    case 6:
      if (out.length > 1) out.splice(i, 1);
      else f.body = f.body.slice(0, below(rng, f.body.length + 1));
      break;
    case 7:
      if (out.length > 1) {
        const j = below(rng, out.length);
        [out[i], out[j]] = [out[j], out[i]];
      } else {
        f.body = f.body.slice(0, below(rng, f.body.length + 1));
      }
      break;
    case 8: {
      // Truncate the body, keeping the message length: a partial fragment.
      f.body = f.body.slice(0, below(rng, f.body.length + 1));
      break;
    }
    default: {
      // Change the message inside, with its codec when it has a whole one.
      const codec = messageCodec(f.msgType, MESSAGE_CONTEXT);
      const whole = f.fragmentOffset === 0 && f.body.length === f.length;
      const body = codec !== undefined && whole ? mutateEncoded(f.body, codec, rng) : mutateBytes(f.body, rng, 4096);
      f.body = body;
      if (whole && chance(rng, 0.85)) f.length = body.length;
      break;
    }
  }
  // Keep every header field within its wire width, so the writer takes it.
  for (const x of out) {
    x.msgType &= 0xff;
    x.length = Math.min(Math.max(0, x.length), 0xffffff);
    x.messageSeq = Math.min(Math.max(0, x.messageSeq), 0xffff);
    x.fragmentOffset = Math.min(Math.max(0, x.fragmentOffset), 0xffffff);
  }
  return out;
}

/** One change to the records of a datagram. */
export function mutateRecords(records: DtlsRecord[], rng: Rng): DtlsRecord[] {
  const out = records.map((r) => ({ ...r }));
  if (out.length === 0) return out;
  const i = below(rng, out.length);
  const r = out[i];
  const op = below(rng, 12);
  if (op <= 4 && r.format === 'plaintext' && r.type === ContentType.handshake) {
    const fragments = parseFragments(r.fragment);
    if (fragments !== undefined) {
      r.fragment = writeFragments(mutateFragments(fragments, rng));
      return out;
    }
  }
  switch (op) {
    case 5:
      out.splice(below(rng, out.length + 1), 0, { ...r });
      break;
    case 6:
      if (out.length > 1) out.splice(i, 1);
      break;
    case 7:
      if (out.length > 1) {
        const j = below(rng, out.length);
        [out[i], out[j]] = [out[j], out[i]];
      } else out.reverse();
      break;
    case 8:
      if (r.format !== 'unified') r.sequenceNumber = pick(rng, [0, 1, r.sequenceNumber + 1, Math.max(0, r.sequenceNumber - 1), 2 ** 48 - 1, r.sequenceNumber + 64, r.sequenceNumber + 1000]);
      else r.sequenceNumber = below(rng, r.sequenceNumberBits === 8 ? 256 : 65536);
      break;
    case 9:
      if (r.format !== 'unified') r.epoch = pick(rng, [0, 1, 2, r.epoch + 1, 0xffff]);
      else r.epochBits = below(rng, 4);
      break;
    case 10:
      if (r.format === 'plaintext') {
        if (chance(rng, 0.5)) r.type = pick(rng, ContentType.known.filter((t) => t !== ContentType.tls12_cid));
        else r.version = pick(rng, RECORD_VERSIONS);
      } else if (r.format === 'tls12_cid') r.version = pick(rng, RECORD_VERSIONS);
      else r.lengthPresent = !r.lengthPresent;
      break;
    default: {
      if (r.format === 'plaintext') r.fragment = mutateBytes(r.fragment, rng, 4096);
      else if (r.format === 'tls12_cid') r.encContent = mutateBytes(r.encContent, rng, 4096);
      else r.encryptedRecord = mutateBytes(r.encryptedRecord, rng, 4096);
    }
  }
  for (const x of out) {
    if (x.format === 'unified') continue;
    x.epoch = Math.min(Math.max(0, x.epoch), 0xffff);
    x.sequenceNumber = Math.min(Math.max(0, x.sequenceNumber), 2 ** 48 - 1);
  }
  return out;
}

/** What mutateDatagram reads from one input, for one CID length. */
interface DatagramReading {
  /** Its records; null when it does not parse. */
  records?: DtlsRecord[] | null;
  fields?: NumericField[];
}

/**
 * What mutateDatagram has read from the inputs it mutated, while they live: a campaign mutates the
 * same few corpus entries over and over, and reading one (its numeric fields with a trace) costs
 * many byte mutations. An input is not changed once something is mutated from it (the runner's
 * corpus entries never are), and neither are the records read from it (mutateRecords copies).
 */
const readings = new WeakMap<Uint8Array, Map<number | undefined, DatagramReading>>();

function readingOf(bytes: Uint8Array, cidLength: number | undefined): DatagramReading {
  let byCid = readings.get(bytes);
  if (byCid === undefined) {
    byCid = new Map();
    readings.set(bytes, byCid);
  }
  let reading = byCid.get(cidLength);
  if (reading === undefined) {
    reading = {};
    byCid.set(cidLength, reading);
  }
  return reading;
}

/** A structure-aware mutation of one datagram; byte mutation when it does not parse as records. */
export function mutateDatagram(bytes: Uint8Array, rng: Rng, cidLength?: number): Uint8Array {
  const reading = readingOf(bytes, cidLength);
  let records: DtlsRecord[] | undefined;
  if (chance(rng, 0.8)) {
    if (reading.records === undefined) reading.records = parseDatagram(bytes, cidLength) ?? null;
    records = reading.records ?? undefined;
  }
  if (records === undefined || records.length === 0) {
    let numeric: NumericField[] = [];
    if (chance(rng, 0.5)) numeric = reading.fields ??= numericFields(bytes, (r) => readRecords(r, { cidLength }));
    return mutateNumericField(bytes, numeric, rng) ?? mutateBytes(bytes, rng);
  }
  try {
    return writeDatagram(mutateRecords(records, rng));
  } catch {
    return mutateBytes(bytes, rng);
  }
}

// ---- flights: several datagrams in one input

/**
 * Several datagrams in one fuzz input: each is a u16 big-endian length then its bytes; a length
 * past the end takes what is left. Every byte string reads as some list of datagrams.
 */
export function readFrames(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 2 > data.length) {
      out.push(data.subarray(at));
      break;
    }
    const len = (data[at] << 8) | data[at + 1];
    const end = Math.min(data.length, at + 2 + len);
    out.push(data.subarray(at + 2, end));
    at = end;
  }
  return out;
}

export function writeFrames(datagrams: readonly Uint8Array[]): Uint8Array {
  return encode((w) => {
    for (const d of datagrams) w.u16(Math.min(d.length, 0xffff)).bytes(d.subarray(0, 0xffff));
  });
}

/**
 * One change to a framed list of datagrams: a datagram mutated (records, fragments, bytes),
 * dropped, duplicated, reordered, split record by record, two merged, or one taken from `donors`.
 */
export function mutateFlight(data: Uint8Array, rng: Rng, options: { cidLength?: number; donors?: readonly Uint8Array[] } = {}): Uint8Array {
  const frames: Uint8Array[] = readFrames(data).map((d) => d.slice());
  if (frames.length === 0) frames.push(new Uint8Array(0));
  const i = below(rng, frames.length);
  const op = below(rng, 16);
  if (op < 8) {
    frames[i] = mutateDatagram(frames[i], rng, options.cidLength);
  } else if (op === 8) {
    frames.splice(below(rng, frames.length + 1), 0, frames[i]);
  } else if (op === 9 && frames.length > 1) {
    frames.splice(i, 1);
  } else if (op === 10 && frames.length > 1) {
    const j = below(rng, frames.length);
    [frames[i], frames[j]] = [frames[j], frames[i]];
  } else if (op === 11) {
    const records = parseDatagram(frames[i], options.cidLength);
    if (records !== undefined && records.length > 1) {
      const parts = records.map((r) => writeDatagram([r]));
      if (chance(rng, 0.3)) parts.reverse();
      frames.splice(i, 1, ...parts);
    } else {
      frames[i] = mutateDatagram(frames[i], rng, options.cidLength);
    }
  } else if (op === 12 && frames.length > 1 && i + 1 < frames.length) {
    frames.splice(i, 2, concatBytes(frames[i], frames[i + 1]));
  } else if (op === 13 && options.donors !== undefined && options.donors.length > 0) {
    const donor = readFrames(pick(rng, options.donors));
    if (donor.length > 0) frames.splice(below(rng, frames.length + 1), 0, pick(rng, donor).slice());
  } else if (op === 14) {
    frames[i] = mutateBytes(frames[i], rng);
  } else {
    frames[i] = mutateDatagram(mutateDatagram(frames[i], rng, options.cidLength), rng, options.cidLength);
  }
  return writeFrames(frames);
}
