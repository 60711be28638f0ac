/**
 * The sans-IO engine, reference client against reference server in memory, on virtual time:
 * every suite × group completes, carries data both ways, exports the same keying material on both
 * sides, and closes with close_notify.
 */
import test from 'ava';
import type { EngineEvent } from './engine.ts';
import { CipherSuite, NamedGroup, AlertDescription } from './wire/enums.ts';
import { referencePair as pair } from '../testkit/pair.ts';

const SUITES = [
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
];
const GROUPS = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

const dataOf = (events: EngineEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'data' ? [new TextDecoder().decode(e.data)] : []));

for (const suite of SUITES) {
  for (const group of GROUPS) {
    test(`[RFC6347-4.2] ${CipherSuite.nameOf(suite)} with ${NamedGroup.nameOf(group)}: handshake, data both ways, equal exports, close_notify`, async (t) => {
      // The client also offers P-256, the curve of the server's certificate (RFC 8422 §5.3); the server allows only `group`.
      const clientGroups = group === NamedGroup.secp256r1 ? [group] : [group, NamedGroup.secp256r1];
      const p = await pair({ cipherSuites: [suite], groups: clientGroups }, { cipherSuites: [suite], groups: [group] }, `${suite}-${group}`);
      p.run();
      t.is(p.client.status, 'established', JSON.stringify(p.error('client') ?? p.error('server')));
      t.is(p.server.status, 'established');
      t.is(p.client.negotiated?.cipherSuite, suite);
      t.is(p.server.negotiated?.group, group);
      t.true(p.client.negotiated?.extendedMasterSecret);

      p.client.send(new TextEncoder().encode('ping'));
      p.transfer('client');
      p.server.send(new TextEncoder().encode('pong'));
      p.transfer('server');
      t.deepEqual(dataOf(p.events.server), ['ping']);
      t.deepEqual(dataOf(p.events.client), ['pong']);

      const label = 'EXPERIMENTAL dtlsprobe';
      t.deepEqual(p.client.exportKeyingMaterial(label, undefined, 32), p.server.exportKeyingMaterial(label, undefined, 32));
      t.deepEqual(p.client.exportKeyingMaterial(label, new Uint8Array(0), 16), p.server.exportKeyingMaterial(label, new Uint8Array(0), 16));
      t.notDeepEqual(p.client.exportKeyingMaterial(label, undefined, 16), p.client.exportKeyingMaterial(label, new Uint8Array(0), 16));
      for (const type of ['tls-unique', 'tls-server-end-point', 'tls-exporter'] as const) {
        const a = p.client.channelBinding(type);
        t.truthy(a, type);
        t.deepEqual(a, p.server.channelBinding(type), type);
      }

      p.client.close();
      p.transfer('client');
      t.is(p.client.status, 'closed');
      t.true(p.events.server.some((e) => e.kind === 'peer-closed'));
      t.true(p.events.server.some((e) => e.kind === 'alert' && e.from === 'peer' && e.description === AlertDescription.close_notify));
    });
  }
}

test('[RFC6347-4.2.1-cookie] the server answers the first ClientHello with a HelloVerifyRequest, then completes', async (t) => {
  const p = await pair();
  t.is(p.transfer('client'), 1);
  t.is(p.server.handshakeState, 'ExpectClientHello');
  const hvr = p.server.pollTransmit();
  t.truthy(hvr);
  // Record: handshake, version DTLS 1.2 record, then msg_type 3 (hello_verify_request) with version 1.0.
  t.is(hvr?.[13], 3);
  t.deepEqual([...(hvr ?? new Uint8Array(0)).subarray(25, 27)], [0xfe, 0xff]);
  p.client.receive(hvr ?? new Uint8Array(0), 0);
  p.run();
  t.is(p.server.status, 'established');
});

test('[RFC7301-3.2] ALPN: the server picks its first preference the client offers; both see it', async (t) => {
  const p = await pair({ alpn: ['coap', 'h2'] }, { alpn: ['h2', 'coap'] });
  p.run();
  t.is(p.client.negotiated?.alpn, 'h2');
  t.is(p.server.negotiated?.alpn, 'h2');
});

test('[RFC7301-3.2-no-application-protocol] ALPN with nothing in common fails with no_application_protocol', async (t) => {
  const p = await pair({ alpn: ['coap'] }, { alpn: ['h2'] });
  p.run();
  t.is(p.server.status, 'failed');
  const sent = p.events.server.find((e) => e.kind === 'alert' && e.from === 'us');
  t.is(sent?.kind === 'alert' ? sent.description : undefined, AlertDescription.no_application_protocol);
  t.is(p.client.status, 'failed');
});

test('[RFC6066-3] SNI: the server learns the name the client sent', async (t) => {
  const p = await pair({ serverName: 'coap.example' });
  p.run();
  t.is(p.server.negotiated?.serverName, 'coap.example');
});

test('the NSS key log line lets a third party derive the keys (CLIENT_RANDOM)', async (t) => {
  const lines: string[] = [];
  const p = await pair({ keyLog: (l) => lines.push(l) });
  p.run();
  t.is(lines.length, 1);
  const [label, cr, ms] = lines[0].split(' ');
  t.is(label, 'CLIENT_RANDOM');
  t.is(cr.length, 64);
  t.is(ms.length, 96);
});

test('[RFC8422-5.3] a client whose supported_groups leave out the curve of the server certificate gets handshake_failure', async (t) => {
  const p = await pair({ groups: [NamedGroup.x25519] });
  p.run();
  t.is(p.server.status, 'failed');
  const sent = p.events.server.find((e) => e.kind === 'alert' && e.from === 'us');
  t.is(sent?.kind === 'alert' ? sent.description : undefined, AlertDescription.handshake_failure);
});

test('[RFC6347-4.2.1-cookie] a stateless server: a fresh endpoint answering the second ClientHello sends records the client accepts', async (t) => {
  const { seededRandom } = await import('./crypto/random.ts');
  const { Endpoint } = await import('./engine.ts');
  const { CookieJar } = await import('./handshake/dtls12/cookie.ts');
  const { testPki } = await import('../testkit/credentials.ts');
  const pki = await testPki('P-256');
  const jar = new CookieJar({ random: seededRandom('jar') });
  const server = (): InstanceType<typeof Endpoint> =>
    new Endpoint({ role: 'server', certificate: pki.credentials, cookieJar: jar, peerAddress: '127.0.0.1:5000', random: seededRandom('s') });
  const c = new Endpoint({ role: 'client', random: seededRandom('c') });
  c.connect(0);
  const first = server();
  first.receive(c.pollTransmit() ?? new Uint8Array(0), 0);
  c.receive(first.pollTransmit() ?? new Uint8Array(0), 0);
  const second = server();
  second.receive(c.pollTransmit() ?? new Uint8Array(0), 0);
  for (let d = second.pollTransmit(); d !== undefined; d = second.pollTransmit()) c.receive(d, 0);
  t.is(c.stats().records.discarded.replayed, 0);
  t.is(c.handshakeState, 'ExpectChangeCipherSpec');
});
