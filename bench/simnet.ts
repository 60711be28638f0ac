/**
 * Simulated networks per second: generated lossy networks (harness/net/arbitraries.ts: loss,
 * bursts, duplication, reordering, delay, MTU, corruption, blackouts), each carrying one reference
 * client ↔ server handshake, a few application datagrams each way and the client's close, on virtual
 * time (harness/net/sim.ts). A mix of TLS_PSK_WITH_AES_128_CCM_8 (no public-key work) and
 * TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 with the test PKI's P-256 certificate; and, unless
 * `--api 0`, a few through the Gio-shaped API over simulated links (harness/net/api-sim.ts).
 * The figure is the ratio of virtual time simulated to wall time spent.
 *
 *   node --import=tsx bench/simnet.ts [--scenarios N] [--api N] [--seed N]
 */
import { performance } from 'node:perf_hooks';
import * as fc from 'fast-check';
import type { EndpointConfig } from '../reference/handshake/dtls12/config.ts';
import { CipherSuite } from '../reference/wire/enums.ts';
import { testPki } from '../testkit/credentials.ts';
import { apiCredentials } from '../testkit/api.ts';
import { apiSim, driveUntil, track } from '../harness/net/api-sim.ts';
import { networkArb } from '../harness/net/arbitraries.ts';
import type { NetworkModel } from '../harness/net/model.ts';
import { type SimResult, simulate } from '../harness/net/sim.ts';

function option(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} needs an integer >= ${min}, got ${process.argv[i + 1]}`);
  return v;
}

type Profile = 'PSK_WITH_AES_128_CCM_8' | 'ECDHE_ECDSA_WITH_AES_128_GCM_SHA256';

const PSK_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x50 + i);
const { credentials } = await testPki('P-256');
const CONFIGS: Record<Profile, { client: Partial<EndpointConfig>; server: Partial<EndpointConfig> }> = {
  PSK_WITH_AES_128_CCM_8: {
    client: { psk: { identity: new TextEncoder().encode('simnet'), key: PSK_KEY }, cipherSuites: [CipherSuite.TLS_PSK_WITH_AES_128_CCM_8] },
    server: { pskLookup: () => PSK_KEY, cipherSuites: [CipherSuite.TLS_PSK_WITH_AES_128_CCM_8] },
  },
  ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: {
    client: { cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] },
    server: { cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], certificate: credentials },
  },
};
const PROFILES = Object.keys(CONFIGS) as Profile[];

interface Scenario {
  readonly profile: Profile;
  readonly network: NetworkModel;
  readonly seed: number;
}

/** Application datagrams each side sends after its handshake; the client closes 200 virtual ms after. */
const MESSAGES = 4;

function runEngine(s: Scenario): SimResult {
  const { client, server } = CONFIGS[s.profile];
  return simulate({ seed: s.seed, endpointSeed: `simnet ${s.seed}`, model: s.network, client, server, messages: MESSAGES, closeAfterMs: 200 });
}

interface Row {
  readonly name: string;
  scenarios: number;
  established: number;
  timedOut: number;
  otherFailures: number;
  stalled: number;
  virtualMs: number;
  wallMs: number;
  /** CPU time of this process (user + system), which other load on the machine does not inflate. */
  cpuMs: number;
  datagrams: number;
}

const row = (name: string): Row => ({ name, scenarios: 0, established: 0, timedOut: 0, otherFailures: 0, stalled: 0, virtualMs: 0, wallMs: 0, cpuMs: 0, datagrams: 0 });

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

const count = option('scenarios', 400);
const apiCount = option('api', Math.max(1, Math.round(count / 20)), 0);
const seed = option('seed', 6347, 0);
const scenarios: Scenario[] = fc.sample(
  fc.record({ profile: fc.constantFrom(...PROFILES), network: networkArb(), seed: fc.integer({ min: 0, max: 0x7fffffff }) }),
  { numRuns: count + apiCount, seed },
);

// Warm-up: the JIT, and the noble tables behind the first ECDSA operations.
for (const s of scenarios.slice(0, 10)) runEngine(s);

const rows = new Map<string, Row>(PROFILES.map((p) => [p, row(`engine, ${p}`)]));
for (const s of scenarios.slice(0, count)) {
  const r = rows.get(s.profile) ?? row(s.profile);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const result = runEngine(s);
  r.wallMs += performance.now() - start;
  r.cpuMs += cpuMs(cpu);
  r.scenarios++;
  r.virtualMs += result.virtualMs;
  r.datagrams += result.transcript.length;
  if (result.stalled) r.stalled++;
  if (result.client.completedAt !== undefined && result.server.completedAt !== undefined) r.established++;
  else if ([result.client.error, result.server.error].some((e) => e?.detail.kind === 'timeout')) r.timedOut++;
  else r.otherFailures++;
}

// The Gio-shaped API: handshake both, the client sends and closes, the server reads to the end or its timeout.
const api = row('API (Gio-shaped), ECDHE_ECDSA');
const apiCreds = await apiCredentials();
for (const s of scenarios.slice(count)) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const sim = await apiSim({ model: s.network, seed: s.seed, endpointSeed: `simnet ${s.seed}`, credentials: apiCreds });
  const hc = track(sim.scheduler, sim.client.handshake());
  const hs = track(sim.scheduler, sim.server.handshake());
  await driveUntil(sim.scheduler, () => hc.settled && hs.settled, 3_600_000);
  if (hc.ok && hs.ok) {
    api.established++;
    for (let i = 0; i < MESSAGES; i++) await sim.client.sendMessages([{ vectors: [new TextEncoder().encode(`simnet ${i}`)] }]);
    const closing = track(sim.scheduler, sim.client.close());
    const reading = track(
      sim.scheduler,
      (async () => {
        for (;;) {
          const got = await sim.server.receiveMessages(8, { timeoutMs: 10_000 });
          if (got.some((m) => m.data.length === 0)) return;
        }
      })(),
    );
    await driveUntil(sim.scheduler, () => closing.settled && reading.settled, 3_600_000);
  } else if ([hc.error, hs.error].some((e) => e instanceof Error && /timed out/.test(e.message))) api.timedOut++;
  else api.otherFailures++;
  await sim.client.close();
  await sim.server.close();
  api.wallMs += performance.now() - start;
  api.cpuMs += cpuMs(cpu);
  api.scenarios++;
  api.virtualMs += sim.scheduler.lastEventAt;
  api.datagrams += sim.link.transcript.length;
}

const all = row('all');
for (const r of [...rows.values(), api]) {
  for (const k of ['scenarios', 'established', 'timedOut', 'otherFailures', 'stalled', 'virtualMs', 'wallMs', 'cpuMs', 'datagrams'] as const) all[k] += r[k];
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
console.log(`simnet bench: ${count} generated networks through the sans-IO engine and ${apiCount} through the Gio-shaped API, on virtual time`);
console.log(`each: one handshake, ${MESSAGES} datagrams each way, the client's close; fast-check seed ${seed} (node ${process.version})`);
console.log('');
const head = ['', 'scenarios', 'scen/s', 'established', 'timed out', 'other', 'virtual s', 'wall s', 'cpu s', 'virtual/wall', 'virtual/cpu', 'datagrams'];
const widths = [46, 10, 9, 12, 10, 7, 11, 8, 8, 13, 12, 10];
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('');
console.log(line(head));
for (const r of [...rows.values(), ...(apiCount > 0 ? [api] : []), all]) {
  if (r.scenarios === 0) continue;
  const wallS = r.wallMs / 1000;
  console.log(
    line([
      r.name,
      fmt(r.scenarios),
      fmt(r.scenarios / wallS, 1),
      fmt(r.established),
      fmt(r.timedOut),
      fmt(r.otherFailures + r.stalled),
      fmt(r.virtualMs / 1000, 0),
      fmt(wallS, 2),
      fmt(r.cpuMs / 1000, 2),
      fmt(r.virtualMs / r.wallMs, 0),
      fmt(r.virtualMs / r.cpuMs, 0),
      fmt(r.datagrams),
    ]),
  );
}
console.log('');
console.log(`scenarios per second: ${fmt(all.scenarios / (all.wallMs / 1000), 1)} (wall), ${fmt(all.scenarios / (all.cpuMs / 1000), 1)} (per CPU second)`);
console.log(`virtual time simulated per second of wall time: ${fmt(all.virtualMs / all.wallMs, 0)}× (${fmt(all.virtualMs / 3_600_000, 2)} h of network time in ${fmt(all.wallMs / 1000, 2)} s of wall time)`);
console.log('"other": failures other than the retransmission timeout (a Finished or key exchange altered on the way, ...); "cpu s": this process\'s user + system time, unaffected by other load');
if (all.stalled > 0) console.log(`${all.stalled} scenario(s) stalled (hit the event budget): a livelock to look at`);
