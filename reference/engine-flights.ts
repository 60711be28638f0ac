/**
 * Turning a flight into datagrams: each handshake message cut into fragments that fit the MTU
 * once protected (RFC 6347 §4.2.3), each in a record of the epoch the message belongs to, and the
 * records packed into as few datagrams as the MTU allows (§4.1.1). A retransmission goes through
 * here again, so it gets fresh record sequence numbers.
 */
import type { FlightItem } from './handshake/dtls12/context.ts';
import { fragmentMessage } from './handshake/fragmentation.ts';
import { RECORD_HEADER_LENGTH, type RecordLayer, packDatagrams } from './record/record-layer.ts';
import { ContentType } from './wire/enums.ts';
import type { DtlsRecord } from './wire/records.ts';
import { encode } from './wire/writer.ts';
import { writeHandshakeFragment } from './wire/handshake-header.ts';

export function transmitFlight(records: RecordLayer, items: readonly FlightItem[], mtu: number): Uint8Array[] {
  const out: DtlsRecord[] = [];
  for (const item of items) {
    if (item.kind === 'ccs') {
      out.push(records.protect(ContentType.change_cipher_spec, Uint8Array.of(1), { epoch: item.epoch }));
      continue;
    }
    const budget = records.maxPayload({ epoch: item.epoch, mtu });
    const fragments = fragmentMessage({ msgType: item.msgType, messageSeq: item.messageSeq, body: item.body }, budget);
    for (const f of fragments) {
      out.push(records.protect(ContentType.handshake, encode((w) => writeHandshakeFragment(w, f)), { epoch: item.epoch }));
    }
  }
  return transmitRecords(out, mtu);
}

/** Packs records into datagrams no larger than the MTU. */
export function transmitRecords(records: readonly DtlsRecord[], mtu: number): Uint8Array[] {
  return packDatagrams(records, Math.max(mtu, RECORD_HEADER_LENGTH + 1));
}
