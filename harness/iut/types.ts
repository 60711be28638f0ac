/**
 * Implementations under test. One interface whatever runs behind it: the reference endpoint
 * in-process on virtual time, an external process over UDP on 127.0.0.1, or an npm library
 * in-process. A probe asks the implementation for a session in one role and talks to it through a
 * `Wire`: the harness plays the other side, datagram by datagram.
 */
import type { IutRole, WireEvent } from '../report/model.ts';

export type { IutRole };

/** What an implementation can be asked to do; a probe that needs a missing feature is skipped. */
export type Feature =
  /** Certificate (ECDHE_ECDSA) handshakes; the harness's certificates are given to it. */
  | 'certificate'
  /** PSK suites with the harness's identity and key. */
  | 'psk'
  /** Server: sends HelloVerifyRequest (RFC 6347 §4.2.1) before any other flight. */
  | 'cookie'
  /** ALPN (RFC 7301) with the protocols the probe asks for. */
  | 'alpn'
  /** Connection IDs (RFC 9146). */
  | 'cid'
  /** Server: sends back the application data it receives. */
  | 'echo'
  /** Client: sends application data once the handshake completes. */
  | 'client-sends-data'
  /** extended_master_secret (RFC 7627). */
  | 'ems';

/** Key types the harness has certificates for. */
export type KeyType = 'p256' | 'p384' | 'ed25519' | 'rsa';

/** PEM files the harness generated for a run (a throwaway CA and leaf certificates). */
export interface CredentialFiles {
  /** The CA certificate that issued every leaf. */
  readonly ca: string;
  /** Leaf certificate and key files per key type (PEM; keys PKCS#8). */
  readonly leaf: Readonly<Record<KeyType, { readonly cert: string; readonly key: string }>>;
}

/** What a session is started with. */
export interface SessionRequest {
  readonly role: IutRole;
  /** Certificate and key files, for implementations that read them. */
  readonly files: CredentialFiles;
  /** The key type of the leaf the implementation should use (server role). Default p256. */
  readonly keyType?: KeyType;
  /** PSK, when the probe runs a PSK suite. */
  readonly psk?: { readonly identity: string; readonly keyHex: string };
  /** ALPN protocols the implementation should offer (client) or support (server). */
  readonly alpn?: readonly string[];
  /** Cipher suites the implementation should be limited to, when the probe needs one. */
  readonly suites?: readonly number[];
  /** The probe's seed (in-process implementations take their randomness from it). */
  readonly seed: number;
  /** The probe's name, for logs and file names. */
  readonly probe: string;
}

/**
 * The datagram channel between the harness and the implementation under test, on the probe's clock
 * (virtual for in-process implementations, real otherwise). Every datagram is recorded.
 */
export interface Wire {
  readonly clock: 'virtual' | 'real';
  /** ms since the session started. */
  now(): number;
  send(datagram: Uint8Array, note?: string): void;
  /** The next datagram from the implementation, or undefined when none came within `timeoutMs`. */
  receive(timeoutMs: number): Promise<Uint8Array | undefined>;
  /** When the datagram `receive` last returned arrived (ms since the session started), which may be before it was read. */
  arrivedAt(): number;
  /** Lets `ms` pass (virtual time advances at once; real time waits). Datagrams arriving meanwhile are queued. */
  sleep(ms: number): Promise<void>;
  /** Adds a note to the datagram last received (what the harness decoded it as). */
  annotate(note: string): void;
  readonly transcript: readonly WireEvent[];
}

/** How an implementation process (or in-process instance) ended, when it did. */
export interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface IutSession {
  readonly wire: Wire;
  /**
   * Whether the implementation's application received `data`, within `timeoutMs`: an echo on the
   * wire does not count here (the harness sees that itself); this asks the process output or the
   * in-process API. Undefined when the implementation offers no such view.
   */
  readonly delivered?: (data: Uint8Array, timeoutMs: number) => Promise<boolean>;
  /** Set once the implementation exited or failed on its own (a crash or a fatal error). */
  exit(): Exit | undefined;
  /** Its output (process stdout/stderr, or the in-process event log), for failure reports. */
  log(): string;
  close(): Promise<void>;
}

export interface ImplementationDescription {
  /** Registry name: `reference`, `openssl`, `gnutls`, `werift`, `node-dtls-client`, or a user's. */
  readonly name: string;
  readonly roles: readonly IutRole[];
  readonly features: readonly Feature[];
  /** Cipher suites it negotiates, by role (only these are probed). */
  readonly suites: Readonly<Partial<Record<IutRole, readonly number[]>>>;
  readonly clock: 'virtual' | 'real';
  /** Command templates per role, for external implementations. */
  readonly commands?: Readonly<Partial<Record<IutRole, string>>>;
}

export interface Implementation {
  readonly description: ImplementationDescription;
  /** A version string (`OpenSSL 3.0.19 ...`); throws a `IutError` when the implementation is not there. */
  version(): Promise<string>;
  /**
   * Starts one session: for the server role the implementation is listening and the wire reaches
   * it; for the client role it has been started towards the harness (its first datagram arrives on
   * the wire). Throws `IutError` with a clear message when it cannot start.
   */
  start(request: SessionRequest): Promise<IutSession>;
}

/** A problem with the implementation under test or its description, phrased for the user. */
export class IutError extends Error {
  override readonly name = 'IutError';
}
