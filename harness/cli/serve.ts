/**
 * `dtlsprobe serve`: a DTLS 1.2 echo server on loopback, as `openssl s_server` or `gnutls-serv
 * --echo` are, built on the API: one DtlsServerConnection per client (a GIO server connection
 * serves one peer) over its own view of the one bound socket (reference/transport/demux.ts). The
 * cookie exchange runs statelessly in front of them (cookie-gate.ts) with a CookieJar every
 * connection shares, so a client is given a connection only once its cookie checks out.
 *
 * stdout: `listening on 127.0.0.1:N` once bound; per client `accepted 127.0.0.1:P suite=... alpn=...`
 * after its handshake, and `closed 127.0.0.1:P (...)` at its end. Problems go to stderr.
 */
import { DtlsServerConnection } from '../../reference/api/server-connection.ts';
import { IOCondition, TlsAuthenticationMode, certificateFlagNames } from '../../reference/api/enums.ts';
import { GioError, IOErrorEnum } from '../../reference/api/errors.ts';
import type { TlsCertificate } from '../../reference/api/tls-certificate.ts';
import type { TlsFileDatabase } from '../../reference/api/tls-database.ts';
import { systemRandom } from '../../reference/crypto/random.ts';
import { CookieJar } from '../../reference/handshake/dtls12/cookie.ts';
import { cookieGate } from '../../reference/transport/cookie-gate.ts';
import { formatAddress } from '../../reference/transport/datagram-common.ts';
import { type PeerView, UdpDemux } from '../../reference/transport/demux.ts';
import type { Command, CommandIo } from '../cli.ts';
import { UsageError, describeFlags, parseArgs } from './args.ts';
import { alpnFlag, caFlag, certificateFlags, describeError, keylogFlag, loopbackFlag, mtuFlag, portFlag, stopSignal } from './dtls-flags.ts';

const flags = {
  host: { type: 'string', help: 'address to bind: 127.0.0.1 (default), ::1 or localhost', valueName: 'ADDR' },
  port: { type: 'number', help: 'UDP port to bind (0: any free port, printed on the listening line)', valueName: 'N' },
  cert: { type: 'string', help: 'PEM certificate (chain) of the server', valueName: 'FILE' },
  key: { type: 'string', help: 'PEM private key of the certificate', valueName: 'FILE' },
  ca: { type: 'string', help: 'PEM CA certificates that client certificates are verified against', valueName: 'FILE' },
  verify: { type: 'string', help: 'client certificates: none (default), request, require', valueName: 'MODE' },
  alpn: { type: 'string', help: 'ALPN protocols supported, in order of preference', valueName: 'P1,P2' },
  keylog: { type: 'string', help: 'append NSS key log lines to FILE (for tshark)', valueName: 'FILE' },
  mtu: { type: 'number', help: 'largest datagram to send (default 1200)', valueName: 'N' },
  once: { type: 'boolean', help: 'exit when the first client has closed' },
} as const;

const VERIFY_MODES = { none: TlsAuthenticationMode.NONE, request: TlsAuthenticationMode.REQUESTED, require: TlsAuthenticationMode.REQUIRED } as const;

interface ServeSettings {
  readonly certificate: TlsCertificate;
  readonly database: TlsFileDatabase | undefined;
  readonly verify: (typeof VERIFY_MODES)[keyof typeof VERIFY_MODES];
  readonly alpn: string[] | undefined;
  readonly keyLog: ((line: string) => void) | undefined;
  readonly mtu: number | undefined;
  readonly cookieJar: CookieJar;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'DTLS 1.2 echo server on loopback (like openssl s_server, gnutls-serv --echo)',
  usage: `usage: dtlsprobe serve [--host 127.0.0.1] --port N --cert FILE --key FILE [--ca FILE --verify none|request|require]
                      [--alpn P1,P2] [--keylog FILE] [--mtu N] [--once]\n\n${describeFlags(flags)}`,
  async run(argv, io) {
    const { flags: f, positional } = parseArgs(argv, flags);
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    const host = loopbackFlag('--host', f.host ?? '127.0.0.1');
    const port = portFlag('--port', f.port, true);
    const verifyName = f.verify ?? 'none';
    if (!Object.hasOwn(VERIFY_MODES, verifyName)) throw new UsageError(`--verify ${verifyName}: one of none, request, require`);
    const settings: ServeSettings = {
      certificate: certificateFlags(f.cert, f.key),
      database: caFlag(f.ca),
      verify: VERIFY_MODES[verifyName as keyof typeof VERIFY_MODES],
      alpn: alpnFlag(f.alpn),
      keyLog: keylogFlag(f.keylog),
      mtu: mtuFlag(f.mtu),
      cookieJar: new CookieJar({ random: systemRandom }),
    };

    let demux: UdpDemux;
    try {
      demux = await UdpDemux.bind({ address: host, port, gate: cookieGate({ cookieJar: settings.cookieJar }) });
    } catch (e) {
      const where = formatAddress({ address: host === 'localhost' ? '127.0.0.1' : host, port });
      const inUse = e instanceof GioError && e.matches('g-io-error-quark', IOErrorEnum.ADDRESS_IN_USE);
      io.err(`dtlsprobe serve: cannot listen on ${where}: ${inUse ? 'the port is already in use' : describeError(e)}`);
      return 1;
    }
    io.out(`listening on ${formatAddress(demux.localAddress)}`);

    const stop = stopSignal(io);
    const done = new AbortController();
    const stopAll = (): void => done.abort();
    stop.signal.addEventListener('abort', stopAll, { once: true });
    if (stop.signal.aborted) stopAll();
    const sessions = new Set<Promise<void>>();
    try {
      for (;;) {
        let view: PeerView;
        try {
          view = await demux.accept({ signal: done.signal });
        } catch (e) {
          if (done.signal.aborted) break;
          throw e;
        }
        const session = serveClient(view, settings, io, done.signal)
          .catch((e: unknown) => {
            io.err(`dtlsprobe serve: ${formatAddress(view.remoteAddress)}: ${describeError(e)}`);
            return false;
          })
          .then((accepted) => {
            sessions.delete(session);
            if (accepted && f.once === true) stopAll();
          });
        sessions.add(session);
      }
      await Promise.all([...sessions]);
    } finally {
      stop.signal.removeEventListener('abort', stopAll);
      stop.dispose();
      await demux.close();
    }
    return 0;
  },
};

/**
 * One client: handshake, echo every datagram, close when it closes (or when the server stops).
 * Resolves with whether its handshake completed.
 */
async function serveClient(view: PeerView, s: ServeSettings, io: CommandIo, stop: AbortSignal): Promise<boolean> {
  const peer = formatAddress(view.remoteAddress);
  const engine = { ...(s.mtu === undefined ? {} : { mtu: s.mtu }), ...(s.keyLog === undefined ? {} : { keyLog: s.keyLog }) };
  const conn = DtlsServerConnection.new(view, s.certificate, { peerAddress: peer, cookieJar: s.cookieJar, engine });
  conn.authenticationMode = s.verify;
  if (s.database !== undefined) conn.setDatabase(s.database);
  if (s.alpn !== undefined) conn.setAdvertisedProtocols(s.alpn);
  conn.connect('accept-certificate', (certificate, errors) => {
    if (errors === 0) return true;
    io.err(`${peer}: client certificate ${certificate.subjectName} refused: ${certificateFlagNames(errors).join(', ')}`);
    return false;
  });
  let end = 'the server stopped';
  let accepted = false;
  try {
    await conn.handshake({ signal: stop });
    accepted = true;
    const client = conn.peerCertificate === undefined ? '' : ` client=${conn.peerCertificate.subjectName}`;
    io.out(`accepted ${peer} suite=${conn.ciphersuiteName ?? '?'} alpn=${conn.negotiatedProtocol ?? '-'}${client}`);
    for (;;) {
      const messages = await conn.receiveMessages(16, { signal: stop });
      const data = messages.filter((m) => m.data.length > 0 || (conn.conditionCheck(IOCondition.HUP) & IOCondition.HUP) === 0);
      if (data.length > 0) await conn.sendMessages(data.map((m) => ({ vectors: [m.data] })));
      if (data.length < messages.length) {
        end = 'close_notify';
        break;
      }
    }
  } catch (e) {
    if (stop.aborted && e instanceof GioError && e.matches('g-io-error-quark', IOErrorEnum.CANCELLED)) {
      // the server is stopping: close_notify below
    } else {
      end = describeError(e);
      io.err(`${peer}: ${end}`);
    }
  } finally {
    await conn.close();
    await view.close();
  }
  if (accepted) io.out(`closed ${peer} (${end})`);
  return accepted;
}
