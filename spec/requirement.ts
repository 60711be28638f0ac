/**
 * The requirement catalogue: one typed entry per normative statement of the seed API document and
 * of the RFCs dtlsprobe checks. Test titles name entries by id in square brackets at their start,
 * e.g. `[RFC6347-4.2.4-timer-double] ...`; `coverage.ts` joins the two.
 */
import { SEED_REQUIREMENTS } from './seed.ts';
import { RFC6347_REQUIREMENTS } from './rfc6347.ts';
import { RFC9146_REQUIREMENTS, RFC9147_REQUIREMENTS } from './rfc9147.ts';
import { RFC5246_REQUIREMENTS } from './rfc5246.ts';
import { RFC4279_REQUIREMENTS } from './rfc4279.ts';
import { RFC5077_REQUIREMENTS } from './rfc5077.ts';
import { RFC5764_REQUIREMENTS } from './rfc5764.ts';
import { RFC9146_NEGOTIATION_REQUIREMENTS } from './rfc9146.ts';
import { RFC8446_REQUIREMENTS } from './rfc8446.ts';
import { EXTENSION_REQUIREMENTS } from './extensions.ts';
import { RFC7627_REQUIREMENTS } from './rfc7627.ts';
import { RFC7301_REQUIREMENTS } from './rfc7301.ts';
import { CRYPTO_REQUIREMENTS } from './crypto.ts';

/** Where a requirement comes from: the seed API document or an RFC, spelt as in ids. */
export type Source =
  | 'seed'
  | 'RFC3610' // Counter with CBC-MAC (CCM)
  | 'RFC4279' // Pre-Shared Key ciphersuites for TLS
  | 'RFC4514' // LDAP string representation of distinguished names
  | 'RFC5077' // TLS session resumption without server-side state
  | 'RFC5246' // TLS 1.2, which DTLS 1.2 inherits
  | 'RFC5280' // X.509 PKIX certificate profile
  | 'RFC5288' // AES-GCM ciphersuites for TLS
  | 'RFC5489' // ECDHE_PSK ciphersuites
  | 'RFC5705' // keying material exporters
  | 'RFC5746' // renegotiation indication
  | 'RFC5764' // DTLS-SRTP: use_srtp and the SRTP keying material
  | 'RFC5929' // channel bindings for TLS
  | 'RFC5958' // asymmetric key packages (PKCS #8 v2)
  | 'RFC6066' // TLS extensions: SNI, max_fragment_length, ...
  | 'RFC6347' // DTLS 1.2
  | 'RFC6655' // AES-CCM ciphersuites for TLS
  | 'RFC7301' // ALPN
  | 'RFC7627' // extended master secret
  | 'RFC7748' // X25519 and X448
  | 'RFC7905' // ChaCha20-Poly1305 ciphersuites for TLS
  | 'RFC8032' // EdDSA
  | 'RFC8422' // ECC ciphersuites for TLS 1.2
  | 'RFC8446' // TLS 1.3, which DTLS 1.3 inherits
  | 'RFC8449' // record_size_limit
  | 'RFC9146' // connection identifiers for DTLS 1.2
  | 'RFC9147' // DTLS 1.3
  | 'RFC9266'; // tls-exporter channel binding

/**
 * How binding a statement is: its RFC 2119 keyword, or 'documented' for behaviour the seed (or an
 * RFC, in a definition or a figure) states without one.
 */
export type Level = 'MUST' | 'MUST NOT' | 'SHOULD' | 'SHOULD NOT' | 'MAY' | 'documented';

export interface Requirement {
  /** `SEED-<slug>` or `RFC<n>-<section>[-<slug>]`, as test titles spell it. */
  readonly id: string;
  readonly source: Source;
  /** The section (RFC) or the method, property or signal (seed) that states it. */
  readonly section: string;
  readonly level: Level;
  /** One sentence in our words; never a copied paragraph. */
  readonly summary: string;
  /**
   * Test files (paths from the repository root) that check this requirement without naming its id
   * in a title; the coverage check counts them and fails when one does not exist.
   */
  readonly tests?: readonly string[];
  /** Why no test checks this yet; such entries are counted and listed by the coverage check. */
  readonly untested?: string;
}

/** Every entry, seed first, then the RFCs. */
export const REQUIREMENTS: readonly Requirement[] = [
  ...SEED_REQUIREMENTS,
  ...RFC6347_REQUIREMENTS,
  ...RFC9147_REQUIREMENTS,
  ...RFC9146_REQUIREMENTS,
  ...RFC9146_NEGOTIATION_REQUIREMENTS,
  ...RFC5246_REQUIREMENTS,
  ...RFC8446_REQUIREMENTS,
  ...RFC4279_REQUIREMENTS,
  ...RFC5077_REQUIREMENTS,
  ...RFC5764_REQUIREMENTS,
  ...EXTENSION_REQUIREMENTS,
  ...RFC7627_REQUIREMENTS,
  ...RFC7301_REQUIREMENTS,
  ...CRYPTO_REQUIREMENTS,
];

const BY_ID: ReadonlyMap<string, Requirement> = new Map(REQUIREMENTS.map((r) => [r.id, r]));

/** The entry with this id, or undefined. */
export function requirementById(id: string): Requirement | undefined {
  return BY_ID.get(id);
}

/** The entry with this id; throws naming the id when there is none. */
export function requireRequirement(id: string): Requirement {
  const r = BY_ID.get(id);
  if (r === undefined) throw new Error(`no requirement ${id} in the catalogue`);
  return r;
}

/** The entries of one source, in catalogue order. */
export function requirementsFrom(source: Source): Requirement[] {
  return REQUIREMENTS.filter((r) => r.source === source);
}

/** Id prefixes that mark a bracketed token in a test title as a requirement id. */
export const ID_PREFIXES = ['RFC', 'SEED'] as const;

/** The source an id names by its prefix (`RFC6347-...` -> 'RFC6347', `SEED-...` -> 'seed'). */
export function sourceOfId(id: string): string | undefined {
  if (id.startsWith('SEED-')) return 'seed';
  const m = /^(RFC\d+)-/.exec(id);
  return m === null ? undefined : m[1];
}
