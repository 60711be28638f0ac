/**
 * External fuzzing (fuzz/external/): bounded campaigns against `openssl s_server -dtls1_2` and
 * `gnutls-serv --udp --echo` that must find no crash and no acceptance of a forgery, and proof that
 * the acceptance oracle fires: the same machinery against our reference server (UdpServer), once as
 * it is (no finding) and once with its Finished check switched off in this process (every forged
 * Finished reported as an acceptance).
 */
import test from 'ava';
import { HandshakeContext } from '../reference/handshake/dtls12/context.ts';
import { UdpServer } from '../reference/transport/udp.ts';
import { type ExternalFuzzReport, fuzzServer } from '../fuzz/external/campaign.ts';
import { isKnownPeerBug } from '../fuzz/external/known-peer-bugs.ts';
import { runExternalFuzz } from '../fuzz/external/run.ts';
import type { ServerTarget } from '../fuzz/external/targets.ts';
import { peerTest, serverCredentials } from './support.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The reference server as a fuzz target: it echoes every line and "prints" it to its output. */
async function referenceTarget(): Promise<ServerTarget & { server: () => UdpServer | undefined }> {
  const certificate = await serverCredentials();
  let server: UdpServer | undefined;
  let output = '';
  const listeners = new Set<() => void>();
  return {
    name: 'reference UdpServer',
    version: 'dtlsprobe reference',
    command: 'UdpServer.listen (in process)',
    get port() {
      return server?.address.port ?? 0;
    },
    server: () => server,
    async start() {
      server = await UdpServer.listen({ host: '127.0.0.1', config: { certificate }, handshakeTimeoutMs: 3000 });
      server.onConnection((conn) => {
        void (async () => {
          try {
            await conn.handshake();
            for (let d = await conn.read(); d !== undefined; d = await conn.read()) {
              output += new TextDecoder().decode(d);
              listeners.forEach((l) => l());
              conn.send(d);
            }
          } catch {
            // a failed handshake is what most cases are for
          }
        })();
      });
    },
    async stop() {
      await server?.close();
    },
    alive: () => true,
    abnormalEnd: () => undefined,
    output: () => output,
    onOutput(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

function summary(r: ExternalFuzzReport): string {
  return `${r.cases} cases (${r.forgeries} forgeries), crash ${r.counts.crash}, hang ${r.counts.hang}, acceptance ${r.counts.acceptance}\n` +
    r.findings.map((f) => `${f.kind} case ${f.caseIndex}: ${f.evidence} [${f.mutation?.kind}: ${f.mutation?.detail}]`).join('\n');
}

peerTest('external fuzz: openssl s_server -dtls1_2 for 20 s: no crash, no accepted forgery, no hang but the two known ones', ['openssl'], async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-xfuzz-'));
  const { report, files } = await runExternalFuzz({ impl: 'openssl', role: 'server', seed: 20, timeMs: 20_000, reportDir: dir });
  t.log(summary(report));
  t.true(report.cases > 5, 'it ran cases');
  t.true(report.forgeries > 0, 'some cases were forgeries');
  t.is(report.counts.crash, 0, summary(report));
  t.is(report.counts.acceptance, 0, summary(report));
  t.deepEqual(report.findings.filter((f) => !isKnownPeerBug('openssl', f)), [], summary(report));
  t.regex(readFileSync(files.markdown, 'utf8'), /# External fuzzing: openssl s_server/);
  t.is(JSON.parse(readFileSync(files.json, 'utf8')).schema, 'dtlsprobe.external-fuzz/1');
});

peerTest('external fuzz: gnutls-serv --udp for 20 s: no crash, no accepted forgery, no hang but the known idle-loop spin', ['gnutls-serv'], async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dtlsprobe-xfuzz-'));
  const { report } = await runExternalFuzz({ impl: 'gnutls', role: 'server', seed: 20, timeMs: 20_000, reportDir: dir });
  t.log(summary(report));
  t.true(report.cases > 5, 'it ran cases');
  t.true(report.forgeries > 0, 'some cases were forgeries');
  t.is(report.counts.crash, 0, summary(report));
  t.is(report.counts.acceptance, 0, summary(report));
  t.deepEqual(report.findings.filter((f) => !isKnownPeerBug('gnutls', f)), [], summary(report));
});

test.serial('external fuzz: the acceptance oracle stays quiet against the reference server', async (t) => {
  const target = await referenceTarget();
  const report = await fuzzServer(target, { seed: 3, cases: 8, kinds: ['forge-finished', 'bad-mac', 'plaintext-appdata'] });
  t.log(summary(report));
  t.true(report.forgeries >= 6, 'the cases were forgeries');
  t.deepEqual(report.counts, { crash: 0, hang: 0, acceptance: 0 }, summary(report));
});

test.serial('external fuzz: the acceptance oracle fires when the server accepts a wrong Finished', async (t) => {
  const original = Object.getOwnPropertyDescriptor(HandshakeContext.prototype, 'checkFinished');
  t.truthy(original);
  // The deliberately broken server: verify_data is taken as it comes (in this test process only).
  HandshakeContext.prototype.checkFinished = function (this: HandshakeContext, _sender: 'client' | 'server', received: Uint8Array): void {
    this.firstFinished ??= received;
  };
  try {
    const target = await referenceTarget();
    const report = await fuzzServer(target, { seed: 4, cases: 3, kinds: ['forge-finished'] });
    t.log(summary(report));
    t.is(report.cases, 3);
    t.is(report.forgeries, 3);
    t.is(report.counts.acceptance, 3, summary(report));
    const f = report.findings[0];
    t.is(f.kind, 'acceptance');
    t.regex(f.evidence, /forged client Finished the peer sent ChangeCipherSpec/);
    t.is(f.mutation?.kind, 'forge-finished');
    t.is(f.mutation?.flight, 'ClientKeyExchange..Finished');
    t.not(f.mutation?.mutatedHex, f.mutation?.originalHex);
    t.regex(f.replay, /--seed 4 --case \d+/);
  } finally {
    if (original !== undefined) Object.defineProperty(HandshakeContext.prototype, 'checkFinished', original);
  }
});
