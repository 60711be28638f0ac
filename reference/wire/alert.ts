/**
 * The two one-struct protocols beside the handshake: ChangeCipherSpec (content type 20) and Alert
 * (content type 21). Both are read from a record's fragment; a record may carry several alerts, so
 * the caller decides how many to read.
 */
import { AlertDescription, AlertLevel } from './enums.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** The only ChangeCipherSpec type RFC 5246 §7.1 defines. */
export const CHANGE_CIPHER_SPEC_TYPE = 1;

export interface ChangeCipherSpec {
  /** Always 1 when well formed; any other byte is kept so a forged value round-trips. */
  type: number;
}

/** RFC 5246 §7.1 (DTLS 1.2: RFC 6347 §4.2.5; DTLS 1.3 endpoints MUST NOT send it, RFC 9147 §5). */
export function readChangeCipherSpec(r: Reader): ChangeCipherSpec {
  return r.struct('ChangeCipherSpec', 'RFC 5246 §7.1', (s) => ({ type: s.u8('type') }));
}

export function writeChangeCipherSpec(w: Writer, m: ChangeCipherSpec): void {
  w.u8(m.type);
}

export interface Alert {
  /** AlertLevel (open enum): warning(1), fatal(2). */
  level: number;
  /** AlertDescription (open enum). */
  description: number;
}

/** RFC 5246 §7.2 (RFC 8446 §6 adds descriptions; DTLS: RFC 6347 §4.2.7, RFC 9147 §5.10). */
export function readAlert(r: Reader): Alert {
  return r.struct('Alert', 'RFC 5246 §7.2', (s) => {
    const level = s.u8('level', AlertLevel);
    const description = s.u8('description', AlertDescription);
    return { level, description };
  });
}

export function writeAlert(w: Writer, m: Alert): void {
  w.u8(m.level).u8(m.description);
}
