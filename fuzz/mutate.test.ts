/** The mutators: deterministic from their seed, and they keep to the structures they claim to. */
import test from 'ava';
import fc from 'fast-check';
import { arbClientHello } from './arbitraries/wire/hello.ts';
import { arbDatagram } from './arbitraries/wire/records.ts';
import type { HandshakeFragment } from '../reference/wire/handshake-header.ts';
import { readDatagram, writeDatagram } from '../reference/wire/records.ts';
import { clientHelloCodec } from '../reference/wire/registry-hello.ts';
import { Reader } from '../reference/wire/reader.ts';
import { Writer } from '../reference/wire/writer.ts';
import { mutateDatagram, mutateFlight, mutateFragments, mutateWithCodec, numericFields, readFrames, writeFrames } from './mutate.ts';
import { ByteScratch, below, mutateBytes, mutateBytesOnce, spliceBytes, xorshift } from './mutate-bytes.ts';

const datagrams = fc.sample(arbDatagram(undefined), { seed: 1, numRuns: 40 }).map(writeDatagram);

test('xorshift is deterministic and stays in [0, 1)', (t) => {
  const a = xorshift(42);
  const b = xorshift(42);
  const c = xorshift(43);
  const xs = Array.from({ length: 1000 }, () => a());
  t.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  t.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c()));
  t.true(xs.every((x) => x >= 0 && x < 1));
  t.true(new Set(xs.map((x) => below(() => x, 10))).size === 10);
});

test('the same seed gives the same mutants', (t) => {
  const run = (seed: number): string[] => {
    const rng = xorshift(seed);
    return datagrams.map((d) => Buffer.from(mutateFlight(writeFrames([d, d]), rng)).toString('hex'));
  };
  t.deepEqual(run(7), run(7));
  t.notDeepEqual(run(7), run(8));
});

test('frames: every byte string reads as datagrams, and written frames read back', (t) => {
  const list = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.of(0x16)];
  t.deepEqual(readFrames(writeFrames(list)).map((d) => [...d]), list.map((d) => [...d]));
  t.deepEqual(readFrames(Uint8Array.of(0, 9, 1, 2)).map((d) => [...d]), [[1, 2]]);
  t.deepEqual(readFrames(Uint8Array.of(7)).map((d) => [...d]), [[7]]);
});

test('byte mutation changes the input and respects the length cap', (t) => {
  const rng = xorshift(3);
  let changed = 0;
  for (const d of datagrams) {
    const m = mutateBytes(d, rng, 64);
    t.true(m.length <= Math.max(64, d.length));
    if (Buffer.compare(Buffer.from(m), Buffer.from(d)) !== 0) changed++;
  }
  t.true(changed > datagrams.length / 2);
});

/** An rng that returns `values` in turn, then 0.5 forever. */
function scripted(values: readonly number[]): () => number {
  let i = 0;
  return () => (i < values.length ? values[i++] : 0.5);
}

test('mutateBytesOnce case 6 (copy a chunk over another place) stays in bounds, whatever the rng returns', (t) => {
  // 0.65 picks case 6 (below(rng, 10) === 6); then from, to and the chunk length, including values
  // an rng should not return (1, above 1, negative), which made `out.set` throw RangeError.
  const edges = [0, 0.3, 0.5, 0.97, 0.999999, 1 - 2 ** -32, 1, 1.5, -0.25];
  for (const n of [1, 2, 3, 7, 33, 40, 100]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);
    for (const from of edges) {
      for (const to of edges) {
        for (const len of edges) {
          const out = mutateBytesOnce(data, scripted([0.65, from, to, len]));
          t.is(out.length, n, `n ${n} from ${from} to ${to} len ${len}`);
          // every byte of the result is some byte of the input (a copy moved bytes, wrote none new)
          t.true(out.every((b) => data.includes(b)));
        }
      }
    }
  }
  // seeded runs of every case
  const rng = xorshift(99);
  for (let i = 0; i < 20_000; i++) {
    const d = new Uint8Array(1 + below(rng, 64));
    t.notThrows(() => mutateBytesOnce(d, rng, 64));
  }
});

test('byte mutation never changes its input, even a Buffer (whose slice() is a view)', (t) => {
  const rng = xorshift(21);
  const original = Buffer.from('16fefd0000000000000000000501020304', 'hex');
  const copy = Buffer.from(original);
  for (let i = 0; i < 2000; i++) mutateBytesOnce(original, rng);
  t.deepEqual([...original], [...copy]);
  // several changes in a row (the later ones in place, on the mutator's own copy)
  for (let i = 0; i < 2000; i++) mutateBytes(original, rng);
  t.deepEqual([...original], [...copy]);
});

test('model mutation rewrites with consistent lengths: most ClientHello mutants still parse', (t) => {
  const rng = xorshift(5);
  let written = 0;
  let parsed = 0;
  for (const ch of fc.sample(arbClientHello, { seed: 2, numRuns: 60 })) {
    const w = new Writer();
    clientHelloCodec.write(w, ch);
    const m = mutateWithCodec(w.finish(), clientHelloCodec, rng);
    if (m === undefined) continue;
    written++;
    try {
      const r = Reader.from(m, 'ClientHello');
      clientHelloCodec.read(r);
      r.done();
      parsed++;
    } catch {
      // a changed value can make it invalid (a known extension's body), which is fine
    }
  }
  t.true(written > 40, `${written} written`);
  t.true(parsed > written / 2, `${parsed} of ${written} parse`);
});

test('the trace finds the numeric fields, length prefixes marked', (t) => {
  const one = writeDatagram([{ format: 'plaintext', type: 22, version: 0xfefd, epoch: 0, sequenceNumber: 5, fragment: Uint8Array.of(1, 2) }]);
  const f = numericFields(one, (r) => r.many('records', (s) => { s.u8('type'); s.u16('version'); s.u16('epoch'); s.u48('seq'); return s.opaque(2, 'fragment'); }));
  t.deepEqual(f.map((x) => [x.start, x.width, x.isLength]), [[0, 1, false], [1, 2, false], [3, 2, false], [11, 2, true]]);
});

test('fragment mutation keeps header fields within their widths', (t) => {
  const rng = xorshift(11);
  let fragments: HandshakeFragment[] = [{ msgType: 1, length: 0xfffffe, messageSeq: 0xfffe, fragmentOffset: 0xfffffe, body: Uint8Array.of(1, 2, 3) }];
  for (let i = 0; i < 500; i++) {
    fragments = mutateFragments(fragments, rng);
    if (fragments.length === 0 || fragments.length > 20) fragments = [{ msgType: 1, length: 3, messageSeq: 0, fragmentOffset: 0, body: Uint8Array.of(1, 2, 3) }];
    for (const f of fragments) {
      t.true(f.msgType <= 0xff && f.length <= 0xffffff && f.messageSeq <= 0xffff && f.fragmentOffset <= 0xffffff);
    }
  }
});

test('datagram mutation keeps most datagrams readable as records', (t) => {
  const rng = xorshift(13);
  let readable = 0;
  for (const d of datagrams) {
    try {
      readDatagram(mutateDatagram(d, rng));
      readable++;
    } catch {
      // rejected mutants are part of the point
    }
  }
  t.true(readable > datagrams.length / 3, `${readable} of ${datagrams.length}`);
});

test('the runner\'s scratch buffer makes the same mutants and splices as mutateBytes and spliceBytes', (t) => {
  const scratch = new ByteScratch();
  const gen = xorshift(17);
  for (let i = 0; i < 3000; i++) {
    const a = datagrams[i % datagrams.length];
    const b = datagrams[(i * 7) % datagrams.length];
    const maxLen = [4096, 64, 16, 1, 0][i % 5];
    const seed = Math.floor(gen() * 2 ** 31);
    const before = [...a];
    t.deepEqual([...scratch.mutate(a, xorshift(seed), maxLen)], [...mutateBytes(a, xorshift(seed), maxLen)]);
    t.deepEqual([...scratch.splice(a, b, xorshift(seed), maxLen)], [...spliceBytes(a, b, xorshift(seed), maxLen)]);
    t.deepEqual([...a], before, 'the input is not changed');
  }
});
