/**
 * Record header targets: DTLS 1.2 datagrams (DTLSPlaintext / DTLSCiphertext and RFC 9146
 * tls12_cid records) as the record layer's `RecordScanner` reads them, and the DTLS 1.3 unified
 * header. Properties: the scanner throws nothing, an accepted datagram re-encodes to the same
 * bytes, and (unified target) `readRecord` reads every datagram as the scanner does.
 */
import { arbDatagram, arbUnifiedRecord } from '../arbitraries/wire/records.ts';
import { isDeepStrictEqual } from 'node:util';
import { DecodeError } from '../../reference/wire/errors.ts';
import { decode } from '../../reference/wire/reader.ts';
import { type DtlsRecord, type RecordContext, RecordRejection, readRecords, scanDatagram, writeDatagram } from '../../reference/wire/records.ts';
import { mutateDatagram } from '../mutate.ts';
import { pick, spliceBytes, type Rng } from '../mutate-bytes.ts';
import { type FuzzTarget, FuzzFinding, checkReencoding, readOrDecodeError } from '../target.ts';
import { corpusDatagrams, samples, spread, transcriptDatagrams } from './support.ts';

/** The CID length a tls12_cid record is read with in this target. */
const CID_LENGTH = 4;

/** Record contexts, made once (a scan only reads its context). */
const contexts = new Map<number | undefined, RecordContext>();

function contextOf(cidLength: number | undefined): RecordContext {
  let ctx = contexts.get(cidLength);
  if (ctx === undefined) {
    ctx = { cidLength };
    contexts.set(cidLength, ctx);
  }
  return ctx;
}

/**
 * Scans and checks: undefined when the datagram was accepted (and re-encodes to itself), else why
 * it was rejected. The scanner (the record layer's reader) returns its rejections: nothing may
 * escape it.
 */
function check(data: Uint8Array, cidLength: number | undefined): RecordRejection | undefined {
  const ctx = contextOf(cidLength);
  let records: DtlsRecord[] | RecordRejection;
  try {
    records = scanDatagram(data, ctx);
  } catch (e) {
    const shown = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new FuzzFinding('property', `scanDatagram threw ${shown}; it returns its rejections`, { cause: e });
  }
  if (records instanceof RecordRejection) return records;
  checkReencoding('Datagram', data, () => writeDatagram(records));
  return undefined;
}

/**
 * Whether a rejection without a CID length was for want of one: only a tls12_cid record or a
 * unified header with the C bit reads a CID (field `cid`), and without a CID length that is where
 * it fails. Any other rejection happens the same way with a CID length (the records before the
 * failing one read the same with or without it, and so does the failing one up to where it failed).
 */
export function wantedCid(rejection: RecordRejection): boolean {
  return rejection.field === 'cid';
}

/**
 * The `Reader`'s reading of a datagram (`readRecord`, what the dump and the mutators use) against
 * the scanner's: the same records, or the same rejection (field path, offset). Not on the
 * record-header target's path, which runs a few hundred thousand times a second.
 */
function crossCheck(data: Uint8Array, cidLength: number | undefined): void {
  const ctx = contextOf(cidLength);
  const scanned = scanDatagram(data, ctx);
  const read = readOrDecodeError('Datagram', () => decode(data, 'Datagram', (r) => readRecords(r, ctx)));
  if (scanned instanceof RecordRejection) {
    const e = scanned.toDecodeError();
    if (!(read instanceof DecodeError) || read.path !== e.path || read.offset !== e.offset || read.reason !== e.reason) {
      const got = read instanceof DecodeError ? read.message : 'accepted it';
      throw new FuzzFinding('property', `the scanner rejected the datagram (${e.message}) and readRecord ${got}`);
    }
    return;
  }
  if (read instanceof DecodeError) throw new FuzzFinding('property', `the scanner accepted the datagram and readRecord rejected it: ${read.message}`);
  if (!isDeepStrictEqual(read.value, scanned)) {
    throw new FuzzFinding('property', 'the scanner and readRecord read different records');
  }
}

let recordSeeds: Uint8Array[] | undefined;

export const recordHeaderTarget: FuzzTarget = {
  name: 'record-header',
  description: 'DTLS 1.2 datagrams: DTLSPlaintext/DTLSCiphertext and tls12_cid records (the record layer\'s scanner, with and without a CID length)',
  fuzz(data) {
    // Accepted without a CID length, the datagram has no CID record, and a CID length reads it
    // the same way; rejected where a record needed a CID length, read it again with one.
    const rejected = check(data, undefined);
    if (rejected !== undefined && wantedCid(rejected)) check(data, CID_LENGTH);
  },
  seeds(): Uint8Array[] {
    recordSeeds ??= [
      ...samples(arbDatagram(undefined), 64, 0x5eed).map(writeDatagram),
      ...samples(arbDatagram(CID_LENGTH), 32, 0x5eee).map((rs: DtlsRecord[]) => writeDatagram(rs)),
      ...transcriptDatagrams(),
      ...spread(corpusDatagrams('from-client'), 600),
      ...spread(corpusDatagrams('from-server'), 600),
    ];
    return recordSeeds;
  },
  mutate(data: Uint8Array, rng: Rng) {
    if (rng() < 0.05) return spliceBytes(data, pick(rng, recordHeaderSeeds()), rng);
    return mutateDatagram(data, rng, rng() < 0.2 ? CID_LENGTH : undefined);
  },
  // A read is ~5x cheaper than a parse-and-rewrite: byte mutations most of the time.
  structureRatio: 0.05,
};

function recordHeaderSeeds(): Uint8Array[] {
  return recordSeeds ?? [...recordHeaderTarget.seeds()];
}

/** Connection ID lengths the unified-header target reads with; the first byte picks one. */
const UNIFIED_CID_LENGTHS: readonly (number | undefined)[] = [undefined, 0, 1, 4, 8, 20];

let unifiedSeeds: Uint8Array[] | undefined;

export const recordUnifiedTarget: FuzzTarget = {
  name: 'record-unified',
  description: 'the DTLS 1.3 unified header (RFC 9147 §4), with CID lengths none, 0, 1, 4, 8, 20 (first byte picks); the scanner against readRecord',
  fuzz(data) {
    if (data.length === 0) return;
    const body = data.subarray(1);
    const cidLength = UNIFIED_CID_LENGTHS[data[0] % UNIFIED_CID_LENGTHS.length];
    void check(body, cidLength);
    crossCheck(body, cidLength);
  },
  seeds() {
    if (unifiedSeeds === undefined) {
      unifiedSeeds = [];
      UNIFIED_CID_LENGTHS.forEach((cid, i) => {
        for (const r of samples(arbUnifiedRecord(cid), 12, 0x1000 + i)) unifiedSeeds?.push(Uint8Array.of(i, ...writeDatagram([r])));
        for (const rs of samples(arbDatagram(cid), 4, 0x2000 + i)) unifiedSeeds?.push(Uint8Array.of(i, ...writeDatagram(rs)));
      });
    }
    return unifiedSeeds;
  },
  mutate(data: Uint8Array, rng: Rng) {
    if (data.length === 0) return Uint8Array.of(0, 0x2c, 0, 0, 0);
    if (rng() < 0.05) return Uint8Array.of(Math.floor(rng() * UNIFIED_CID_LENGTHS.length), ...data.subarray(1));
    const cid = UNIFIED_CID_LENGTHS[data[0] % UNIFIED_CID_LENGTHS.length];
    const body = mutateDatagram(data.subarray(1), rng, cid);
    const out = new Uint8Array(body.length + 1);
    out[0] = data[0];
    out.set(body, 1);
    return out;
  },
  structureRatio: 0.05,
};
