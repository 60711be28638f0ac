/**
 * The generic properties over every codec of registry12.ts, driven by the arbitraries of
 * fuzz/arbitraries/wire/messages12.ts: round trips both ways, byte-exact re-encoding of whatever a
 * reader accepts, and that a reader fed mutated or random bytes throws nothing but DecodeError.
 */
import test from 'ava';
import fc from 'fast-check';
import { deepStrictEqual } from 'node:assert/strict';
import { messages12Cases } from '../../fuzz/arbitraries/wire/messages12.ts';
import type { WireCase } from '../../fuzz/arbitraries/wire/case.ts';
import { DecodeError } from './errors.ts';
import { decode } from './reader.ts';
import { messages12Codecs } from './registry12.ts';
import { encode } from './writer.ts';

const SEED = 0x5eed;
const RUNS = 300;

type Mutation = { kind: 'flip' | 'truncate' | 'insert' | 'delete'; at: number; value: number };

const arbMutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip' as const, 'truncate' as const, 'insert' as const, 'delete' as const),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 0xff }),
});

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = bytes;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + (m.kind === 'insert' ? 1 : 0));
    if (m.kind === 'flip' && out.length > 0) {
      out = out.slice();
      out[at] ^= m.value === 0 ? 1 : m.value;
    } else if (m.kind === 'truncate') {
      out = out.slice(0, at);
    } else if (m.kind === 'insert') {
      out = new Uint8Array([...out.subarray(0, at), m.value, ...out.subarray(at)]);
    } else if (m.kind === 'delete' && out.length > 0) {
      out = new Uint8Array([...out.subarray(0, at), ...out.subarray(at + 1)]);
    }
  }
  return out;
}

/** Reads `bytes`; when the reader accepts them, writing the value must give them back. */
function acceptedBytesRoundTrip(c: WireCase<unknown>, bytes: Uint8Array): void {
  let value: unknown;
  try {
    value = decode(bytes, c.codec.name, (r) => c.codec.read(r));
  } catch (e) {
    if (e instanceof DecodeError) return;
    throw e;
  }
  deepStrictEqual(encode((w) => c.codec.write(w, value)), bytes);
}

test('registry12: one case per codec, with unique names, ServerKeyExchange/ClientKeyExchange per key exchange', (t) => {
  const names = messages12Codecs.map((c) => c.name);
  t.is(new Set(names).size, names.length);
  t.deepEqual(messages12Cases.map((c) => c.codec.name), names);
  for (const kx of ['ecdhe', 'psk', 'ecdhe_psk', 'dhe']) t.true(names.includes(`ServerKeyExchange(${kx})`));
  for (const kx of ['ecdhe', 'psk', 'ecdhe_psk', 'rsa', 'dhe']) t.true(names.includes(`ClientKeyExchange(${kx})`));
});

for (const c of messages12Cases) {
  const name = c.codec.name;

  test(`${name}: read(write(m)) deep-equals m, and write(read(b)) is b (seed ${SEED})`, (t) => {
    fc.assert(
      fc.property(c.arbitrary, (m) => {
        const bytes = encode((w) => c.codec.write(w, m));
        const back = decode(bytes, name, (r) => c.codec.read(r));
        deepStrictEqual(back, m);
        deepStrictEqual(encode((w) => c.codec.write(w, back)), bytes);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    t.pass();
  });

  test(`${name}: mutated encodings throw only DecodeError, and what is accepted re-encodes exactly (seed ${SEED})`, (t) => {
    fc.assert(
      fc.property(c.arbitrary, fc.array(arbMutation, { minLength: 1, maxLength: 3 }), (m, mutations) => {
        acceptedBytesRoundTrip(c, mutate(encode((w) => c.codec.write(w, m)), mutations));
      }),
      { seed: SEED, numRuns: RUNS },
    );
    t.pass();
  });

  test(`${name}: random bytes throw only DecodeError, and what is accepted re-encodes exactly (seed ${SEED})`, (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => acceptedBytesRoundTrip(c, bytes)),
      { seed: SEED, numRuns: RUNS },
    );
    t.pass();
  });
}
