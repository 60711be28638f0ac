/**
 * External fuzzing campaigns (issue 8, item 5). A case is one DTLS 1.2 handshake that the reference
 * endpoint plays with the implementation under test over UDP on 127.0.0.1, in which one datagram of
 * one chosen flight of ours is replaced by a mutated one; from then on we send nothing more of the
 * handshake (no retransmission repairs the mutation), watch the peer for a short window, and tear
 * the connection down with fatal alerts. Oracles:
 *
 * - crash: the peer process died (a signal, or any exit of a long-running server we did not ask for);
 * - hang: after the case, a fresh valid handshake plus one line of application data (the liveness
 *   probe) gets no answer, twice; as a client, the peer neither answers nor retransmits nor exits
 *   within the hang window after a mutated handshake flight;
 * - acceptance: after a forgery (a Finished with wrong verify_data resealed with valid keys, a
 *   protected record with a flipped byte, unprotected application data) the peer went on as if it
 *   were valid: it sent its ChangeCipherSpec / Finished, or application data, or printed or echoed
 *   the forged data.
 *
 * Case `i` of seed `s` draws its choices from `Rng.forCase(s, i)`; the exact bytes sent are kept in
 * every finding (the handshake's randoms and keys differ from run to run).
 */
import { performance } from 'node:perf_hooks';
import { ContentType } from '../../reference/wire/enums.ts';
import { type MutationKind, type Mutated, applicableKinds, mutate } from './mutate.ts';
import { Rng, toHex } from './rng.ts';
import { CLIENT_FLIGHTS, type Flight, SERVER_FLIGHTS, Session } from './session.ts';
import type { ClientTarget, ServerTarget } from './targets.ts';

export type FindingKind = 'crash' | 'hang' | 'acceptance';

export interface Finding {
  readonly kind: FindingKind;
  readonly caseIndex: number;
  readonly seed: number;
  /** What we saw, in words. */
  readonly evidence: string;
  /** The case's mutation (absent when the finding is not tied to one, e.g. a crash during a probe). */
  readonly mutation?: {
    readonly kind: MutationKind;
    readonly detail: string;
    readonly flight: Flight;
    /** Index of the mutated datagram in the flight. */
    readonly datagramIndex: number;
    readonly originalHex: string;
    readonly mutatedHex: string;
    /** Every datagram of the flight as the endpoint produced it. */
    readonly flightHex: readonly string[];
  };
  /** The datagrams the peer sent after the mutation. */
  readonly peerAfterHex?: readonly string[];
  readonly peerOutputTail?: string;
  /** The command that replays the case. */
  readonly replay: string;
}

export interface Stall {
  readonly caseIndex: number;
  readonly flight: Flight;
  readonly kind?: MutationKind;
  readonly detail?: string;
  readonly why: string;
}

export interface ExternalFuzzReport {
  readonly schema: 'dtlsprobe.external-fuzz/1';
  readonly impl: string;
  /** The role of the implementation under test. */
  readonly role: 'server' | 'client';
  readonly peer: string;
  readonly peerVersion: string;
  readonly command: string;
  readonly seed: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly cases: number;
  /** Cases whose chosen flight was never reached (the peer failed the handshake first, or did not connect). */
  readonly casesNotReached: number;
  readonly casesByKind: Record<string, number>;
  readonly casesByFlight: Record<string, number>;
  /** Cases whose mutation was a forgery the peer must reject (the acceptance oracle applied). */
  readonly forgeries: number;
  readonly livenessProbes: number;
  readonly peerRestarts: number;
  /**
   * Of those, restarts of a server stalled on the case's connection: past the cookie exchange, waiting
   * for the rest of a handshake we never sent, blocked without using CPU, so it could serve no probe.
   */
  readonly stalls: number;
  readonly stallExamples: readonly Stall[];
  readonly counts: Record<FindingKind, number>;
  /** Up to `maxFindingsPerKind` of each kind. */
  readonly findings: readonly Finding[];
}

export interface CampaignOptions {
  readonly seed: number;
  /** Stop after this long (ms) ... */
  readonly timeMs?: number;
  /** ... or after this many cases, whichever comes first. */
  readonly cases?: number;
  /** Run only these case indexes (replay). */
  readonly only?: readonly number[];
  /** Restrict the mutation kinds. */
  readonly kinds?: readonly MutationKind[];
  /** Restrict the flights. */
  readonly flights?: readonly Flight[];
  /** Observation window after a mutation (ms). Default 300; forgeries get twice that. */
  readonly windowMs?: number;
  /** Client role: how long a client may stay silent after a mutated handshake flight (ms). Default 20000. */
  readonly hangMs?: number;
  readonly maxFindingsPerKind?: number;
  /** For the report's replay lines: `--impl X --role Y`. */
  readonly replayPrefix?: string;
  readonly log?: (line: string) => void;
}

/** Which flights a kind can apply to (the rest apply to any). */
const KIND_FLIGHTS: Partial<Record<MutationKind, readonly Flight[]>> = {
  'forge-finished': ['ClientKeyExchange..Finished', 'ChangeCipherSpec+Finished'],
  'bad-mac': ['ClientKeyExchange..Finished', 'ChangeCipherSpec+Finished', 'application-data'],
  'plaintext-appdata': ['application-data'],
  'hello-fields': ['ClientHello', 'ClientHello+cookie'],
};

const KIND_WEIGHTS: Record<MutationKind, number> = {
  'forge-finished': 8,
  'bad-mac': 5,
  'plaintext-appdata': 4,
  'hello-fields': 5,
  'handshake-header': 4,
  'handshake-body': 4,
  'handshake-truncate': 2,
  'fragment-split': 2,
  'record-header': 3,
  'record-duplicate': 1,
  'record-reorder': 1,
  'record-drop': 1,
  'datagram-truncate': 1,
  'byte-flip': 3,
  'append-garbage': 1,
};

const FLIGHT_WEIGHTS: Record<Flight, number> = {
  ClientHello: 2,
  'ClientHello+cookie': 2,
  'ClientKeyExchange..Finished': 4,
  HelloVerifyRequest: 1,
  'ServerHello..ServerHelloDone': 3,
  'ChangeCipherSpec+Finished': 4,
  'application-data': 2,
};

interface CasePlan {
  readonly index: number;
  readonly rng: Rng;
  readonly flight: Flight;
}

interface CaseResult {
  mutation: Finding['mutation'];
  forgery: boolean;
  reached: boolean;
  findings: Finding[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

class Tally {
  cases = 0;
  notReached = 0;
  forgeries = 0;
  probes = 0;
  restarts = 0;
  /** Restarts of a server stalled on a case's connection (not a finding). */
  stalls = 0;
  readonly stallExamples: Stall[] = [];

  stall(plan: CasePlan, mutation: Finding['mutation'], why: string): void {
    this.stalls++;
    if (this.stallExamples.length < 10) this.stallExamples.push({ caseIndex: plan.index, flight: plan.flight, ...(mutation !== undefined ? { kind: mutation.kind, detail: mutation.detail } : {}), why });
  }
  readonly byKind: Record<string, number> = {};
  readonly byFlight: Record<string, number> = {};
  readonly counts: Record<FindingKind, number> = { crash: 0, hang: 0, acceptance: 0 };
  readonly findings: Finding[] = [];

  constructor(private readonly maxPerKind: number) {}

  add(f: Finding, log?: (line: string) => void): void {
    this.counts[f.kind]++;
    if (this.findings.filter((x) => x.kind === f.kind).length < this.maxPerKind) this.findings.push(f);
    log?.(`FINDING ${f.kind} case ${f.caseIndex}: ${f.evidence}${f.mutation ? ` [${f.mutation.kind} @ ${f.mutation.flight}: ${f.mutation.detail}]` : ''}`);
  }

  record(r: CaseResult, flight: Flight): void {
    this.cases++;
    this.byFlight[flight] = (this.byFlight[flight] ?? 0) + 1;
    if (!r.reached || r.mutation === undefined) {
      this.notReached++;
      return;
    }
    this.byKind[r.mutation.kind] = (this.byKind[r.mutation.kind] ?? 0) + 1;
    if (r.forgery) this.forgeries++;
  }
}

function planCase(seed: number, index: number, flights: readonly Flight[], kinds: readonly MutationKind[] | undefined): CasePlan {
  const rng = Rng.forCase(seed, index);
  const usable = kinds === undefined ? flights : flights.filter((f) => kinds.some((k) => KIND_FLIGHTS[k] === undefined || KIND_FLIGHTS[k]?.includes(f)));
  const flight = rng.weighted((usable.length > 0 ? usable : flights).map((f) => [f, FLIGHT_WEIGHTS[f]] as const));
  return { index, rng, flight };
}

/** Picks a datagram of the burst and a kind that applies to it, and mutates it. */
function chooseMutation(burst: readonly Uint8Array[], rng: Rng, allowed: readonly MutationKind[] | undefined, ctx: Parameters<typeof mutate>[3]): { index: number; m: Mutated } | undefined {
  const order = burst.map((_, i) => i);
  const start = rng.int(order.length);
  for (let k = 0; k < order.length; k++) {
    const i = (start + k) % order.length;
    const kinds = applicableKinds(burst[i], ctx).filter((kind) => allowed === undefined || allowed.includes(kind));
    for (let tries = 0; tries < 4 && kinds.length > 0; tries++) {
      const kind = rng.weighted(kinds.map((x) => [x, KIND_WEIGHTS[x]] as const));
      const m = mutate(burst[i], kind, rng, ctx);
      if (m !== undefined && !sameBytes(m.datagram, burst[i])) return { index: i, m };
      kinds.splice(kinds.indexOf(kind), 1);
    }
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** State shared by both roles: the case's mutation, applied once, then silence. */
class CaseMutator {
  mutation: Finding['mutation'];
  forgery = false;
  /** performance.now() when the mutated datagram went out. */
  mutatedAt: number | undefined;
  inboundAtMutation = 0;
  outputAtMutation = 0;
  frozen = false;
  marker: string;

  constructor(
    readonly plan: CasePlan,
    private readonly allowed: readonly MutationKind[] | undefined,
    seed: number,
  ) {
    this.marker = `dtlsprobe-forged-${seed}-${plan.index}-${plan.rng.u32().toString(16)}`;
  }

  /** The burst hook: passes bursts through until the chosen flight, mutates it, then drops everything. */
  hook(output: () => string): (burst: Uint8Array[], flight: Flight | undefined, s: Session) => Uint8Array[] {
    return (burst, flight, s) => {
      if (this.frozen) return [];
      if (flight !== this.plan.flight) return burst;
      const chosen = chooseMutation(burst, this.plan.rng, this.allowed, { writeKeys: s.writeKeys() });
      if (chosen === undefined) return burst;
      return this.apply(burst, chosen, flight, s, output);
    };
  }

  apply(burst: readonly Uint8Array[], chosen: { index: number; m: Mutated }, flight: Flight, s: Session, output: () => string): Uint8Array[] {
    this.frozen = true;
    this.forgery = chosen.m.forgery;
    this.mutation = {
      kind: chosen.m.kind,
      detail: chosen.m.detail,
      flight,
      datagramIndex: chosen.index,
      originalHex: toHex(burst[chosen.index]),
      mutatedHex: toHex(chosen.m.datagram),
      flightHex: burst.map(toHex),
    };
    this.mutatedAt = performance.now();
    this.inboundAtMutation = s.inbound.length;
    this.outputAtMutation = output().length;
    return burst.map((d, i) => (i === chosen.index ? chosen.m.datagram : d));
  }

  /** Builds the application-data flight (a record carrying the marker) and mutates it. */
  applicationData(s: Session, output: () => string): boolean {
    const plaintext = utf8(`${this.marker}\n`);
    const keys = s.writeKeys();
    if (keys === undefined) return false;
    const d = s.sealNext(ContentType.application_data, plaintext);
    if (d === undefined) return false;
    const chosen = chooseMutation([d], this.plan.rng, this.allowed, { writeKeys: keys, applicationData: true, applicationPlaintext: plaintext });
    if (chosen === undefined) return false;
    for (const x of this.apply([d], chosen, 'application-data', s, output)) s.sendRaw(x);
    return true;
  }
}

/** Evidence that the peer accepted the case's forgery, or undefined. */
function acceptanceEvidence(mut: CaseMutator, s: Session, output: string, handshakeDone: RegExp | undefined): string | undefined {
  if (!mut.forgery || mut.mutation === undefined) return undefined;
  const after = s.peerRecords(mut.inboundAtMutation);
  const newOutput = output.slice(mut.outputAtMutation);
  if (mut.mutation.flight === 'application-data') {
    if (newOutput.includes(mut.marker)) return `the peer printed the forged application data (${mut.marker})`;
    const echoed = after.find((r) => r.type === ContentType.application_data && r.content !== undefined && new TextDecoder().decode(r.content).includes(mut.marker));
    if (echoed !== undefined) return 'the peer echoed the forged application data';
    return undefined;
  }
  if (mut.mutation.flight === 'ClientKeyExchange..Finished') {
    const ccs = after.find((r) => r.type === ContentType.change_cipher_spec || r.epoch > 0);
    if (ccs !== undefined) return `after a forged client Finished the peer sent ${ccs.type === ContentType.change_cipher_spec ? 'ChangeCipherSpec' : `an epoch-${ccs.epoch} record of type ${ccs.type}`} (its flight 6)`;
    return undefined;
  }
  // Our forged server Finished: the client must not send application data or report a completed handshake.
  const data = after.find((r) => r.epoch > 0 && r.type === ContentType.application_data);
  if (data !== undefined) return 'after a forged server Finished the peer sent application data';
  if (handshakeDone !== undefined && handshakeDone.test(newOutput)) return `after a forged server Finished the peer reported its handshake complete (${handshakeDone.source})`;
  return undefined;
}

function finding(kind: FindingKind, plan: CasePlan, seed: number, evidence: string, mut: CaseMutator | undefined, s: Session | undefined, tail: string, replayPrefix: string): Finding {
  return {
    kind,
    caseIndex: plan.index,
    seed,
    evidence,
    ...(mut?.mutation !== undefined ? { mutation: mut.mutation } : {}),
    ...(s !== undefined && mut !== undefined ? { peerAfterHex: s.inbound.slice(mut.inboundAtMutation).slice(0, 16).map((d) => toHex(d.bytes)) } : {}),
    peerOutputTail: tail,
    replay: `node --import=tsx fuzz/external/run.ts ${replayPrefix} --seed ${seed} --case ${plan.index}`,
  };
}

function tailOf(text: string, lines = 25): string {
  return text.split('\n').slice(-lines).join('\n').replace(/[^\x09\x0a\x20-\x7e]/g, '.');
}

async function loop(options: CampaignOptions, flights: readonly Flight[], runCase: (plan: CasePlan) => Promise<CaseResult>): Promise<{ durationMs: number; startedAt: string }> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const deadline = options.timeMs === undefined ? Infinity : t0 + options.timeMs;
  const indexes = options.only ?? undefined;
  for (let n = 0; ; n++) {
    const index = indexes === undefined ? n : indexes[n];
    if (index === undefined) break;
    if (options.cases !== undefined && n >= options.cases) break;
    if (performance.now() >= deadline) break;
    await runCase(planCase(options.seed, index, flights, options.kinds));
  }
  return { durationMs: Math.round(performance.now() - t0), startedAt };
}

function checkLimits(options: CampaignOptions): void {
  if (options.timeMs === undefined && options.cases === undefined && options.only === undefined) {
    throw new Error('external fuzz: give a time limit, a case count or the cases to replay');
  }
}

/**
 * Fuzzes a DTLS server: the reference endpoint is the client. The server is started once, probed
 * after every case, and restarted (the crash or hang recorded) when it dies or stops answering.
 */
export async function fuzzServer(target: ServerTarget, options: CampaignOptions): Promise<ExternalFuzzReport> {
  checkLimits(options);
  const log = options.log;
  const tally = new Tally(options.maxFindingsPerKind ?? 25);
  const flights = (options.flights ?? CLIENT_FLIGHTS).filter((f) => (CLIENT_FLIGHTS as readonly string[]).includes(f));
  const windowMs = options.windowMs ?? 300;
  const prefix = options.replayPrefix ?? '';
  await target.start();
  let probeCount = 0;

  /** A valid handshake and one line of data, answered (printed or echoed). */
  const probe = async (handshakeMs: number): Promise<string | undefined> => {
    probeCount++;
    tally.probes++;
    const s = await Session.open({ role: 'client', remotePort: target.port, config: {} });
    try {
      if (!(await s.waitUntil(() => s.complete || s.failure !== undefined || !target.alive(), handshakeMs))) return `no handshake within ${handshakeMs} ms`;
      if (!s.complete) return s.failure !== undefined ? `the handshake failed: ${s.failure.message}` : 'the server is gone';
      const marker = `dtlsprobe-live-${options.seed}-${probeCount}`;
      const from = s.inbound.length;
      const since = target.output().length;
      const d = s.sealNext(ContentType.application_data, utf8(`${marker}\n`));
      if (d !== undefined) s.sendRaw(d);
      const off = target.onOutput(() => s.poke());
      const answered = await s.waitUntil(
        () => target.output().slice(since).includes(marker) || s.peerRecords(from).some((r) => r.type === ContentType.application_data && r.content !== undefined),
        3000,
      );
      off();
      if (!answered) return 'the handshake completed but a line of application data got no answer within 3000 ms';
      s.closeNotify();
      await sleep(5);
      return undefined;
    } finally {
      await s.close();
    }
  };

  const restart = async (): Promise<void> => {
    tally.restarts++;
    await target.stop();
    await target.start();
  };

  const baseline = await probe(8000);
  if (baseline !== undefined) {
    await target.stop();
    throw new Error(`external fuzz: ${target.name} fails a valid handshake before any mutation: ${baseline}\n${tailOf(target.output())}`);
  }

  const runCase = async (plan: CasePlan): Promise<CaseResult> => {
    const mut = new CaseMutator(plan, options.kinds, options.seed);
    let session: Session | undefined;
    const result: CaseResult = { mutation: undefined, forgery: false, reached: false, findings: [] };
    try {
      const s = await Session.open({
        role: 'client',
        remotePort: target.port,
        config: {},
        onBurst: mut.hook(() => target.output()),
      });
      session = s;
      const off = target.onOutput(() => s.poke());
      try {
        if (plan.flight === 'application-data') {
          if (await s.waitUntil(() => s.complete || s.failure !== undefined, 4000)) {
            if (s.complete) mut.applicationData(s, () => target.output());
          }
        } else {
          await s.waitUntil(() => mut.mutation !== undefined || s.failure !== undefined || !target.alive(), 4000);
        }
        if (mut.mutation !== undefined) {
          result.reached = true;
          const wait = mut.forgery ? windowMs * 2 : windowMs;
          await s.waitUntil(() => !target.alive() || acceptanceEvidence(mut, s, target.output(), undefined) !== undefined, wait);
          const evidence = acceptanceEvidence(mut, s, target.output(), undefined);
          if (evidence !== undefined) result.findings.push(finding('acceptance', plan, options.seed, evidence, mut, s, tailOf(target.output().slice(mut.outputAtMutation)), prefix));
        }
      } finally {
        off();
        // Tear down a connection we know the server still holds: the handshake completed and it sent
        // no alert. Anything else stays as the mutation left it (a server left waiting is a stall, see
        // below): a stray alert to a server back to waiting for a ClientHello would be a mutation of
        // its own (gnutls-serv spins on one; the campaign finds that through record-header mutations).
        if (s.complete && !s.peerSentAlert()) s.abort(false);
      }
      result.mutation = mut.mutation;
      result.forgery = mut.forgery;
      // Crash, then liveness. Both servers serve one client at a time: one that took the case's
      // connection past the cookie exchange and now waits for the rest of it (blocked, using no CPU)
      // has stalled, which is how they are built, not a hang. A hang is a failed probe while the
      // server spins (CPU), or while it held no connection of ours.
      await sleep(10);
      const peerHeldState = s.peerSentServerHello();
      const cpu0 = target.cpuSeconds?.();
      const wall0 = performance.now();
      const heard0 = s.inbound.length;
      let why = target.alive() ? await probe(3000) : 'dead';
      const cpuShare = (): number | undefined => (cpu0 === undefined || target.cpuSeconds === undefined ? undefined : (target.cpuSeconds() - cpu0) / ((performance.now() - wall0) / 1000));
      // Still retransmitting to the case's connection, or blocked waiting on it (no CPU).
      const stalled = (): boolean => peerHeldState && (s.inbound.length > heard0 || (cpuShare() ?? 0) < 0.1);
      if (why !== undefined && target.alive() && !stalled()) why = await probe(8000);
      if (why !== undefined) {
        const end = target.abnormalEnd();
        const share = cpuShare();
        const cpu = share === undefined ? '' : `; the server used ${Math.round(share * 100)}% of a CPU meanwhile`;
        if (!target.alive() && end !== undefined) {
          result.findings.push(finding('crash', plan, options.seed, `${target.name} ${end}`, mut, s, tailOf(target.output()), prefix));
        } else if (target.alive() && !stalled()) {
          const held = peerHeldState ? 'it had taken the case\'s connection' : 'it held no connection of ours (no ServerHello in the case)';
          result.findings.push(finding('hang', plan, options.seed, `liveness probe failed: ${why}; ${held}${cpu}`, mut, s, tailOf(target.output()), prefix));
        } else if (target.alive()) {
          tally.stall(plan, mut.mutation, `${why}${cpu}${s.inbound.length > heard0 ? '; it kept retransmitting to the case\'s connection' : ''}`);
        } else {
          log?.(`note: ${target.name} ended without a crash status (${why}); restarting`);
        }
        await restart();
      }
    } finally {
      await session?.close();
    }
    tally.record(result, plan.flight);
    for (const f of result.findings) tally.add(f, log);
    if (log !== undefined && tally.cases % 50 === 0) log(`${tally.cases} cases, ${JSON.stringify(tally.counts)}`);
    return result;
  };

  let timing: { durationMs: number; startedAt: string };
  try {
    timing = await loop(options, flights, runCase);
  } finally {
    await target.stop();
  }
  return report(target, 'server', options, tally, timing);
}

/**
 * Fuzzes a DTLS client: the reference endpoint is the server, and each case starts one client
 * process against it with a line on its stdin (it sends that line once its handshake completes).
 */
export async function fuzzClient(target: ClientTarget, options: CampaignOptions): Promise<ExternalFuzzReport> {
  checkLimits(options);
  const log = options.log;
  const tally = new Tally(options.maxFindingsPerKind ?? 25);
  const flights = (options.flights ?? SERVER_FLIGHTS).filter((f) => (SERVER_FLIGHTS as readonly string[]).includes(f));
  const windowMs = options.windowMs ?? 300;
  const hangMs = options.hangMs ?? 20_000;
  const prefix = options.replayPrefix ?? '';
  const { testPki } = await import('../../testkit/credentials.ts');
  const certificate = (await testPki('P-256')).credentials;

  const baseline = async (): Promise<string | undefined> => {
    const s = await Session.open({ role: 'server', config: { certificate } });
    const c = target.spawn(s.localPort, 'dtlsprobe-baseline\n');
    try {
      const ok = await s.waitUntil(() => s.complete || s.failure !== undefined, 8000);
      if (!ok || !s.complete) return `no handshake: ${s.failure?.message ?? 'timeout'}\n${tailOf(c.output())}`;
      // The acceptance oracle relies on the client sending its line once the handshake completes.
      const sent = await s.waitUntil(() => s.peerRecords().some((r) => r.epoch > 0 && r.type === ContentType.application_data), 3000);
      return sent ? undefined : `the client sent no application data after the handshake\n${tailOf(c.output())}`;
    } finally {
      await c.stop();
      await s.close();
    }
  };
  const why = await baseline();
  if (why !== undefined) throw new Error(`external fuzz: ${target.name} fails a valid handshake before any mutation: ${why}`);

  const runCase = async (plan: CasePlan): Promise<CaseResult> => {
    const mut = new CaseMutator(plan, options.kinds, options.seed);
    const result: CaseResult = { mutation: undefined, forgery: false, reached: false, findings: [] };
    let output = (): string => '';
    const s = await Session.open({ role: 'server', config: { certificate }, onBurst: mut.hook(() => output()) });
    const client = target.spawn(s.localPort, `dtlsprobe-client-data-${plan.index}\n`);
    output = () => client.output();
    const off = client.onOutput(() => s.poke());
    try {
      if (plan.flight === 'application-data') {
        if (await s.waitUntil(() => s.complete || s.failure !== undefined || !client.alive(), 6000)) {
          // Let the client's own line arrive first, then send ours.
          await sleep(50);
          if (s.complete) mut.applicationData(s, output);
        }
      } else {
        await s.waitUntil(() => mut.mutation !== undefined || s.failure !== undefined || !client.alive(), 6000);
      }
      if (mut.mutation !== undefined) {
        result.reached = true;
        const wait = mut.forgery ? windowMs * 2 : windowMs;
        await s.waitUntil(() => !client.alive() || acceptanceEvidence(mut, s, output(), target.handshakeDone) !== undefined, wait);
        const evidence = acceptanceEvidence(mut, s, output(), target.handshakeDone);
        if (evidence !== undefined) result.findings.push(finding('acceptance', plan, options.seed, evidence, mut, s, tailOf(output().slice(mut.outputAtMutation)), prefix));
        else if (mut.mutation.flight !== 'application-data' && !s.complete) {
          // An answer is due: a reply, a retransmission of the client's last flight, an alert, or its exit.
          const answered = await s.waitUntil(() => !client.alive() || s.inbound.length > mut.inboundAtMutation, hangMs);
          if (!answered) result.findings.push(finding('hang', plan, options.seed, `no datagram and no exit within ${hangMs} ms after the mutated flight`, mut, s, tailOf(output()), prefix));
        }
      }
      await sleep(20);
      const crash = client.crashed();
      if (crash !== undefined) result.findings.push(finding('crash', plan, options.seed, `${target.name} ${crash}`, mut, s, tailOf(output()), prefix));
    } finally {
      off();
      s.abort(true);
      await client.stop();
      await s.close();
    }
    result.mutation = mut.mutation;
    result.forgery = mut.forgery;
    tally.record(result, plan.flight);
    for (const f of result.findings) tally.add(f, log);
    if (log !== undefined && tally.cases % 50 === 0) log(`${tally.cases} cases, ${JSON.stringify(tally.counts)}`);
    return result;
  };

  const timing = await loop(options, flights, runCase);
  return report(target, 'client', options, tally, timing);
}

function report(target: { name: string; version: string; command: string }, role: 'server' | 'client', options: CampaignOptions, tally: Tally, timing: { durationMs: number; startedAt: string }): ExternalFuzzReport {
  return {
    schema: 'dtlsprobe.external-fuzz/1',
    impl: target.name,
    role,
    peer: target.name,
    peerVersion: target.version,
    command: target.command,
    seed: options.seed,
    startedAt: timing.startedAt,
    durationMs: timing.durationMs,
    cases: tally.cases,
    casesNotReached: tally.notReached,
    casesByKind: tally.byKind,
    casesByFlight: tally.byFlight,
    forgeries: tally.forgeries,
    livenessProbes: tally.probes,
    peerRestarts: tally.restarts,
    stalls: tally.stalls,
    stallExamples: tally.stallExamples,
    counts: tally.counts,
    findings: tally.findings,
  };
}
