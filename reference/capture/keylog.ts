/**
 * NSS key log files (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/):
 * one `<label> <client random hex> <secret hex>` per line; `#` starts a comment line.
 * OpenSSL's `-keylogfile`, GnuTLS's and NSS's `SSLKEYLOGFILE`, and Wireshark's `tls.keylog_file`
 * all use it; for (D)TLS 1.2 the line that matters is CLIENT_RANDOM (the master secret).
 */
import { fromHex, toHex } from './bytes.ts';

/** The labels the format defines, with the length (bytes) of their secret when it is fixed. */
export const KEYLOG_LABELS = {
  /** First 8 bytes of the encrypted pre-master secret -> pre-master secret (RSA key exchange). */
  RSA: 48,
  /** Client random -> master secret, (D)TLS 1.2 and earlier. */
  CLIENT_RANDOM: 48,
  CLIENT_EARLY_TRAFFIC_SECRET: undefined,
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: undefined,
  SERVER_HANDSHAKE_TRAFFIC_SECRET: undefined,
  CLIENT_TRAFFIC_SECRET_0: undefined,
  SERVER_TRAFFIC_SECRET_0: undefined,
  EARLY_EXPORTER_SECRET: undefined,
  EXPORTER_SECRET: undefined,
} as const;

export type KnownKeylogLabel = keyof typeof KEYLOG_LABELS;

/** One line of a key log. Unknown labels are kept as they are. */
export interface KeylogEntry {
  label: string;
  /** The client random (32 bytes), or for `RSA` the first 8 bytes of the encrypted pre-master secret. */
  clientRandom: Uint8Array;
  secret: Uint8Array;
  /** 1-based line number when the entry was read from text. */
  line?: number;
}

/** A line that could not be read, with its 1-based number. */
export interface KeylogProblem {
  line: number;
  text: string;
  reason: string;
}

export interface Keylog {
  entries: KeylogEntry[];
  problems: KeylogProblem[];
}

export class KeylogError extends Error {
  override readonly name = 'KeylogError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`keylog line ${line}: ${reason}`);
  }
}

export function isKnownKeylogLabel(label: string): label is KnownKeylogLabel {
  return Object.prototype.hasOwnProperty.call(KEYLOG_LABELS, label);
}

/** TLS 1.3 secrets are as long as the suite's hash: SHA-256, SHA-384 (and 64 for future suites). */
const TLS13_SECRET_LENGTHS = new Set([32, 48, 64]);

function checkEntry(label: string, clientRandom: Uint8Array, secret: Uint8Array): string | undefined {
  if (clientRandom.length === 0) return 'the client random is empty';
  if (secret.length === 0) return 'the secret is empty';
  if (!isKnownKeylogLabel(label)) return undefined;
  const randomLength = label === 'RSA' ? 8 : 32;
  if (clientRandom.length !== randomLength) {
    return `${label} needs a ${randomLength}-byte ${label === 'RSA' ? 'encrypted pre-master prefix' : 'client random'}, got ${clientRandom.length} bytes`;
  }
  const fixed = KEYLOG_LABELS[label];
  if (fixed !== undefined && secret.length !== fixed) return `${label} needs a ${fixed}-byte secret, got ${secret.length} bytes`;
  if (fixed === undefined && !TLS13_SECRET_LENGTHS.has(secret.length)) {
    return `${label} needs a 32-, 48- or 64-byte secret, got ${secret.length} bytes`;
  }
  return undefined;
}

/**
 * Reads a key log. Blank lines and `#` comments are ignored; lines that are not three fields with
 * hex in the last two (or whose lengths do not fit a known label) are reported, not thrown.
 */
export function parseKeylog(text: string): Keylog {
  const out: Keylog = { entries: [], problems: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const problem = (reason: string): void => {
      out.problems.push({ line, text: raw, reason });
    };
    const fields = trimmed.split(/[ \t]+/);
    if (fields.length !== 3) {
      problem(`expected 3 fields (label, client random, secret), found ${fields.length}`);
      return;
    }
    const [label, randomHex, secretHex] = fields;
    const clientRandom = fromHex(randomHex);
    if (clientRandom === undefined) {
      problem('the client random is not hex');
      return;
    }
    const secret = fromHex(secretHex);
    if (secret === undefined) {
      problem('the secret is not hex');
      return;
    }
    const bad = checkEntry(label, clientRandom, secret);
    if (bad !== undefined) {
      problem(bad);
      return;
    }
    out.entries.push({ label, clientRandom, secret, line });
  });
  return out;
}

/** Reads a key log and throws a `KeylogError` naming the first bad line. */
export function parseKeylogStrict(text: string): KeylogEntry[] {
  const { entries, problems } = parseKeylog(text);
  if (problems.length > 0) throw new KeylogError(problems[0].line, problems[0].reason);
  return entries;
}

/** One line of key log text for `entry` (no newline); throws on values a reader would reject. */
export function formatKeylogLine(entry: KeylogEntry): string {
  if (!/^[^\s#][^\s]*$/.test(entry.label)) throw new RangeError(`bad keylog label ${JSON.stringify(entry.label)}`);
  const bad = checkEntry(entry.label, entry.clientRandom, entry.secret);
  if (bad !== undefined) throw new RangeError(bad);
  return `${entry.label} ${toHex(entry.clientRandom)} ${toHex(entry.secret)}`;
}

/**
 * Key log text: optional `# ` comment lines, then one line per entry, each ending in a newline.
 * Entries are written in the given order; duplicates (same label, random and secret) once.
 */
export function formatKeylog(entries: Iterable<KeylogEntry>, comment?: string): string {
  const lines: string[] = [];
  if (comment !== undefined) for (const c of comment.split('\n')) lines.push(`# ${c}`.trimEnd());
  const seen = new Set<string>();
  for (const e of entries) {
    const l = formatKeylogLine(e);
    if (seen.has(l)) continue;
    seen.add(l);
    lines.push(l);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** The secret logged under `label` for `clientRandom`, if any. */
export function findKeylogSecret(entries: Iterable<KeylogEntry>, label: string, clientRandom: Uint8Array): Uint8Array | undefined {
  const want = toHex(clientRandom);
  for (const e of entries) if (e.label === label && toHex(e.clientRandom) === want) return e.secret;
  return undefined;
}
