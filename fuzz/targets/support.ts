/**
 * What the fuzz targets share: where the seed material is (other projects' corpora in the shared
 * folder, our golden transcripts), fast-check samples as seeds, and the codec-family target that
 * the message and extension targets are made of.
 *
 * The shared folder is found by harness/locations.ts (`$DTLSPROBE_SHARED`, else `../shared`), which
 * needs no test framework: the targets also run in the fuzz runner and under Jazzer.js.
 */
import fc from 'fast-check';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRootPath, sharedRoot } from '../../harness/locations.ts';
import type { Codec } from '../../reference/wire/codec.ts';
import { Reader } from '../../reference/wire/reader.ts';
import { Writer } from '../../reference/wire/writer.ts';
import type { WireCase } from '../arbitraries/wire/case.ts';
import { readBoringSslFramed, readGoFuzzSeed, splitRecordStream } from '../corpora/formats.ts';
import { mutateEncoded } from '../mutate.ts';
import { mutateBytes, pick, spliceBytes, type Rng } from '../mutate-bytes.ts';
import { type FuzzTarget, checkReencoding, readOrReject } from '../target.ts';

export { sharedRoot };
export const repoPath = repoRootPath;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Which way the datagrams went: sent by clients (what a server is fed) or by servers. */
export type Direction = 'from-client' | 'from-server';

const corpusCache = new Map<Direction, Uint8Array[]>();

/**
 * Real DTLS datagrams from other projects' corpora: BoringSSL's framed fuzzer inputs, OpenSSL's
 * raw record streams (one record per datagram), and pion's record-layer Go seeds. Empty when the
 * shared folder is missing. A corpus file that does not read is skipped.
 */
export function corpusDatagrams(direction: Direction): Uint8Array[] {
  const cached = corpusCache.get(direction);
  if (cached !== undefined) return cached;
  const out: Uint8Array[] = [];
  const root = sharedRoot();
  if (root !== undefined) {
    const side = direction === 'from-client' ? 'server' : 'client';
    for (const f of filesUnder(join(root, 'corpora', 'boringssl', 'fuzz', `dtls_${side}_corpus`))) {
      try {
        out.push(...readBoringSslFramed(new Uint8Array(readFileSync(f))).datagrams);
      } catch {
        // not framed as BoringSSL frames it: skip
      }
    }
    for (const f of filesUnder(join(root, 'corpora', 'openssl', `dtls${side}`))) {
      out.push(...splitRecordStream(new Uint8Array(readFileSync(f))).records);
    }
    if (direction === 'from-client') {
      for (const f of filesUnder(join(root, 'corpora', 'pion', 'pkg', 'protocol', 'recordlayer'))) {
        try {
          out.push(...readGoFuzzSeed(readFileSync(f, 'utf8')));
        } catch {
          // skip
        }
      }
    }
  }
  const seen = new Set<string>();
  const unique = out.filter((d) => {
    const key = Buffer.from(d).toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  corpusCache.set(direction, unique);
  return unique;
}

/** pion's Go seeds for one of its extension fuzzers (`FuzzALPNUnmarshal`, ...); empty without the shared folder. */
export function pionExtensionSeeds(): Uint8Array[] {
  const root = sharedRoot();
  if (root === undefined) return [];
  const out: Uint8Array[] = [];
  for (const f of filesUnder(join(root, 'corpora', 'pion', 'pkg', 'protocol', 'extension'))) {
    try {
      out.push(...readGoFuzzSeed(readFileSync(f, 'utf8')));
    } catch {
      // skip
    }
  }
  return out;
}

interface TranscriptFile {
  readonly datagrams: readonly { readonly dir: string; readonly hex: string }[];
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The datagrams of our golden OpenSSL / GnuTLS transcripts (vectors/transcripts), one way. */
export function transcriptDatagrams(direction?: Direction): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of filesUnder(repoPath('vectors', 'transcripts')).filter((x) => x.endsWith('.json'))) {
    const t = JSON.parse(readFileSync(f, 'utf8')) as TranscriptFile;
    for (const d of t.datagrams) {
      const from: Direction = d.dir === 'client' ? 'from-client' : 'from-server';
      if (direction === undefined || direction === from) out.push(fromHex(d.hex));
    }
  }
  return out;
}

/** At most `n` of `items`, evenly spaced (all of them when there are fewer). */
export function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[Math.floor((i * items.length) / n)]);
  return out;
}

/** `n` values of an arbitrary, the same for the same seed. */
export function samples<T>(arbitrary: fc.Arbitrary<T>, n: number, seed: number): T[] {
  return fc.sample(arbitrary, { seed, numRuns: n });
}

export function encodeWith<T>(codec: Codec<T>, value: T): Uint8Array {
  const w = new Writer();
  codec.write(w, value);
  return w.finish();
}

/** Reads all of `bytes` with `codec`, rejecting trailing bytes. */
export function readAll<T>(codec: Codec<T>, bytes: Uint8Array): T {
  const r = Reader.from(bytes, codec.name);
  const value = codec.read(r);
  r.done();
  return value;
}

/**
 * A target over a family of codecs. The input's first byte picks the codec (modulo the family's
 * size), the rest is what it reads. Properties: only DecodeError escapes the reader, and an
 * accepted input re-encodes to the same bytes (every codec of the wire layer is canonical:
 * reference/wire/properties.test.ts). Seeds are fast-check samples of each case's arbitrary.
 */
export function codecFamilyTarget(options: {
  name: string;
  description: string;
  cases: readonly WireCase<unknown>[];
  samplesPerCase?: number;
  /** Extra seeds as (case index, encoded body) pairs. */
  extraSeeds?: () => Iterable<[number, Uint8Array]>;
}): FuzzTarget {
  const { cases } = options;
  const perCase = options.samplesPerCase ?? 4;
  if (cases.length === 0 || cases.length > 256) throw new RangeError(`${options.name}: 1..256 cases, got ${cases.length}`);
  const withSelector = (index: number, body: Uint8Array): Uint8Array => {
    const out = new Uint8Array(body.length + 1);
    out[0] = index;
    out.set(body, 1);
    return out;
  };
  const fuzz = (data: Uint8Array): void => {
    if (data.length === 0) return;
    const c = cases[data[0] % cases.length];
    const body = data.subarray(1);
    const value = readOrReject(c.codec.name, () => readAll(c.codec, body));
    if (value === undefined) return;
    checkReencoding(c.codec.name, body, () => encodeWith(c.codec, value));
  };
  let seedCache: Uint8Array[] | undefined;
  const seeds = (): Uint8Array[] => {
    if (seedCache !== undefined) return seedCache;
    const out: Uint8Array[] = [];
    cases.forEach((c, i) => {
      for (const v of samples(c.arbitrary, perCase, 0x5eed + i)) out.push(withSelector(i, encodeWith(c.codec, v)));
    });
    for (const [i, body] of options.extraSeeds?.() ?? []) out.push(withSelector(i, body));
    seedCache = out;
    return out;
  };
  return {
    name: options.name,
    description: options.description,
    fuzz,
    seeds,
    mutate(data: Uint8Array, rng: Rng): Uint8Array {
      if (data.length === 0) return Uint8Array.of(Math.floor(rng() * cases.length));
      const r = rng();
      if (r < 0.04) return withSelector(Math.floor(rng() * cases.length), data.subarray(1)); // same bytes, another codec
      if (r < 0.08) {
        const other = pick(rng, seeds());
        return withSelector(data[0], spliceBytes(data.subarray(1), other.subarray(1), rng));
      }
      const c = cases[data[0] % cases.length];
      return withSelector(data[0], r < 0.9 ? mutateEncoded(data.subarray(1), c.codec, rng) : mutateBytes(data.subarray(1), rng));
    },
  };
}
