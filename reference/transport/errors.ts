/**
 * What can go wrong below DTLS: the socket, the address, the peer's host, the wall clock. The
 * protocol's own failures stay `DtlsError`s; the api/ layer maps both to GIO's error codes
 * (`G_IO_ERROR_ADDRESS_IN_USE`, `G_IO_ERROR_CONNECTION_REFUSED`, `G_IO_ERROR_TIMED_OUT`, ...).
 */

export type TransportErrorCode =
  /** An address other than 127.0.0.1 or ::1: this project only ever talks on loopback. */
  | 'not-loopback'
  /** bind() found the port taken (EADDRINUSE). */
  | 'address-in-use'
  /** bind() could not use the address (EADDRNOTAVAIL: no ::1 on this host, say). */
  | 'address-unavailable'
  /** An ICMP error came back on the connected socket (ECONNREFUSED: nobody listens there). */
  | 'peer-unreachable'
  /** The handshake did not complete within the driver's wall-clock limit. */
  | 'handshake-timeout'
  /** The connection or server was already closed. */
  | 'closed'
  /** Any other socket failure; `cause` holds the system error. */
  | 'socket';

export class TransportError extends Error {
  override readonly name = 'TransportError';

  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A UDP address: IPv4 dotted or IPv6 text, and a port. */
export interface UdpAddress {
  readonly address: string;
  readonly port: number;
}

/** `127.0.0.1:4433` or `[::1]:4433`. */
export function formatAddress(a: UdpAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/** Throws `not-loopback` unless `host` is exactly 127.0.0.1 or ::1. */
export function checkLoopback(host: string, what: string): void {
  if (!LOOPBACK.has(host)) {
    throw new TransportError('not-loopback', `${what} ${JSON.stringify(host)} refused: dtlsprobe only binds and sends to 127.0.0.1 or ::1`);
  }
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

/** A system error from bind(), connect() or a socket, as a TransportError that says what happened. */
export function socketError(e: unknown, during: string, address: UdpAddress): TransportError {
  const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  const where = formatAddress(address);
  switch (code) {
    case 'EADDRINUSE':
      return new TransportError('address-in-use', `${during} ${where}: the port is already in use`, { cause: e });
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
      return new TransportError('address-unavailable', `${during} ${where}: the address is not available on this host`, { cause: e });
    case 'ECONNREFUSED':
      return new TransportError('peer-unreachable', `${where} is unreachable: ICMP port unreachable (nothing listens on that UDP port)`, { cause: e });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TransportError('peer-unreachable', `${where} is unreachable: ICMP ${code}`, { cause: e });
    default: {
      const detail = e instanceof Error ? e.message : String(e);
      return new TransportError('socket', `${during} ${where}: ${detail}`, { cause: e });
    }
  }
}
