/**
 * The anti-replay window (reference/record/replay-window.ts) fed sequences of checks and accepts,
 * against a plain model (a set of the sequence numbers inside the window). Input: the first byte
 * picks the window size; then operations of 3 bytes (op, then a signed 16-bit offset from the
 * model's right edge) or, for op 3, 7 bytes (op, then an absolute uint48).
 */
import { ReplayWindow } from '../../reference/record/replay-window.ts';
import { below, mutateBytes, type Rng } from '../mutate-bytes.ts';
import { FuzzFinding, type FuzzTarget } from '../target.ts';

const SIZES = [64, 65, 96, 100, 128, 1000];
const SEQ_LIMIT = 2 ** 48;

interface Op {
  readonly kind: 0 | 1 | 2 | 3;
  readonly value: number;
}

function readOps(data: Uint8Array): Op[] {
  const ops: Op[] = [];
  let at = 1;
  while (at < data.length) {
    const kind = (data[at] & 3) as Op['kind'];
    if (kind === 3) {
      if (at + 7 > data.length) break;
      let v = 0;
      for (let i = 1; i <= 6; i++) v = v * 256 + data[at + i];
      ops.push({ kind, value: v });
      at += 7;
    } else {
      if (at + 3 > data.length) break;
      const raw = (data[at + 1] << 8) | data[at + 2];
      ops.push({ kind, value: raw >= 0x8000 ? raw - 0x10000 : raw });
      at += 3;
    }
  }
  return ops;
}

function fail(detail: string): never {
  throw new FuzzFinding('property', `replay window: ${detail}`);
}

function check(data: Uint8Array): void {
  if (data.length === 0) return;
  const size = SIZES[data[0] % SIZES.length];
  const w = new ReplayWindow(size);
  let right = -1;
  const seen = new Set<number>();
  const model = (seq: number): string => (seq > right ? 'new' : seq <= right - size ? 'too-old' : seen.has(seq) ? 'duplicate' : 'new');
  for (const op of readOps(data)) {
    const seq = op.kind === 3 ? op.value : Math.min(SEQ_LIMIT - 1, Math.max(0, Math.max(right, 0) + op.value));
    const verdict = w.check(seq);
    const expected = model(seq);
    if (verdict !== expected) fail(`size ${size}, right edge ${right}: check(${seq}) is ${verdict}, the model says ${expected}`);
    // op 0: check only; op 1 and 3: accept when new (as the record layer does); op 2: accept anyway.
    if (op.kind === 2 || (op.kind !== 0 && verdict === 'new')) {
      w.accept(seq);
      if (seq > right) {
        right = seq;
        for (const s of seen) if (s <= right - size) seen.delete(s);
        seen.add(seq);
      } else if (seq > right - size) {
        seen.add(seq);
      }
    }
    if ((w.highest ?? -1) !== right) fail(`highest is ${w.highest}, the model's right edge ${right}`);
  }
}

function seed(size: number, ops: [number, number][]): Uint8Array {
  const out: number[] = [size];
  for (const [kind, v] of ops) {
    if (kind === 3) out.push(3, ...[5, 4, 3, 2, 1, 0].map((i) => Math.floor(v / 256 ** i) % 256));
    else out.push(kind, (v >> 8) & 0xff, v & 0xff);
  }
  return Uint8Array.from(out);
}

export const replayWindowTarget: FuzzTarget = {
  name: 'replay-window',
  description: 'the anti-replay window against a set model: check / accept sequences, window sizes 64..1000',
  fuzz: check,
  seeds() {
    const out: Uint8Array[] = [];
    for (let s = 0; s < SIZES.length; s++) {
      out.push(seed(s, [[1, 0], [1, 1], [1, 1], [0, 0], [1, -1], [1, 2], [1, 64], [0, -70], [1, -63], [1, 3]]));
      out.push(seed(s, [[3, 0], [3, 2 ** 48 - 1], [0, -1], [1, -64], [1, -65], [2, -65], [1, 0]]));
      out.push(seed(s, [[3, 1000], [1, -31], [1, -32], [1, -33], [1, 31], [1, 32], [1, 96], [1, -127], [2, -200]]));
    }
    return out;
  },
  mutate(data: Uint8Array, rng: Rng) {
    if (data.length < 4 || rng() < 0.3) return mutateBytes(data, rng);
    const out = Array.from(data);
    const r = below(rng, 4);
    if (r === 0) out[0] = below(rng, SIZES.length);
    else if (r === 1) out.push(below(rng, 3), below(rng, 256) & 0x80 ? 0xff : 0, below(rng, 256));
    else if (r === 2) out.push(1, 0, [1, 31, 32, 33, 63, 64, 65, 100, 127, 128][below(rng, 10)]);
    else out.splice(1 + 3 * below(rng, Math.floor((out.length - 1) / 3)), 0, below(rng, 3), 0xff, 256 - [1, 31, 32, 33, 63, 64, 65, 100][below(rng, 8)]);
    return Uint8Array.from(out);
  },
};
