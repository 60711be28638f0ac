/**
 * The impairment model: what a network does to the datagrams each side sends. Plain JSON, so a
 * model travels in fixtures, config files and command lines, and the same model drives the
 * simulated link on virtual time and the UDP proxy in real time.
 *
 * Two layers, applied per datagram:
 * - a stochastic model per direction (`PathModel`): independent (Bernoulli) or bursty
 *   (Gilbert–Elliott) loss, duplication, reordering within a window, delay with jitter, an MTU
 *   that drops or truncates, bit corruption, blackouts; each direction has its own, so paths can
 *   be asymmetric;
 * - a script (`ScriptRule[]`) for exact control: "drop the 2nd datagram from the server",
 *   "delay the client's 3rd burst by 5 s". A rule that matches a datagram replaces the model's
 *   decision for it. A whole run's decisions can be written down as a script (see
 *   `scriptFromTranscript` in link.ts), which then replays that run exactly.
 */

/** The side that sent a datagram: 'client' is the client→server direction. */
export type Side = 'client' | 'server';
export const SIDES: readonly Side[] = ['client', 'server'];

export function otherSide(side: Side): Side {
  return side === 'client' ? 'server' : 'client';
}

export type LossModel =
  /** Each datagram is lost with probability `rate`, independently. */
  | { readonly kind: 'bernoulli'; readonly rate: number }
  /**
   * Gilbert–Elliott: a two-state Markov chain, moved once per datagram; a datagram is lost with
   * `lossGood` in the good state and `lossBad` in the bad one, so losses come in bursts.
   */
  | {
      readonly kind: 'gilbert-elliott';
      readonly goodToBad: number;
      readonly badToGood: number;
      readonly lossGood: number;
      readonly lossBad: number;
    };

export interface PathModel {
  readonly loss?: LossModel;
  /** Probability that a datagram is delivered twice (the copy 1 ms after the original). */
  readonly duplicate?: number;
  /**
   * With probability `rate`, a datagram is held back until `window` later datagrams of the same
   * direction have gone ahead of it (or `maxHoldMs` has passed, default 500 ms).
   */
  readonly reorder?: { readonly rate: number; readonly window: number; readonly maxHoldMs?: number };
  /** One-way delay: `baseMs` plus a uniform jitter in [0, jitterMs]. */
  readonly delay?: { readonly baseMs: number; readonly jitterMs: number };
  /** Datagrams longer than `size` are dropped, or cut to `size` bytes. */
  readonly mtu?: { readonly size: number; readonly action: 'drop' | 'truncate' };
  /** With probability `rate`, `bits` random bits of the datagram are flipped. */
  readonly corrupt?: { readonly rate: number; readonly bits: number };
  /** Intervals (ms from the start of the link) in which everything sent is lost. */
  readonly blackouts?: readonly { readonly startMs: number; readonly durationMs: number }[];
}

/** A model per direction, keyed by the sending side. */
export interface NetworkModel {
  readonly client?: PathModel;
  readonly server?: PathModel;
}

/** One delivered copy of a datagram, for scripts. */
export interface ScriptCopy {
  readonly delayMs?: number;
  /** [offset, xor mask] pairs applied to the copy; offsets past the end are ignored. */
  readonly flips?: readonly (readonly [number, number])[];
  /** Cut the copy to this many bytes. */
  readonly truncate?: number;
}

export type ScriptAction =
  | { readonly kind: 'drop' }
  /** Deliver once, after `delayMs` (default 0). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Deliver twice. */
  | { readonly kind: 'duplicate' }
  /** Deliver these copies exactly (none: dropped). What a recorded run becomes. */
  | { readonly kind: 'copies'; readonly copies: readonly ScriptCopy[] };

/**
 * Matches the `datagram`-th datagram (0-based, retransmissions included) or the `burst`-th burst
 * (datagrams one side sends in a row at one instant: a flight or a retransmission of one) from `from`.
 */
export interface ScriptRule {
  readonly from: Side;
  readonly datagram?: number;
  readonly burst?: number;
  readonly action: ScriptAction;
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function only(v: Record<string, Json>, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new ModelError(`${path}: unknown field "${k}" (expected one of ${allowed.join(', ')})`);
  }
}

function num(v: Json, path: string, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new ModelError(`${path}: expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

const prob = (v: Json, path: string): number => num(v, path, 0, 1);
const ms = (v: Json, path: string): number => num(v, path, 0, 86_400_000);

function parseLoss(v: Json, path: string): LossModel {
  if (!isObject(v)) throw new ModelError(`${path}: expected an object`);
  if (v.kind === 'bernoulli') {
    only(v, path, ['kind', 'rate']);
    return { kind: 'bernoulli', rate: prob(v.rate, `${path}.rate`) };
  }
  if (v.kind === 'gilbert-elliott') {
    only(v, path, ['kind', 'goodToBad', 'badToGood', 'lossGood', 'lossBad']);
    return {
      kind: 'gilbert-elliott',
      goodToBad: prob(v.goodToBad, `${path}.goodToBad`),
      badToGood: prob(v.badToGood, `${path}.badToGood`),
      lossGood: prob(v.lossGood, `${path}.lossGood`),
      lossBad: prob(v.lossBad, `${path}.lossBad`),
    };
  }
  throw new ModelError(`${path}.kind: expected "bernoulli" or "gilbert-elliott", got ${JSON.stringify(v.kind)}`);
}

/** Checks a path model read from JSON, naming the field at fault. */
export function parsePathModel(v: Json, path = 'model'): PathModel {
  if (!isObject(v)) throw new ModelError(`${path}: expected an object`);
  only(v, path, ['loss', 'duplicate', 'reorder', 'delay', 'mtu', 'corrupt', 'blackouts']);
  const out: { -readonly [K in keyof PathModel]: PathModel[K] } = {};
  if (v.loss !== undefined) out.loss = parseLoss(v.loss, `${path}.loss`);
  if (v.duplicate !== undefined) out.duplicate = prob(v.duplicate, `${path}.duplicate`);
  if (v.reorder !== undefined) {
    const r = v.reorder;
    if (!isObject(r)) throw new ModelError(`${path}.reorder: expected an object`);
    only(r, `${path}.reorder`, ['rate', 'window', 'maxHoldMs']);
    out.reorder = {
      rate: prob(r.rate, `${path}.reorder.rate`),
      window: num(r.window, `${path}.reorder.window`, 1, 1000, true),
      ...(r.maxHoldMs === undefined ? {} : { maxHoldMs: ms(r.maxHoldMs, `${path}.reorder.maxHoldMs`) }),
    };
  }
  if (v.delay !== undefined) {
    const d = v.delay;
    if (!isObject(d)) throw new ModelError(`${path}.delay: expected an object`);
    only(d, `${path}.delay`, ['baseMs', 'jitterMs']);
    out.delay = { baseMs: ms(d.baseMs, `${path}.delay.baseMs`), jitterMs: ms(d.jitterMs, `${path}.delay.jitterMs`) };
  }
  if (v.mtu !== undefined) {
    const m = v.mtu;
    if (!isObject(m)) throw new ModelError(`${path}.mtu: expected an object`);
    only(m, `${path}.mtu`, ['size', 'action']);
    if (m.action !== 'drop' && m.action !== 'truncate') {
      throw new ModelError(`${path}.mtu.action: expected "drop" or "truncate", got ${JSON.stringify(m.action)}`);
    }
    out.mtu = { size: num(m.size, `${path}.mtu.size`, 0, 65_535, true), action: m.action };
  }
  if (v.corrupt !== undefined) {
    const c = v.corrupt;
    if (!isObject(c)) throw new ModelError(`${path}.corrupt: expected an object`);
    only(c, `${path}.corrupt`, ['rate', 'bits']);
    out.corrupt = { rate: prob(c.rate, `${path}.corrupt.rate`), bits: num(c.bits, `${path}.corrupt.bits`, 1, 64, true) };
  }
  if (v.blackouts !== undefined) {
    if (!Array.isArray(v.blackouts)) throw new ModelError(`${path}.blackouts: expected an array`);
    out.blackouts = v.blackouts.map((b: Json, i: number) => {
      const at = `${path}.blackouts[${i}]`;
      if (!isObject(b)) throw new ModelError(`${at}: expected an object`);
      only(b, at, ['startMs', 'durationMs']);
      return { startMs: ms(b.startMs, `${at}.startMs`), durationMs: ms(b.durationMs, `${at}.durationMs`) };
    });
  }
  return out;
}

/** Checks a network model read from JSON. */
export function parseNetworkModel(v: Json, path = 'network'): NetworkModel {
  if (!isObject(v)) throw new ModelError(`${path}: expected an object with "client" and/or "server"`);
  only(v, path, ['client', 'server']);
  return {
    ...(v.client === undefined ? {} : { client: parsePathModel(v.client, `${path}.client`) }),
    ...(v.server === undefined ? {} : { server: parsePathModel(v.server, `${path}.server`) }),
  };
}

function parseCopy(v: Json, path: string): ScriptCopy {
  if (!isObject(v)) throw new ModelError(`${path}: expected an object`);
  only(v, path, ['delayMs', 'flips', 'truncate']);
  const out: { -readonly [K in keyof ScriptCopy]: ScriptCopy[K] } = {};
  if (v.delayMs !== undefined) out.delayMs = ms(v.delayMs, `${path}.delayMs`);
  if (v.truncate !== undefined) out.truncate = num(v.truncate, `${path}.truncate`, 0, 65_535, true);
  if (v.flips !== undefined) {
    if (!Array.isArray(v.flips)) throw new ModelError(`${path}.flips: expected an array of [offset, mask]`);
    out.flips = v.flips.map((f: Json, i: number) => {
      if (!Array.isArray(f) || f.length !== 2) throw new ModelError(`${path}.flips[${i}]: expected [offset, mask]`);
      return [num(f[0], `${path}.flips[${i}][0]`, 0, 65_535, true), num(f[1], `${path}.flips[${i}][1]`, 1, 255, true)] as const;
    });
  }
  return out;
}

function parseAction(v: Json, path: string): ScriptAction {
  if (!isObject(v)) throw new ModelError(`${path}: expected an object`);
  switch (v.kind) {
    case 'drop':
    case 'duplicate':
      only(v, path, ['kind']);
      return { kind: v.kind };
    case 'delay':
      only(v, path, ['kind', 'ms']);
      return { kind: 'delay', ms: ms(v.ms, `${path}.ms`) };
    case 'copies':
      only(v, path, ['kind', 'copies']);
      if (!Array.isArray(v.copies)) throw new ModelError(`${path}.copies: expected an array`);
      return { kind: 'copies', copies: v.copies.map((c: Json, i: number) => parseCopy(c, `${path}.copies[${i}]`)) };
    default:
      throw new ModelError(`${path}.kind: expected "drop", "delay", "duplicate" or "copies", got ${JSON.stringify(v.kind)}`);
  }
}

/** Checks a script read from JSON. */
export function parseScript(v: Json, path = 'script'): ScriptRule[] {
  if (!Array.isArray(v)) throw new ModelError(`${path}: expected an array of rules`);
  return v.map((r: Json, i: number) => {
    const at = `${path}[${i}]`;
    if (!isObject(r)) throw new ModelError(`${at}: expected an object`);
    only(r, at, ['from', 'datagram', 'burst', 'action']);
    if (r.from !== 'client' && r.from !== 'server') throw new ModelError(`${at}.from: expected "client" or "server", got ${JSON.stringify(r.from)}`);
    if ((r.datagram === undefined) === (r.burst === undefined)) throw new ModelError(`${at}: give exactly one of "datagram" and "burst"`);
    return {
      from: r.from,
      ...(r.datagram === undefined ? {} : { datagram: num(r.datagram, `${at}.datagram`, 0, 1e9, true) }),
      ...(r.burst === undefined ? {} : { burst: num(r.burst, `${at}.burst`, 0, 1e9, true) }),
      action: parseAction(r.action, `${at}.action`),
    };
  });
}

/** A one-line description of a path model, for logs and reports. */
export function describePath(m: PathModel | undefined): string {
  if (m === undefined) return 'clean';
  const parts: string[] = [];
  if (m.loss?.kind === 'bernoulli') parts.push(`loss ${(m.loss.rate * 100).toFixed(1)}%`);
  if (m.loss?.kind === 'gilbert-elliott') {
    const l = m.loss;
    parts.push(`GE loss (p=${l.goodToBad}, r=${l.badToGood}, ${l.lossGood}/${l.lossBad})`);
  }
  if (m.duplicate) parts.push(`dup ${(m.duplicate * 100).toFixed(1)}%`);
  if (m.reorder && m.reorder.rate > 0) parts.push(`reorder ${(m.reorder.rate * 100).toFixed(1)}% within ${m.reorder.window}`);
  if (m.delay) parts.push(`delay ${m.delay.baseMs}+${m.delay.jitterMs} ms`);
  if (m.mtu) parts.push(`mtu ${m.mtu.size} ${m.mtu.action}`);
  if (m.corrupt && m.corrupt.rate > 0) parts.push(`corrupt ${(m.corrupt.rate * 100).toFixed(1)}% × ${m.corrupt.bits} bit(s)`);
  if (m.blackouts?.length) parts.push(`blackouts ${m.blackouts.map((b) => `${b.startMs}+${b.durationMs}`).join(',')} ms`);
  return parts.length === 0 ? 'clean' : parts.join(', ');
}
