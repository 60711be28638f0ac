/**
 * Small self-contained targets for the runner's own tests (runner.test.ts) and for trying the
 * runner out: `dtlsprobe`'s real targets are in fuzz/targets/.
 */
import type { FuzzTarget } from './target.ts';

/** A parser with a planted bug: a TypeError when bytes[3] is 0x42 and the input is longer than 10. */
export function plantedParse(b: Uint8Array): number {
  if (b.length < 4) return 0;
  let score = 0;
  if (b[0] === 0x16) score += 1;
  if (b[1] === 0xfe) score += 2;
  if (b[2] === 0xfd) score += 4;
  if (b[3] === 0x42) {
    if (b.length > 10) {
      const missing = undefined as unknown as { field: number };
      return missing.field; // TypeError
    }
    score += 8;
  }
  return score;
}

export const planted: FuzzTarget = {
  name: 'planted',
  description: 'a parser that throws a TypeError when bytes[3] == 0x42 and the length is over 10',
  fuzz: (data) => void plantedParse(data),
  seeds: () => [Uint8Array.of(0x16, 0xfe, 0xfd, 0x00, 1, 2, 3, 4, 5, 6, 7, 8)],
};

/** Branches that open one after the other, byte by byte: only guidance gets deep. */
export function ladder(b: Uint8Array): number {
  let depth = 0;
  if (b.length > 0 && b[0] === 0x11) {
    depth++;
    if (b.length > 1 && b[1] === 0x22) {
      depth++;
      if (b.length > 2 && b[2] === 0x33) {
        depth++;
        if (b.length > 3 && b[3] === 0x44) {
          depth++;
          if (b.length > 4 && b[4] === 0x55) depth++;
        }
      }
    }
  }
  return depth;
}

export const ladderTarget: FuzzTarget = {
  name: 'ladder',
  description: 'nested byte comparisons',
  fuzz: (data) => void ladder(data),
  seeds: () => [new Uint8Array(6)],
};

/** Loops forever on an input starting with 0xde 0xad: for the hang watchdog. */
export const hanging: FuzzTarget = {
  name: 'hanging',
  description: 'never returns on inputs that start de ad',
  fuzz: (data) => {
    if (data.length >= 2 && data[0] === 0xde && data[1] === 0xad) for (;;);
  },
  seeds: () => [Uint8Array.of(0xde, 0xac, 0, 0)],
};

/** A target whose structure-aware mutator never returns on an input starting 0xee: for the watchdog. */
export const stuckMutator: FuzzTarget = {
  name: 'stuck-mutator',
  description: 'its mutator loops forever on inputs that start ee',
  fuzz: () => undefined,
  mutate: (data, rng) => {
    if (data.length > 0 && data[0] === 0xee) for (;;);
    const out = data.slice();
    if (out.length > 0) out[Math.floor(rng() * out.length)] ^= 1;
    return out;
  },
  structureRatio: 1,
  seeds: () => [Uint8Array.of(0xee, 1, 2, 3)],
};

/** Holds on to 1 MB more every few milliseconds, forever, on an input starting 0xbb: for the memory limit. */
export const ballooning: FuzzTarget = {
  name: 'ballooning',
  description: 'keeps allocating on inputs that start bb',
  fuzz: (data) => {
    if (data.length === 0 || data[0] !== 0xbb) return;
    const held: number[][] = [];
    for (;;) {
      held.push(new Array<number>(131_072).fill(0.5));
      const until = performance.now() + 5;
      while (performance.now() < until);
    }
  },
  seeds: () => [Uint8Array.of(0xbb)],
};

export const targets: readonly FuzzTarget[] = [planted, ladderTarget, hanging, stuckMutator, ballooning];
