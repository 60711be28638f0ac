import test from 'ava';
import { apiPair } from '../../testkit/api.ts';
import { TlsProtocolVersion } from './enums.ts';

test('[SEED-handshake-once] a client and a server over a memory pair handshake and exchange datagrams', async (t) => {
  const { client, server } = await apiPair();
  await Promise.all([client.handshake(), server.handshake()]);
  t.is(client.getCiphersuiteName(), 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  t.is(server.getProtocolVersion(), TlsProtocolVersion.DTLS_1_2);
  t.is(client.getPeerCertificateErrors(), 0);
  await client.sendMessages([{ vectors: [new TextEncoder().encode('hello')] }]);
  const [m] = await server.receiveMessages(1);
  t.is(new TextDecoder().decode(m.data), 'hello');
  await client.handshake();
  await client.close();
  await server.close();
});
