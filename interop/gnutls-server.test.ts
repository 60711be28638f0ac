/**
 * Reference client -> `gnutls-serv --udp --echo`, every suite × group: the cookie exchange (GnuTLS
 * sends a HelloVerifyRequest unless --nocookie), a line echoed back, then our close_notify, which
 * gnutls-serv logs at debug level 5 (`Alert[1|0] - Close notify - was received`). gnutls-serv has
 * no bind option: it listens on 0.0.0.0 and ::, and we talk to it on 127.0.0.1 only.
 */
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { connectUdp } from '../reference/transport/udp.ts';
import { COMBINATIONS, Wire, gnutlsPriority, isHelloVerifyRequest, offeredGroups, peerTest, pkiFiles, text, utf8 } from './support.ts';

for (const { suite, group, label } of COMBINATIONS) {
  peerTest(`[RFC6347-4.2.1-cookie] [RFC5246-7.2] reference client -> gnutls-serv: ${label}: cookie, data both ways, close_notify`, ['gnutls-serv'], async (t) => {
    const pki = await pkiFiles();
    const port = await freeUdpPort();
    const server = new Peer(
      'gnutls-serv',
      ['gnutls-serv', '--udp', '--echo', '-d', '5', '-p', String(port), '--x509certfile', pki.chain, '--x509keyfile', pki.key, '--priority', gnutlsPriority(suite, [group])],
      10,
    );
    try {
      await server.waitFor(/listening on IPv4 .* port \d+\.\.\.done/, 3000, 'listening on IPv4');
      const wire = new Wire();
      const client = await connectUdp({ host: '127.0.0.1', port, config: { cipherSuites: [suite.code], groups: offeredGroups(group).map((g) => g.code) }, capture: wire.capture, handshakeTimeoutMs: 4000 });
      const negotiated = await client.handshake();
      t.is(negotiated.cipherSuite, suite.code);
      t.is(negotiated.group, group.code);
      t.true(wire.from(port).some((d) => isHelloVerifyRequest(d.payload)), 'gnutls-serv sent a HelloVerifyRequest');

      client.send(utf8('hello from dtlsprobe\n'));
      t.is(text(await client.read()), 'hello from dtlsprobe\n');
      await server.waitFor(/Processing \d+ bytes command: hello from dtlsprobe/, 3000, 'the client line');

      const beforeClose = server.output.length;
      await client.close();
      await server.waitFor(/Close notify - was received/, 3000, 'that it got our close_notify', beforeClose);
      t.is(client.endpoint.status, 'closed');
      t.is(client.endpoint.stats().records.discarded['bad-mac'], 0);
    } finally {
      server.stop();
      await server.waitExit(3000);
    }
  });
}
