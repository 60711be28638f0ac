/**
 * `gnutls-cli --udp --insecure` -> reference server (which echoes), every suite × group: our
 * HelloVerifyRequest, a line typed into gnutls-cli comes back on its stdout, then gnutls-cli's
 * close_notify (on the end of its stdin) reaches our server, which answers with its own.
 */
import { Peer } from '../scripts/interop-peers.ts';
import { UdpServer } from '../reference/transport/udp.ts';
import { COMBINATIONS, Wire, echo, gnutlsPriority, isHelloVerifyRequest, offeredGroups, peerTest, serverCredentials } from './support.ts';

for (const { suite, group, label } of COMBINATIONS) {
  peerTest(`[RFC6347-4.2.1-cookie] [RFC5246-7.2] gnutls-cli -> reference server: ${label}: cookie, data both ways, close_notify`, ['gnutls-cli'], async (t) => {
    const wire = new Wire();
    const server = await UdpServer.listen({
      host: '127.0.0.1',
      config: { certificate: await serverCredentials(), cipherSuites: [suite.code], groups: [group.code] },
      capture: wire.capture,
      handshakeTimeoutMs: 4000,
    });
    const priority = gnutlsPriority(suite, offeredGroups(group));
    const client = new Peer('gnutls-cli', ['gnutls-cli', '--udp', '--insecure', '-p', String(server.address.port), '--priority', priority, '127.0.0.1'], 10);
    try {
      const conn = await server.accept();
      const negotiated = await conn.handshake();
      t.is(negotiated.cipherSuite, suite.code);
      t.is(negotiated.group, group.code);
      t.true(wire.from(server.address.port).some((d) => isHelloVerifyRequest(d.payload)), 'our server sent a HelloVerifyRequest');
      const echoed = echo(conn);

      await client.waitFor(/Handshake was completed/, 3000, 'Handshake was completed');
      const before = client.output.length;
      client.write('hello from gnutls\n');
      await client.waitFor(/^hello from gnutls$/m, 3000, 'the echoed line', before);
      client.endInput(); // gnutls-cli sends close_notify at the end of its input
      t.deepEqual(await echoed, ['hello from gnutls\n'], 'our server got the line, then close_notify');
      t.true(await client.waitExit(3000), 'gnutls-cli exited');
      t.is(conn.endpoint.status, 'closed');
    } finally {
      client.stop();
      await client.waitExit(3000);
      await server.close();
    }
  });
}
