/**
 * The known-peer-bug predicates against the findings the reports keep: each reported finding is
 * recognised, and the same datagram changed where the bug lies is not.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { ExternalFuzzReport, Finding } from './campaign.ts';
import { isKnownPeerBug, knownGnutlsServSpin, knownOpensslCookielessHello, knownOpensslMaxSequence } from './known-peer-bugs.ts';
import { fromHex, toHex } from './rng.ts';

function findings(folder: string): readonly Finding[] {
  const report = JSON.parse(readFileSync(new URL(`../../reports/external-fuzz/${folder}/report.json`, import.meta.url), 'utf8')) as ExternalFuzzReport;
  return report.findings;
}

/** The finding with its mutated datagram changed by `edit`. */
function edited(f: Finding, edit: (d: Uint8Array) => void): Finding {
  if (f.mutation === undefined) throw new Error(`finding of case ${f.caseIndex} has no mutation`);
  const d = fromHex(f.mutation.mutatedHex);
  edit(d);
  return { ...f, mutation: { ...f.mutation, mutatedHex: toHex(d) } };
}

function byCase(all: readonly Finding[], caseIndex: number): Finding {
  const f = all.find((x) => x.caseIndex === caseIndex);
  if (f === undefined) throw new Error(`no finding for case ${caseIndex}`);
  return f;
}

test('every hang in the openssl s_server report is one of its two known bugs, told apart', (t) => {
  const all = findings('openssl-server');
  t.true(all.length > 0);
  for (const f of all) t.true(isKnownPeerBug('openssl', f), `case ${f.caseIndex}: ${f.mutation?.detail}`);
  const maxSequence = byCase(all, 190);
  t.true(knownOpensslMaxSequence(maxSequence));
  t.false(knownOpensslCookielessHello(maxSequence), 'message_seq 0: not the cookieless-hello bug');
  t.false(knownOpensslMaxSequence(edited(maxSequence, (d) => (d[10] = 0xfe))), 'sequence_number 2^48-2');
  const cookieless = byCase(all, 342);
  t.true(knownOpensslCookielessHello(cookieless));
  t.false(knownOpensslMaxSequence(cookieless));
  t.false(knownOpensslCookielessHello(edited(cookieless, (d) => ((d[17] = 0), (d[18] = 0)))), 'message_seq 0');
  // The 31-byte random makes s_server read the cookie length as the session_id length and find a
  // zero cookie length after it; a non-zero byte there is a cookie.
  t.false(knownOpensslCookielessHello(edited(cookieless, (d) => (d[25 + 34 + 1 + d[25 + 34]] = 20))), 'a cookie');
  t.false(knownOpensslCookielessHello({ ...cookieless, kind: 'crash' }), 'a crash is never a known hang');
});

test('every hang in the gnutls-serv report is its known idle-loop spin; a ClientHello is not', (t) => {
  const all = findings('gnutls-server');
  t.true(all.length > 0);
  for (const f of all) t.true(isKnownPeerBug('gnutls', f), `case ${f.caseIndex}: ${f.mutation?.detail}`);
  const spin = all[0];
  t.false(knownGnutlsServSpin(edited(spin, (d) => ((d[0] = 22), (d[13] = 1)))), 'a datagram that starts with a ClientHello');
  t.false(knownGnutlsServSpin({ ...spin, evidence: 'liveness probe failed while it held a connection of ours' }), 'a stall with our connection');
  t.false(isKnownPeerBug('openssl', edited(spin, (d) => ((d[0] = 21), (d[13] = 2)))), 'the gnutls bug is not known for openssl');
});

test('the client reports have no findings to excuse', (t) => {
  t.deepEqual(findings('openssl-client'), []);
  t.deepEqual(findings('gnutls-client'), []);
});
