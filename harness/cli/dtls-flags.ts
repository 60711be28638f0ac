/**
 * What `serve` and `connect` share: their common flags checked into values (a bad one is a
 * UsageError naming the flag, and the file and OS error for files), the lines they print, and
 * the signal that stops them.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { TlsProtocolVersion, type TlsProtocolVersionValue } from '../../reference/api/enums.ts';
import { GioError } from '../../reference/api/errors.ts';
import { TlsCertificate } from '../../reference/api/tls-certificate.ts';
import { TlsFileDatabase } from '../../reference/api/tls-database.ts';
import { keyLogFile } from '../../reference/transport/keylog-file.ts';
import type { CommandIo } from '../cli.ts';
import { UsageError } from './args.ts';

/** The host a loopback flag names, or a UsageError refusing it by name. */
export function loopbackFlag(flag: string, value: string): string {
  if (value === '127.0.0.1' || value === '::1' || value === 'localhost') return value;
  throw new UsageError(`${flag} ${value}: refused: dtlsprobe only talks on loopback (127.0.0.1, ::1 or localhost)`);
}

export function portFlag(flag: string, value: number | undefined, allowZero: boolean): number {
  if (value === undefined) throw new UsageError(`missing ${flag} N${allowZero ? ' (0: any free port)' : ''}`);
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(value) || value < min || value > 65_535) throw new UsageError(`${flag} ${value}: a port is an integer ${min}..65535`);
  return value;
}

/** `--alpn h2,coap`: 1..255 bytes each, no empty names. */
export function alpnFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const protocols = value.split(',');
  for (const p of protocols) {
    const n = new TextEncoder().encode(p).length;
    if (n === 0 || n > 255) throw new UsageError(`--alpn ${value}: each protocol name is 1..255 bytes, comma-separated`);
  }
  return protocols;
}

/** The engine's limits: no record under 128 bytes, no datagram over UDP's 65507. */
export function mtuFlag(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 128 || value > 65_507) throw new UsageError(`--mtu ${value}: an integer 128..65507`);
  return value;
}

/** A key log callback appending to FILE, which must be writable now. */
export function keylogFlag(path: string | undefined): ((line: string) => void) | undefined {
  if (path === undefined) return undefined;
  try {
    appendFileSync(path, '');
  } catch (e) {
    throw new UsageError(`--keylog ${path}: cannot write it: ${osError(e)}`);
  }
  return keyLogFile(path);
}

/** The node error's own words: `ENOENT: no such file or directory, open '/x'`. */
function osError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function readable(flag: string, path: string): void {
  try {
    readFileSync(path);
  } catch (e) {
    throw new UsageError(`${flag} ${path}: cannot read it: ${osError(e)}`);
  }
}

/** `--cert FILE --key FILE`, both or neither, as a TlsCertificate with its key. */
export function optionalCertificateFlags(cert: string | undefined, key: string | undefined): TlsCertificate | undefined {
  return cert === undefined && key === undefined ? undefined : certificateFlags(cert, key);
}

/** `--cert FILE --key FILE` as a TlsCertificate with its key. */
export function certificateFlags(cert: string | undefined, key: string | undefined): TlsCertificate {
  if (cert === undefined) throw new UsageError(key === undefined ? 'missing --cert FILE and --key FILE' : 'missing --cert FILE (--key goes with it)');
  if (key === undefined) throw new UsageError('missing --key FILE (--cert goes with it)');
  readable('--cert', cert);
  readable('--key', key);
  try {
    return TlsCertificate.newFromFiles(cert, key);
  } catch (e) {
    if (e instanceof GioError) throw new UsageError(`--cert ${cert} --key ${key}: ${e.message}`);
    throw e;
  }
}

/** `--ca FILE`: a database of the certificates in it (at least one). */
export function caFlag(path: string | undefined): TlsFileDatabase | undefined {
  if (path === undefined) return undefined;
  readable('--ca', path);
  let database: TlsFileDatabase;
  try {
    database = TlsFileDatabase.newFromFile(path);
  } catch (e) {
    if (e instanceof GioError) throw new UsageError(`--ca ${path}: ${e.message}`);
    throw e;
  }
  if (database.anchorCertificates().length === 0) throw new UsageError(`--ca ${path}: no PEM certificate in it`);
  return database;
}

/** `DTLS 1.2` for TlsProtocolVersion.DTLS_1_2. */
export function versionName(v: TlsProtocolVersionValue): string {
  const name = Object.entries(TlsProtocolVersion).find(([, value]) => value === v)?.[0] ?? String(v);
  return name.replace(/^(D?TLS|SSL)_(\d)_(\d)$/, '$1 $2.$3');
}

/** What a failure says: the message, and GIO's code name. */
export function describeError(e: unknown): string {
  if (e instanceof GioError) return `${e.message} (${e.codeName})`;
  return e instanceof Error ? e.message : String(e);
}

/** Stops the command: the test's signal, or SIGINT/SIGTERM for the process (until disposed). */
export function stopSignal(io: CommandIo): { readonly signal: AbortSignal; dispose(): void } {
  if (io.signal !== undefined) return { signal: io.signal, dispose: () => {} };
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Resolves after `ms`, or at once when `signal` fires. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
