/**
 * The one error type of the protocol core, and the one function that decides which alert an
 * error sends (rustls' lesson: returning an alert and an error separately lets them disagree).
 */
import { AlertDescription, AlertLevel, HandshakeType } from './wire/enums.ts';
import { DecodeError } from './wire/errors.ts';

export type DtlsErrorKind =
  /** A message or record that does not parse. */
  | { readonly kind: 'decode'; readonly path: string }
  /** A message that the current state does not accept. */
  | { readonly kind: 'unexpected-message'; readonly expected: readonly string[]; readonly got: string }
  /** The peer broke a rule; `alert` names the one the RFC prescribes. */
  | { readonly kind: 'peer-misbehaved'; readonly alert: number }
  /** The peer offers nothing we can agree on (versions, suites, groups, protocols). */
  | { readonly kind: 'peer-incompatible'; readonly alert: number }
  /** The peer sent a fatal alert (or close_notify). */
  | { readonly kind: 'alert-received'; readonly level: number; readonly description: number }
  /** The retransmission budget ran out (RFC 6347 §4.2.4.1). */
  | { readonly kind: 'timeout'; readonly retransmissions: number }
  /** Our own configuration or a local failure. */
  | { readonly kind: 'internal' };

export class DtlsError extends Error {
  override readonly name = 'DtlsError';
  readonly detail: DtlsErrorKind;

  constructor(detail: DtlsErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.detail = detail;
  }

  static decode(e: DecodeError): DtlsError {
    return new DtlsError({ kind: 'decode', path: e.path }, `cannot decode ${e.path}: ${e.reason}`, { cause: e });
  }

  static unexpected(expected: readonly number[], got: number): DtlsError {
    const names = expected.map((t) => HandshakeType.nameOf(t));
    const gotName = HandshakeType.nameOf(got);
    return new DtlsError(
      { kind: 'unexpected-message', expected: names, got: gotName },
      `unexpected ${gotName}: expected ${names.join(' or ')}`,
    );
  }

  static misbehaved(alert: number, message: string): DtlsError {
    return new DtlsError({ kind: 'peer-misbehaved', alert }, message);
  }

  static incompatible(alert: number, message: string): DtlsError {
    return new DtlsError({ kind: 'peer-incompatible', alert }, message);
  }

  static alertReceived(level: number, description: number): DtlsError {
    return new DtlsError(
      { kind: 'alert-received', level, description },
      `peer sent ${AlertLevel.nameOf(level)} alert ${AlertDescription.nameOf(description)}`,
    );
  }

  static timeout(retransmissions: number): DtlsError {
    return new DtlsError({ kind: 'timeout', retransmissions }, `no answer after ${retransmissions} retransmissions`);
  }

  static internal(message: string, cause?: unknown): DtlsError {
    return new DtlsError({ kind: 'internal' }, message, { cause });
  }
}

/** An alert to send: level and description. */
export interface AlertToSend {
  readonly level: number;
  readonly description: number;
}

/**
 * The alert an error sends, or undefined when none is sent (a received alert is not answered;
 * a timeout has nobody to tell).
 */
export function alertFor(error: DtlsError): AlertToSend | undefined {
  const fatal = (description: number): AlertToSend => ({ level: AlertLevel.fatal, description });
  const d = error.detail;
  switch (d.kind) {
    case 'decode':
      return fatal(AlertDescription.decode_error);
    case 'unexpected-message':
      return fatal(AlertDescription.unexpected_message);
    case 'peer-misbehaved':
    case 'peer-incompatible':
      return fatal(d.alert);
    case 'internal':
      return fatal(AlertDescription.internal_error);
    case 'alert-received':
    case 'timeout':
      return undefined;
  }
}

/** Wraps anything thrown while handling peer input into a DtlsError. */
export function toDtlsError(e: unknown): DtlsError {
  if (e instanceof DtlsError) return e;
  if (e instanceof DecodeError) return DtlsError.decode(e);
  return DtlsError.internal(e instanceof Error ? e.message : String(e), e);
}
