/**
 * What the interop tests share: the suite and group tables with each peer's spelling, the test PKI
 * written as PEM files, and `peerTest`, which fails (never skips silently) when a peer binary is
 * missing, unless DTLSPROBE_INTEROP=skip asks for a visible skip.
 */
import test, { type ExecutionContext } from 'ava';
import type { TimedDatagram } from '../reference/capture/packet.ts';
import { CipherSuite, NamedGroup } from '../reference/wire/enums.ts';
import { which } from '../scripts/interop-peers.ts';
import { testPki } from '../testkit/credentials.ts';
import type { UdpConnection } from '../reference/transport/udp.ts';

export interface Suite {
  readonly code: number;
  readonly name: string;
  readonly openssl: string;
  readonly gnutls: string;
}

export interface Group {
  readonly code: number;
  readonly name: string;
  readonly openssl: string;
  readonly gnutls: string;
}

export const SUITES: readonly Suite[] = [
  { code: CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, name: 'c02b', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', gnutls: 'AES-128-GCM' },
  { code: CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, name: 'c02c', openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', gnutls: 'AES-256-GCM' },
  { code: CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, name: 'cca9', openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', gnutls: 'CHACHA20-POLY1305' },
];

export const GROUPS: readonly Group[] = [
  { code: NamedGroup.x25519, name: 'x25519', openssl: 'X25519', gnutls: 'GROUP-X25519' },
  { code: NamedGroup.secp256r1, name: 'secp256r1', openssl: 'P-256', gnutls: 'GROUP-SECP256R1' },
  { code: NamedGroup.secp384r1, name: 'secp384r1', openssl: 'P-384', gnutls: 'GROUP-SECP384R1' },
];

/** Every suite × group, with a label for titles: `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (c02b) / x25519`. */
export const COMBINATIONS = SUITES.flatMap((suite) =>
  GROUPS.map((group) => ({ suite, group, label: `${CipherSuite.nameOf(suite.code)} (${suite.name}) / ${group.name}` })),
);

const P256 = GROUPS[1];

/**
 * What a client offers to test `group`: RFC 8422 §5.3 makes the client's supported_groups bound the
 * curve of the server's certificate too (OpenSSL enforces it), and the test certificate is P-256;
 * so the group under test comes first and secp256r1 after it. The server is limited to `group`, or
 * the tests check that the client's first choice is the one negotiated.
 */
export function offeredGroups(group: Group): Group[] {
  return group.code === P256.code ? [group] : [group, P256];
}

/** A GnuTLS priority string allowing DTLS 1.2 with exactly this suite's cipher and these groups. */
export function gnutlsPriority(suite: Suite, groups: readonly Group[]): string {
  return `NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+${suite.gnutls}:-GROUP-ALL${groups.map((g) => `:+${g.gnutls}`).join('')}`;
}

/** Which Debian package `.ci/setup` installs for each binary. */
const PACKAGES: Record<string, string> = {
  openssl: 'openssl',
  'gnutls-serv': 'gnutls-bin',
  'gnutls-cli': 'gnutls-bin',
  tshark: 'tshark',
};

/**
 * Registers an interop test that needs `binaries` on PATH. Missing: the test fails and names the
 * package `.ci/setup` installs; with DTLSPROBE_INTEROP=skip it is skipped with the reason in its title.
 */
export function peerTest(title: string, binaries: readonly string[], impl: (t: ExecutionContext) => Promise<void>): void {
  const missing = binaries.filter((b) => which(b) === undefined);
  if (missing.length === 0) {
    test(title, impl);
    return;
  }
  const packages = [...new Set(missing.map((b) => PACKAGES[b] ?? b))].join(' ');
  const reason = `${missing.join(', ')} not on PATH; .ci/setup installs ${missing.length > 1 ? 'them' : 'it'} (apt-get install -y ${packages})`;
  if (process.env.DTLSPROBE_INTEROP === 'skip') {
    test.skip(`${title} (skipped: ${reason}; DTLSPROBE_INTEROP=skip)`, () => {});
    return;
  }
  test(title, (t) => {
    t.fail(`${reason}. Set DTLSPROBE_INTEROP=skip to skip the interop tests instead.`);
  });
}

/** The P-256 test PKI as PEM files (testkit/pki-files.ts). */
export { type PkiFiles, testPkiFiles as pkiFiles } from '../testkit/pki-files.ts';

/** The test PKI's credentials for the reference server. */
export async function serverCredentials(): Promise<Awaited<ReturnType<typeof testPki>>['credentials']> {
  return (await testPki('P-256')).credentials;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array | undefined): string => (b === undefined ? '<end of stream>' : new TextDecoder().decode(b));

/** Whether a datagram starts with an epoch-0 handshake record holding a HelloVerifyRequest. */
export function isHelloVerifyRequest(d: Uint8Array): boolean {
  return d.length > 13 && d[0] === 22 && d[3] === 0 && d[4] === 0 && d[13] === 3;
}

/** Datagrams seen by a capture hook, both ways. */
export class Wire {
  readonly datagrams: TimedDatagram[] = [];

  readonly capture = (d: TimedDatagram): void => {
    this.datagrams.push(d);
  };

  /** Datagrams sent from `port`. */
  from(port: number): TimedDatagram[] {
    return this.datagrams.filter((d) => d.src.port === port);
  }
}

/**
 * Echoes every application datagram back until the peer's close_notify, then closes (our own
 * close_notify); resolves with the lines received. Rejects if the connection fails.
 */
export async function echo(conn: UdpConnection): Promise<string[]> {
  const got: string[] = [];
  for (let d = await conn.read(); d !== undefined; d = await conn.read()) {
    got.push(text(d));
    conn.send(d);
  }
  if (!conn.finished) await conn.close();
  if (conn.failure !== undefined) throw conn.failure;
  return got;
}
