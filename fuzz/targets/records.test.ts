/**
 * The record-header target reads a rejected datagram again with a CID length only when it was
 * rejected for want of one: any other rejection is the same with a CID length, so that second read
 * could find nothing new. Checked here on seeded mutants of the target's seeds.
 */
import test from 'ava';
import { DecodeError } from '../../reference/wire/errors.ts';
import { readDatagram } from '../../reference/wire/records.ts';
import { mutateBytes, mutateDatagram, xorshift } from '../mutate.ts';
import { recordHeaderTarget, wantedCid } from './records.ts';

function rejection(data: Uint8Array, cidLength: number | undefined): DecodeError | undefined {
  try {
    readDatagram(data, { cidLength });
    return undefined;
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
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
    // what the target asks (a quick look at the bytes before the failing offset, then the path)
    t.is(wantedCid(d, without), without.path.endsWith('.cid'));
    if (without.path.endsWith('.cid')) {
      atCid++;
      continue;
    }
    elsewhere++;
    const withCid = rejection(d, 4);
    const same = withCid !== undefined && withCid.path === without.path && withCid.offset === without.offset && withCid.reason === without.reason;
    if (!same) {
      t.fail(`${Buffer.from(d).toString('hex')}: without a CID length "${without.message}", with one "${withCid?.message ?? 'accepted'}"`);
      return;
    }
  }
  t.true(atCid > 100 && elsewhere > 1000, `${atCid} rejected at a cid, ${elsewhere} elsewhere`);
});
