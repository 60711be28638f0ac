/**
 * The record-header target reads a rejected datagram again with a CID length only when it was
 * rejected for want of one: any other rejection is the same with a CID length, so that second read
 * could find nothing new. Checked here on seeded mutants of the target's seeds.
 */
import test from 'ava';
import { RecordRejection, scanDatagram } from '../../reference/wire/records.ts';
import { mutateDatagram } from '../mutate.ts';
import { mutateBytes, xorshift } from '../mutate-bytes.ts';
import { recordHeaderTarget, wantedCid } from './records.ts';

function rejection(data: Uint8Array, cidLength: number | undefined): RecordRejection | undefined {
  const scanned = scanDatagram(data, { cidLength });
  return scanned instanceof RecordRejection ? scanned : undefined;
}

test('a datagram rejected without a CID length, but not at a cid, is rejected the same way with one', (t) => {
  const seeds = [...recordHeaderTarget.seeds()];
  const rng = xorshift(0xc1d);
  let atCid = 0;
  let elsewhere = 0;
  for (let i = 0; i < 20_000; i++) {
    let d = seeds[i % seeds.length];
    for (let k = 0; k <= i % 4; k++) d = i % 3 === 0 ? mutateDatagram(d, rng, 4) : mutateBytes(d, rng);
    const without = rejection(d, undefined);
    if (without === undefined) continue;
    t.is(wantedCid(without), without.reason.endsWith('no connection ID length is known'));
    if (wantedCid(without)) {
      atCid++;
      continue;
    }
    elsewhere++;
    const withCid = rejection(d, 4);
    const same = withCid !== undefined && withCid.index === without.index && withCid.field === without.field && withCid.offset === without.offset && withCid.reason === without.reason;
    if (!same) {
      t.fail(`${Buffer.from(d).toString('hex')}: without a CID length "${without.toDecodeError().message}", with one "${withCid?.toDecodeError().message ?? 'accepted'}"`);
      return;
    }
  }
  t.true(atCid > 100 && elsewhere > 1000, `${atCid} rejected at a cid, ${elsewhere} elsewhere`);
});
