import test from 'ava';
import fc from 'fast-check';
import { deepStrictEqual } from 'node:assert/strict';
import type { WireCase } from '../../fuzz/arbitraries/wire/case.ts';
import { extensionCases } from '../../fuzz/arbitraries/wire/extensions.ts';
import { helloCases } from '../../fuzz/arbitraries/wire/hello.ts';
import { DecodeError } from './errors.ts';
import { decode, hex } from './reader.ts';
import { EXTENSION_PAIRS, extensionCodecs, helloCodecs } from './registry-hello.ts';
import { encode } from './writer.ts';

const SEED = 0x5eed;

function roundTrips(c: WireCase<unknown>, numRuns: number): void {
  fc.assert(
    fc.property(c.arbitrary, (m) => {
      const bytes = encode((w) => c.codec.write(w, m));
      const back = decode(bytes, c.codec.name, (r) => c.codec.read(r));
      deepStrictEqual(back, m);
      deepStrictEqual(hex(encode((w) => c.codec.write(w, back))), hex(bytes));
    }),
    { seed: SEED, numRuns },
  );
}

/** Mutates valid bytes; a reader must either throw DecodeError or accept bytes it re-encodes exactly. */
function survivesMutation(c: WireCase<unknown>, numRuns: number): void {
  const mutated = c.arbitrary
    .map((m) => encode((w) => c.codec.write(w, m)))
    .chain((b) =>
      fc.oneof(
        fc.nat({ max: Math.max(0, b.length - 1) }).map((n) => b.slice(0, n)),
        fc.tuple(fc.nat({ max: Math.max(0, b.length - 1) }), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
          const out = b.slice();
          if (out.length > 0) out[i] = v;
          return out;
        }),
        fc.uint8Array({ minLength: 1, maxLength: 3 }).map((extra) => Uint8Array.from([...b, ...extra])),
      ),
    );
  fc.assert(
    fc.property(mutated, (bytes) => {
      let value: unknown;
      try {
        value = decode(bytes, c.codec.name, (r) => c.codec.read(r));
      } catch (err) {
        if (err instanceof DecodeError) return;
        throw err;
      }
      deepStrictEqual(hex(encode((w) => c.codec.write(w, value))), hex(bytes));
    }),
    { seed: SEED, numRuns },
  );
}

test('the registry has one codec per message and per (extension, context) pair, each with a case', (t) => {
  t.is(extensionCodecs.length, EXTENSION_PAIRS.length);
  t.is(EXTENSION_PAIRS.length, 50);
  t.deepEqual(
    helloCases.map((c) => c.codec.name),
    helloCodecs.map((c) => c.name),
  );
  t.deepEqual(
    helloCodecs.slice(0, 6).map((c) => c.name),
    ['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate13', 'CertificateRequest13', 'NewSessionTicket13'],
  );
  t.true(helloCodecs.some((c) => c.name === 'Extension(key_share, hello_retry_request)'));
  t.is(new Set(helloCodecs.map((c) => c.name)).size, helloCodecs.length);
});

for (const c of helloCases) {
  const runs = extensionCases.includes(c) ? 150 : 300;
  test(`${c.codec.name}: read(write(m)) equals m and re-encodes to the same bytes`, (t) => {
    roundTrips(c, runs);
    t.pass();
  });
  test(`${c.codec.name}: mutated input throws only DecodeError, and what is accepted re-encodes byte-exact`, (t) => {
    survivesMutation(c, runs);
    t.pass();
  });
}
