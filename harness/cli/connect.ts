/**
 * `dtlsprobe connect`: a DTLS 1.2 client on loopback, as `openssl s_client` is, built on the API
 * (DtlsClientConnection over a connected UDP DatagramBased). After the handshake it says
 * `connected suite=... version=DTLS 1.2 alpn=...` on stderr, so that stdout carries only what the
 * server sends; each line of stdin (with its newline) goes as one datagram. At the end of stdin it
 * waits a little for replies (until as many came back as lines went, a second passes quietly, or
 * --timeout is spent), sends close_notify and exits 0. The server's close_notify ends it too.
 *
 * Exit 1: the handshake failed (the certificate flags by name when verification refused it;
 * `no DTLS answer from ...` when nothing came back within --timeout, or the port is closed).
 */
import type { DatagramBased, InputMessage, IoOptions, OutputMessage } from '../../reference/api/datagram-based.ts';
import { DtlsClientConnection } from '../../reference/api/client-connection.ts';
import { IOCondition, certificateFlagNames } from '../../reference/api/enums.ts';
import { GioError, IOErrorEnum } from '../../reference/api/errors.ts';
import type { TlsCertificate } from '../../reference/api/tls-certificate.ts';
import { formatAddress } from '../../reference/transport/datagram-common.ts';
import { type UdpDatagramBased, udpConnect } from '../../reference/transport/udp-datagram-based.ts';
import type { Command, CommandIo } from '../cli.ts';
import { UsageError, describeFlags, parseArgs } from './args.ts';
import { alpnFlag, caFlag, delay, describeError, keylogFlag, loopbackFlag, mtuFlag, optionalCertificateFlags, portFlag, stopSignal, versionName } from './dtls-flags.ts';
import { linesOf } from './lines.ts';

const flags = {
  host: { type: 'string', help: 'the server: 127.0.0.1, ::1 or localhost', valueName: 'ADDR' },
  port: { type: 'number', help: "the server's UDP port", valueName: 'N' },
  ca: { type: 'string', help: "PEM CA certificates to verify the server's certificate (default: the system's)", valueName: 'FILE' },
  insecure: { type: 'boolean', help: "accept any server certificate (no verification)" },
  'server-name': { type: 'string', help: 'the name to verify and send as SNI (default: --host)', valueName: 'NAME' },
  cert: { type: 'string', help: 'PEM client certificate (chain), if the server asks for one', valueName: 'FILE' },
  key: { type: 'string', help: 'PEM private key of the client certificate', valueName: 'FILE' },
  alpn: { type: 'string', help: 'ALPN protocols to offer, in order of preference', valueName: 'P1,P2' },
  keylog: { type: 'string', help: 'append NSS key log lines to FILE (for tshark)', valueName: 'FILE' },
  mtu: { type: 'number', help: 'largest datagram to send (default 1200)', valueName: 'N' },
  timeout: { type: 'number', help: 'seconds the handshake may take, retransmissions included (default 10)', valueName: 'SECONDS' },
} as const;

/** At the end of stdin, replies are awaited until this long passes without a datagram either way. */
const QUIET_MS = 1000;

/**
 * RFC 6347 §4.2.4.1's timer (doubling, capped at 60 s) fitted to a budget: up to 15 s the first
 * timeout is a fifteenth of it and three retransmissions use it all (10 s: 0.67 s, 1.3 s, 2.7 s,
 * 5.3 s); beyond, the RFC's 1 s start and as many retransmissions as fit.
 */
export function retransmissionBudget(totalMs: number): { initialTimeoutMs: number; maxRetransmissions: number } {
  if (totalMs <= 15_000) return { initialTimeoutMs: Math.max(1, Math.floor(totalMs / 15)), maxRetransmissions: 3 };
  let spent = 0;
  let n = -1;
  for (let wait = 1000; spent + wait <= totalMs; wait = Math.min(wait * 2, 60_000)) {
    spent += wait;
    n++;
  }
  return { initialTimeoutMs: 1000, maxRetransmissions: n };
}

/** The UDP socket, counting what comes back and keeping the sends so they can finish before it closes. */
class WatchedSocket implements DatagramBased {
  received = 0;
  private readonly sends = new Set<Promise<number>>();

  constructor(readonly inner: UdpDatagramBased) {}

  async receiveMessages(count: number, options?: IoOptions): Promise<InputMessage[]> {
    const messages = await this.inner.receiveMessages(count, options);
    this.received += messages.length;
    return messages;
  }

  sendMessages(messages: readonly OutputMessage[], options?: IoOptions): Promise<number> {
    const p = this.inner.sendMessages(messages, options);
    this.sends.add(p);
    const forget = (): void => void this.sends.delete(p);
    p.then(forget, forget);
    return p;
  }

  conditionCheck(condition: number): number {
    return this.inner.conditionCheck(condition);
  }

  conditionWait(condition: number, options?: IoOptions): Promise<void> {
    return this.inner.conditionWait(condition, options);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.sends]);
    await this.inner.close();
  }
}

export const connectCommand: Command = {
  name: 'connect',
  summary: 'DTLS 1.2 client on loopback: stdin lines out as datagrams, replies on stdout (like openssl s_client)',
  usage: `usage: dtlsprobe connect --host 127.0.0.1 --port N [--ca FILE | --insecure] [--server-name NAME] [--cert FILE --key FILE]
                        [--alpn P1,P2] [--keylog FILE] [--mtu N] [--timeout SECONDS]\n\n${describeFlags(flags)}`,
  async run(argv, io) {
    const { flags: f, positional } = parseArgs(argv, flags);
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    if (f.host === undefined) throw new UsageError('missing --host ADDR (127.0.0.1, ::1 or localhost)');
    const host = loopbackFlag('--host', f.host);
    const port = portFlag('--port', f.port, false);
    if (f.ca !== undefined && f.insecure === true) throw new UsageError('give --ca FILE or --insecure, not both');
    const seconds = f.timeout ?? 10;
    if (!(seconds > 0 && seconds <= 3600)) throw new UsageError(`--timeout ${seconds}: seconds, more than 0 and at most 3600`);
    const database = caFlag(f.ca);
    const certificate = optionalCertificateFlags(f.cert, f.key);
    const alpn = alpnFlag(f.alpn);
    const mtu = mtuFlag(f.mtu);
    const keyLog = keylogFlag(f.keylog);
    const serverIdentity = f['server-name'] ?? host;
    const where = formatAddress({ address: host === 'localhost' ? '127.0.0.1' : host, port });

    let socket: WatchedSocket;
    try {
      socket = new WatchedSocket(await udpConnect({ remote: { address: host, port } }));
    } catch (e) {
      io.err(`dtlsprobe connect: cannot open a UDP socket to ${where}: ${describeError(e)}`);
      return 1;
    }
    const budget = retransmissionBudget(seconds * 1000);
    const engine = { ...budget, ...(mtu === undefined ? {} : { mtu }), ...(keyLog === undefined ? {} : { keyLog }) };
    const conn = DtlsClientConnection.new(socket, serverIdentity, { engine });
    if (database !== undefined) conn.setDatabase(database);
    if (certificate !== undefined) conn.setCertificate(certificate);
    if (alpn !== undefined) conn.setAdvertisedProtocols(alpn);
    let refused: { certificate: TlsCertificate; errors: number } | undefined;
    conn.connect('accept-certificate', (peerCertificate, errors) => {
      if (f.insecure === true) return true;
      refused = { certificate: peerCertificate, errors };
      return false;
    });

    const stop = stopSignal(io);
    try {
      try {
        await conn.handshake({ signal: AbortSignal.any([stop.signal, AbortSignal.timeout(seconds * 1000)]) });
      } catch (e) {
        if (stop.signal.aborted) {
          io.err('dtlsprobe connect: interrupted during the handshake');
          return 130;
        }
        io.err(handshakeFailure(e, { refused, where, serverIdentity, seconds, answered: socket.received > 0 }));
        return 1;
      }
      io.err(`connected suite=${conn.ciphersuiteName ?? '?'} version=${versionName(conn.protocolVersion)} alpn=${conn.negotiatedProtocol ?? '-'}`);
      return await exchange(conn, io, stop.signal, seconds * 1000);
    } finally {
      stop.dispose();
      await conn.close();
      await socket.close();
    }
  },
};

function handshakeFailure(e: unknown, c: { refused: { certificate: TlsCertificate; errors: number } | undefined; where: string; serverIdentity: string; seconds: number; answered: boolean }): string {
  if (c.refused !== undefined) {
    const { certificate, errors } = c.refused;
    return `dtlsprobe connect: the certificate of ${c.where} failed verification for "${c.serverIdentity}": ${certificateFlagNames(errors).join(', ')} (subject ${certificate.subjectName}, issuer ${certificate.issuerName}); --ca FILE or --insecure`;
  }
  const refusedPort = e instanceof GioError && e.matches('g-io-error-quark', IOErrorEnum.CONNECTION_REFUSED);
  if (refusedPort) return `dtlsprobe connect: no DTLS answer from ${c.where}: ICMP port unreachable (nothing listens on that UDP port)`;
  if (!c.answered) return `dtlsprobe connect: no DTLS answer from ${c.where} within ${c.seconds} s`;
  const timedOut = e instanceof GioError && (e.matches('g-io-error-quark', IOErrorEnum.TIMED_OUT) || e.matches('g-io-error-quark', IOErrorEnum.CANCELLED));
  if (timedOut) return `dtlsprobe connect: the handshake with ${c.where} did not complete within ${c.seconds} s`;
  return `dtlsprobe connect: the handshake with ${c.where} failed: ${describeError(e)}`;
}

/**
 * The data phase: stdin lines out, datagrams in; 0 when it ended with our or the peer's
 * close_notify. Replies to the last lines are awaited for at most `lingerMs` in all.
 */
async function exchange(conn: DtlsClientConnection, io: CommandIo, stop: AbortSignal, lingerMs: number): Promise<number> {
  const write = io.write ?? ((d: Uint8Array) => io.out(new TextDecoder().decode(d).replace(/\n$/, '')));
  let sent = 0;
  let received = 0;
  let activity = (): void => {};
  const ended = new AbortController();
  let failure: unknown;
  const reading = (async () => {
    try {
      for (;;) {
        const messages = await conn.receiveMessages(16, { signal: ended.signal });
        for (const m of messages) {
          if (m.data.length === 0 && (conn.conditionCheck(IOCondition.HUP) & IOCondition.HUP) !== 0) {
            io.err('the server closed the connection (close_notify)');
            ended.abort();
            return;
          }
          received++;
          write(m.data);
        }
        activity();
      }
    } catch (e) {
      if (!ended.signal.aborted) {
        failure = e;
        io.err(`dtlsprobe connect: ${describeError(e)}`);
        ended.abort();
      }
    }
  })();
  const finish = AbortSignal.any([stop, ended.signal]);
  for await (const line of linesOf(io.stdin ?? process.stdin, finish)) {
    try {
      await conn.sendMessages([{ vectors: [line] }]);
      sent++;
      activity();
    } catch (e) {
      if (ended.signal.aborted) break;
      io.err(`dtlsprobe connect: a line of ${line.length} bytes was not sent: ${describeError(e)}`);
    }
  }
  const lingerUntil = performance.now() + lingerMs;
  while (!finish.aborted && received < sent && performance.now() < lingerUntil) {
    const quiet = new AbortController();
    activity = () => quiet.abort();
    await delay(Math.min(QUIET_MS, lingerUntil - performance.now()), AbortSignal.any([quiet.signal, finish]));
    if (!quiet.signal.aborted) break;
  }
  ended.abort();
  await reading;
  return failure === undefined ? 0 : 1;
}
