/**
 * Record header targets: DTLS 1.2 datagrams (DTLSPlaintext / DTLSCiphertext and RFC 9146
 * tls12_cid records) as `readDatagram` reads them, and the DTLS 1.3 unified header. Properties:
 * only DecodeError escapes, and an accepted datagram re-encodes to the same bytes.
 */
import { arbDatagram, arbUnifiedRecord } from '../arbitraries/wire/records.ts';
import { ContentType } from '../../reference/wire/enums.ts';
import { type DtlsRecord, readDatagram, writeDatagram } from '../../reference/wire/records.ts';
import { mutateDatagram, pick, spliceBytes, type Rng } from '../mutate.ts';
import { type FuzzTarget, checkReencoding, readOrReject } from '../target.ts';
import { corpusDatagrams, samples, spread, transcriptDatagrams } from './support.ts';

/** The CID length a tls12_cid record is read with in this target. */
const CID_LENGTH = 4;

/** Whether a byte could start a record whose reading depends on the CID length. */
function hasCidByte(data: Uint8Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b === ContentType.tls12_cid || (b & 0xf0) === 0x30) return true;
  }
  return false;
}

/** Reads and checks; whether the datagram was accepted. */
function check(data: Uint8Array, cidLength: number | undefined): boolean {
  const records = readOrReject('Datagram', () => readDatagram(data, { cidLength }));
  if (records !== undefined) checkReencoding('Datagram', data, () => writeDatagram(records));
  return records !== undefined;
}

let recordSeeds: Uint8Array[] | undefined;

export const recordHeaderTarget: FuzzTarget = {
  name: 'record-header',
  description: 'DTLS 1.2 datagrams: DTLSPlaintext/DTLSCiphertext and tls12_cid records (readDatagram, with and without a CID length)',
  fuzz(data) {
    // Accepted without a CID length, the datagram has no CID record, and a CID length reads it
    // the same way; rejected, it may hold one: read it again with a CID length.
    if (!check(data, undefined) && hasCidByte(data)) check(data, CID_LENGTH);
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
