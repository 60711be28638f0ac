/**
 * GDtlsServerConnection: the server side. It needs a certificate (with its key) to handshake, asks
 * for client certificates per its authentication mode, and emits accept-certificate whenever the
 * client presents one (seed).
 */
import type { EndpointConfig } from '../handshake/dtls12/config.ts';
import { DtlsConnection, type SideOptions } from './connection.ts';
import type { DatagramBased } from './datagram-based.ts';
import { TlsAuthenticationMode, type TlsAuthenticationModeValue } from './enums.ts';
import { TlsErrorEnum, tlsError } from './errors.ts';
import type { TlsCertificate } from './tls-certificate.ts';
import type { CookieJar } from '../handshake/dtls12/cookie.ts';

export interface DtlsServerOptions extends Omit<SideOptions, 'role' | 'baseSocket'> {
  /** The client's address, bound into its cookie (RFC 6347 §4.2.1). */
  readonly peerAddress?: string;
  /** Shared by every connection of one listening socket, so cookies outlive a connection. */
  readonly cookieJar?: CookieJar;
}

export class DtlsServerConnection extends DtlsConnection {
  private authenticationModeValue: TlsAuthenticationModeValue = TlsAuthenticationMode.NONE;

  private constructor(baseSocket: DatagramBased, certificate: TlsCertificate | undefined, private readonly serverOptions: DtlsServerOptions) {
    super({ ...serverOptions, role: 'server', baseSocket });
    if (certificate !== undefined) this.setCertificate(certificate);
  }

  /** g_dtls_server_connection_new */
  static new(baseSocket: DatagramBased, certificate?: TlsCertificate, options: DtlsServerOptions = {}): DtlsServerConnection {
    return new DtlsServerConnection(baseSocket, certificate, options);
  }

  get authenticationMode(): TlsAuthenticationModeValue {
    return this.authenticationModeValue;
  }
  set authenticationMode(value: TlsAuthenticationModeValue) {
    this.authenticationModeValue = value;
    this.notify('authentication-mode');
  }

  protected sideConfig(): Partial<EndpointConfig> {
    const certificate = this.certificate;
    if (certificate === undefined) {
      throw tlsError(TlsErrorEnum.MISC, 'a DTLS server needs a certificate (set one with setCertificate) to handshake');
    }
    const mode = this.authenticationModeValue;
    return {
      certificate: certificate.credentials(),
      clientAuth: mode === TlsAuthenticationMode.REQUIRED ? 'required' : mode === TlsAuthenticationMode.REQUESTED ? 'requested' : 'none',
      ...(this.serverOptions.peerAddress === undefined ? {} : { peerAddress: this.serverOptions.peerAddress }),
      ...(this.serverOptions.cookieJar === undefined ? {} : { cookieJar: this.serverOptions.cookieJar }),
    };
  }

  protected peerIdentity(): string | undefined {
    return undefined;
  }

  /** The server emits accept-certificate whenever a client certificate is presented. */
  protected emitsAcceptCertificate(): boolean {
    return true;
  }
}
