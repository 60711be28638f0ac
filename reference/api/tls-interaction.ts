/**
 * GTlsInteraction and GTlsPassword: how the API asks the user for something, such as the password
 * of an encrypted private key. A subclass overrides `askPassword` (and `requestCertificate`); the
 * base class handles nothing (G_TLS_INTERACTION_UNHANDLED), as GIO's does.
 *
 * GIO's blocking, _async/_finish and invoke_ forms are one Promise-returning method here, and a
 * Cancellable is an AbortSignal. GIO reports G_TLS_INTERACTION_FAILED together with a GError; here
 * a failing interaction rejects with the GioError instead of resolving FAILED.
 */
import { TlsInteractionResult, type TlsInteractionResultValue } from './enums.ts';
import { GioError, IOErrorEnum, ioError } from './errors.ts';
import type { TlsCertificate } from './tls-certificate.ts';

/** GTlsPasswordFlags (values as in gioenums.h; the PKCS #11 ones are kept for completeness). */
export const TlsPasswordFlags = {
  NONE: 0,
  /** The password was wrong, and the user should be asked again. */
  RETRY: 1 << 1,
  /** The password has been wrong many times; few chances may be left. */
  MANY_TRIES: 1 << 2,
  /** This is the last chance: a wrong password now is final. */
  FINAL_TRY: 1 << 3,
  PKCS11_USER: 1 << 4,
  PKCS11_SECURITY_OFFICER: 1 << 5,
  PKCS11_CONTEXT_SPECIFIC: 1 << 6,
} as const;

/** GTlsCertificateRequestFlags */
export const TlsCertificateRequestFlags = { NONE: 0 } as const;

/** GTlsPassword: a password being asked for, with what it is for and why it is asked again. */
export class TlsPassword {
  flags: number;
  description: string;
  /** Why the user is asked (again), e.g. after a wrong password; undefined at first, like GIO's NULL. */
  warning: string | undefined;
  private valueBytes = new Uint8Array(0);

  constructor(flags: number = TlsPasswordFlags.NONE, description = '') {
    this.flags = flags;
    this.description = description;
  }

  /** g_tls_password_new */
  static new(flags: number, description: string): TlsPassword {
    return new TlsPassword(flags, description);
  }

  /** The password's bytes (a copy); empty until set. */
  get value(): Uint8Array {
    return this.valueBytes.slice();
  }
  set value(value: Uint8Array | string) {
    this.setValue(value);
  }

  getValue(): Uint8Array {
    return this.value;
  }
  /** g_tls_password_set_value: a string is stored as UTF-8; `length` cuts it (GIO's -1: all of it). */
  setValue(value: Uint8Array | string, length = -1): void {
    const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value.slice();
    this.valueBytes = length >= 0 ? bytes.slice(0, length) : bytes;
  }
  getFlags(): number {
    return this.flags;
  }
  setFlags(flags: number): void {
    this.flags = flags;
  }
  getDescription(): string {
    return this.description;
  }
  setDescription(description: string): void {
    this.description = description;
  }
  getWarning(): string | undefined {
    return this.warning;
  }
  setWarning(warning: string | undefined): void {
    this.warning = warning;
  }

  /** The value as text (UTF-8), for code that hands it on as a passphrase. */
  toText(): string {
    return new TextDecoder().decode(this.valueBytes);
  }

  /** Never prints the value. */
  toString(): string {
    return `TlsPassword(${JSON.stringify(this.description)})`;
  }
  toJSON(): { description: string; flags: number } {
    return { description: this.description, flags: this.flags };
  }
}

/** What `requestCertificate` is given: the connection that wants a certificate (DtlsConnection is one). */
export interface TlsCertificateRequester {
  setCertificate(certificate: TlsCertificate | undefined): void;
}

/** GTlsInteraction */
export class TlsInteraction {
  /**
   * g_tls_interaction_ask_password: override to fill `password` (`password.setValue(...)`) and
   * resolve HANDLED, or resolve UNHANDLED. Reject with a GioError to fail. The base handles nothing.
   */
  askPassword(_password: TlsPassword, signal?: AbortSignal): Promise<TlsInteractionResultValue> {
    if (signal?.aborted === true) return Promise.reject(cancelled());
    return Promise.resolve(TlsInteractionResult.UNHANDLED);
  }

  /**
   * g_tls_interaction_invoke_ask_password: what callers use. Cancellation before or during the
   * question rejects with G_IO_ERROR_CANCELLED; an error from `askPassword` that is not a
   * GioError becomes G_IO_ERROR_FAILED.
   */
  invokeAskPassword(password: TlsPassword, signal?: AbortSignal): Promise<TlsInteractionResultValue> {
    return invoke(() => this.askPassword(password, signal), signal);
  }

  /**
   * g_tls_interaction_request_certificate: override to give `connection` a client certificate
   * (`connection.setCertificate(...)`) and resolve HANDLED. The base handles nothing.
   */
  requestCertificate(_connection: TlsCertificateRequester, _flags: number, signal?: AbortSignal): Promise<TlsInteractionResultValue> {
    if (signal?.aborted === true) return Promise.reject(cancelled());
    return Promise.resolve(TlsInteractionResult.UNHANDLED);
  }

  /** g_tls_interaction_invoke_request_certificate, with `invokeAskPassword`'s rules. */
  invokeRequestCertificate(connection: TlsCertificateRequester, flags: number, signal?: AbortSignal): Promise<TlsInteractionResultValue> {
    return invoke(() => this.requestCertificate(connection, flags, signal), signal);
  }
}

/** A function, so that TypeScript does not narrow `aborted` across an await. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function cancelled(): GioError {
  return ioError(IOErrorEnum.CANCELLED, 'the interaction was cancelled');
}

async function invoke(ask: () => Promise<TlsInteractionResultValue>, signal: AbortSignal | undefined): Promise<TlsInteractionResultValue> {
  if (aborted(signal)) throw cancelled();
  let result: TlsInteractionResultValue;
  try {
    result = await ask();
  } catch (e) {
    if (e instanceof GioError) throw e;
    throw ioError(IOErrorEnum.FAILED, `the interaction failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (aborted(signal)) throw cancelled();
  if (result === TlsInteractionResult.FAILED) throw ioError(IOErrorEnum.FAILED, 'the interaction failed without saying why');
  return result;
}
