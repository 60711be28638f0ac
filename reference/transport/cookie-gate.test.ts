/**
 * The cookie gate in front of a UdpDemux, with the API on both ends over real UDP on 127.0.0.1:
 * the HelloVerifyRequest comes from the gate before any connection exists, and the connection made
 * for the admitted client accepts the cookie (same jar, same peerAddress).
 */
import test from 'ava';
import { apiCredentials } from '../../testkit/api.ts';
import { DtlsClientConnection } from '../api/client-connection.ts';
import { DtlsServerConnection } from '../api/server-connection.ts';
import { systemRandom } from '../crypto/random.ts';
import { CookieJar } from '../handshake/dtls12/cookie.ts';
import { cookieGate, hasValidCookie } from './cookie-gate.ts';
import { formatAddress } from './datagram-common.ts';
import { type DemuxGate, type PeerView, UdpDemux } from './demux.ts';
import { udpConnect } from './udp-datagram-based.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A gate that records its verdicts, and the datagrams it admitted. */
function recording(gate: DemuxGate, log: string[], admitted: Uint8Array[] = []): DemuxGate {
  return (datagram, from) => {
    const v = gate(datagram, from);
    log.push(v.admit ? 'admit' : `refuse, ${v.replies?.length ?? 0} replies`);
    if (v.admit) admitted.push(datagram);
    return v;
  };
}

async function serve(view: PeerView, jar: CookieJar): Promise<DtlsServerConnection> {
  const { certificate } = await apiCredentials();
  const server = DtlsServerConnection.new(view, certificate, { peerAddress: formatAddress(view.remoteAddress), cookieJar: jar });
  await server.handshake();
  return server;
}

test('[RFC6347-4.2.1-cookie] the gate answers the first ClientHello statelessly; the connection made after it completes the handshake', async (t) => {
  const jar = new CookieJar({ random: systemRandom });
  const log: string[] = [];
  const admitted: Uint8Array[] = [];
  const demux = await UdpDemux.bind({ address: '127.0.0.1', gate: recording(cookieGate({ cookieJar: jar }), log, admitted) });
  t.teardown(() => demux.close());
  const { database } = await apiCredentials();
  const base = await udpConnect({ remote: demux.localAddress });
  t.teardown(() => base.close());
  const client = DtlsClientConnection.new(base, 'localhost');
  client.setDatabase(database);
  const handshake = client.handshake();
  const view = await demux.accept();
  t.deepEqual(log, ['refuse, 1 replies', 'admit'], 'a HelloVerifyRequest, then the ClientHello with the cookie');
  const server = await serve(view, jar);
  await handshake;
  t.is(client.ciphersuiteName, server.ciphersuiteName);
  await client.sendMessages([{ vectors: [utf8('through the gate')] }]);
  const [m] = await server.receiveMessages(1);
  t.is(text(m.data), 'through the gate');
  await client.close();
  await server.close();
  t.is(demux.refused, 1);
  const now = performance.now();
  t.true(hasValidCookie(admitted[0], jar, formatAddress(base.localAddress), now));
  t.false(hasValidCookie(admitted[0], jar, formatAddress({ ...base.localAddress, port: base.localAddress.port ^ 1 }), now), 'the cookie is bound to the address');
});

test('[RFC6347-4.2.1-cookie] two clients at once each get their own view and connection', async (t) => {
  const jar = new CookieJar({ random: systemRandom });
  const demux = await UdpDemux.bind({ address: '127.0.0.1', gate: cookieGate({ cookieJar: jar }) });
  t.teardown(() => demux.close());
  const { database } = await apiCredentials();
  const clients = await Promise.all(
    [1, 2].map(async () => {
      const base = await udpConnect({ remote: demux.localAddress });
      t.teardown(() => base.close());
      const c = DtlsClientConnection.new(base, 'localhost');
      c.setDatabase(database);
      return c;
    }),
  );
  const handshakes = Promise.all(clients.map((c) => c.handshake()));
  const servers = [await serve(await demux.accept(), jar), await serve(await demux.accept(), jar)];
  await handshakes;
  t.is(demux.peers, 2);
  for (const [i, c] of clients.entries()) await c.sendMessages([{ vectors: [utf8(`client ${i}`)] }]);
  const got = await Promise.all(servers.map(async (s) => text((await s.receiveMessages(1))[0].data)));
  t.deepEqual(got.sort(), ['client 0', 'client 1']);
  for (const c of [...clients, ...servers]) await c.close();
});

test('the gate refuses, without replying, bytes that are not DTLS and an empty handshake record', (t) => {
  const jar = new CookieJar({ random: systemRandom });
  const gate = cookieGate({ cookieJar: jar });
  const from = { address: '127.0.0.1', port: 1 };
  for (const bytes of [new Uint8Array(0), utf8('GET / HTTP/1.1\r\n'), new Uint8Array([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]) {
    t.false(hasValidCookie(bytes, jar, '127.0.0.1:1', 0));
    t.deepEqual(gate(bytes, from), { admit: false, replies: [] });
  }
});
