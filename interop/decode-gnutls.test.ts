/**
 * `dtlsprobe decode` on a live capture: the reference client <-> `gnutls-serv --udp --echo`, each
 * datagram recorded by the driver and written with our pcapng writer, and the key log that
 * GnuTLS itself wrote (SSLKEYLOGFILE), not ours. The decoded transcript names every handshake
 * message of both flights and shows the application data of both directions in clear.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePcapng } from '../reference/capture/pcapng.ts';
import { connectUdp } from '../reference/transport/udp.ts';
import { main } from '../harness/cli.ts';
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { peerTest, pkiFiles, text, utf8, Wire } from './support.ts';

peerTest('[RFC6347-4.2] dtlsprobe decode shows every handshake message and the decrypted data of a reference <-> gnutls-serv capture, with GnuTLS\'s key log', ['gnutls-serv'], async (t) => {
  const pki = await pkiFiles();
  const port = await freeUdpPort();
  const keys = join(pki.dir, `gnutls-keys-${port}.txt`);
  const cap = join(pki.dir, `gnutls-cap-${port}.pcapng`);
  const server = new Peer(
    'gnutls-serv',
    ['gnutls-serv', '--udp', '--echo', '-p', String(port), '--x509certfile', pki.chain, '--x509keyfile', pki.key],
    12,
    { SSLKEYLOGFILE: keys },
  );
  const wire = new Wire();
  try {
    await server.waitFor(/listening on IPv4 .* port \d+\.\.\.done/, 3000, 'listening on IPv4');
    const client = await connectUdp({ host: '127.0.0.1', port, config: { cipherSuites: [0xc02b] }, capture: wire.capture, handshakeTimeoutMs: 4000 });
    await client.handshake();
    client.send(utf8('ping from the reference\n'));
    t.is(text(await client.read()), 'ping from the reference\n');
    await client.close();
  } finally {
    server.stop();
    await server.waitExit(3000);
  }
  writeFileSync(cap, writePcapng(wire.datagrams));
  t.regex(readFileSync(keys, 'utf8'), /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/m);

  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['decode', cap, '--keylog', keys], { out: (l) => out.push(l), err: (l) => err.push(l) });
  t.is(code, 0, err.join('\n'));
  const joined = out.join('\n');
  for (const m of ['client_hello', 'hello_verify_request', 'server_hello', 'certificate', 'server_key_exchange', 'server_hello_done', 'client_key_exchange']) {
    t.regex(joined, new RegExp(`\\b${m} message_seq=\\d+`), `${m} is shown`);
  }
  t.true(out.filter((l) => /^\s+finished message_seq=\d+ length=12$/.test(l)).length >= 2, 'both Finished messages are decrypted');
  // the line both ways: ours, then GnuTLS's echo
  t.true(out.filter((l) => l.includes('ping from the reference')).length >= 2, joined);
});
