/**
 * A probe: one conversation with an implementation under test, the requirement ids its verdict
 * bears on, and what it needs from the implementation. Probes are grouped into scripts (tlsfuzzer's
 * unit: `dtlsprobe-server-cookie` runs every probe of group `server-cookie`).
 */
import type { Feature, ImplementationDescription, IutRole, KeyType } from '../iut/types.ts';
import type { Node } from '../conversation/tree.ts';

export interface ProbeContext {
  /** The implementation under test. */
  readonly iut: ImplementationDescription;
  /** The suite the probe should offer or pick (the first the implementation supports in its role). */
  readonly suite: number;
  /** The PSK the implementation was started with, when the probe runs a PSK suite. */
  readonly psk?: { readonly identity: Uint8Array; readonly key: Uint8Array };
  /** ALPN protocols the probe offers (client) or the implementation was started with. */
  readonly alpn?: readonly string[];
  /** The probe's seed: the harness peer's randoms and keys come from it. */
  readonly seed: number;
}

export interface Probe {
  /** Unique within its role, kebab-case: `cookie-mismatch`. */
  readonly name: string;
  /** The script it belongs to: `server-sanity`, `server-cookie`, `client-fragments`, ... */
  readonly group: string;
  /** The role of the implementation under test. */
  readonly role: IutRole;
  /** One sentence: what the implementation must do. */
  readonly title: string;
  /** Requirement ids (spec/) the verdict bears on; at least one. */
  readonly requirements: readonly string[];
  /** Features the implementation must have; otherwise the probe is skipped, and the report says which. */
  readonly needs?: readonly Feature[];
  /**
   * The kind of suite the probe runs. Undefined: either works, and the runner picks a certificate
   * suite when the implementation has them, a PSK suite otherwise.
   */
  readonly suiteKind?: 'certificate' | 'psk';
  /** The server's key type, for certificate suites (default p256). */
  readonly keyType?: KeyType;
  /** ALPN protocols the implementation is started with. */
  readonly alpn?: readonly string[];
  /** Sanity probes run first and last in a run, as tlsfuzzer's `sanity` does. */
  readonly sanity?: boolean;
  /** Builds the conversation. */
  build(ctx: ProbeContext): Node;
}
