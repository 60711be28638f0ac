/**
 * Properties of a DTLS 1.2 client and server over bad networks, each a named check of one
 * simulated run. A network case (`NetCase`) is plain JSON: the profile of the endpoints, the
 * network model, a script, seeds and knobs. fast-check generates cases; when a property fails,
 * `checkNetProperty` writes the run down as an exact script, shrinks that script further while
 * the property still fails, and saves a regression fixture that `replayRegression` runs again.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as fc from 'fast-check';
import type { Credentials } from '../../reference/handshake/dtls12/config.ts';
import type { EndpointConfig } from '../../reference/handshake/dtls12/config.ts';
import { CipherSuite } from '../../reference/wire/enums.ts';
import { fateCounts, scriptFromTranscript } from './link.ts';
import { type NetworkModel, type ScriptRule, type Side, SIDES, describePath, parseNetworkModel, parseScript } from './model.ts';
import { type Injection, type SimResult, simulate } from './sim.ts';

/** Which endpoints: a PSK pair (fast: no public-key operations) or ECDHE_ECDSA with certificates. */
export type Profile = 'psk-ccm8' | 'psk-gcm' | 'ecdhe-psk-chacha' | 'ecdhe-ecdsa';

export interface NetCase {
  readonly profile: Profile;
  readonly network: NetworkModel;
  readonly script: readonly ScriptRule[];
  readonly seed: number;
  /** Application datagrams each side sends after its handshake. */
  readonly messages: number;
  /** The endpoints' largest datagram (RFC 6347 §4.1.1.1 PMTU); small values force fragmentation. */
  readonly mtu?: number;
  readonly maxRetransmissions?: number;
  readonly inject?: readonly Injection[];
}

export const PSK_IDENTITY = new TextEncoder().encode('dtlsprobe-sim');
export const PSK_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

const PROFILE_SUITES: Record<Profile, number> = {
  'psk-ccm8': CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,
  'psk-gcm': CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
  'ecdhe-psk-chacha': CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
  'ecdhe-ecdsa': CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
};

export const PROFILES = Object.keys(PROFILE_SUITES) as Profile[];

/** The endpoint settings of a profile; ECDHE_ECDSA needs the server's credentials. */
export function profileConfigs(profile: Profile, credentials?: Credentials): { client: Partial<EndpointConfig>; server: Partial<EndpointConfig> } {
  const cipherSuites = [PROFILE_SUITES[profile]];
  if (profile === 'ecdhe-ecdsa') {
    if (credentials === undefined) throw new Error('the ecdhe-ecdsa profile needs server credentials');
    return { client: { cipherSuites }, server: { cipherSuites, certificate: credentials } };
  }
  return {
    client: { cipherSuites, psk: { identity: PSK_IDENTITY, key: PSK_KEY } },
    server: { cipherSuites, pskLookup: (identity) => (Buffer.from(identity).equals(Buffer.from(PSK_IDENTITY)) ? PSK_KEY : undefined) },
  };
}

export const DEFAULT_MAX_RETRANSMISSIONS = 10;

/** Runs one case. */
export function runCase(c: NetCase, credentials?: Credentials): SimResult {
  const { client, server } = profileConfigs(c.profile, credentials);
  const knobs: Partial<EndpointConfig> = {
    ...(c.mtu === undefined ? {} : { mtu: c.mtu }),
    maxRetransmissions: c.maxRetransmissions ?? DEFAULT_MAX_RETRANSMISSIONS,
  };
  return simulate({
    seed: c.seed,
    model: c.network,
    script: c.script,
    client: { ...client, ...knobs },
    server: { ...server, ...knobs },
    messages: c.messages,
    ...(c.inject === undefined ? {} : { inject: c.inject }),
  });
}

/**
 * A property: undefined when the run satisfies it, else what went wrong. `run` runs another case
 * with the same credentials, for properties that compare with a reference run.
 */
export type NetCheck = (result: SimResult, c: NetCase, run: (c: NetCase) => SimResult) => string | undefined;

const hex = (b: Uint8Array | undefined): string => (b === undefined ? '-' : Buffer.from(b).toString('hex'));

/** Whether any copy that arrived differs from what was sent. */
function altered(result: SimResult): boolean {
  return result.transcript.some((r) => r.deliveries.some((d) => d.altered));
}

function dropped(result: SimResult): boolean {
  return result.transcript.some((r) => r.copies.length === 0);
}

/**
 * (a) The handshake ends: both sides established with the same keys, or a side fails — and with
 * nothing altered on the way, only by running out of its retransmission budget. It never hangs,
 * never completes with different keys, and completes whenever nothing was lost or altered.
 */
export const handshakeOutcome: NetCheck = (r, c) => {
  if (r.stalled) return `the run did not settle within its event budget (${r.eventsRun} events): a livelock`;
  if (r.client.status === 'handshaking') return `the client is still handshaking (${r.client.events.length} events) with nothing left to happen: a hang`;
  const budget = c.maxRetransmissions ?? DEFAULT_MAX_RETRANSMISSIONS;
  const established = (s: Side): boolean => r[s].completedAt !== undefined;
  if (established('client') && established('server') && hex(r.client.exported) !== hex(r.server.exported)) {
    return `both sides completed with different keys: client ${hex(r.client.exported)}, server ${hex(r.server.exported)}`;
  }
  if (!altered(r)) {
    for (const side of SIDES) {
      const e = r[side].error;
      if (e === undefined) continue;
      if (e.detail.kind !== 'timeout') return `the ${side} failed with "${e.message}" though no datagram was altered on the way`;
      if (e.detail.retransmissions !== budget) return `the ${side} timed out after ${e.detail.retransmissions} retransmissions, not the configured ${budget}`;
    }
    if (!dropped(r) && !(established('client') && established('server'))) {
      return `nothing was lost or altered, yet the handshake did not complete (client ${r.client.status}, server ${r.server.status})`;
    }
  }
  if (r.server.status === 'handshaking' && r.server.error === undefined && r.server.stats.datagramsSent > 0 && r.client.completedAt !== undefined) {
    return 'the client completed but the server never finished';
  }
  return undefined;
};

/**
 * (b) Application data arrives at most once and unmodified: every datagram a side received is one
 * its peer sent, byte for byte, and none twice — whatever the network duplicated, corrupted or
 * replayed.
 */
export const dataIntegrity: NetCheck = (r) => {
  for (const side of SIDES) {
    const peer = side === 'client' ? r.server : r.client;
    const sent = new Set(peer.sent.map((m) => hex(m)));
    const seen = new Set<string>();
    for (const m of r[side].received) {
      const h = hex(m);
      if (!sent.has(h)) return `the ${side} received data its peer never sent: ${h}`;
      if (seen.has(h)) return `the ${side} received the same datagram twice: ${Buffer.from(m).toString('utf8')}`;
      seen.add(h);
    }
  }
  return undefined;
};

/** Bytes a side may hold for reassembly (the reassembler's default bound). */
export const REASSEMBLY_BOUND = 256 * 1024;

/** (e) Memory held per connection stays under the configured bounds whatever arrives. */
export const memoryBounded: NetCheck = (r) => {
  for (const side of SIDES) {
    const held = r[side].maxBufferedBytes;
    if (held > REASSEMBLY_BOUND) return `the ${side} held ${held} bytes for reassembly, over the bound of ${REASSEMBLY_BOUND}`;
  }
  return undefined;
};

/** Both sides completed with different keys. */
export const keysAgree: NetCheck = (r) =>
  r.client.completedAt !== undefined && r.server.completedAt !== undefined && hex(r.client.exported) !== hex(r.server.exported)
    ? `both sides completed with different keys: client ${hex(r.client.exported)}, server ${hex(r.server.exported)}`
    : undefined;

/** On a network that loses and alters nothing, the handshake completes and every datagram arrives. */
export const losslessDelivery: NetCheck = (r) => {
  if (dropped(r) || altered(r)) return undefined;
  if (r.client.completedAt === undefined || r.server.completedAt === undefined) return 'the handshake did not complete on a lossless network';
  for (const [side, peer] of [['client', r.server], ['server', r.client]] as const) {
    if (r[side].received.length !== peer.sent.length) {
      return `the ${side} received ${r[side].received.length} of the ${peer.sent.length} datagrams its peer sent on a lossless network`;
    }
  }
  return undefined;
};

const cleanRuns = new Map<string, SimResult>();

/**
 * (d) Arrival order does not matter: with nothing lost or altered, the handshake completes with
 * the keys of a clean run of the same endpoints (whose randomness does not depend on the network).
 */
export const reassemblyOrder: NetCheck = (r, c, run) => {
  if (dropped(r) || altered(r)) return undefined;
  const key = `${c.profile}/${c.mtu ?? '-'}`;
  let clean = cleanRuns.get(key);
  if (clean === undefined) {
    clean = run({ profile: c.profile, network: {}, script: [], seed: 0, messages: 0, ...(c.mtu === undefined ? {} : { mtu: c.mtu }) });
    cleanRuns.set(key, clean);
  }
  if (r.client.completedAt === undefined || r.server.completedAt === undefined) {
    return `the handshake did not complete (client ${r.client.status}: ${r.client.error?.message ?? '-'}; server ${r.server.status}: ${r.server.error?.message ?? '-'})`;
  }
  if (hex(r.client.exported) !== hex(clean.client.exported)) return `the keys differ from a clean run's: ${hex(r.client.exported)} vs ${hex(clean.client.exported)}`;
  return undefined;
};

/** Several checks as one; the first violation wins. */
export function allOf(...checks: NetCheck[]): NetCheck {
  return (r, c, run) => {
    for (const check of checks) {
      const v = check(r, c, run);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/** The properties by name, as fixtures name them. */
export const NET_PROPERTIES: Readonly<Record<string, NetCheck>> = {
  'handshake-outcome': allOf(handshakeOutcome, dataIntegrity),
  'lossless-delivery': allOf(handshakeOutcome, dataIntegrity, losslessDelivery),
  'reassembly-order': reassemblyOrder,
  'memory-bounded': allOf(memoryBounded, keysAgree),
};

/** A one-line description of a case, for failure messages. */
export function describeCase(c: NetCase): string {
  const script = c.script.length === 0 ? '' : `; script ${JSON.stringify(c.script)}`;
  return `${c.profile}, seed ${c.seed}, ${c.messages} message(s)${c.mtu ? `, mtu ${c.mtu}` : ''}; client→server: ${describePath(c.network.client)}; server→client: ${describePath(c.network.server)}${script}`;
}

// ---------------------------------------------------------------------------------------------
// Failures: exact scripts, shrinking, fixtures

/**
 * Shrinks a script by delta debugging: drops rules, a chunk at a time and then one at a time,
 * while `fails` still holds. A dropped rule means that datagram went through untouched.
 */
export function minimizeScript(rules: readonly ScriptRule[], fails: (rules: readonly ScriptRule[]) => boolean, budget = 400): ScriptRule[] {
  let current = [...rules];
  let tries = 0;
  for (let chunk = Math.max(1, current.length >> 1); chunk >= 1 && tries < budget; chunk = chunk === 1 ? 0 : Math.max(1, chunk >> 1)) {
    for (let at = 0; at < current.length && tries < budget; ) {
      const candidate = [...current.slice(0, at), ...current.slice(at + chunk)];
      tries++;
      if (fails(candidate)) current = candidate;
      else at += chunk;
    }
  }
  return current;
}

export const REGRESSION_FORMAT = 'dtlsprobe/net-regression@1';

export interface NetRegression {
  readonly format: typeof REGRESSION_FORMAT;
  /** The property that failed: a key of NET_PROPERTIES. */
  readonly property: string;
  /** What went wrong and, once fixed, what fixed it. */
  readonly description: string;
  readonly found: { readonly fcSeed: number; readonly fcPath: string; readonly violation: string };
  /** The case as fast-check shrank it. */
  readonly generated: NetCase;
  /** The same failure as an exact, minimal script on a clean network: what the replay runs. */
  readonly replay: NetCase;
  /** The fates of the minimal run, for people reading the fixture. */
  readonly fates?: ReturnType<typeof fateCounts>;
}

/** Writes a failing case as an exact script on a clean network, shrunk while it still fails. */
export function toRegression(
  property: string,
  check: NetCheck,
  generated: NetCase,
  found: NetRegression['found'],
  credentials?: Credentials,
): NetRegression {
  const first = runCase(generated, credentials);
  const exact: NetCase = { ...generated, network: {}, script: scriptFromTranscript(first.transcript) };
  const run = (c: NetCase): SimResult => runCase(c, credentials);
  const stillFails = (script: readonly ScriptRule[]): boolean => {
    const c = { ...exact, script };
    return check(run(c), c, run) !== undefined;
  };
  // The exact script reproduces the run only if nothing depends on the model beyond its decisions.
  const replay: NetCase = stillFails(exact.script) ? { ...exact, script: minimizeScript(exact.script, stillFails) } : generated;
  const final = run(replay);
  return {
    format: REGRESSION_FORMAT,
    property,
    description: `${property}: ${check(final, replay, run) ?? found.violation}`,
    found,
    generated,
    replay,
    fates: fateCounts(final.transcript),
  };
}

/** Where a failing property writes its fixture: $DTLSPROBE_REGRESSIONS_OUT, else vectors/regressions/net/new. */
export function regressionOutDir(): string {
  return process.env.DTLSPROBE_REGRESSIONS_OUT ?? join('vectors', 'regressions', 'net', 'new');
}

export function saveRegression(reg: NetRegression, dir = regressionOutDir()): string {
  mkdirSync(dir, { recursive: true });
  const id = createHash('sha256').update(JSON.stringify(reg.replay)).digest('hex').slice(0, 10);
  const file = join(dir, `${reg.property}-${id}.json`);
  writeFileSync(file, `${JSON.stringify(reg, null, 2)}\n`);
  return file;
}

export class RegressionFormatError extends Error {
  override readonly name = 'RegressionFormatError';
}

function parseCase(v: unknown, path: string): NetCase {
  if (typeof v !== 'object' || v === null) throw new RegressionFormatError(`${path}: expected an object`);
  const o = v as Record<string, unknown>;
  if (typeof o.profile !== 'string' || !(PROFILES as string[]).includes(o.profile)) {
    throw new RegressionFormatError(`${path}.profile: expected one of ${PROFILES.join(', ')}, got ${JSON.stringify(o.profile)}`);
  }
  if (typeof o.seed !== 'number' || typeof o.messages !== 'number') throw new RegressionFormatError(`${path}: seed and messages must be numbers`);
  return {
    profile: o.profile as Profile,
    network: parseNetworkModel(o.network, `${path}.network`),
    script: parseScript(o.script, `${path}.script`),
    seed: o.seed,
    messages: o.messages,
    ...(typeof o.mtu === 'number' ? { mtu: o.mtu } : {}),
    ...(typeof o.maxRetransmissions === 'number' ? { maxRetransmissions: o.maxRetransmissions } : {}),
    ...(Array.isArray(o.inject) ? { inject: o.inject as Injection[] } : {}),
  };
}

/** Reads a fixture, checking its format and every field of its cases. */
export function loadRegression(file: string): NetRegression {
  const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (v.format !== REGRESSION_FORMAT) throw new RegressionFormatError(`${file}: format must be "${REGRESSION_FORMAT}", got ${JSON.stringify(v.format)}`);
  if (typeof v.property !== 'string') throw new RegressionFormatError(`${file}: property must be a string`);
  return {
    ...(v as unknown as NetRegression),
    generated: parseCase(v.generated, `${file}: generated`),
    replay: parseCase(v.replay, `${file}: replay`),
  };
}

export interface PropertyOutcome {
  readonly ok: boolean;
  readonly runs: number;
  /** On failure: the message to show, with the seed, the path and the fixture written. */
  readonly message?: string;
  readonly fixture?: string;
}

/**
 * Runs a property over generated cases. On failure it shrinks (fast-check), writes the exact
 * minimal script to a fixture, and returns a message naming the seed, the path to replay the
 * generated case (FC_SEED / FC_PATH) and the fixture file.
 */
export function checkNetProperty(
  property: string,
  arb: fc.Arbitrary<NetCase>,
  options: { readonly numRuns: number; readonly seed: number; readonly path?: string; readonly credentials?: Credentials },
): PropertyOutcome {
  const check = NET_PROPERTIES[property];
  if (check === undefined) throw new Error(`unknown network property "${property}": expected one of ${Object.keys(NET_PROPERTIES).join(', ')}`);
  let lastViolation = '';
  const run = (c: NetCase): SimResult => runCase(c, options.credentials);
  const details = fc.check(
    fc.property(arb, (c) => {
      const v = check(run(c), c, run);
      if (v !== undefined) lastViolation = v;
      return v === undefined;
    }),
    { numRuns: options.numRuns, seed: options.seed, ...(options.path === undefined ? {} : { path: options.path }), endOnFailure: false },
  );
  if (!details.failed || details.counterexample === null) return { ok: true, runs: details.numRuns };
  const [generated] = details.counterexample;
  const violation = check(run(generated), generated, run) ?? lastViolation;
  const found = { fcSeed: details.seed, fcPath: details.counterexamplePath ?? '', violation };
  const fixture = saveRegression(toRegression(property, check, generated, found, options.credentials));
  const message = [
    `property "${property}" failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s): ${violation}`,
    `case: ${describeCase(generated)}`,
    `replay the generated case: FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''}`,
    `exact minimal script written to ${fixture} (move it to vectors/regressions/net/ once fixed)`,
  ].join('\n');
  return { ok: false, runs: details.numRuns, message, fixture };
}
