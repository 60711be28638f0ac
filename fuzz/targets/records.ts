/**
 * Record header targets: DTLS 1.2 datagrams (DTLSPlaintext / DTLSCiphertext and RFC 9146
 * tls12_cid records) as `readDatagram` reads them, and the DTLS 1.3 unified header. Properties:
 * only DecodeError escapes, and an accepted datagram re-encodes to the same bytes.
 */
import { arbDatagram, arbUnifiedRecord } from '../arbitraries/wire/records.ts';
import { ContentType } from '../../reference/wire/enums.ts';
import { DecodeError } from '../../reference/wire/errors.ts';
import { type DtlsRecord, type RecordContext, readDatagram, writeDatagram } from '../../reference/wire/records.ts';
import { mutateDatagram, pick, spliceBytes, type Rng } from '../mutate.ts';
import { type FuzzTarget, checkReencoding, notADecodeError, stacksBack, stacksOff } from '../target.ts';
import { corpusDatagrams, samples, spread, transcriptDatagrams } from './support.ts';

/** The CID length a tls12_cid record is read with in this target. */
const CID_LENGTH = 4;

/** Record contexts, made once (readDatagram only reads its context). */
const contexts = new Map<number | undefined, RecordContext>();

/**
 * Reads and checks; undefined when the datagram was accepted, else the DecodeError that rejected it.
 * (`readOrDecodeError` written out: this runs a few hundred thousand times a second.)
 */
function check(data: Uint8Array, cidLength: number | undefined): DecodeError | undefined {
  let ctx = contexts.get(cidLength);
  if (ctx === undefined) {
    ctx = { cidLength };
    contexts.set(cidLength, ctx);
  }
  const stacks = stacksOff();
  let records: DtlsRecord[];
  try {
    records = readDatagram(data, ctx);
  } catch (e) {
    stacksBack(stacks);
    if (e instanceof DecodeError) return e;
    const again = ctx;
    throw notADecodeError('Datagram', e, () => readDatagram(data, again));
  }
  stacksBack(stacks);
  checkReencoding('Datagram', data, () => writeDatagram(records));
  return undefined;
}

/**
 * Whether a rejection without a CID length was for want of one: only a tls12_cid record or a unified
 * header with the C bit reads its CID (field `cid`), and without a CID length that is where it
 * fails. Any other rejection happens the same way with a CID length (the records before the failing
 * one read the same with or without it, and so does the failing one up to where it failed).
 *
 * The CID starts right after a unified header's first byte (0b0011xxxx), or 11 bytes after a
 * tls12_cid record's type byte: a rejection whose offset has neither before it is not at a `cid`,
 * and most are told apart that way without putting their path together.
 */
export function wantedCid(data: Uint8Array, e: DecodeError): boolean {
  const at = e.offset;
  const afterUnified = at >= 1 && (data[at - 1] & 0xf0) === 0x30;
  const afterCidHeader = at >= 11 && data[at - 11] === ContentType.tls12_cid;
  return (afterUnified || afterCidHeader) && e.path.endsWith('.cid');
}

let recordSeeds: Uint8Array[] | undefined;

export const recordHeaderTarget: FuzzTarget = {
  name: 'record-header',
  description: 'DTLS 1.2 datagrams: DTLSPlaintext/DTLSCiphertext and tls12_cid records (readDatagram, with and without a CID length)',
  fuzz(data) {
    // Accepted without a CID length, the datagram has no CID record, and a CID length reads it
    // the same way; rejected where a record needed a CID length, read it again with one.
    const rejected = check(data, undefined);
    if (rejected !== undefined && wantedCid(data, rejected)) check(data, CID_LENGTH);
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
  description: 'the DTLS 1.3 unified header (RFC 9147 §4), with CID lengths none, 0, 1, 4, 8, 20 (first byte picks)',
  fuzz(data) {
    if (data.length === 0) return;
    void check(data.subarray(1), UNIFIED_CID_LENGTHS[data[0] % UNIFIED_CID_LENGTHS.length]);
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
