/**
 * A realistic run for the report tests: both roles, four probe groups, every outcome once or more,
 * transcripts with real DTLS 1.2 records. Test support only; nothing in the harness imports it.
 */
import type { ProbeResult, RunResult, WireEvent } from './model.ts';

/** Joins hex fields written one per line with a comment each. */
const bytes = (...fields: string[]): string => fields.join('');

/** A DTLS 1.2 ClientHello without a cookie, as the harness sends it first. */
export const CLIENT_HELLO = bytes(
  '16', // ContentType handshake
  'fefd', // DTLS 1.2
  '0000', // epoch 0
  '000000000000', // sequence number 0
  '0036', // record length 54
  '01', // HandshakeType client_hello
  '00002a', // length 42
  '0000', // message_seq 0
  '000000', // fragment_offset 0
  '00002a', // fragment_length 42
  'fefd', // client_version DTLS 1.2
  '5f1c2e3d4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', // random
  '00', // session_id, empty
  '00', // cookie, empty
  '0002c02b', // cipher_suites: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  '0100', // compression_methods: null
);

/** The server's HelloVerifyRequest with a 20-byte cookie. */
export const HELLO_VERIFY_REQUEST = bytes(
  '16', // ContentType handshake
  'fefd', // DTLS 1.2
  '0000', // epoch 0
  '000000000000', // sequence number 0, mirrored from the ClientHello
  '0023', // record length 35
  '03', // HandshakeType hello_verify_request
  '000017', // length 23
  '0000', // message_seq 0
  '000000', // fragment_offset 0
  '000017', // fragment_length 23
  'fefd', // server_version
  '14', // cookie length 20
  '3a7c0e5d9b21f48c6a0d17e2b95f3c0844d16a7e', // cookie
);

/** A fatal handshake_failure alert in epoch 0. */
export const ALERT_HANDSHAKE_FAILURE = bytes(
  '15', // ContentType alert
  'fefd', // DTLS 1.2
  '0000', // epoch 0
  '000000000001', // sequence number 1
  '0002', // record length 2
  '02', // level fatal
  '28', // handshake_failure (40)
);

const hello: readonly WireEvent[] = [
  { dir: 'sent', at: 0, hex: CLIENT_HELLO, note: 'ClientHello (seq 0)' },
  { dir: 'received', at: 1.25, hex: HELLO_VERIFY_REQUEST, note: 'HelloVerifyRequest (seq 0)' },
];

/** A probe result with plausible defaults; `over` sets the fields a test cares about. */
export function probe(over: Partial<ProbeResult> & Pick<ProbeResult, 'name' | 'group' | 'role' | 'outcome'>): ProbeResult {
  return {
    title: `checks ${over.name}`,
    requirements: [],
    seed: 1000,
    durationMs: 12.5,
    clockMs: 1000,
    clock: 'virtual',
    steps: ['Connect', 'ClientHelloGenerator', 'ExpectHelloVerifyRequest', 'Close'],
    transcript: hello,
    ...over,
  };
}

/** The probes of the sample run, in the order they ran. */
export function sampleProbes(): ProbeResult[] {
  return [
    probe({
      name: 'cookie-exchange', group: 'server-cookie', role: 'server', outcome: 'pass', seed: 11,
      title: 'the server answers a cookieless ClientHello with HelloVerifyRequest mirroring its sequence number',
      requirements: ['RFC6347-4.2.1', 'RFC6347-4.2.1-seq-mirror'],
    }),
    probe({
      name: 'cookie-mismatch', group: 'server-cookie', role: 'server', outcome: 'fail', seed: 12,
      title: 'a ClientHello with a forged cookie is treated like one without a cookie',
      requirements: ['RFC6347-4.2.1-cookie-mismatch'],
      reason: 'expected HelloVerifyRequest, got ServerHello (the forged cookie was accepted)',
      steps: ['Connect', 'ClientHelloGenerator(cookie=forged)', 'ExpectHelloVerifyRequest: got ServerHello'],
    }),
    probe({
      name: 'hvr-no-retransmit', group: 'server-cookie', role: 'server', outcome: 'xfail', seed: 13,
      title: 'the server never retransmits a HelloVerifyRequest',
      requirements: ['RFC6347-3.2.1-hvr-no-retransmit'],
      reason: 'known: resends HelloVerifyRequest after 1 s (upstream issue 1234)',
      clockMs: 3000,
      transcript: [...hello, { dir: 'received', at: 1001.25, hex: HELLO_VERIFY_REQUEST, note: 'HelloVerifyRequest again' }],
    }),
    probe({
      name: 'ems-required', group: 'server-ems', role: 'server', outcome: 'skip', seed: 14,
      title: 'a server requiring extended_master_secret refuses a ClientHello without it',
      requirements: ['RFC7627-5.2-ems-required'],
      reason: 'the implementation cannot be configured to require extended_master_secret',
      steps: [], transcript: [], durationMs: 0, clockMs: 0,
    }),
    probe({
      name: 'ems-resume-legacy', group: 'server-ems', role: 'server', outcome: 'xpass', seed: 15,
      title: 'a legacy session offered with extended_master_secret gets a full handshake',
      requirements: ['RFC7627-5.3-server-full', 'RFC5246-7.3-abbreviated'],
      reason: 'expected to resume the legacy session (fixed upstream in 3.2?)',
    }),
    probe({
      name: 'ems-resume-abort', group: 'server-ems', role: 'server', outcome: 'error', seed: 16,
      title: 'an EMS session offered without the extension ends the handshake',
      requirements: ['RFC7627-5.3-server-abort'],
      reason: 'the implementation did not start: bind: address 127.0.0.1:4433 in use',
      steps: ['Connect'], transcript: [], clock: 'real', clockMs: 5000, durationMs: 5003,
    }),
    probe({
      name: 'alpn-offer', group: 'client-alpn', role: 'client', outcome: 'pass', seed: 21,
      title: 'the client offers ALPN as a well-formed list',
      requirements: ['RFC7301-3.1'],
      steps: ['Listen', 'ExpectClientHello(alpn)', 'ServerHelloGenerator(alpn=h2)'],
      transcript: [{ dir: 'received', at: 0, hex: CLIENT_HELLO, note: 'ClientHello (seq 0)' }],
    }),
    probe({
      name: 'timer-double', group: 'client-retransmit', role: 'client', outcome: 'pass', seed: 22,
      title: 'the client doubles its retransmission timer from 1 s',
      requirements: ['RFC6347-4.2.4.1-timer-double', 'RFC6347-4.2.4.1-timer-initial'],
      clockMs: 7000,
      transcript: [
        { dir: 'received', at: 0, hex: CLIENT_HELLO, note: 'ClientHello (seq 0)' },
        { dir: 'received', at: 1000, hex: CLIENT_HELLO, note: 'ClientHello retransmitted' },
        { dir: 'received', at: 3000, hex: CLIENT_HELLO, note: 'ClientHello retransmitted' },
      ],
    }),
    probe({
      name: 'finished-resend', group: 'client-retransmit', role: 'client', outcome: 'fail', seed: 23,
      title: 'the client resends its last flight when the server repeats its own',
      requirements: ['RFC6347-4.2.4-final-flight-resend', 'RFC6347-4.2.4.1-timer-initial'],
      reason: 'no retransmission of the final flight within 60 s; first retransmission came at 3 s',
      transcript: [
        { dir: 'received', at: 0, hex: CLIENT_HELLO },
        { dir: 'sent', at: 0.5, hex: ALERT_HANDSHAKE_FAILURE, note: 'Alert(fatal, handshake_failure)' },
      ],
    }),
  ];
}

/** The sample run: openssl-like implementation, both roles. */
export function sampleRun(): RunResult {
  return {
    schema: 'dtlsprobe.run/1',
    tool: { name: 'dtlsprobe', version: '0.1.0' },
    implementation: { name: 'openssl', version: 'OpenSSL 3.0.13 30 Jan 2024', commands: { server: 'openssl s_server -dtls1_2 -accept {port} -cert {cert} -key {key}' } },
    date: '2025-03-01T12:00:00.000Z',
    seed: 424242,
    durationMs: 8123.4,
    roles: ['server', 'client'],
    probes: sampleProbes(),
  };
}
