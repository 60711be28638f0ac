/**
 * GIO's enumerations and flags that the DTLS API uses, with GIO's numeric values, so results
 * compare with the real GIO (glib/gio/gioenums.h). TlsProtocolVersion gains DTLS_1_3, which
 * GIO lacks.
 */

/** GIOCondition */
export const IOCondition = { IN: 1, OUT: 4, PRI: 2, ERR: 8, HUP: 16, NVAL: 32 } as const;
export type IOConditionFlags = number;

/** GTlsCertificateFlags: why a certificate was not accepted. */
export const TlsCertificateFlags = {
  NO_FLAGS: 0,
  UNKNOWN_CA: 1 << 0,
  BAD_IDENTITY: 1 << 1,
  NOT_ACTIVATED: 1 << 2,
  EXPIRED: 1 << 3,
  REVOKED: 1 << 4,
  INSECURE: 1 << 5,
  GENERIC_ERROR: 1 << 6,
  VALIDATE_ALL: 0x7f,
} as const;
export type TlsCertificateFlagSet = number;

/** The names of the flags set in `flags`, for messages. */
export function certificateFlagNames(flags: number): string[] {
  return Object.entries(TlsCertificateFlags)
    .filter(([name, bit]) => bit !== 0 && name !== 'VALIDATE_ALL' && (flags & bit) === bit)
    .map(([name]) => name);
}

/** GTlsChannelBindingType */
export const TlsChannelBindingType = { UNIQUE: 0, SERVER_END_POINT: 1, EXPORTER: 2 } as const;
export type TlsChannelBindingTypeValue = (typeof TlsChannelBindingType)[keyof typeof TlsChannelBindingType];

/** GTlsProtocolVersion, plus DTLS_1_3 (GIO stops at DTLS_1_2 = 201). */
export const TlsProtocolVersion = {
  UNKNOWN: 0,
  SSL_3_0: 1,
  TLS_1_0: 2,
  TLS_1_1: 3,
  TLS_1_2: 4,
  TLS_1_3: 5,
  DTLS_1_0: 201,
  DTLS_1_2: 202,
  DTLS_1_3: 203,
} as const;
export type TlsProtocolVersionValue = (typeof TlsProtocolVersion)[keyof typeof TlsProtocolVersion];

/** GTlsAuthenticationMode (server: whether to ask for a client certificate). */
export const TlsAuthenticationMode = { NONE: 0, REQUESTED: 1, REQUIRED: 2 } as const;
export type TlsAuthenticationModeValue = (typeof TlsAuthenticationMode)[keyof typeof TlsAuthenticationMode];

/** GTlsRehandshakeMode (deprecated; accepted, no effect). */
export const TlsRehandshakeMode = { NEVER: 0, SAFELY: 1, UNSAFELY: 2 } as const;
export type TlsRehandshakeModeValue = (typeof TlsRehandshakeMode)[keyof typeof TlsRehandshakeMode];

/** GTlsInteractionResult */
export const TlsInteractionResult = { UNHANDLED: 0, HANDLED: 1, FAILED: 2 } as const;
export type TlsInteractionResultValue = (typeof TlsInteractionResult)[keyof typeof TlsInteractionResult];
