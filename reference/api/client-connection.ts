/**
 * GDtlsClientConnection: the client side. It checks the server's certificate against its database
 * and `serverIdentity`, and emits accept-certificate only when that check fails (seed).
 */
import type { DtlsError } from '../errors.ts';
import type { EndpointConfig } from '../handshake/dtls12/config.ts';
import { AlertDescription } from '../wire/enums.ts';
import { DtlsConnection, type SideOptions } from './connection.ts';
import type { DatagramBased, SocketAddress } from './datagram-based.ts';
import { TlsCertificateFlags } from './enums.ts';
import { type GioError, TlsErrorEnum, tlsError } from './errors.ts';

export interface DtlsClientOptions extends Omit<SideOptions, 'role' | 'baseSocket'> {}

export class DtlsClientConnection extends DtlsConnection {
  private serverIdentityValue: SocketAddress | string | undefined;
  private validationFlagsValue: number = TlsCertificateFlags.VALIDATE_ALL;
  private acceptedCasValue: Uint8Array[] | null = null;

  private constructor(baseSocket: DatagramBased, serverIdentity: SocketAddress | string | undefined, options: DtlsClientOptions) {
    super({ ...options, role: 'client', baseSocket });
    this.serverIdentityValue = serverIdentity;
  }

  /** g_dtls_client_connection_new */
  static new(baseSocket: DatagramBased, serverIdentity?: SocketAddress | string, options: DtlsClientOptions = {}): DtlsClientConnection {
    return new DtlsClientConnection(baseSocket, serverIdentity, options);
  }

  /** The name (or address) the server's certificate must match; a host name also goes out as SNI. */
  get serverIdentity(): SocketAddress | string | undefined {
    return this.serverIdentityValue;
  }
  set serverIdentity(value: SocketAddress | string | undefined) {
    this.serverIdentityValue = value;
    this.notify('server-identity');
  }
  getServerIdentity(): SocketAddress | string | undefined {
    return this.serverIdentity;
  }
  setServerIdentity(value: SocketAddress | string | undefined): void {
    this.serverIdentity = value;
  }

  /** Which verification failures count (deprecated in GIO 2.72, still honoured here). */
  get validationFlags(): number {
    return this.validationFlagsValue;
  }
  set validationFlags(value: number) {
    this.validationFlagsValue = value;
    this.notify('validation-flags');
  }
  getValidationFlags(): number {
    return this.validationFlags;
  }
  setValidationFlags(value: number): void {
    this.validationFlags = value;
  }

  /**
   * g_dtls_client_connection_get_accepted_cas: the certificate authorities (DER distinguished
   * names) the server's CertificateRequest named; null when the server asked for no certificate,
   * so an empty list still tells the caller it was asked (seed).
   */
  getAcceptedCas(): Uint8Array[] | null {
    return this.acceptedCasValue === null ? null : this.acceptedCasValue.map((c) => c.slice());
  }
  get acceptedCas(): Uint8Array[] | null {
    return this.getAcceptedCas();
  }

  protected sideConfig(): Partial<EndpointConfig> {
    const id = this.serverIdentityValue;
    const host = typeof id === 'string' && !/^[\d.]+$|:/.test(id) ? id : undefined;
    const credentials = this.certificate?.credentials();
    return { ...(host === undefined ? {} : { serverName: host }), ...(credentials === undefined ? {} : { certificate: credentials }) };
  }

  protected peerIdentity(): string | undefined {
    const id = this.serverIdentityValue;
    return id === undefined ? undefined : typeof id === 'string' ? id : id.address;
  }

  /** The client emits accept-certificate only when verification found a problem it cares about. */
  protected emitsAcceptCertificate(errors: number): boolean {
    return (errors & this.validationFlagsValue) !== 0;
  }

  /** A server that asked for a certificate and then refused us: CERTIFICATE_REQUIRED (seed). */
  protected override mapError(error: DtlsError): GioError {
    const d = error.detail;
    const refused = d.kind === 'alert-received' && (d.description === AlertDescription.handshake_failure || d.description === AlertDescription.certificate_required);
    if (refused && this.certificateRequest !== undefined && !this.certificateRequest.sent) {
      return tlsError(TlsErrorEnum.CERTIFICATE_REQUIRED, 'the server requires a client certificate and none was sent', error);
    }
    return super.mapError(error);
  }

  private certificateRequest: { sent: boolean } | undefined;

  protected override onCertificateRequest(acceptedCas: readonly Uint8Array[], sent: boolean): void {
    this.acceptedCasValue = acceptedCas.map((c) => c.slice());
    this.certificateRequest = { sent };
    this.notify('accepted-cas');
  }
}
