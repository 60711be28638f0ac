/**
 * `openssl s_client -dtls1_2` -> reference server (which echoes), every suite × group: our
 * HelloVerifyRequest, a line typed into s_client comes back on its stdout, then s_client's
 * close_notify (on the end of its stdin) reaches our server, which answers with its own.
 */
import { Peer } from '../scripts/interop-peers.ts';
import { UdpServer } from '../reference/transport/udp.ts';
import { COMBINATIONS, Wire, echo, isHelloVerifyRequest, offeredGroups, peerTest, serverCredentials } from './support.ts';

for (const { suite, group, label } of COMBINATIONS) {
  peerTest(`[RFC6347-4.2.1-cookie] [RFC5246-7.2] openssl s_client -> reference server: ${label}: cookie, data both ways, close_notify`, ['openssl'], async (t) => {
    const wire = new Wire();
    const server = await UdpServer.listen({
      host: '127.0.0.1',
      config: { certificate: await serverCredentials(), cipherSuites: [suite.code], groups: [group.code] },
      capture: wire.capture,
      handshakeTimeoutMs: 4000,
    });
    const groups = offeredGroups(group).map((g) => g.openssl).join(':');
    const client = new Peer('openssl s_client', ['openssl', 's_client', '-dtls1_2', '-connect', `127.0.0.1:${server.address.port}`, '-cipher', suite.openssl, '-groups', groups], 10);
    try {
      const conn = await server.accept();
      const negotiated = await conn.handshake();
      t.is(negotiated.cipherSuite, suite.code);
      t.is(negotiated.group, group.code);
      t.true(wire.from(server.address.port).some((d) => isHelloVerifyRequest(d.payload)), 'our server sent a HelloVerifyRequest');
      const echoed = echo(conn);

      client.write('hello from openssl\n');
      await client.waitFor(/^hello from openssl$/m, 3000, 'the echoed line');
      client.endInput(); // s_client sends close_notify at the end of its input
      t.deepEqual(await echoed, ['hello from openssl\n'], 'our server got the line, then close_notify');
      t.true(await client.waitExit(3000), 's_client exited');
      t.is(client.exitCode, 0, client.tail());
      t.is(conn.endpoint.status, 'closed');
    } finally {
      client.stop();
      await client.waitExit(3000);
      await server.close();
    }
  });
}
