/**
 * This project's network rule, and socket errors in GIO's codes. dtlsprobe binds and sends only on
 * loopback: 127.0.0.1, ::1, or `localhost` (which means 127.0.0.1 here, without a DNS look-up);
 * anything else is refused with G_IO_ERROR_INVALID_ARGUMENT naming the address.
 */
import type { SocketAddress } from '../api/datagram-based.ts';
import { type GioError, IOErrorEnum, ioError } from '../api/errors.ts';
import { formatAddress } from './datagram-common.ts';

export type LoopbackHost = '127.0.0.1' | '::1';
export type IpFamily = 'IPv4' | 'IPv6';

/** The loopback address `host` names, or INVALID_ARGUMENT naming it. */
export function loopbackHost(host: string, what: string): LoopbackHost {
  if (host === '127.0.0.1' || host === 'localhost') return '127.0.0.1';
  if (host === '::1') return '::1';
  throw ioError(
    IOErrorEnum.INVALID_ARGUMENT,
    `${what}: the address ${JSON.stringify(host)} is refused: dtlsprobe only uses loopback (127.0.0.1, ::1, localhost)`,
  );
}

export function familyOf(host: LoopbackHost): IpFamily {
  return host === '::1' ? 'IPv6' : 'IPv4';
}

/** INVALID_ARGUMENT unless `port` is an integer in range; port 0 (any free port) only when binding. */
export function checkPort(port: number, what: string, allowZero: boolean): number {
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(port) || port < min || port > 65_535) {
    throw ioError(IOErrorEnum.INVALID_ARGUMENT, `${what}: port ${port} is out of range (${min}..65535)`);
  }
  return port;
}

/** A destination: loopback, a usable port, and the socket's family. */
export function checkDestination(address: SocketAddress, family: IpFamily, what: string): SocketAddress {
  const host = loopbackHost(address.address, what);
  checkPort(address.port, what, false);
  if (familyOf(host) !== family) {
    throw ioError(IOErrorEnum.INVALID_ARGUMENT, `${what}: an ${family} socket cannot reach ${formatAddress(address)}`);
  }
  return { address: host, port: address.port };
}

/**
 * g_io_error_from_errno for the codes a UDP socket meets (GLib's gioerror.c, plus ENOTCONN and
 * EMSGSIZE which GSocket maps to NOT_CONNECTED and MESSAGE_TOO_LARGE); anything else is FAILED.
 */
const ERRNO_CODES: Readonly<Record<string, number>> = {
  EEXIST: IOErrorEnum.EXISTS,
  ENOENT: IOErrorEnum.NOT_FOUND,
  EACCES: IOErrorEnum.PERMISSION_DENIED,
  EPERM: IOErrorEnum.PERMISSION_DENIED,
  EINVAL: IOErrorEnum.INVALID_ARGUMENT,
  ENOTSUP: IOErrorEnum.NOT_SUPPORTED,
  EOPNOTSUPP: IOErrorEnum.NOT_SUPPORTED,
  ECANCELED: IOErrorEnum.CANCELLED,
  ETIMEDOUT: IOErrorEnum.TIMED_OUT,
  EAGAIN: IOErrorEnum.WOULD_BLOCK,
  EWOULDBLOCK: IOErrorEnum.WOULD_BLOCK,
  EADDRINUSE: IOErrorEnum.ADDRESS_IN_USE,
  EHOSTUNREACH: IOErrorEnum.HOST_UNREACHABLE,
  ENETUNREACH: IOErrorEnum.NETWORK_UNREACHABLE,
  ECONNREFUSED: IOErrorEnum.CONNECTION_REFUSED,
  EPIPE: IOErrorEnum.BROKEN_PIPE,
  ENOTCONN: IOErrorEnum.NOT_CONNECTED,
  EMSGSIZE: IOErrorEnum.MESSAGE_TOO_LARGE,
};

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not available on this host',
  ECONNREFUSED: 'connection refused (ICMP port unreachable: nothing listens there)',
  EMSGSIZE: 'message too long',
};

/** A node system error (`err.code` = 'EADDRINUSE' ...) as the GioError GSocket would raise. */
export function ioErrorFromSystem(e: unknown, during: string): GioError {
  const errno = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  const code = errno === undefined ? IOErrorEnum.FAILED : (ERRNO_CODES[errno] ?? IOErrorEnum.FAILED);
  const text = errno === undefined ? String(e instanceof Error ? e.message : e) : (ERRNO_TEXT[errno] ?? (e as Error).message);
  return ioError(code, `${during}: ${text}${errno === undefined ? '' : ` (${errno})`}`, e);
}
