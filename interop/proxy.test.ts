/**
 * The impairment proxy between two real peers: `openssl s_client -dtls1_2` -> proxy (20 % loss each
 * way, 10 % duplication, 20 % of datagrams held back behind up to 3 later ones, a fixed seed) ->
 * `gnutls-serv --udp --echo`. Both peers retransmit on 1 s doubling timers, so the handshake gets
 * through; application data is lost too, so s_client sends a line every 300 ms until the echo of one
 * comes back. The proxy's transcript then shows the datagrams really were dropped, duplicated and
 * reordered (and some overtaken by later ones).
 *
 * The proxy's decisions are per datagram from the seed (the n-th datagram of a direction meets the
 * same dice every run); what varies between runs is only the timing of retransmissions. The seed is
 * one under which the exchange completes in about 5 s (15 of 15 runs: handshake 3.2-3.4 s, done
 * 4.9-5.1 s, the same fates every time); DTLSPROBE_PROXY_SEED tries another.
 */
import { datagramLine, summaryLines } from '../harness/cli/proxy.ts';
import type { NetworkModel, PathModel } from '../harness/net/model.ts';
import { inversions, startProxy } from '../harness/net/proxy.ts';
import { Peer, freeUdpPort } from '../scripts/interop-peers.ts';
import { peerTest, pkiFiles } from './support.ts';

const SEED = process.env.DTLSPROBE_PROXY_SEED ?? 'h';
const DEADLINE_MS = 40_000;
const LINE_EVERY_MS = 300;
const ECHO = /^ping \d+\r?$/m;

const path: PathModel = {
  loss: { kind: 'bernoulli', rate: 0.2 },
  duplicate: 0.1,
  reorder: { rate: 0.2, window: 3 },
};
const MODEL: NetworkModel = { client: path, server: path };

peerTest(
  `[RFC6347-4.2.4-timer-expiry] openssl s_client -> impairment proxy (20% loss each way, 10% duplication, reordering within 3, seed ${SEED}) -> gnutls-serv --echo: handshake and echo complete`,
  ['openssl', 'gnutls-serv'],
  async (t) => {
    const pki = await pkiFiles();
    const serverPort = await freeUdpPort();
    const server = new Peer('gnutls-serv', ['gnutls-serv', '--udp', '--echo', '-p', String(serverPort), '--x509certfile', pki.chain, '--x509keyfile', pki.key], 60);
    const proxy = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: serverPort }, model: MODEL, seed: SEED });
    let client: Peer | undefined;
    const started = performance.now();
    const logTranscript = (): void => {
      for (const line of summaryLines(proxy)) t.log(line);
      for (const r of proxy.transcript) {
        const deliveries = r.deliveries.map((d) => `${(d.at - started).toFixed(0)}${d.altered ? '*' : ''}`).join(',');
        t.log(`${datagramLine(r)} sent at ${(r.sentAt - started).toFixed(0)} ms, arrived at ${deliveries === '' ? '-' : deliveries}`);
      }
    };
    try {
      await server.waitFor(/listening on IPv4 .* port \d+\.\.\.done/, 5000, 'listening on IPv4');
      client = new Peer(
        'openssl s_client',
        // -nbio: on its default blocking socket, s_client hangs in recvfrom (no longer reading stdin)
        // when a stale copy of the server's Finished, duplicated or held back by the proxy, arrives
        // after the handshake: SSL_read discards it and waits for the next record, which never comes.
        ['openssl', 's_client', '-dtls1_2', '-nbio', '-connect', `127.0.0.1:${proxy.address.port}`, '-CAfile', pki.ca, '-verify_return_error'],
        60,
      );
      const c = client;
      let handshakeAt: number | undefined;
      let echoAt: number | undefined;
      void c.waitFor(/Cipher is \S+/, DEADLINE_MS).then(() => (handshakeAt = performance.now()), () => {});
      void c.waitFor(ECHO, DEADLINE_MS).then(() => (echoAt = performance.now()), () => {});
      // A line every 300 ms (the first ones wait on the handshake, any may be lost either way) until
      // one has come back and the transcript shows the proxy dropped, duplicated and reordered.
      let sent = 0;
      const overtaken = (): number => inversions(proxy.transcript, 'client') + inversions(proxy.transcript, 'server');
      const total = (f: 'dropped' | 'duplicated' | 'reordered'): number => proxy.stats.fates.client[f] + proxy.stats.fates.server[f];
      const missing = (): string[] =>
        [
          echoAt === undefined ? 'the echo of a line' : '',
          total('dropped') === 0 ? 'a dropped datagram' : '',
          total('duplicated') === 0 ? 'a duplicated datagram' : '',
          total('reordered') === 0 ? 'a datagram held back' : '',
          overtaken() === 0 ? 'a datagram overtaken by a later one' : '',
        ].filter((m) => m !== '');
      let ticker: NodeJS.Timeout | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          const tick = (): void => {
            if (missing().length === 0) return resolve();
            if (c.exitCode !== undefined) return reject(new Error(`s_client exited (${c.exitCode}) before ${missing().join(', ')}\n${c.tail()}`));
            if (performance.now() - started > DEADLINE_MS) return reject(new Error(`no ${missing().join(', ')} within ${DEADLINE_MS} ms\n${c.tail()}`));
            c.write(`ping ${sent++}\n`);
          };
          ticker = setInterval(tick, LINE_EVERY_MS);
          tick();
        });
      } catch (e) {
        logTranscript();
        throw e;
      } finally {
        clearInterval(ticker);
      }
      const done = performance.now();
      const secs = (at: number | undefined): string => (at === undefined ? '?' : ((at - started) / 1000).toFixed(1));
      t.log(`handshake ${secs(handshakeAt)} s, first echo ${secs(echoAt)} s, done ${secs(done)} s; ${sent} lines sent, ${(c.output.match(new RegExp(ECHO.source, 'gm')) ?? []).length} echoed; ${proxy.transcript.length} datagrams`);
      if (process.env.DTLSPROBE_PROXY_VERBOSE === '1') logTranscript();
      else for (const line of summaryLines(proxy)) t.log(line);

      t.regex(c.output, /Verify return code: 0 \(ok\)/, 's_client verified gnutls-serv\'s certificate');
      t.true(total('dropped') > 0, 'datagrams were dropped');
      t.true(total('duplicated') > 0, 'datagrams were duplicated');
      t.true(total('reordered') > 0, 'datagrams were held back for reordering');
      t.true(overtaken() > 0, 'datagrams arrived after later ones');
      t.is(proxy.stats.overflow.client + proxy.stats.overflow.server, 0);
      t.is(proxy.stats.ignored, 0);

      c.endInput(); // close_notify (which the proxy may drop too), then s_client exits
      t.true(await c.waitExit(5000), 's_client exited at the end of its input');
    } finally {
      client?.stop();
      server.stop();
      await Promise.all([client?.waitExit(3000), server.waitExit(3000)]);
      await proxy.close();
    }
  },
);
