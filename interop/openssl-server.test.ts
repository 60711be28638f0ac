/**
 * Reference client -> `openssl s_server -dtls1_2`, every suite × group: the cookie exchange
 * (s_server always sends a HelloVerifyRequest), a line each way (s_server prints what it gets and
 * sends what is typed into its stdin), then our close_notify, which s_server reports as DONE.
 * s_server is limited to the suite and group under test; our client offers that group first
 * (and secp256r1 after it for the certificate, see `offeredGroups`).
 */
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { connectUdp } from '../reference/transport/udp.ts';
import { COMBINATIONS, Wire, isHelloVerifyRequest, offeredGroups, peerTest, pkiFiles, text, utf8 } from './support.ts';

for (const { suite, group, label } of COMBINATIONS) {
  peerTest(`[RFC6347-4.2.1-cookie] [RFC5246-7.2] reference client -> openssl s_server: ${label}: cookie, data both ways, close_notify`, ['openssl'], async (t) => {
    const pki = await pkiFiles();
    const port = await freeUdpPort();
    const server = new Peer(
      'openssl s_server',
      ['openssl', 's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', pki.leaf, '-cert_chain', pki.ca, '-key', pki.key, '-cipher', suite.openssl, '-groups', group.openssl],
      10,
    );
    try {
      await server.waitFor(/^ACCEPT$/m, 3000, 'ACCEPT');
      const wire = new Wire();
      const client = await connectUdp({ host: '127.0.0.1', port, config: { cipherSuites: [suite.code], groups: offeredGroups(group).map((g) => g.code) }, capture: wire.capture, handshakeTimeoutMs: 4000 });
      const negotiated = await client.handshake();
      t.is(negotiated.cipherSuite, suite.code);
      t.is(negotiated.group, group.code);
      t.true(wire.from(port).some((d) => isHelloVerifyRequest(d.payload)), 'openssl sent a HelloVerifyRequest');

      const afterHandshake = server.output.length;
      client.send(utf8('hello from dtlsprobe\n'));
      await server.waitFor(/hello from dtlsprobe/, 3000, 'the client line', afterHandshake);
      server.write('hello from openssl\n');
      t.is(text(await client.read()), 'hello from openssl\n');

      const beforeClose = server.output.length;
      await client.close();
      await server.waitFor(/^DONE$/m, 3000, 'DONE (it got our close_notify)', beforeClose);
      t.is(client.endpoint.status, 'closed');
      t.is(client.endpoint.stats().records.discarded['bad-mac'], 0);
    } finally {
      server.stop();
      await server.waitExit(3000);
    }
  });
}
