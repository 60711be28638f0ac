/**
 * An NSS key log file fed as the engine emits lines through `EndpointConfig.keyLog`: each line is
 * checked and re-formatted by reference/capture/keylog and appended at once, so the file is useful
 * even when the process dies mid-session (what SSLKEYLOGFILE does in OpenSSL, GnuTLS and NSS).
 */
import { appendFileSync } from 'node:fs';
import { formatKeylog, parseKeylogStrict } from '../capture/keylog.ts';

/** A `keyLog` callback that appends every line to `path` (created when missing). */
export function keyLogFile(path: string): (line: string) => void {
  return (line) => {
    appendFileSync(path, formatKeylog(parseKeylogStrict(line)));
  };
}

/** Both callbacks, either of which may be missing. */
export function bothKeyLogs(a: ((line: string) => void) | undefined, b: ((line: string) => void) | undefined): ((line: string) => void) | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (line) => {
    a(line);
    b(line);
  };
}
