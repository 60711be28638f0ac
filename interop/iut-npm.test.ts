/**
 * The npm implementations under test (harness/iut/werift.ts, harness/iut/node-dtls-client.ts)
 * driven through full handshakes by the reference sans-IO endpoint playing the harness's side over
 * the session's wire: werift-dtls as a server (P-256 and RSA) and as a client, node-dtls-client as a
 * PSK client with each AEAD suite it offers. Each run carries a line each way, checks `delivered()`,
 * ends with close_notify, and checks that closing leaves no timer or socket behind. werift as a
 * server fed a datagram shorter than a record header must not throw out of the adapter.
 *
 * Serial: the open-handle check counts the process's timers and UDP sockets.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Endpoint, type EngineEvent } from '../reference/engine.ts';
import { PrivateKey, pemDecode, pemEncode } from '../reference/crypto/index.ts';
import type { Negotiated } from '../reference/handshake/dtls12/context.ts';
import type { EndpointConfig } from '../reference/handshake/dtls12/config.ts';
import { CipherSuite, NamedGroup } from '../reference/wire/enums.ts';
import { testPki } from '../testkit/credentials.ts';
import type { KeyAlgorithm } from '../reference/crypto/public-key.ts';
import type { CredentialFiles, IutSession, KeyType, SessionRequest, Wire } from '../harness/iut/types.ts';
import { WERIFT_CLIENT_LINE, werift } from '../harness/iut/werift.ts';
import { NDC_CLIENT_LINE, nodeDtlsClient } from '../harness/iut/node-dtls-client.ts';
import { isHelloVerifyRequest, text, utf8 } from './support.ts';

let files: CredentialFiles;
let folder: string;

/** The test PKI of `algorithm` as a leaf certificate file and its PKCS#8 key file. */
async function leafFiles(type: KeyType, algorithm: KeyAlgorithm): Promise<{ cert: string; key: string }> {
  const { credentials } = await testPki(algorithm);
  const paths = { cert: join(folder, `${type}.crt`), key: join(folder, `${type}.key`) };
  await writeFile(paths.cert, pemEncode('CERTIFICATE', credentials.chain[0]));
  await writeFile(paths.key, credentials.privateKey.toPem(), { mode: 0o600 });
  return paths;
}

test.before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'dtlsprobe-iut-npm-'));
  const leaf = {
    p256: await leafFiles('p256', 'P-256'),
    p384: await leafFiles('p384', 'P-384'),
    ed25519: await leafFiles('ed25519', 'Ed25519'),
    rsa: await leafFiles('rsa', 'RSA'),
  };
  // The P-256 PKI's CA; each test PKI has its own CA, which these runs do not verify against.
  const ca = join(folder, 'ca.crt');
  await writeFile(ca, pemEncode('CERTIFICATE', (await testPki('P-256')).ca));
  files = { ca, leaf };
});

test.after.always(async () => {
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

const request = (role: SessionRequest['role'], extra: Partial<SessionRequest> = {}): SessionRequest => ({ role, files, seed: 1, probe: 'iut-npm', ...extra });

/** The timers and UDP sockets this process holds. */
function handles(): { timers: number; sockets: number } {
  const info = process.getActiveResourcesInfo();
  return { timers: info.filter((r) => r === 'Timeout').length, sockets: info.filter((r) => r === 'UDPWRAP').length };
}

/** The reference endpoint on the harness's side of a session's wire, on the wire's clock. */
class Harness {
  readonly events: EngineEvent[] = [];
  readonly data: string[] = [];
  negotiated: Negotiated | undefined;

  constructor(
    readonly endpoint: Endpoint,
    readonly wire: Wire,
  ) {}

  /** Sends what the endpoint has to send and takes its events; an error event fails the run. */
  flush(): void {
    for (let d = this.endpoint.pollTransmit(); d !== undefined; d = this.endpoint.pollTransmit()) this.wire.send(d);
    for (let e = this.endpoint.pollEvent(); e !== undefined; e = this.endpoint.pollEvent()) {
      this.events.push(e);
      if (e.kind === 'handshake-complete') this.negotiated = e.negotiated;
      else if (e.kind === 'data') this.data.push(text(e.data));
      else if (e.kind === 'error') throw new Error(`the reference endpoint failed: ${e.error.message}`);
    }
  }

  /** Runs the conversation until `done()`, feeding the endpoint datagrams and its timeouts. */
  async until(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = this.wire.now() + timeoutMs;
    this.flush();
    while (!done()) {
      const now = this.wire.now();
      if (now >= deadline) throw new Error(`no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events.map((e) => (e.kind === 'alert' ? e : e.kind)))}`);
      const next = this.endpoint.nextTimeout();
      const wait = Math.max(1, Math.min(deadline - now, next === undefined ? 100 : next - now, 100));
      const d = await this.wire.receive(wait);
      if (d !== undefined) this.endpoint.receive(d, this.wire.now());
      else if (next !== undefined && this.wire.now() >= next) this.endpoint.handleTimeout(this.wire.now());
      this.flush();
    }
  }

  handshake(): Promise<void> {
    return this.until('handshake', () => this.negotiated !== undefined);
  }

  /** The datagrams the implementation sent, in order. */
  received(): Uint8Array[] {
    return this.wire.transcript.filter((e) => e.dir === 'received').map((e) => Uint8Array.from(Buffer.from(e.hex, 'hex')));
  }
}

/** The reference server's credentials, from the session's PEM files. */
function serverCertificate(type: KeyType): NonNullable<EndpointConfig['certificate']> {
  const leaf = files.leaf[type];
  return { chain: [pemDecode(readFileSync(leaf.cert, 'utf8'), 'CERTIFICATE')], privateKey: PrivateKey.fromPem(readFileSync(leaf.key, 'utf8')) };
}

/** Sends a close_notify, closes the session, and checks that nothing of it stays open. */
async function closeAll(t: ExecutionContext, h: Harness, session: IutSession, before: { timers: number; sockets: number }): Promise<void> {
  h.endpoint.close();
  h.flush();
  await session.close();
  await new Promise<void>((resolve) => setImmediate(resolve));
  t.deepEqual(handles(), before, 'closing the session leaves no timer or UDP socket behind');
}

async function serverRun(t: ExecutionContext, keyType: KeyType, suite: number): Promise<void> {
  const before = handles();
  const session = await werift.start(request('server', { keyType }));
  const h = new Harness(new Endpoint({ role: 'client', cipherSuites: [suite] }), session.wire);
  try {
    h.endpoint.connect(h.wire.now());
    await h.handshake();
    t.true(isHelloVerifyRequest(h.received()[0]), 'werift answers the first ClientHello with a HelloVerifyRequest');
    t.is(h.negotiated?.cipherSuite, suite);
    t.is(h.negotiated?.group, NamedGroup.x25519);
    t.true(h.negotiated?.extendedMasterSecret);

    const line = `hello werift, from the ${keyType} run\n`;
    h.endpoint.send(utf8(line));
    await h.until('the echo', () => h.data.length > 0);
    t.deepEqual(h.data, [line], 'werift echoes the line');
    t.true(await session.delivered!(utf8(line), 1000), 'delivered() saw the line');
    t.false(await session.delivered!(utf8('never sent'), 50));
    t.is(session.exit(), undefined, session.log());

    h.endpoint.close();
    h.flush();
    await h.wire.sleep(50);
    t.deepEqual(session.exit(), { code: 0, signal: 'closed: alert received' }, 'the close_notify raised werift\'s close event');
  } finally {
    await closeAll(t, h, session, before);
  }
}

test.serial('werift server, P-256 key: HelloVerifyRequest, c02b over x25519 with EMS, the line echoed and delivered', (t) =>
  serverRun(t, 'p256', CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
);

test.serial('werift server, RSA key: c02f with EMS, the line echoed and delivered', (t) => serverRun(t, 'rsa', CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256));

test.serial('werift server refuses key types it cannot sign with, and suites it does not pick', async (t) => {
  for (const keyType of ['p384', 'ed25519'] as const) {
    await t.throwsAsync(werift.start(request('server', { keyType })), { name: 'IutError', message: /P-256 ECDSA or an RSA key only/ });
  }
  await t.throwsAsync(werift.start(request('server', { suites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384] })), { name: 'IutError', message: /c02b only/ });
  await t.throwsAsync(werift.start(request('server', { psk: { identity: 'client1', keyHex: '00' } })), { name: 'IutError' });
});

test.serial('werift client: through the reference server\'s HelloVerifyRequest to c02b with EMS, a line each way', async (t) => {
  const before = handles();
  const session = await werift.start(request('client'));
  const h = new Harness(new Endpoint({ role: 'server', certificate: serverCertificate('p256') }), session.wire);
  try {
    await h.handshake();
    t.is(h.negotiated?.cipherSuite, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    t.true(h.negotiated?.extendedMasterSecret);
    const sent = h.wire.transcript.filter((e) => e.dir === 'sent').map((e) => Uint8Array.from(Buffer.from(e.hex, 'hex')));
    t.true(isHelloVerifyRequest(sent[0]), 'the reference server sent a HelloVerifyRequest first');

    await h.until('werift\'s line', () => h.data.length > 0);
    t.deepEqual(h.data, [WERIFT_CLIENT_LINE]);
    const line = 'hello werift client\n';
    h.endpoint.send(utf8(line));
    h.flush();
    t.true(await session.delivered!(utf8(line), 2000), 'delivered() saw the line');
    t.is(session.exit(), undefined, session.log());
  } finally {
    await closeAll(t, h, session, before);
  }
});

test.serial('werift server fed a datagram shorter than a record header: no exception out of the adapter, exit() names it', async (t) => {
  const before = handles();
  const session = await werift.start(request('server'));
  const h = new Harness(new Endpoint({ role: 'client' }), session.wire);
  try {
    t.notThrows(() => session.wire.send(Uint8Array.of(0x16, 0xfe, 0xfd)));
    const exit = session.exit();
    t.is(exit?.code, null);
    t.regex(exit?.signal ?? '', /^exception: /, session.log());
    // The exception left werift's state alone: a handshake still completes.
    h.endpoint.connect(h.wire.now());
    await h.handshake();
    t.is(h.negotiated?.cipherSuite, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  } finally {
    await closeAll(t, h, session, before);
  }
});

test.serial('werift client left unanswered: it retransmits its ClientHello, and close() cancels the waits it cannot cancel itself', async (t) => {
  const before = handles();
  const session = await werift.start(request('client'));
  try {
    t.truthy(await session.wire.receive(100), 'its ClientHello, at once');
    t.truthy(await session.wire.receive(1500), 'its first retransmission');
    t.is(session.exit(), undefined);
  } finally {
    await session.close();
    await new Promise<void>((resolve) => setImmediate(resolve));
    t.deepEqual(handles(), before, 'closing the session leaves no timer or UDP socket behind');
  }
});

const IDENTITY = 'client1';
const KEY_HEX = '00112233445566778899aabbccddeeff';
const KEY = Uint8Array.from(Buffer.from(KEY_HEX, 'hex'));
const pskLookup = (identity: Uint8Array): Uint8Array | undefined => (text(identity) === IDENTITY ? KEY : undefined);

for (const suite of nodeDtlsClient.description.suites.client ?? []) {
  const label = `${CipherSuite.nameOf(suite)} (${suite.toString(16).padStart(4, '0')})`;
  test.serial(`node-dtls-client, PSK with a binary key: ${label}, no EMS, a line each way, close_notify answered`, async (t) => {
    const before = handles();
    const session = await nodeDtlsClient.start(request('client', { psk: { identity: IDENTITY, keyHex: KEY_HEX }, suites: [suite] }));
    // It offers no extended_master_secret: the reference server must not insist (RFC 7627 §5.2).
    const h = new Harness(new Endpoint({ role: 'server', cipherSuites: [suite], pskLookup, requireExtendedMasterSecret: false }), session.wire);
    try {
      await h.handshake();
      t.is(h.negotiated?.cipherSuite, suite);
      t.false(h.negotiated?.extendedMasterSecret);
      t.is(text(h.negotiated?.pskIdentity), IDENTITY);

      await h.until('its line', () => h.data.length > 0);
      t.deepEqual(h.data, [NDC_CLIENT_LINE]);
      const line = `hello node-dtls-client, ${label}\n`;
      h.endpoint.send(utf8(line));
      h.flush();
      t.true(await session.delivered!(utf8(line), 2000), 'delivered() saw the line');
      t.is(session.exit(), undefined, session.log());

      h.endpoint.close();
      h.flush();
      // Our endpoint is closed and reads no more: look for its alert record on the wire.
      await h.until('its close_notify', () => h.received().some((d) => d[0] === 21));
      await h.wire.sleep(50);
      t.is(session.exit()?.code, 0, session.log());
    } finally {
      await closeAll(t, h, session, before);
    }
  });
}

test.serial('node-dtls-client fed a handshake record one byte long: its exception is recorded in exit(), not thrown in this process', async (t) => {
  const before = handles();
  const session = await nodeDtlsClient.start(request('client', { psk: { identity: IDENTITY, keyHex: KEY_HEX } }));
  try {
    t.truthy(await session.wire.receive(2000), 'its ClientHello');
    // Epoch 0, sequence number 1, a handshake fragment of one byte: its UDP handler throws on it.
    session.wire.send(Uint8Array.from(Buffer.from('16fefd0000000000000001000102', 'hex')));
    await session.wire.sleep(100);
    const exit = session.exit();
    t.is(exit?.code, null);
    t.regex(exit?.signal ?? '', /^exception: /, session.log());
  } finally {
    await session.close();
    await new Promise<void>((resolve) => setImmediate(resolve));
    t.deepEqual(handles(), before, 'closing the session leaves no timer or UDP socket behind');
  }
});

test.serial('node-dtls-client refuses what it cannot do: the server role, no PSK, a non-ASCII identity, CBC-only suites', async (t) => {
  await t.throwsAsync(nodeDtlsClient.start(request('server')), { name: 'IutError' });
  await t.throwsAsync(nodeDtlsClient.start(request('client')), { name: 'IutError', message: /PSK/ });
  await t.throwsAsync(nodeDtlsClient.start(request('client', { psk: { identity: 'clïent', keyHex: KEY_HEX } })), { name: 'IutError', message: /ASCII/ });
  await t.throwsAsync(nodeDtlsClient.start(request('client', { psk: { identity: IDENTITY, keyHex: KEY_HEX }, suites: [CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256] })), {
    name: 'IutError',
  });
});

test.serial('version() names each package and its version', async (t) => {
  t.regex(await werift.version(), /^werift-dtls \d+\.\d+\.\d+$/);
  t.regex(await nodeDtlsClient.version(), /^node-dtls-client \d+\.\d+\.\d+$/);
});
