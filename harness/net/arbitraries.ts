/**
 * fast-check arbitraries for bad networks. Every value is plain JSON, so the shrunk network of a
 * failing property is written as it is into a regression fixture. Each arbitrary shrinks towards
 * the clean network: no loss, no duplication, no reordering, no delay, no corruption.
 */
import * as fc from 'fast-check';
import type { LossModel, NetworkModel, PathModel, ScriptAction, ScriptRule } from './model.ts';

const rate = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: Math.round(max * 1000) }).map((n) => n / 1000);

export const lossArb: fc.Arbitrary<LossModel | undefined> = fc.oneof(
  fc.constant(undefined),
  rate(0.5).map((r): LossModel => ({ kind: 'bernoulli', rate: r })),
  fc
    .record({ goodToBad: rate(0.3), badToGood: rate(0.9), lossGood: rate(0.1), lossBad: rate(1) })
    .map((g): LossModel => ({ kind: 'gilbert-elliott', ...g, badToGood: Math.max(g.badToGood, 0.05) })),
);

export interface PathArbOptions {
  /** Allow corruption (bit flips, truncation); default true. */
  readonly corrupt?: boolean;
  /** Allow loss and blackouts; default true. */
  readonly loss?: boolean;
  /** Allow an MTU below the endpoints' datagram size; default true. */
  readonly mtu?: boolean;
}

/** A one-direction model; what `options` leaves out never appears. */
export function pathArb(options: PathArbOptions = {}): fc.Arbitrary<PathModel> {
  const { corrupt = true, loss = true, mtu = true } = options;
  return fc
    .record(
      {
        loss: loss ? lossArb : fc.constant(undefined),
        duplicate: rate(0.3),
        reorder: fc.record({ rate: rate(0.4), window: fc.integer({ min: 1, max: 4 }) }),
        delay: fc.record({ baseMs: fc.integer({ min: 0, max: 400 }), jitterMs: fc.integer({ min: 0, max: 300 }) }),
        mtu: mtu
          ? fc.option(fc.record({ size: fc.integer({ min: 200, max: 1500 }), action: fc.constantFrom('drop' as const, 'truncate' as const) }), { nil: undefined })
          : fc.constant(undefined),
        corrupt: corrupt ? fc.record({ rate: rate(0.1), bits: fc.integer({ min: 1, max: 4 }) }) : fc.constant(undefined),
        blackouts: loss
          ? fc.array(fc.record({ startMs: fc.integer({ min: 0, max: 30_000 }), durationMs: fc.integer({ min: 1, max: 20_000 }) }), { maxLength: 2 })
          : fc.constant([]),
      },
      { requiredKeys: [] },
    )
    .map((p) => {
      // Drop what has no effect, so fixtures and descriptions show only what the network does.
      const out: { -readonly [K in keyof PathModel]: PathModel[K] } = {};
      if (p.loss !== undefined && !(p.loss.kind === 'bernoulli' && p.loss.rate === 0)) out.loss = p.loss;
      if (p.duplicate !== undefined && p.duplicate > 0) out.duplicate = p.duplicate;
      if (p.reorder !== undefined && p.reorder.rate > 0) out.reorder = p.reorder;
      if (p.delay !== undefined && (p.delay.baseMs > 0 || p.delay.jitterMs > 0)) out.delay = p.delay;
      if (p.mtu !== undefined) out.mtu = p.mtu;
      if (p.corrupt !== undefined && p.corrupt.rate > 0) out.corrupt = p.corrupt;
      if (p.blackouts !== undefined && p.blackouts.length > 0) out.blackouts = p.blackouts;
      return out;
    });
}

/** Both directions, drawn independently: networks are often asymmetric. */
export function networkArb(options: PathArbOptions = {}): fc.Arbitrary<NetworkModel> {
  return fc.record({ client: pathArb(options), server: pathArb(options) });
}

const actionArb: fc.Arbitrary<ScriptAction> = fc.oneof(
  fc.constant<ScriptAction>({ kind: 'drop' }),
  fc.constant<ScriptAction>({ kind: 'duplicate' }),
  fc.integer({ min: 1, max: 5_000 }).map((ms): ScriptAction => ({ kind: 'delay', ms })),
);

/** A few exact decisions about early datagrams and bursts, where handshakes are most fragile. */
export function scriptArb(options: { readonly maxRules?: number; readonly drop?: boolean } = {}): fc.Arbitrary<ScriptRule[]> {
  const action = options.drop === false ? actionArb.filter((a) => a.kind !== 'drop') : actionArb;
  const rule = fc.record({
    from: fc.constantFrom('client' as const, 'server' as const),
    target: fc.oneof(
      fc.integer({ min: 0, max: 12 }).map((n) => ({ datagram: n })),
      fc.integer({ min: 0, max: 6 }).map((n) => ({ burst: n })),
    ),
    action,
  });
  return fc.array(rule, { maxLength: options.maxRules ?? 4 }).map((rules) => rules.map((r) => ({ from: r.from, ...r.target, action: r.action })));
}
