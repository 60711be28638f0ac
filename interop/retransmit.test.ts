/**
 * RFC 6347 §4.2.4 against `openssl s_server -dtls1_2` through a relay on 127.0.0.1 that loses the
 * reference client's first flight 5. s_server's timer resends flight 4, which at `-mtu 400` spans
 * several datagrams; the client must answer each resent flight with one flight 5, not one per
 * datagram. OpenSSL counts every Finished it sees again after its handshake and fails the
 * connection past 12 (DTLS1_TMO_ALERT_COUNT), so a client that multiplies its answers loses the
 * connection once s_server has resent a few times, as on a loaded machine.
 */
import { Peer, Relay, freeUdpPort } from '../scripts/interop-peers.ts';
import { connectUdp } from '../reference/transport/udp.ts';
import { ContentType, HandshakeType } from '../reference/wire/enums.ts';
import { SUITES, peerTest, pkiFiles, text, utf8 } from './support.ts';

/** Whether a datagram starts with an epoch-0 handshake record holding a message of `type`. */
const startsWith = (d: Uint8Array, type: number): boolean => d.length > 13 && d[0] === ContentType.handshake && d[3] === 0 && d[4] === 0 && d[13] === type;

peerTest('[RFC6347-4.2.4-waiting-read-retransmit] reference client -> openssl s_server -mtu 400: each resent flight 4 is answered with one flight 5, the connection carries data', ['openssl'], async (t) => {
  const pki = await pkiFiles();
  const suite = SUITES[0];
  const port = await freeUdpPort();
  const server = new Peer(
    'openssl s_server',
    ['openssl', 's_server', '-dtls1_2', '-mtu', '400', '-accept', `127.0.0.1:${port}`, '-cert', pki.leaf, '-cert_chain', pki.ca, '-key', pki.key, '-cipher', suite.openssl],
    30,
  );
  let lost = false;
  const relay = await Relay.open(port, (dir, d) => {
    if (dir !== 'client' || lost || !startsWith(d, HandshakeType.client_key_exchange)) return false;
    lost = true;
    return true;
  });
  try {
    await server.waitFor(/^ACCEPT$/m, 5000, 'ACCEPT');
    // The client's own timer waits 8 s, so only s_server's (1 s, doubling) resends before the answer.
    const client = await connectUdp({ host: '127.0.0.1', port: relay.port, config: { cipherSuites: [suite.code], initialTimeoutMs: 8000 }, handshakeTimeoutMs: 20_000 });
    try {
      const negotiated = await client.handshake();
      t.is(negotiated.cipherSuite, suite.code);
      const afterHandshake = server.output.length;
      client.send(utf8('hello from dtlsprobe\n'));
      await server.waitFor(/hello from dtlsprobe/, 10_000, 'the client line', afterHandshake);
      server.write('hello from openssl\n');
      t.is(text(await client.read()), 'hello from openssl\n');
    } finally {
      await client.close();
    }

    const fromServer = relay.records.filter((r) => r.dir === 'server');
    const flight5s = relay.records.filter((r) => r.dir === 'client' && startsWith(r.payload, HandshakeType.client_key_exchange));
    t.true(lost, 'the relay lost the first flight 5');
    const hellos = fromServer.flatMap((r, i) => (startsWith(r.payload, HandshakeType.server_hello) ? [i] : []));
    t.true(hellos.length >= 2, `s_server resent flight 4 (${hellos.length} transmissions)`);
    t.true(hellos.length < 2 || hellos[1] - hellos[0] > 1, `flight 4 spans ${hellos[1] - hellos[0]} datagrams`);
    t.is(flight5s.length, hellos.length, 'one flight 5 for each transmission of flight 4');
  } finally {
    relay.close();
    server.stop();
    await server.waitExit(3000);
  }
});
