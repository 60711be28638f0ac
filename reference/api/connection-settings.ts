/**
 * The settable properties of a GDtlsConnection (GIO's names, camelCased), each with GIO's getter
 * and setter and a `notify::<name>` signal on change, and the signals' types.
 */
import { TlsRehandshakeMode, type TlsRehandshakeModeValue } from './enums.ts';
import { SignalEmitter } from './signals.ts';
import type { TlsCertificate } from './tls-certificate.ts';
import { type TlsDatabase, tlsBackendDefaultDatabase } from './tls-database.ts';
import type { TlsInteraction } from './tls-interaction.ts';

export type DtlsConnectionSignals = {
  'accept-certificate': (peerCert: TlsCertificate, errors: number) => boolean;
} & Record<`notify::${string}`, () => void>;

export abstract class DtlsConnectionSettings extends SignalEmitter<DtlsConnectionSignals> {
  protected certificateValue: TlsCertificate | undefined;
  protected databaseValue: TlsDatabase | null = tlsBackendDefaultDatabase();
  protected interactionValue: TlsInteraction | undefined;
  protected requireCloseNotifyValue = true;
  protected rehandshakeModeValue: TlsRehandshakeModeValue = TlsRehandshakeMode.SAFELY;
  protected advertisedProtocolsValue: string[] | null = null;

  // ---- properties (GIO's names, camelCased; each setter notifies)

  protected notify(property: string): void {
    for (const fn of this.handlersOf(`notify::${property}`)) fn();
  }

  get certificate(): TlsCertificate | undefined {
    return this.certificateValue;
  }
  set certificate(value: TlsCertificate | undefined) {
    this.certificateValue = value;
    this.notify('certificate');
  }
  getCertificate(): TlsCertificate | undefined {
    return this.certificate;
  }
  setCertificate(value: TlsCertificate | undefined): void {
    this.certificate = value;
  }

  /** null: no database — every peer certificate gets UNKNOWN_CA. */
  get database(): TlsDatabase | null {
    return this.databaseValue;
  }
  set database(value: TlsDatabase | null) {
    this.databaseValue = value;
    this.notify('database');
  }
  getDatabase(): TlsDatabase | null {
    return this.database;
  }
  setDatabase(value: TlsDatabase | null): void {
    this.database = value;
  }

  get interaction(): TlsInteraction | undefined {
    return this.interactionValue;
  }
  set interaction(value: TlsInteraction | undefined) {
    this.interactionValue = value;
    this.notify('interaction');
  }
  getInteraction(): TlsInteraction | undefined {
    return this.interaction;
  }
  setInteraction(value: TlsInteraction | undefined): void {
    this.interaction = value;
  }

  get requireCloseNotify(): boolean {
    return this.requireCloseNotifyValue;
  }
  set requireCloseNotify(value: boolean) {
    this.requireCloseNotifyValue = value;
    this.notify('require-close-notify');
  }
  getRequireCloseNotify(): boolean {
    return this.requireCloseNotify;
  }
  setRequireCloseNotify(value: boolean): void {
    this.requireCloseNotify = value;
  }

  /** Deprecated in GIO: accepted and kept, no effect (renegotiation is always refused). */
  get rehandshakeMode(): TlsRehandshakeModeValue {
    return this.rehandshakeModeValue;
  }
  set rehandshakeMode(value: TlsRehandshakeModeValue) {
    this.rehandshakeModeValue = value;
    this.notify('rehandshake-mode');
  }
  getRehandshakeMode(): TlsRehandshakeModeValue {
    return this.rehandshakeMode;
  }
  setRehandshakeMode(value: TlsRehandshakeModeValue): void {
    this.rehandshakeMode = value;
  }

  /** null disables ALPN. */
  get advertisedProtocols(): string[] | null {
    return this.advertisedProtocolsValue === null ? null : [...this.advertisedProtocolsValue];
  }
  set advertisedProtocols(value: string[] | null) {
    this.advertisedProtocolsValue = value === null ? null : [...value];
    this.notify('advertised-protocols');
  }
  setAdvertisedProtocols(protocols: string[] | null): void {
    this.advertisedProtocols = protocols;
  }

}
