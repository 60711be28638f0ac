/**
 * The crash minimiser: shrinks an input while it still fails the same way (same finding kind, same
 * message once hex and numbers are blurred — see `signatureOf`). Two passes to a fixpoint, within an
 * exec budget: chunk removal in the manner of delta debugging (halves, then quarters, ... single
 * bytes), then byte simplification (each byte to 0x00, else to 0x01 / 0xff / '0' when that is
 * simpler-looking and still fails).
 */
import { execute, signatureOf } from './findings.ts';
import type { FuzzTarget } from './target.ts';

export interface MinimizeOptions {
  /** Most execs to spend (default 200,000). */
  readonly maxExecs?: number;
  /** Require only the same kind, not the same message. */
  readonly kindOnly?: boolean;
  onStep?(size: number, execs: number): void;
}

export interface MinimizeResult {
  readonly input: Uint8Array;
  readonly originalLength: number;
  readonly execs: number;
  readonly kind: string;
  readonly detail: string;
  readonly signature: string;
}

export class NotFailingError extends Error {
  override readonly name = 'NotFailingError';
}

/** Simpler bytes first: 0x00, 0x01, '0', 0xff, then everything else. */
const SIMPLE = [0x00, 0x01, 0x30, 0xff];
function simplicity(v: number): number {
  const i = SIMPLE.indexOf(v);
  return i < 0 ? SIMPLE.length : i;
}

export function minimize(target: FuzzTarget, input: Uint8Array, opts: MinimizeOptions = {}): MinimizeResult {
  const maxExecs = opts.maxExecs ?? 200_000;
  const first = execute(target, input);
  if (first === undefined) throw new NotFailingError(`${target.name}: the input (${input.length} bytes) does not fail`);
  const want = opts.kindOnly === true ? first.kind : signatureOf(first.kind, first.detail);
  let execs = 1;
  let last = first;
  const fails = (candidate: Uint8Array): boolean => {
    if (execs >= maxExecs) return false;
    execs++;
    const r = execute(target, candidate);
    if (r === undefined) return false;
    const same = opts.kindOnly === true ? r.kind === want : signatureOf(r.kind, r.detail) === want;
    if (same) last = r;
    return same;
  };

  let cur = input.slice();
  let changed = true;
  while (changed && execs < maxExecs) {
    changed = false;
    // chunk removal, coarse to fine
    for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1; chunk >>= 1) {
      let i = 0;
      while (i < cur.length && execs < maxExecs) {
        const candidate = new Uint8Array(cur.length - Math.min(chunk, cur.length - i));
        candidate.set(cur.subarray(0, i));
        candidate.set(cur.subarray(i + chunk), i);
        if (fails(candidate)) {
          cur = candidate;
          changed = true;
          opts.onStep?.(cur.length, execs);
        } else {
          i += chunk;
        }
      }
    }
    // byte simplification
    for (let i = 0; i < cur.length && execs < maxExecs; i++) {
      for (const v of SIMPLE) {
        if (simplicity(v) >= simplicity(cur[i])) break;
        const candidate = cur.slice();
        candidate[i] = v;
        if (fails(candidate)) {
          cur = candidate;
          changed = true;
          break;
        }
      }
    }
  }
  return { input: cur, originalLength: input.length, execs, kind: last.kind, detail: last.detail, signature: want };
}
