/**
 * The external implementations under test (harness/iut/external.ts) against the real tools: for
 * openssl and gnutls, every suite the built-in spec claims completes a handshake with the reference
 * endpoint through the session's wire, in both roles, with the cookie exchange, extended master
 * secret and application data the features claim; then how starting fails (a command that exits,
 * one that never listens, a port in use, a missing binary).
 */
import dgram from 'node:dgram';
import test, { type ExecutionContext } from 'ava';
import { Endpoint, type EngineEvent } from '../reference/engine.ts';
import type { Negotiated } from '../reference/handshake/dtls12/context.ts';
import { createTestPki } from '../reference/crypto/index.ts';
import { CipherSuite } from '../reference/wire/enums.ts';
import { suiteInfo } from '../reference/wire/suites.ts';
import { BUILTIN_EXTERNAL, CLIENT_DATA, ExternalImplementation, type ExternalSession, type ExternalSpec, remote } from '../harness/iut/external.ts';
import type { IutSession, SessionRequest, Wire } from '../harness/iut/types.ts';
import { freeUdpPort } from '../harness/ports.ts';
import { generateCredentials, loadCredentials } from '../harness/pki.ts';
import { peerTest, text, utf8 } from './support.ts';

const IDENTITY = 'dtlsprobe-client';
const KEY_HEX = '00112233445566778899aabbccddeeff';
const KEY = Uint8Array.from(Buffer.from(KEY_HEX, 'hex'));

const BINARIES: Record<string, { server: string; client: string }> = {
  openssl: { server: 'openssl', client: 'openssl' },
  gnutls: { server: 'gnutls-serv', client: 'gnutls-cli' },
};

const isPsk = (suite: number): boolean => suiteInfo(suite)?.authentication === 'psk';
const label = (suite: number): string => `${CipherSuite.nameOf(suite)} (${suite.toString(16).padStart(4, '0')})`;

// Made once, before any test (an RSA key takes a moment).
test.before(async () => {
  await generateCredentials();
});

/** At most four tests run processes at a time, so a loaded machine does not turn into startup timeouts. */
const MAX_RUNNING = 4;
let running = 0;
const queue: (() => void)[] = [];
function limited(impl: (t: ExecutionContext) => Promise<void>): (t: ExecutionContext) => Promise<void> {
  return async (t) => {
    if (running >= MAX_RUNNING) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      await impl(t);
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

async function request(role: 'server' | 'client', extra: Partial<SessionRequest> = {}): Promise<SessionRequest> {
  return { role, files: await generateCredentials(), seed: 1, probe: 'iut-external-test', ...extra };
}

/** Whether a datagram starts with an epoch-0 handshake record holding a HelloVerifyRequest. */
function isHelloVerifyRequest(hex: string): boolean {
  const d = Buffer.from(hex, 'hex');
  return d.length > 13 && d[0] === 22 && d[3] === 0 && d[4] === 0 && d[13] === 3;
}

interface Driven {
  negotiated: Negotiated | undefined;
  data: Uint8Array[];
  events: EngineEvent[];
}

/**
 * Runs the reference endpoint over the wire until `until` holds (or `ms` pass): its datagrams go
 * out, the wire's come in, its timer fires on the wire's clock.
 */
async function drive(endpoint: Endpoint, wire: Wire, driven: Driven, until: () => boolean, ms: number): Promise<boolean> {
  const deadline = wire.now() + ms;
  for (;;) {
    for (let d = endpoint.pollTransmit(); d !== undefined; d = endpoint.pollTransmit()) wire.send(d);
    for (let e = endpoint.pollEvent(); e !== undefined; e = endpoint.pollEvent()) {
      driven.events.push(e);
      if (e.kind === 'handshake-complete') driven.negotiated = e.negotiated;
      if (e.kind === 'data') driven.data.push(e.data);
    }
    if (until()) return true;
    if (driven.events.some((e) => e.kind === 'error')) return false;
    const now = wire.now();
    if (now >= deadline) return false;
    const next = endpoint.nextTimeout();
    const d = await wire.receive(Math.max(1, Math.min(deadline, next ?? deadline) - now));
    if (d !== undefined) endpoint.receive(d, wire.now());
    else if (next !== undefined && wire.now() >= next) endpoint.handleTimeout(wire.now());
  }
}

const describeFailure = (driven: Driven, session: IutSession): string =>
  `events: ${driven.events.map((e) => (e.kind === 'error' ? `error ${e.error.message}` : e.kind)).join(', ')}\n${session.log()}`;

for (const name of ['openssl', 'gnutls'] as const) {
  const spec = BUILTIN_EXTERNAL[name];
  const bins = BINARIES[name];

  peerTest(`${name}: version() names the tool`, [bins.server], async (t) => {
    const v = await new ExternalImplementation(spec).version();
    t.regex(v, name === 'openssl' ? /^OpenSSL \d/ : /^gnutls-serv \d/);
  });

  for (const suite of spec.suites.server ?? []) {
    peerTest(`[RFC6347-4.2.1-cookie] ${name} server: reference client handshake, ${label(suite)}, data`, [bins.server], limited(async (t) => {
      const psk = isPsk(suite);
      const impl = new ExternalImplementation(spec);
      const session = (await impl.start(await request('server', psk ? { psk: { identity: IDENTITY, keyHex: KEY_HEX } } : {}))) as ExternalSession;
      try {
        const creds = loadCredentials(await generateCredentials());
        const endpoint = new Endpoint({
          role: 'client',
          cipherSuites: [suite],
          ...(psk ? { psk: { identity: utf8(IDENTITY), key: KEY } } : {}),
          verifyPeer: (chain) =>
            Buffer.compare(Buffer.from(chain[0]), Buffer.from(creds.leaf.p256.chain[0])) === 0 ? { ok: true } : { ok: false, alert: 42, reason: 'not our leaf' },
        });
        const driven: Driven = { negotiated: undefined, data: [], events: [] };
        endpoint.connect(session.wire.now());
        t.true(await drive(endpoint, session.wire, driven, () => driven.negotiated !== undefined, 5000), describeFailure(driven, session));
        t.is(driven.negotiated?.cipherSuite, suite);
        t.true(driven.negotiated?.extendedMasterSecret, 'ems');
        const first = session.wire.transcript.find((e) => e.dir === 'received');
        t.true(first !== undefined && isHelloVerifyRequest(first.hex), 'the first answer is a HelloVerifyRequest (cookie)');

        const line = `hello ${name} ${suite.toString(16)}\n`;
        endpoint.send(utf8(line));
        if (name === 'openssl') {
          await drive(endpoint, session.wire, driven, () => true, 0);
          t.true(await session.delivered?.(utf8(line), 3000), `delivered; output:\n${session.log()}`);
        } else {
          t.true(await drive(endpoint, session.wire, driven, () => driven.data.length > 0, 3000), describeFailure(driven, session));
          t.is(driven.data.map(text).join(''), line, 'echoed');
        }
        t.is(session.exit(), undefined, 'still running');
        t.regex(session.keyLog() ?? '', /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/im, 'key log');
      } finally {
        await session.close();
      }
      t.is(session.exit(), undefined, 'our stop is not an exit of its own');
      t.regex(session.keyLog() ?? '', /CLIENT_RANDOM/, 'key log kept after close');
    }));
  }

  for (const suite of spec.suites.client ?? []) {
    peerTest(`${name} client: reference server handshake, ${label(suite)}, client data`, [bins.client], limited(async (t) => {
      const psk = isPsk(suite);
      const creds = loadCredentials(await generateCredentials());
      const impl = new ExternalImplementation(spec);
      const session = await impl.start(await request('client', psk ? { psk: { identity: IDENTITY, keyHex: KEY_HEX } } : {}));
      try {
        const endpoint = new Endpoint({
          role: 'server',
          cipherSuites: [suite],
          peerAddress: '127.0.0.1',
          ...(psk ? { pskLookup: (id: Uint8Array) => (text(id) === IDENTITY ? KEY : undefined) } : { certificate: creds.leaf.p256 }),
        });
        const driven: Driven = { negotiated: undefined, data: [], events: [] };
        const ok = await drive(endpoint, session.wire, driven, () => driven.negotiated !== undefined && driven.data.length > 0, 6000);
        t.true(ok, describeFailure(driven, session));
        t.is(driven.negotiated?.cipherSuite, suite);
        t.true(driven.negotiated?.extendedMasterSecret, 'ems');
        t.is(driven.data.map(text).join(''), CLIENT_DATA);
      } finally {
        await session.close();
      }
    }));
  }

  peerTest(`${name} client: refuses a server certificate another CA issued`, [bins.client], limited(async (t) => {
    const other = await createTestPki('P-256', { caName: 'CN=some other CA' });
    const session = await new ExternalImplementation(spec).start(await request('client'));
    try {
      const endpoint = new Endpoint({
        role: 'server',
        certificate: { chain: [other.leaf.certificate.der, other.ca.certificate.der], privateKey: other.leaf.privateKey },
        peerAddress: '127.0.0.1',
      });
      const driven: Driven = { negotiated: undefined, data: [], events: [] };
      await drive(endpoint, session.wire, driven, () => false, 3000);
      t.is(driven.negotiated, undefined, describeFailure(driven, session));
      const error = driven.events.find((e) => e.kind === 'error');
      t.true(error !== undefined && error.kind === 'error' && error.error.detail.kind === 'alert-received', describeFailure(driven, session));
      t.false(driven.data.length > 0, 'no data sent');
    } finally {
      await session.close();
    }
  }));

  peerTest(`[RFC7301-3.2] ${name} server: ALPN from the session request`, [bins.server], limited(async (t) => {
    const session = await new ExternalImplementation(spec).start(await request('server', { alpn: name === 'openssl' ? ['foo', 'bar'] : ['bar'] }));
    try {
      const endpoint = new Endpoint({ role: 'client', alpn: ['bar'] });
      const driven: Driven = { negotiated: undefined, data: [], events: [] };
      endpoint.connect(session.wire.now());
      t.true(await drive(endpoint, session.wire, driven, () => driven.negotiated !== undefined, 5000), describeFailure(driven, session));
      t.is(driven.negotiated?.alpn, 'bar');
    } finally {
      await session.close();
    }
  }));

  peerTest(`[RFC7301-3.1] ${name} client: ALPN from the session request`, [bins.client], limited(async (t) => {
    const creds = loadCredentials(await generateCredentials());
    const session = await new ExternalImplementation(spec).start(await request('client', { alpn: ['baz'] }));
    try {
      const endpoint = new Endpoint({ role: 'server', certificate: creds.leaf.p256, alpn: ['baz'], peerAddress: '127.0.0.1' });
      const driven: Driven = { negotiated: undefined, data: [], events: [] };
      t.true(await drive(endpoint, session.wire, driven, () => driven.negotiated !== undefined, 5000), describeFailure(driven, session));
      t.is(driven.negotiated?.alpn, 'baz');
    } finally {
      await session.close();
    }
  }));
}

/** A spec with one role and nothing else. */
const one = (role: 'server' | 'client', command: string, extra: Partial<ExternalSpec['server']> = {}): ExternalSpec => ({
  name: 'test',
  features: [],
  suites: {},
  [role]: { command, ...extra },
});

async function startError(t: ExecutionContext, spec: ExternalSpec, role: 'server' | 'client'): Promise<string> {
  const e = await t.throwsAsync(new ExternalImplementation(spec).start(await request(role)), { name: 'IutError' });
  return e?.message ?? '';
}

peerTest('openssl server: readiness from /proc/net/udp when the spec has no ready regex', ['openssl'], limited(async (t) => {
  const base = BUILTIN_EXTERNAL.openssl.server;
  if (base === undefined) return t.fail('no openssl server');
  const spec: ExternalSpec = { ...BUILTIN_EXTERNAL.openssl, server: { command: base.command } };
  const session = await new ExternalImplementation(spec).start(await request('server'));
  try {
    const endpoint = new Endpoint({ role: 'client', cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] });
    const driven: Driven = { negotiated: undefined, data: [], events: [] };
    endpoint.connect(session.wire.now());
    t.true(await drive(endpoint, session.wire, driven, () => driven.negotiated !== undefined, 5000), describeFailure(driven, session));
  } finally {
    await session.close();
  }
}));

peerTest('remote(): a wire to a server the harness did not start', ['openssl'], limited(async (t) => {
  const server = (await new ExternalImplementation(BUILTIN_EXTERNAL.openssl).start(await request('server'))) as ExternalSession;
  try {
    const impl = remote('127.0.0.1', server.port);
    t.is(await impl.version(), 'unknown');
    t.deepEqual(impl.description.roles, ['server']);
    await t.throwsAsync(impl.start(await request('client')), { name: 'IutError', message: /cannot play the client/ });
    const session = await impl.start(await request('server'));
    try {
      const endpoint = new Endpoint({ role: 'client' });
      const driven: Driven = { negotiated: undefined, data: [], events: [] };
      endpoint.connect(session.wire.now());
      t.true(await drive(endpoint, session.wire, driven, () => driven.negotiated !== undefined, 5000), describeFailure(driven, server));
      t.is(session.exit(), undefined);
    } finally {
      await session.close();
    }
    t.is(server.exit(), undefined, 'closing the remote session leaves the server running');
  } finally {
    await server.close();
  }
}));

test('a server that exits at once: the error gives its exit code and output', async (t) => {
  const message = await startError(t, one('server', "sh -c 'echo cannot listen here >&2; exit 3'"), 'server');
  t.regex(message, /exited with code 3 before it listened on 127\.0\.0\.1:\d+/);
  t.regex(message, /cannot listen here/);
});

test('`false` as a server: exits before it listens', async (t) => {
  t.regex(await startError(t, one('server', 'false'), 'server'), /exited with code 1 before it listened/);
});

test('a server that never listens: the error names host:port and the timeout', async (t) => {
  const req = await request('server');
  const started = Date.now();
  const e = await t.throwsAsync(new ExternalImplementation(one('server', 'sleep 30', { startupTimeoutMs: 400 })).start(req), { name: 'IutError' });
  t.regex(e?.message ?? '', /did not listen on 127\.0\.0\.1:\d+ within 400 ms/);
  t.true(Date.now() - started < 4000, 'gave up after the timeout and stopped the sleep');
});

test('a server whose ready regex never shows: the error names the regex', async (t) => {
  const message = await startError(t, one('server', 'sleep 30', { startupTimeoutMs: 300, ready: '^LISTENING$' }), 'server');
  t.regex(message, /within 300 ms \(waited for \/\^LISTENING\$\/ in its output\)/);
});

test('a fixed port already in use is refused before anything starts', async (t) => {
  const port = await freeUdpPort();
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind({ address: '127.0.0.1', port }, () => resolve()));
  try {
    t.is(await startError(t, one('server', 'sleep 30', { port }), 'server'), `port ${port} on 127.0.0.1 is in use`);
  } finally {
    s.close();
  }
});

test('an unknown binary: "NAME: command not found", for either role and for version()', async (t) => {
  t.regex(await startError(t, one('server', 'dtlsprobe-no-such-binary -p {port}'), 'server'), /^dtlsprobe-no-such-binary: command not found/);
  t.regex(await startError(t, one('client', 'dtlsprobe-no-such-binary {host}:{port}'), 'client'), /^dtlsprobe-no-such-binary: command not found/);
  const spec: ExternalSpec = { ...one('server', 'x'), version: ['dtlsprobe-no-such-binary', '--version'] };
  await t.throwsAsync(new ExternalImplementation(spec).version(), { name: 'IutError', message: /^dtlsprobe-no-such-binary: command not found/ });
});

test('a client that exits before sending anything', async (t) => {
  t.regex(await startError(t, one('client', 'false'), 'client'), /exited with code 1 before it sent anything to 127\.0\.0\.1:\d+/);
});

test('a client that sends nothing: the error names the port and the timeout', async (t) => {
  t.regex(await startError(t, one('client', 'sleep 30', { startupTimeoutMs: 300 }), 'client'), /sent nothing to 127\.0\.0\.1:\d+ within 300 ms/);
});

test('a server that ends after it listened: exit() reports it, log() has its output', async (t) => {
  const spec = one('server', "sh -c 'echo READY; sleep 0.3; echo bye; exit 5'", { ready: '^READY$' });
  const session = await new ExternalImplementation(spec).start(await request('server'));
  try {
    t.is(session.exit(), undefined);
    const deadline = Date.now() + 3000;
    while (session.exit() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    t.deepEqual(session.exit(), { code: 5, signal: null });
    t.regex(session.log(), /READY\nbye/);
  } finally {
    await session.close();
  }
});

test('a PSK session without a pskCommand uses command, whose {psk} then has a value', async (t) => {
  const spec = one('server', "sh -c 'echo {psk_identity}={psk} {alpn}; cat {psk_file}; echo READY; sleep 5'", { ready: '^READY$' });
  const session = await new ExternalImplementation(spec).start(await request('server', { psk: { identity: 'me', keyHex: 'abcd' }, alpn: ['a', 'b'] }));
  try {
    t.regex(session.log(), /^me=abcd a,b\nme:abcd\nREADY/m);
  } finally {
    await session.close();
  }
});

test('a placeholder without a value in this session is an error naming the field', async (t) => {
  t.regex(await startError(t, one('server', 'echo {psk}'), 'server'), /server\.command uses \{psk\}, which this session has no value for/);
});
