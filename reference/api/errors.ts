/**
 * GError-style errors in GIO's domains and codes (G_IO_ERROR, G_TLS_ERROR), with messages that
 * say what happened. `fromDtlsError` maps the engine's one error type onto them.
 */
import { AlertDescription } from '../wire/enums.ts';
import type { DtlsError } from '../errors.ts';

/** GIOErrorEnum (the codes the DTLS API uses; values as in gioenums.h, checked against GIO 2.74). */
export const IOErrorEnum = {
  FAILED: 0,
  NOT_FOUND: 1,
  EXISTS: 2,
  INVALID_ARGUMENT: 13,
  PERMISSION_DENIED: 14,
  NOT_SUPPORTED: 15,
  CLOSED: 18,
  CANCELLED: 19,
  PENDING: 20,
  TIMED_OUT: 24,
  WOULD_BLOCK: 27,
  HOST_NOT_FOUND: 28,
  ADDRESS_IN_USE: 33,
  HOST_UNREACHABLE: 37,
  NETWORK_UNREACHABLE: 38,
  CONNECTION_REFUSED: 39,
  BROKEN_PIPE: 44,
  NOT_CONNECTED: 45,
  MESSAGE_TOO_LARGE: 46,
} as const;

/** GTlsError */
export const TlsErrorEnum = {
  UNAVAILABLE: 0,
  MISC: 1,
  BAD_CERTIFICATE: 2,
  NOT_TLS: 3,
  HANDSHAKE: 4,
  CERTIFICATE_REQUIRED: 5,
  EOF: 6,
  INAPPROPRIATE_FALLBACK: 7,
  BAD_CERTIFICATE_PASSWORD: 8,
} as const;

/** GTlsChannelBindingError: why get_channel_binding_data failed (GIO 2.66). */
export const TlsChannelBindingErrorEnum = {
  /** The type is not implemented by the backend. */
  NOT_IMPLEMENTED: 0,
  /** The handshake is not complete (or the connection is closed). */
  INVALID_STATE: 1,
  /** The handshake is complete but the data is not there. */
  NOT_AVAILABLE: 2,
  /** The type does not apply to this connection. */
  NOT_SUPPORTED: 3,
  GENERAL_ERROR: 4,
} as const;

export type ErrorDomain = 'g-io-error-quark' | 'g-tls-error-quark' | 'g-tls-channel-binding-error-quark';

const codeNames = (table: Record<string, number>): Map<number, string> => new Map(Object.entries(table).map(([k, v]) => [v, k]));
const IO_NAMES = codeNames(IOErrorEnum);
const TLS_NAMES = codeNames(TlsErrorEnum);
const CHANNEL_BINDING_NAMES = codeNames(TlsChannelBindingErrorEnum);

export class GioError extends Error {
  override readonly name = 'GioError';
  constructor(
    readonly domain: ErrorDomain,
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** e.g. `G_IO_ERROR_CLOSED`, `G_TLS_ERROR_BAD_CERTIFICATE`, `G_TLS_CHANNEL_BINDING_ERROR_INVALID_STATE`. */
  get codeName(): string {
    switch (this.domain) {
      case 'g-io-error-quark':
        return `G_IO_ERROR_${IO_NAMES.get(this.code) ?? this.code}`;
      case 'g-tls-error-quark':
        return `G_TLS_ERROR_${TLS_NAMES.get(this.code) ?? this.code}`;
      case 'g-tls-channel-binding-error-quark':
        return `G_TLS_CHANNEL_BINDING_ERROR_${CHANNEL_BINDING_NAMES.get(this.code) ?? this.code}`;
    }
  }

  /** GLib's g_error_matches. */
  matches(domain: ErrorDomain, code: number): boolean {
    return this.domain === domain && this.code === code;
  }
}

export function ioError(code: number, message: string, cause?: unknown): GioError {
  return new GioError('g-io-error-quark', code, message, { cause });
}

export function tlsError(code: number, message: string, cause?: unknown): GioError {
  return new GioError('g-tls-error-quark', code, message, { cause });
}

export function channelBindingError(code: number, message: string, cause?: unknown): GioError {
  return new GioError('g-tls-channel-binding-error-quark', code, message, { cause });
}

/**
 * The GIO error for an engine failure, as the real GIO (GnuTLS backend) reports them: a timeout is
 * G_IO_ERROR_TIMED_OUT, certificate alerts are BAD_CERTIFICATE, certificate_required is
 * CERTIFICATE_REQUIRED, inappropriate_fallback is INAPPROPRIATE_FALLBACK, the rest of the
 * handshake's failures are HANDSHAKE; outside the handshake, MISC.
 */
export function fromDtlsError(e: DtlsError, during: 'handshake' | 'io'): GioError {
  const d = e.detail;
  if (d.kind === 'timeout') return ioError(IOErrorEnum.TIMED_OUT, `DTLS ${during} timed out: ${e.message}`, e);
  const alert = d.kind === 'alert-received' ? d.description : d.kind === 'peer-misbehaved' || d.kind === 'peer-incompatible' ? d.alert : undefined;
  const A = AlertDescription;
  if (alert === A.certificate_required) return tlsError(TlsErrorEnum.CERTIFICATE_REQUIRED, e.message, e);
  if (alert === A.inappropriate_fallback) return tlsError(TlsErrorEnum.INAPPROPRIATE_FALLBACK, e.message, e);
  const certificateAlerts: number[] = [A.bad_certificate, A.unsupported_certificate, A.certificate_revoked, A.certificate_expired, A.certificate_unknown, A.unknown_ca];
  if (alert !== undefined && certificateAlerts.includes(alert)) return tlsError(TlsErrorEnum.BAD_CERTIFICATE, e.message, e);
  return tlsError(during === 'handshake' ? TlsErrorEnum.HANDSHAKE : TlsErrorEnum.MISC, e.message, e);
}
