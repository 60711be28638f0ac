/**
 * The fragment reassembler (reference/handshake/reassembly.ts) fed arbitrary fragments. The input
 * is a run of handshake fragments as they travel (12-byte header, then the body); where the rest
 * does not read as a fragment, the run ends. Properties: `add` never throws; bytes held stay within
 * `maxBufferedBytes` and messages within the window; every fragment moves exactly one counter;
 * messages come out in message_seq order from 0, each with the type and length of the fragments
 * it was built from, and each byte equal to the byte an accepted fragment carried there.
 */
import fc from 'fast-check';
import { arbHandshakeFragment } from '../arbitraries/wire/records.ts';
import { Reassembler } from '../../reference/handshake/reassembly.ts';
import { type HandshakeFragment, readHandshakeFragment, writeHandshakeFragment } from '../../reference/wire/handshake-header.ts';
import { Reader } from '../../reference/wire/reader.ts';
import { encode } from '../../reference/wire/writer.ts';
import { mutateFragments } from '../mutate.ts';
import { below, mutateBytes, type Rng } from '../mutate-bytes.ts';
import { FuzzFinding, type FuzzTarget } from '../target.ts';
import { samples } from './support.ts';

const LIMITS = { maxMessageLength: 1024, maxBufferedMessages: 4, maxBufferedBytes: 2048, maxRangesPerMessage: 8 };

export function readFragmentRun(data: Uint8Array): HandshakeFragment[] {
  const r = Reader.from(data, 'Fragments');
  const out: HandshakeFragment[] = [];
  while (!r.atEnd()) {
    try {
      out.push(readHandshakeFragment(r));
    } catch {
      break;
    }
  }
  return out;
}

function writeFragmentRun(fragments: readonly HandshakeFragment[]): Uint8Array {
  return encode((w) => {
    for (const f of fragments) writeHandshakeFragment(w, f);
  });
}

function fail(detail: string): never {
  throw new FuzzFinding('property', `reassembly: ${detail}`);
}

function check(data: Uint8Array): void {
  const fragments = readFragmentRun(data);
  const r = new Reassembler(LIMITS);
  /** Accepted fragments per message_seq, to check what comes out against. */
  const kept = new Map<number, HandshakeFragment[]>();
  let next = 0;
  for (const [n, f] of fragments.entries()) {
    const outcome = r.add(f);
    if (outcome.kind === 'accepted' || outcome.kind === 'duplicate') {
      const list = kept.get(f.messageSeq) ?? [];
      list.push(f);
      kept.set(f.messageSeq, list);
    }
    if (r.bufferedBytes > LIMITS.maxBufferedBytes) {
      throw new FuzzFinding('memory', `reassembly: ${r.bufferedBytes} bytes held, over maxBufferedBytes ${LIMITS.maxBufferedBytes}`);
    }
    if (r.bufferedMessages > LIMITS.maxBufferedMessages) fail(`${r.bufferedMessages} messages held, over the window of ${LIMITS.maxBufferedMessages}`);
    const c = r.counters;
    const moved = c.accepted + c.duplicates + c.retransmissions +
      Object.values(c.rejected).reduce((a, b) => a + b, 0) + Object.values(c.dropped).reduce((a, b) => a + b, 0);
    if (moved !== n + 1) fail(`${n + 1} fragments added but the counters add up to ${moved}`);
    for (let m = r.poll(); m !== undefined; m = r.poll()) {
      if (m.messageSeq !== next) fail(`message_seq ${m.messageSeq} came out where ${next} was due`);
      next++;
      const sources = (kept.get(m.messageSeq) ?? []).filter((s) => s.msgType === m.msgType && s.length === m.body.length);
      if (sources.length === 0) fail(`message ${m.messageSeq} (type ${m.msgType}, ${m.body.length} bytes) matches no fragment that was kept`);
      for (let i = 0; i < m.body.length; i++) {
        const covered = sources.some((s) => i >= s.fragmentOffset && i < s.fragmentOffset + s.body.length && s.body[i - s.fragmentOffset] === m.body[i]);
        if (!covered) fail(`byte ${i} of message ${m.messageSeq} is ${m.body[i]}, which no kept fragment carried there`);
      }
    }
    if (r.nextSeq !== next) fail(`nextSeq is ${r.nextSeq} after ${next} messages came out`);
  }
}

/** A message cut into fragments, as a sender would, sometimes out of order or overlapping. */
const arbFragmentedFlight = fc
  .tuple(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 200 }), fc.boolean())
  .map(([bodies, size, shuffle]) => {
    const out: HandshakeFragment[] = [];
    bodies.forEach((body, seq) => {
      for (let at = 0; at < body.length || (at === 0 && body.length === 0); at += size) {
        out.push({ msgType: 11, length: body.length, messageSeq: seq, fragmentOffset: at, body: body.slice(at, at + size) });
        if (body.length === 0) break;
      }
    });
    return shuffle ? out.reverse() : out;
  });

let seedCache: Uint8Array[] | undefined;

export const reassemblyTarget: FuzzTarget = {
  name: 'reassembly',
  description: 'the handshake fragment reassembler fed a run of arbitrary fragments (small bounds: 1 KiB messages, 4-message window, 2 KiB held)',
  fuzz: check,
  seeds() {
    seedCache ??= [
      ...samples(arbFragmentedFlight, 48, 0x5eed).map(writeFragmentRun),
      ...samples(fc.array(arbHandshakeFragment, { maxLength: 6 }), 16, 0x5eef).map(writeFragmentRun),
    ];
    return seedCache;
  },
  mutate(data: Uint8Array, rng: Rng) {
    const fragments = readFragmentRun(data);
    if (fragments.length === 0 || rng() < 0.1) return mutateBytes(data, rng);
    let out = fragments;
    const steps = 1 + below(rng, 3);
    for (let i = 0; i < steps; i++) out = mutateFragments(out, rng);
    return writeFragmentRun(out);
  },
};
