/**
 * ALPN through the API: what setAdvertisedProtocols puts in the hellos (read back from the wire
 * log), and what getNegotiatedProtocol reports on each side.
 */
import test from 'ava';
import { alpnOf, handshakeBoth, lastClientHello, outcomeName, serverHello } from '../../testkit/api-certs.ts';
import { type WiredPair, wiredPair } from '../../testkit/api-io.ts';
import { VirtualClock } from '../../testkit/virtual-clock.ts';

async function pair(client: string[] | null, server: string[] | null): Promise<WiredPair & { clock: VirtualClock }> {
  const clock = new VirtualClock();
  const p = await wiredPair({ clock });
  p.client.setAdvertisedProtocols(client);
  p.server.setAdvertisedProtocols(server);
  return { ...p, clock };
}

test('[SEED-alpn-advertised] the advertised protocols are offered in the ALPN extension, in order, and read back by the property', async (t) => {
  const p = await pair(null, null);
  let notified = 0;
  p.client.connect('notify::advertised-protocols', () => notified++);
  const protocols = ['h2', 'http/1.1', 'coap'];
  p.client.setAdvertisedProtocols(protocols);
  protocols.push('mutated');
  t.deepEqual(p.client.advertisedProtocols, ['h2', 'http/1.1', 'coap'], 'the connection keeps its own copy');
  p.client.advertisedProtocols?.push('mutated');
  t.deepEqual(p.client.advertisedProtocols, ['h2', 'http/1.1', 'coap'], 'and hands out copies');
  p.server.advertisedProtocols = ['coap'];
  t.is(notified, 1);
  const result = await handshakeBoth(p.client, p.server, p.clock);
  t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok']);
  t.deepEqual(alpnOf(lastClientHello(p.wire)), ['h2', 'http/1.1', 'coap']);
  t.deepEqual(alpnOf(serverHello(p.wire)), ['coap'], 'the server answers with its choice');
});

test('[SEED-alpn-null-disables] advertised protocols set to null (the default) send no ALPN extension and negotiate nothing', async (t) => {
  const p = await pair(['h2'], ['h2']);
  t.deepEqual(p.client.advertisedProtocols, ['h2']);
  p.client.setAdvertisedProtocols(null);
  t.is(p.client.advertisedProtocols, null);
  const result = await handshakeBoth(p.client, p.server, p.clock);
  t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok']);
  t.is(alpnOf(lastClientHello(p.wire)), undefined, 'no ALPN extension in the ClientHello');
  t.is(p.client.getNegotiatedProtocol(), null);
  t.is(p.server.getNegotiatedProtocol(), null);

  const fresh = await wiredPair();
  t.is(fresh.client.advertisedProtocols, null, 'ALPN is off by default');
  t.is(fresh.server.advertisedProtocols, null);

  // A server with ALPN off ignores the client's offer.
  const serverOff = await pair(['h2'], null);
  t.deepEqual([outcomeName((await handshakeBoth(serverOff.client, serverOff.server, serverOff.clock)).client)], ['ok']);
  t.is(alpnOf(serverHello(serverOff.wire)), undefined, 'no ALPN extension in the ServerHello');
  t.is(serverOff.client.getNegotiatedProtocol(), null);
  t.is(serverOff.server.getNegotiatedProtocol(), null);
});

test('[SEED-alpn-negotiated] after the handshake both sides report the protocol they agreed on', async (t) => {
  const p = await pair(['h2', 'http/1.1'], ['http/1.1', 'h2']);
  t.is(p.client.getNegotiatedProtocol(), null, 'nothing before the handshake');
  let notified = 0;
  p.client.connect('notify::negotiated-protocol', () => notified++);
  const result = await handshakeBoth(p.client, p.server, p.clock);
  t.deepEqual([outcomeName(result.client), outcomeName(result.server)], ['ok', 'ok']);
  t.is(p.server.getNegotiatedProtocol(), 'http/1.1', "the server's preference wins (RFC 7301 §3.2)");
  t.is(p.client.getNegotiatedProtocol(), 'http/1.1');
  t.is(p.client.negotiatedProtocol, 'http/1.1');
  t.is(p.server.negotiatedProtocol, 'http/1.1');
  t.is(notified, 1);
});

test('[SEED-alpn-null-without-match] getNegotiatedProtocol is null when the peer sent no ALPN, or nothing that matched', async (t) => {
  // The client offers nothing; the server has protocols.
  const silent = await pair(null, ['h2']);
  t.is(outcomeName((await handshakeBoth(silent.client, silent.server, silent.clock)).server), 'ok');
  t.is(silent.server.getNegotiatedProtocol(), null);
  t.is(silent.client.getNegotiatedProtocol(), null);
  t.is(alpnOf(serverHello(silent.wire)), undefined);

  // No protocol in common. RFC 7301 §3.2 has the server end the handshake with
  // no_application_protocol, which this engine does (GnuTLS, without GNUTLS_ALPN_MANDATORY,
  // carries on instead); either way no protocol is reported on either side.
  const disjoint = await pair(['h2'], ['coap']);
  const result = await handshakeBoth(disjoint.client, disjoint.server, disjoint.clock);
  t.false(result.client.ok);
  t.is(result.client.ok ? '' : result.client.error.domain, 'g-tls-error-quark');
  t.regex(result.client.ok ? '' : result.client.error.message, /no_application_protocol/);
  t.is(disjoint.client.getNegotiatedProtocol(), null);
  t.is(disjoint.server.getNegotiatedProtocol(), null);
});
