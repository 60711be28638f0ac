/**
 * Runs probes against an implementation under test and gathers one `RunResult`. Each probe gets a
 * fresh session (a new process, or a new in-process endpoint), a harness peer seeded from the run's
 * seed and the probe's name, and a verdict: pass or fail from its conversation, skip when the
 * implementation lacks what the probe needs or the expectations disable it, error when the
 * session could not start; expectations then turn expected failures into xfail and xpass.
 * Sanity probes run first and again last, as tlsfuzzer's scripts do.
 */
import { performance } from 'node:perf_hooks';
import { runConversation } from '../conversation/runner.ts';
import { Peer } from '../conversation/peer.ts';
import { applyExpectation, type Expectations, NO_EXPECTATIONS } from '../expectations/expectations.ts';
import { generateCredentials, loadCredentials } from '../pki.ts';
import type { ProbeResult, RunResult } from '../report/model.ts';
import { type CredentialFiles, type Implementation, IutError, type IutSession } from '../iut/types.ts';
import type { Probe, ProbeContext } from '../suites/types.ts';
import { seed32 } from '../net/prng.ts';

/** Suites the harness peer can run. */
export const HARNESS_CERTIFICATE_SUITES: readonly number[] = [0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8];
export const HARNESS_PSK_SUITES: readonly number[] = [0xc0a8, 0x00a8, 0xc0a4, 0x00a9, 0xccac, 0xcbab];

/** The PSK the harness gives implementations: a printable key, since some libraries take keys as text. */
export const PROBE_PSK = { identity: 'dtlsprobe', key: 'dtlsprobe-psk-01' } as const;

export const probeId = (p: Pick<Probe, 'role' | 'name'>): string => `${p.role}/${p.name}`;

export interface RunOptions {
  readonly impl: Implementation;
  readonly probes: readonly Probe[];
  readonly seed: number;
  /** Probes run at once (external implementations); default 1. */
  readonly jobs?: number;
  readonly expectations?: Expectations;
  readonly files?: CredentialFiles;
  /** Called as each probe finishes. */
  readonly onResult?: (r: ProbeResult, index: number, total: number) => void;
  /** Default wait for a message: 5 s virtual, 2.5 s real. */
  readonly timeoutMs?: number;
  readonly shard?: { readonly index: number; readonly count: number };
}

/**
 * The kind of suite a probe runs: the one it names, or for a probe that works with either, a
 * certificate suite when the implementation has them and a PSK suite otherwise.
 */
export function suiteKindFor(impl: Implementation, probe: Probe): 'certificate' | 'psk' {
  if (probe.suiteKind === 'certificate' || probe.suiteKind === 'psk') return probe.suiteKind;
  return impl.description.features.includes('certificate') || !impl.description.features.includes('psk') ? 'certificate' : 'psk';
}

/** The suite a probe runs against this implementation, or why none fits. */
export function suiteFor(impl: Implementation, probe: Probe): number | string {
  const kind = suiteKindFor(impl, probe);
  const theirs = impl.description.suites[probe.role] ?? [];
  const ours = kind === 'psk' ? HARNESS_PSK_SUITES : HARNESS_CERTIFICATE_SUITES;
  const s = theirs.find((x) => ours.includes(x));
  return s ?? `no ${kind} suite both the harness and ${impl.description.name} (${probe.role}) run`;
}

/** Why the implementation cannot take this probe, or undefined. */
export function unsupported(impl: Implementation, probe: Probe): string | undefined {
  if (!impl.description.roles.includes(probe.role)) return `${impl.description.name} does not run as a ${probe.role}`;
  const missing = (probe.needs ?? []).filter((f) => !impl.description.features.includes(f));
  if (missing.length > 0) return `${impl.description.name} lacks ${missing.join(', ')}`;
  const kind = suiteKindFor(impl, probe);
  if (!impl.description.features.includes(kind)) return `${impl.description.name} lacks ${kind}`;
  const suite = suiteFor(impl, probe);
  return typeof suite === 'string' ? suite : undefined;
}

const utf8 = new TextEncoder();

/** One probe against one fresh session. Returns the raw verdict (before expectations). */
export async function runProbe(
  impl: Implementation,
  probe: Probe,
  o: { seed: number; files: CredentialFiles; timeoutMs?: number },
): Promise<ProbeResult> {
  const started = performance.now();
  const seed = seed32(`${o.seed}/${probeId(probe)}`);
  const base = { name: probe.name, group: probe.group, role: probe.role, title: probe.title, requirements: probe.requirements, seed: o.seed };
  const clock = impl.description.clock;
  const done = (r: Pick<ProbeResult, 'outcome'> & Partial<ProbeResult>): ProbeResult => ({
    ...base,
    durationMs: Math.round(performance.now() - started),
    clockMs: 0,
    clock,
    steps: [],
    transcript: [],
    ...r,
  });
  const why = unsupported(impl, probe);
  if (why !== undefined) return done({ outcome: 'skip', reason: why });
  const suite = suiteFor(impl, probe) as number;
  const psk = suiteKindFor(impl, probe) === 'psk' ? { identity: utf8.encode(PROBE_PSK.identity), key: utf8.encode(PROBE_PSK.key) } : undefined;
  const ctx: ProbeContext = { iut: impl.description, suite, seed, ...(psk === undefined ? {} : { psk }), ...(probe.alpn === undefined ? {} : { alpn: probe.alpn }) };
  let session: IutSession;
  try {
    session = await impl.start({
      role: probe.role,
      files: o.files,
      keyType: probe.keyType ?? 'p256',
      seed,
      probe: probe.name,
      ...(psk === undefined ? {} : { psk: { identity: PROBE_PSK.identity, keyHex: Buffer.from(PROBE_PSK.key).toString('hex') } }),
      ...(probe.alpn === undefined ? {} : { alpn: probe.alpn }),
    });
  } catch (e) {
    const reason = e instanceof IutError ? e.message : `could not start ${impl.description.name}: ${e instanceof Error ? e.message : String(e)}`;
    return done({ outcome: 'error', reason });
  }
  const loaded = loadCredentials(o.files);
  const peer = new Peer({
    role: probe.role === 'server' ? 'client' : 'server',
    wire: session.wire,
    ctx,
    certificate: loaded.leaf.p256,
    ...(session.delivered === undefined ? {} : { delivered: session.delivered }),
    defaultTimeoutMs: o.timeoutMs ?? (clock === 'virtual' ? 5000 : 2500),
  });
  let verdict;
  try {
    verdict = await runConversation(probe.build(ctx), peer, session);
  } finally {
    await session.close().catch(() => {});
  }
  const steps = verdict.outcome === 'pass' ? peer.steps : [...peer.steps, ...implementationLog(session)];
  return done({
    outcome: verdict.outcome,
    ...(verdict.outcome === 'pass' ? {} : { reason: verdict.reason }),
    clockMs: Math.round(session.wire.now()),
    steps,
    transcript: [...session.wire.transcript],
  });
}

function implementationLog(session: IutSession): string[] {
  const log = session.log().trim();
  if (log === '') return [];
  const lines = log.split('\n');
  return ['--- implementation output (last lines) ---', ...lines.slice(-30)];
}

/** Puts sanity probes first and again last (tlsfuzzer's order); the rest keep their order. */
export function runOrder(probes: readonly Probe[]): Probe[] {
  const sanity = probes.filter((p) => p.sanity === true);
  const rest = probes.filter((p) => p.sanity !== true);
  return sanity.length === 0 ? rest : [...sanity, ...rest, ...sanity];
}

/** The probes of shard `index` (1-based) of `count`, by position. */
export function shardOf<T>(items: readonly T[], shard: { index: number; count: number } | undefined): T[] {
  if (shard === undefined) return [...items];
  return items.filter((_, i) => i % shard.count === shard.index - 1);
}

export async function runProbes(o: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const date = new Date().toISOString();
  const files = o.files ?? (await generateCredentials());
  const expectations = o.expectations ?? NO_EXPECTATIONS;
  const order = runOrder(shardOf(o.probes, o.shard));
  const results: (ProbeResult | undefined)[] = new Array(order.length).fill(undefined);
  let finished = 0;
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const probe = order[i]!;
    const id = probeId(probe);
    const disabled = expectations.disabled(id);
    let r: ProbeResult;
    if (disabled !== undefined) {
      r = { name: probe.name, group: probe.group, role: probe.role, title: probe.title, requirements: probe.requirements, outcome: 'skip', reason: `disabled: ${disabled}`, seed: o.seed, durationMs: 0, clockMs: 0, clock: o.impl.description.clock, steps: [], transcript: [] };
    } else {
      const raw = await runProbe(o.impl, probe, { seed: o.seed, files, ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }) });
      if (raw.outcome === 'pass' || raw.outcome === 'fail' || raw.outcome === 'error') {
        const applied = applyExpectation(expectations, id, raw.outcome, raw.reason);
        const { reason: _drop, ...rest } = raw;
        r = { ...rest, outcome: applied.outcome, ...(applied.reason === undefined ? {} : { reason: applied.reason }) };
      } else {
        r = raw;
      }
    }
    results[i] = r;
    finished++;
    o.onResult?.(r, finished, order.length);
  };
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, order.length));
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (next < order.length) await one(next++);
    }),
  );
  // sanity probes ran twice: one result each, the later run's when it did worse
  const firstIndex = new Map<string, number>();
  const merged: ProbeResult[] = [];
  for (const [i, r] of results.entries()) {
    const id = probeId(order[i]!);
    const at = firstIndex.get(id);
    if (at === undefined) {
      firstIndex.set(id, merged.length);
      merged.push(r!);
    } else if (merged[at]!.outcome === 'pass' && r!.outcome !== 'pass') {
      merged[at] = { ...r!, reason: `on its run at the end: ${r!.reason ?? r!.outcome}` };
    }
  }
  const roles = [...new Set(order.map((p) => p.role))];
  return {
    schema: 'dtlsprobe.run/1',
    tool: { name: 'dtlsprobe', version: await toolVersion() },
    implementation: {
      name: o.impl.description.name,
      version: await o.impl.version().catch((e: unknown) => `unknown (${e instanceof Error ? e.message : String(e)})`),
      ...(o.impl.description.commands === undefined ? {} : { commands: o.impl.description.commands }),
    },
    date,
    seed: o.seed,
    durationMs: Math.round(performance.now() - started),
    roles,
    ...(o.shard === undefined ? {} : { shard: o.shard }),
    probes: merged,
  };
}

async function toolVersion(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
