/**
 * The reference client and server through thousands of generated bad networks on virtual time.
 * Replay a failure with the FC_SEED and FC_PATH it prints; its exact minimal script is written to
 * vectors/regressions/net/new/ (or $DTLSPROBE_REGRESSIONS_OUT) for regressions.test.ts to keep.
 */
import test, { type ExecutionContext } from 'ava';
import * as fc from 'fast-check';
import { propertySeed } from '../../testkit/property.ts';
import { testPki } from '../../testkit/credentials.ts';
import { networkArb, scriptArb } from './arbitraries.ts';
import { type NetCase, type Profile, checkNetProperty, runCase } from './properties.ts';
import type { Injection } from './sim.ts';

/** Cases run by this file, summed for the report at the end. */
let scenarios = 0;

function fcPath(): string | undefined {
  const p = process.env.FC_PATH;
  return p === undefined || p === '' ? undefined : p;
}

async function check(t: ExecutionContext, property: string, arb: fc.Arbitrary<NetCase>, numRuns: number): Promise<void> {
  const credentials = (await testPki('P-256')).credentials;
  const path = fcPath();
  const outcome = checkNetProperty(property, arb, { numRuns, seed: propertySeed(), credentials, ...(path === undefined ? {} : { path }) });
  scenarios += outcome.runs;
  if (!outcome.ok) t.fail(outcome.message);
  else t.pass();
}

const caseArb = (profile: fc.Arbitrary<Profile>, network = networkArb(), script = scriptArb()): fc.Arbitrary<NetCase> =>
  fc.record({
    profile,
    network,
    script,
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    messages: fc.integer({ min: 0, max: 6 }),
  });

const pskProfiles = fc.constantFrom<Profile>('psk-ccm8', 'psk-gcm', 'ecdhe-psk-chacha');

test('[RFC6347-4.2.4-timer-expiry] [RFC6347-4.1.2.7-discard-invalid] handshakes over generated loss, duplication, reordering, delay, MTU, corruption and blackouts (PSK suites) end with equal keys or the timeout error, and data arrives at most once, unmodified', async (t) => {
  await check(t, 'handshake-outcome', caseArb(pskProfiles), 2000);
});

test('[RFC6347-4.2.4-timer-expiry] handshakes over generated bad networks (ECDHE_ECDSA with certificates) end with equal keys or the timeout error, and data arrives at most once, unmodified', async (t) => {
  await check(t, 'handshake-outcome', caseArb(fc.constant<Profile>('ecdhe-ecdsa')), 250);
});

test('[RFC6347-4.2.4-timer-expiry] with no loss and no corruption, only duplication, reordering and delay, every handshake completes and every datagram arrives exactly once', async (t) => {
  const gentle = networkArb({ loss: false, corrupt: false, mtu: false });
  await check(t, 'lossless-delivery', caseArb(pskProfiles, gentle, scriptArb({ drop: false })), 600);
});

test('[RFC6347-4.2.3-reassembly] [RFC6347-4.2.3-fragment] handshake messages fragmented to a small MTU complete with the same keys whatever order and how often the fragments arrive', async (t) => {
  const credentials = (await testPki('P-256')).credentials;
  const reorderOnly = networkArb({ loss: false, corrupt: false, mtu: false });
  // The PSK flights stay whole at 150 bytes (a stateless server ignores a fragmented ClientHello,
  // so the MTU cannot go lower) but spread over more datagrams; at 200 bytes the ECDHE_ECDSA
  // server's Certificate is cut into five fragments.
  for (const [profile, runs, mtu] of [['psk-ccm8', 700, 150], ['ecdhe-ecdsa', 300, 200]] as const) {
    const base: NetCase = { profile, network: {}, script: [], seed: 0, messages: 0, mtu };
    const clean = runCase(base, credentials);
    t.truthy(clean.client.exported, `a clean ${profile} run completes`);
    if (profile === 'ecdhe-ecdsa') t.true(clean.transcript.length >= 12, `mtu ${mtu} fragments the ${profile} flights (${clean.transcript.length} datagrams)`);
    const arb = fc.record({
      profile: fc.constant<Profile>(profile),
      network: reorderOnly,
      script: scriptArb({ drop: false }),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      messages: fc.constant(0),
      mtu: fc.constant(mtu),
    });
    await check(t, 'reassembly-order', arb, runs);
  }
});

/** A record of epoch 0 carrying one handshake fragment, forged: any type, length, offset. */
const forgedFragmentArb: fc.Arbitrary<string> = fc
  .record({
    msgType: fc.constantFrom(1, 2, 11, 12, 14, 16, 20, 0xfe),
    length: fc.oneof(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 4096 })),
    messageSeq: fc.integer({ min: 0, max: 40 }),
    offset: fc.integer({ min: 0, max: 0xffffff }),
    body: fc.uint8Array({ maxLength: 300 }),
    recordSeq: fc.integer({ min: 0, max: 1000 }),
  })
  .map((f) => {
    const hs = Buffer.alloc(12 + f.body.length);
    hs[0] = f.msgType;
    hs.writeUIntBE(f.length, 1, 3);
    hs.writeUInt16BE(f.messageSeq, 4);
    hs.writeUIntBE(f.offset, 6, 3);
    hs.writeUIntBE(f.body.length, 9, 3);
    Buffer.from(f.body).copy(hs, 12);
    const rec = Buffer.alloc(13);
    rec[0] = 22;
    rec.writeUInt16BE(0xfefd, 1);
    rec.writeUIntBE(f.recordSeq, 5, 6);
    rec.writeUInt16BE(hs.length, 11);
    return Buffer.concat([rec, hs]).toString('hex');
  });

const injectionArb: fc.Arbitrary<Injection[]> = fc.array(
  fc.record({
    to: fc.constantFrom('client' as const, 'server' as const),
    atMs: fc.integer({ min: 0, max: 20_000 }),
    hex: fc.oneof(forgedFragmentArb, forgedFragmentArb, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('hex'))),
  }),
  { maxLength: 40 },
);

test('[RFC6347-4.1.2.7-discard-invalid] memory held per connection stays under the reassembly bound, and the engines never throw, whatever forged fragments and garbage arrive beside a lossy, corrupting network', async (t) => {
  const arb = fc.record({
    profile: pskProfiles,
    network: networkArb(),
    script: fc.constant([]),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    messages: fc.integer({ min: 0, max: 3 }),
    inject: injectionArb,
  });
  // Forged datagrams can end a handshake legitimately (a ClientHello that parses): only the
  // bound, the absence of exceptions and the keys are checked here.
  await check(t, 'memory-bounded', arb, 1500);
});

test.after('scenarios', () => {
  process.stdout.write(`  harness/net/properties.test.ts: ${scenarios} generated network scenarios\n`);
});
