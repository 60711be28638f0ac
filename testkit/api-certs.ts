/**
 * Helpers for the certificate, ALPN and channel-binding API tests: a client identity from its own
 * CA, a database that records how the connection calls it, both handshakes' outcomes at once, and
 * the hellos read back from a wired pair's log.
 */
import { DtlsClientConnection } from '../reference/api/client-connection.ts';
import { DtlsServerConnection } from '../reference/api/server-connection.ts';
import { GioError } from '../reference/api/errors.ts';
import { TlsCertificate } from '../reference/api/tls-certificate.ts';
import { TlsDatabase, TlsFileDatabase, type TlsDatabasePurpose } from '../reference/api/tls-database.ts';
import type { TlsInteraction } from '../reference/api/tls-interaction.ts';
import { seededRandom } from '../reference/crypto/random.ts';
import { certificateToPem } from '../reference/crypto/x509.ts';
import { createTestPki } from '../reference/crypto/x509-create.ts';
import { findExtension } from '../reference/handshake/dtls12/state.ts';
import { HandshakeType } from '../reference/wire/enums.ts';
import { type ClientHello, type ServerHello, readClientHello, readServerHello } from '../reference/wire/hello.ts';
import { readHandshakeFragments } from '../reference/wire/handshake-header.ts';
import { decode } from '../reference/wire/reader.ts';
import { RecordType, type WireDatagram } from './api-io.ts';
import { type VirtualClock, settle } from './virtual-clock.ts';

export interface ClientIdentity {
  /** "CN=dtlsprobe test client", with its key and its CA as issuer. */
  readonly certificate: TlsCertificate;
  /** A database trusting the client CA (for the server). */
  readonly database: TlsFileDatabase;
  /** The client CA's subject, DER: what a server names in certificate_authorities. */
  readonly caSubject: Uint8Array;
}

let identity: Promise<ClientIdentity> | undefined;

/** A client certificate from a CA of its own, made once per process from a fixed seed. */
export function clientIdentity(): Promise<ClientIdentity> {
  identity ??= createTestPki('P-256', {
    random: seededRandom('dtlsprobe test client pki'),
    caName: 'CN=dtlsprobe client CA, O=dtlsprobe',
    leafName: 'CN=dtlsprobe test client, O=dtlsprobe',
    dnsNames: ['client.test'],
    ipAddresses: [],
  }).then(({ ca, leaf }) => {
    const certificate = TlsCertificate.newFromPem(certificateToPem(leaf.certificate, ca.certificate) + leaf.privateKey.toPem());
    const caCertificate = TlsCertificate.newFromPem(certificateToPem(ca.certificate));
    return { certificate, database: TlsFileDatabase.newFromCertificates([caCertificate]), caSubject: caCertificate.subjectDer };
  });
  return identity;
}

/** What a handshake came to: success, or the GioError it failed with. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: GioError };

async function outcome(p: Promise<void>): Promise<Outcome> {
  try {
    await p;
    return { ok: true };
  } catch (e) {
    if (e instanceof GioError) return { ok: false, error: e };
    throw e;
  }
}

/** The error name of an outcome, or 'ok': one string to compare. */
export function outcomeName(o: Outcome): string {
  return o.ok ? 'ok' : o.error.codeName;
}

/** Runs both handshakes to their end (on `clock`, if given, until no timer is left). */
export async function handshakeBoth(client: DtlsClientConnection, server: DtlsServerConnection, clock?: VirtualClock): Promise<{ client: Outcome; server: Outcome }> {
  const both = Promise.all([outcome(client.handshake()), outcome(server.handshake())]);
  if (clock !== undefined) {
    let done = false;
    void both.then(() => (done = true));
    // Let the exchange run; only when it waits on a timer (a peer that does not answer) move time on.
    for (;;) {
      await settle(20);
      const next = clock.nextDeadline();
      if (done || next === undefined) break;
      await clock.advance(Math.max(0, next - clock.now()));
    }
  }
  const [c, s] = await both;
  return { client: c, server: s };
}

/** One call of TlsDatabase.verifyChainSync, as the connection made it. */
export interface VerifyCall {
  readonly chain: TlsCertificate;
  readonly purpose: TlsDatabasePurpose;
  readonly identity: string | undefined;
  readonly interaction: TlsInteraction | undefined;
}

/** A non-default database: records each call, then answers `result`, or what `inner` says. */
export class RecordingDatabase extends TlsDatabase {
  readonly calls: VerifyCall[] = [];

  constructor(private readonly answer: { inner: TlsDatabase } | { result: number } | { fails: true }) {
    super();
  }

  verifyChainSync(chain: TlsCertificate, purpose: TlsDatabasePurpose, identity?: string, interaction?: TlsInteraction): number {
    this.calls.push({ chain, purpose, identity, interaction });
    const a = this.answer;
    if ('fails' in a) throw new Error('the database broke');
    return 'result' in a ? a.result : a.inner.verifyChainSync(chain, purpose, identity, interaction);
  }
}

/** The first handshake message of type `msgType` that `from` sent in plaintext (epoch 0). */
function plaintextMessage(wire: readonly WireDatagram[], from: 'client' | 'server', msgType: number): Uint8Array | undefined {
  for (const d of wire) {
    if (d.from !== from) continue;
    let at = 0;
    for (const r of d.records) {
      const length = (d.bytes[at + 11] << 8) | d.bytes[at + 12];
      const fragment = d.bytes.subarray(at + 13, at + 13 + length);
      at += 13 + length;
      if (r.type !== RecordType.handshake || r.epoch !== 0) continue;
      const whole = decode(fragment, 'Record.fragment', readHandshakeFragments).find((f) => f.msgType === msgType && f.fragmentOffset === 0 && f.body.length === f.length);
      if (whole !== undefined) return whole.body;
    }
  }
  return undefined;
}

/** The last ClientHello the client sent (the one answering the cookie exchange). */
export function lastClientHello(wire: readonly WireDatagram[]): ClientHello {
  const hellos = wire.filter((d) => d.from === 'client').flatMap((d) => {
    const body = plaintextMessage([d], 'client', HandshakeType.client_hello);
    return body === undefined ? [] : [decode(body, 'ClientHello', readClientHello)];
  });
  const last = hellos.at(-1);
  if (last === undefined) throw new Error('the client sent no ClientHello');
  return last;
}

export function serverHello(wire: readonly WireDatagram[]): ServerHello {
  const body = plaintextMessage(wire, 'server', HandshakeType.server_hello);
  if (body === undefined) throw new Error('the server sent no ServerHello');
  return decode(body, 'ServerHello', readServerHello);
}

/** The ALPN protocol names a hello carries, or undefined without the extension. */
export function alpnOf(hello: ClientHello | ServerHello): string[] | undefined {
  const e = findExtension(hello.extensions ?? [], 'application_layer_protocol_negotiation');
  return e?.protocolNameList.map((p) => new TextDecoder().decode(p));
}
