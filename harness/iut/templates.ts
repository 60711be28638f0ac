/**
 * How an external implementation is described (`ExternalSpec`) and the command templates in it.
 *
 * A template is split into words on whitespace; `'...'` quotes a word that holds spaces (quotes
 * do not stop substitution). Placeholders `{name}` are substituted inside a word, so a value never
 * splits into two words. A group of words in square brackets, `[-alpn {alpn}]`, is kept only when
 * every placeholder in it has a value in the session (a PSK, ALPN protocols): that is how a command
 * passes an option only when a probe asks for it. A brace that does not start `{name}` is literal.
 *
 * Pure: no processes, no files. `checkSpec` finds every mistake a spec can hold before anything
 * runs, each error naming its field (`server.command`). `BUILTIN_EXTERNAL` holds the specs of the
 * tools this machine has (external.ts runs them).
 */
import { CipherSuite as S } from '../../reference/wire/enums.ts';
import { type Feature, IutError } from './types.ts';

/** Every feature an implementation may claim (types.ts `Feature`), for checking user input. */
export const FEATURES = ['certificate', 'psk', 'cookie', 'alpn', 'cid', 'echo', 'client-sends-data', 'ems'] as const satisfies readonly Feature[];
// FEATURES has every member of Feature: this fails to compile when one is added to types.ts only.
const everyFeatureListed: [Exclude<Feature, (typeof FEATURES)[number]>] extends [never] ? true : never = true;
void everyFeatureListed;

export const PLACEHOLDERS = {
  port: 'server: the UDP port it must listen on; client: the port of the harness to connect to',
  host: 'the address to listen on or connect to (127.0.0.1)',
  cert: 'the leaf certificate file (PEM) of the session key type (default p256)',
  key: 'the leaf key file (PKCS#8 PEM)',
  ca: 'the CA certificate file (PEM) that issued every leaf',
  psk: 'the PSK, hex (PSK suites only)',
  psk_identity: 'the PSK identity (PSK suites only)',
  psk_file: 'a file holding the line "identity:hexkey" (gnutls-serv --pskpasswd; PSK suites only)',
  alpn: 'the ALPN protocols, comma-joined (only when the probe asks for ALPN)',
  keylog: 'a per-session file path for the NSS key log',
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;

/** What each placeholder stands for in one session; undefined when the session has no value for it. */
export type PlaceholderValues = Readonly<Partial<Record<Placeholder, string>>>;

export interface RoleSpec {
  /** Command template. */
  readonly command: string;
  /** Used instead of `command` when the probe runs a PSK suite. */
  readonly pskCommand?: string;
  /** Server: a regex on the output meaning it listens; absent: the port appears bound in /proc/net/udp{,6}. */
  readonly ready?: string;
  /** A regex on the output meaning the handshake completed (a client then gets `stdin`). */
  readonly handshakeDone?: string;
  /** Text written to stdin (clients: after handshakeDone, or at once without it; servers: once ready). */
  readonly stdin?: string;
  /** Environment variables; values may hold placeholders. */
  readonly env?: Readonly<Record<string, string>>;
  /** Default 5000. */
  readonly startupTimeoutMs?: number;
  /** Server: a fixed port; default a free one. */
  readonly port?: number;
}

export interface ExternalSpec {
  readonly name: string;
  readonly features: readonly Feature[];
  readonly suites: { readonly server?: readonly number[]; readonly client?: readonly number[] };
  /** argv printing the version; its first output line is the version. */
  readonly version?: readonly string[];
  readonly server?: RoleSpec;
  readonly client?: RoleSpec;
}

const NAME = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function isPlaceholder(name: string): name is Placeholder {
  return Object.prototype.hasOwnProperty.call(PLACEHOLDERS, name);
}

/** One word of a template and whether it sits in an optional group. */
interface Word {
  readonly text: string;
  readonly group: number | undefined;
}

/** Splits a template into words, honouring quotes and optional groups; throws naming `field`. */
function words(template: string, field: string): Word[] {
  // Pass 1: words, each noting an unquoted "[" at its start and "]" at its end.
  const raw: { text: string | undefined; open: boolean; close: boolean }[] = [];
  let text: string | undefined;
  let open = false;
  let started = false;
  let quoted = false;
  let bracketLast = false;
  for (let i = 0; i <= template.length; i++) {
    const c = i < template.length ? template[i] : ' ';
    if (quoted) {
      if (i === template.length) throw new IutError(`${field}: a quote ' is not closed`);
      if (c === "'") quoted = false;
      else text += c;
      bracketLast = false;
      continue;
    }
    if (/\s/.test(c)) {
      if (started) {
        const word = bracketLast ? text?.slice(0, -1) : text;
        raw.push({ text: word === '' && bracketLast ? undefined : word, open, close: bracketLast });
      }
      text = undefined;
      open = false;
      started = false;
      bracketLast = false;
      continue;
    }
    if (c === '[' && !started) {
      open = true;
      started = true;
      continue;
    }
    started = true;
    bracketLast = c === ']';
    if (c === "'") {
      quoted = true;
      text ??= '';
      continue;
    }
    text = (text ?? '') + c;
  }
  // Pass 2: groups.
  const out: Word[] = [];
  let group: number | undefined;
  let groups = 0;
  let inGroup = 0;
  for (const w of raw) {
    if (w.open) {
      if (group !== undefined) throw new IutError(`${field}: [ ] groups do not nest`);
      group = groups++;
      inGroup = 0;
    }
    const close = w.close && group !== undefined;
    const word = w.close && !close ? `${w.text ?? ''}]` : w.text;
    if (word !== undefined) {
      out.push({ text: word, group });
      inGroup++;
    }
    if (close) {
      if (inGroup === 0) throw new IutError(`${field}: an empty [ ] group`);
      group = undefined;
    }
  }
  if (group !== undefined) throw new IutError(`${field}: a [ group is not closed with ]`);
  return out;
}

/** The placeholders a text uses; throws on an unknown one, naming it and `field`. */
export function placeholdersIn(text: string, field: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const m of text.matchAll(NAME)) {
    const name = m[1];
    if (!isPlaceholder(name)) {
      throw new IutError(`${field}: unknown placeholder {${name}} (known: ${Object.keys(PLACEHOLDERS).map((p) => `{${p}}`).join(', ')})`);
    }
    found.push(name);
  }
  return found;
}

/** Checks a command template: quotes, groups and placeholders; throws naming `field`. */
export function checkTemplate(template: string, field: string): void {
  const ws = words(template, field);
  if (ws.length === 0 || ws[0].text === '') throw new IutError(`${field}: the command is empty`);
  if (ws[0].group !== undefined) throw new IutError(`${field}: the program name cannot be optional`);
  for (const w of ws) placeholdersIn(w.text, field);
}

const MISSING: Partial<Record<Placeholder, string>> = {
  psk: 'the probe runs no PSK suite',
  psk_identity: 'the probe runs no PSK suite',
  psk_file: 'the probe runs no PSK suite',
  alpn: 'the probe asks for no ALPN protocols (put the option in [ ] to leave it out then)',
};

function fill(text: string, values: PlaceholderValues, field: string): string {
  return text.replace(NAME, (_all, name: string) => {
    if (!isPlaceholder(name)) throw new IutError(`${field}: unknown placeholder {${name}}`);
    const v = values[name];
    if (v === undefined) throw new IutError(`${field} uses {${name}}, which this session has no value for: ${MISSING[name] ?? 'not provided'}`);
    return v;
  });
}

/** The argv of a command template for one session. */
export function expandCommand(template: string, values: PlaceholderValues, field: string): string[] {
  checkTemplate(template, field);
  const ws = words(template, field);
  const dropped = new Set<number>();
  for (const w of ws) {
    if (w.group !== undefined && placeholdersIn(w.text, field).some((p) => values[p] === undefined)) dropped.add(w.group);
  }
  return ws.filter((w) => w.group === undefined || !dropped.has(w.group)).map((w) => fill(w.text, values, field));
}

/** A text with its placeholders filled in (environment values, stdin); no splitting. */
export function expandText(text: string, values: PlaceholderValues, field: string): string {
  placeholdersIn(text, field);
  return fill(text, values, field);
}

/** A regex of a spec (multiline), or an error naming `field`. */
export function compileRegex(source: string, field: string): RegExp {
  try {
    return new RegExp(source, 'm');
  } catch (e) {
    throw new IutError(`${field}: not a valid regular expression: ${(e as Error).message}`);
  }
}

/** Checks everything in a spec that can be checked before running it; throws an `IutError` naming the field. */
export function checkSpec(spec: ExternalSpec): void {
  if (typeof spec.name !== 'string' || spec.name.trim() === '') throw new IutError('name: must be a non-empty string');
  if (spec.server === undefined && spec.client === undefined) throw new IutError('the spec has neither "server" nor "client": give at least one role');
  spec.features.forEach((f, i) => {
    if (!(FEATURES as readonly string[]).includes(f)) throw new IutError(`features[${i}]: unknown feature "${String(f)}" (known: ${FEATURES.join(', ')})`);
  });
  for (const role of ['server', 'client'] as const) {
    (spec.suites[role] ?? []).forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0 || s > 0xffff) throw new IutError(`suites.${role}[${i}]: ${String(s)} is not a cipher suite (0..0xffff)`);
    });
    const r = spec[role];
    if (r === undefined) continue;
    checkTemplate(r.command, `${role}.command`);
    if (r.pskCommand !== undefined) checkTemplate(r.pskCommand, `${role}.pskCommand`);
    if (r.ready !== undefined) compileRegex(r.ready, `${role}.ready`);
    if (r.handshakeDone !== undefined) compileRegex(r.handshakeDone, `${role}.handshakeDone`);
    if (r.stdin !== undefined) placeholdersIn(r.stdin, `${role}.stdin`);
    for (const [k, v] of Object.entries(r.env ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new IutError(`${role}.env: "${k}" is not a variable name`);
      placeholdersIn(v, `${role}.env.${k}`);
    }
    if (r.startupTimeoutMs !== undefined && !(Number.isInteger(r.startupTimeoutMs) && r.startupTimeoutMs > 0)) {
      throw new IutError(`${role}.startupTimeoutMs: must be a positive integer (ms), got ${String(r.startupTimeoutMs)}`);
    }
    if (r.port !== undefined) {
      if (role === 'client') throw new IutError('client.port: only a server listens on a fixed port');
      if (!(Number.isInteger(r.port) && r.port > 0 && r.port <= 0xffff)) throw new IutError(`server.port: must be 1..65535, got ${String(r.port)}`);
    }
  }
  if (spec.version !== undefined && (spec.version.length === 0 || spec.version.some((a) => typeof a !== 'string'))) {
    throw new IutError('version: must be a non-empty list of strings (argv)');
  }
}

/** What the built-in clients send once their handshake completes (the 'client-sends-data' feature). */
export const CLIENT_DATA = 'dtlsprobe client data\n';

const OPENSSL_PSK_CIPHERS = 'PSK-AES128-CCM8:PSK-AES128-GCM-SHA256:PSK-AES128-CCM:ECDHE-PSK-CHACHA20-POLY1305';
const GNUTLS_PSK_PRIORITY = 'NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+PSK:+ECDHE-PSK:+AES-128-CCM-8';

/** What GnuTLS 3.7.9 negotiates with the harness's certificates and PSK, as a client. */
const GNUTLS_CLIENT_SUITES: readonly number[] = [
  S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
  S.TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
  S.TLS_PSK_WITH_AES_128_GCM_SHA256,
  S.TLS_PSK_WITH_AES_256_GCM_SHA384,
  S.TLS_PSK_WITH_AES_128_CCM,
  S.TLS_PSK_WITH_AES_256_CCM,
  S.TLS_PSK_WITH_AES_128_CCM_8,
  S.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
];

/**
 * The implementations this machine has (PEERS.md), as checked against the real tools
 * (interop/iut-external.test.ts runs a handshake with every suite listed here, both roles):
 *
 * - `openssl` 3.0: `s_server` sends HelloVerifyRequest always, prints what it receives (so
 *   `delivered` works) and echoes nothing; it quits at the end of its stdin, which stays open.
 *   `s_client` prints "New, TLSv1.2, Cipher is X" once the handshake completed ("(NONE)" when it
 *   failed), then gets a line on stdin; `-nbio` keeps it from blocking on the socket while stdin is
 *   a pipe; `-verify_return_error` makes it refuse a server certificate our CA did not issue.
 *   Certificate suites with the P-256 leaf: its DEFAULT list's AEAD ECDSA suites (c02b, c02c,
 *   cca9; CCM is not in DEFAULT). PSK: the four named in OPENSSL_PSK_CIPHERS.
 * - `gnutls` 3.7: `gnutls-serv --udp` binds 0.0.0.0 and :: (it has no bind option) and sends
 *   HelloVerifyRequest unless `--nocookie`; `--echo` sends back what it gets. `--alpn` takes one
 *   protocol per option, so a probe's protocols come through as one comma-joined name: give it one.
 *   `--alpn-fatal` makes it refuse a ClientHello none of whose protocols match (RFC 7301 §3.2);
 *   without it GnuTLS carries on without ALPN.
 *   `gnutls-cli` checks the certificate against `--x509cafile` and the address 127.0.0.1 (the
 *   leaf's IP SAN), so no `--insecure`; it prints "- Handshake was completed". NORMAL's AEAD ECDSA
 *   suites (c02b, c02c, cca9, c0ac, c0ad); PSK with GNUTLS_PSK_PRIORITY (gnutls-cli with ccac
 *   fails after the handshake, so its client leaves ccac out).
 */

export const BUILTIN_EXTERNAL: Readonly<Record<string, ExternalSpec>> = {
  openssl: {
    name: 'openssl',
    features: ['certificate', 'psk', 'cookie', 'alpn', 'ems', 'client-sends-data'],
    suites: {
      server: [
        S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        S.TLS_PSK_WITH_AES_128_CCM_8,
        S.TLS_PSK_WITH_AES_128_GCM_SHA256,
        S.TLS_PSK_WITH_AES_128_CCM,
        S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
      ],
      client: [
        S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        S.TLS_PSK_WITH_AES_128_CCM_8,
        S.TLS_PSK_WITH_AES_128_GCM_SHA256,
        S.TLS_PSK_WITH_AES_128_CCM,
        S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
      ],
    },
    version: ['openssl', 'version'],
    server: {
      command: 'openssl s_server -dtls1_2 -accept {host}:{port} -cert {cert} -key {key} -keylogfile {keylog} [-alpn {alpn}]',
      pskCommand: `openssl s_server -dtls1_2 -accept {host}:{port} -nocert -psk {psk} -psk_identity {psk_identity} -cipher ${OPENSSL_PSK_CIPHERS} -keylogfile {keylog}`,
      ready: '^ACCEPT$',
    },
    client: {
      command: 'openssl s_client -dtls1_2 -connect {host}:{port} -nbio -CAfile {ca} -verify_return_error -keylogfile {keylog} [-alpn {alpn}]',
      pskCommand: `openssl s_client -dtls1_2 -connect {host}:{port} -nbio -psk {psk} -psk_identity {psk_identity} -cipher ${OPENSSL_PSK_CIPHERS} -keylogfile {keylog}`,
      handshakeDone: '^(New|Reused), [^(\\s]+, Cipher is [^(\\s]',
      stdin: CLIENT_DATA,
    },
  },
  gnutls: {
    name: 'gnutls',
    features: ['certificate', 'psk', 'cookie', 'alpn', 'ems', 'echo', 'client-sends-data'],
    suites: {
      // gnutls-cli dies with SIGSEGV after an ECDHE_PSK handshake, so its list stops short of ccac
      server: [...GNUTLS_CLIENT_SUITES, S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256],
      client: GNUTLS_CLIENT_SUITES,
    },
    version: ['gnutls-serv', '--version'],
    server: {
      command: 'gnutls-serv --udp --echo -p {port} --x509certfile {cert} --x509keyfile {key} [--alpn {alpn} --alpn-fatal]',
      pskCommand: `gnutls-serv --udp --echo -p {port} --pskpasswd {psk_file} --priority ${GNUTLS_PSK_PRIORITY}`,
      ready: 'listening on IPv4 \\S+ port \\d+\\.\\.\\.done',
      env: { SSLKEYLOGFILE: '{keylog}' },
    },
    client: {
      command: 'gnutls-cli --udp -p {port} --x509cafile {ca} [--alpn {alpn}] {host}',
      pskCommand: `gnutls-cli --udp -p {port} --pskusername {psk_identity} --pskkey {psk} --priority ${GNUTLS_PSK_PRIORITY} {host}`,
      handshakeDone: '^- Handshake was completed',
      stdin: CLIENT_DATA,
      env: { SSLKEYLOGFILE: '{keylog}' },
    },
  },
};
