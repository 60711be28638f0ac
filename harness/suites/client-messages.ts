/**
 * Client probes of what the server says (RFC 5246 §7.4 as DTLS 1.2 inherits it, RFC 7627 §5.2):
 * a ServerHello with a suite, a version or an extension the client did not offer, a
 * ServerKeyExchange whose signature fails, a forged or early Finished, an early ChangeCipherSpec, a
 * ServerHello without extended_master_secret; and after the handshake a HelloRequest and a
 * close_notify.
 */
import { AlertDescription, AlertLevel } from '../../reference/wire/enums.ts';
import type { Extension } from '../../reference/wire/extensions.ts';
import { keyExchangeOf } from '../../reference/wire/suites.ts';
import { AlertGenerator, ApplicationDataGenerator, ChangeCipherSpecGenerator, ExpectAlert, ExpectChangeCipherSpec, ExpectDelivery, ExpectFinished, ExpectNoMessage, FinishedGenerator } from '../conversation/nodes-common.ts';
import { SetMessageSeq } from '../conversation/nodes-flight.ts';
import {
  CertificateGenerator,
  ExpectClientKeyExchange,
  ExpectRehandshakeClientHello,
  HelloRequestGenerator,
  ServerHelloDoneGenerator,
  ServerHelloGenerator,
  ServerKeyExchangeGenerator,
  UnsolicitedExtensionServerHelloGenerator,
} from '../conversation/nodes-server.ts';
import type { Node } from '../conversation/tree.ts';
import { clientCompletes, completedHandshake } from './client-handshake.ts';
import { Chain, cookieExchangeWithClient, expectClientFlight5, serverFlight6 } from './flows.ts';
import type { Probe, ProbeContext } from './types.ts';

const GROUP = 'client-messages';

/**
 * Flight 4 of the probe's suite after the cookie exchange, with any message replaced: Certificate
 * only for a certificate suite, ServerKeyExchange except for plain PSK (no identity hint).
 */
function flight4(ctx: ProbeContext, o: { serverHello?: Node; serverKeyExchange?: Node; end?: Node[] } = {}): Chain {
  const kx = keyExchangeOf(ctx.suite);
  const certificate = kx !== 'psk' && kx !== 'ecdhe_psk' ? [new CertificateGenerator()] : [];
  const keyExchange = kx !== 'psk' || o.serverKeyExchange !== undefined ? [o.serverKeyExchange ?? new ServerKeyExchangeGenerator()] : [];
  return cookieExchangeWithClient().then(o.serverHello ?? new ServerHelloGenerator(), ...certificate, ...keyExchange, ...(o.end ?? [new ServerHelloDoneGenerator()]));
}

/** The client ends the handshake with a fatal alert of one of these descriptions. */
function fatal(chain: Chain, ...descriptions: number[]): Chain {
  return chain.then(new ExpectAlert(AlertLevel.fatal, descriptions.length === 1 ? descriptions[0] : descriptions));
}

/** TLS_ECDHE_ECDSA_WITH_NULL_SHA: no client offers a NULL cipher by default. */
const UNOFFERED_SUITE = 0xc006;
/** Extension type 40: reserved (a draft key_share), never in a ClientHello. */
const UNKNOWN_EXTENSION = 40;
/**
 * Extensions a server may send only when asked, each with the empty body a ServerHello gives it:
 * server_name (0, clients leave it out for an IP address), status_request (5), session_ticket (35),
 * encrypt_then_mac (22). The probe sends the first one the client did not offer.
 */
const UNSOLICITED_CANDIDATES: readonly Extension[] = [0, 5, 35, 22].map((type) => ({ kind: 'raw', type, body: new Uint8Array(0) }));

export const CLIENT_MESSAGES_PROBES: readonly Probe[] = [
  // RFC 5246 names no alert for a suite the client did not offer; illegal_parameter (a field out of
  // range) and handshake_failure (no acceptable parameters) both describe it.
  {
    name: 'server-hello-unoffered-suite',
    group: GROUP,
    role: 'client',
    title: 'A ServerHello choosing a suite the client did not offer ends the handshake with a fatal illegal_parameter or handshake_failure alert',
    requirements: ['RFC5246-7.4.1.3-cipher-suite', 'RFC5246-7.2.2-illegal-parameter'],
    build: (ctx) => fatal(flight4(ctx, { serverHello: new ServerHelloGenerator({ suite: UNOFFERED_SUITE }), end: [new ServerHelloDoneGenerator()] }), AlertDescription.illegal_parameter, AlertDescription.handshake_failure).root,
  },
  {
    name: 'server-hello-version-dtls13',
    group: GROUP,
    role: 'client',
    title: 'A ServerHello with server_version fefc, above the DTLS 1.2 the client offered, ends the handshake with a fatal protocol_version alert',
    requirements: ['RFC5246-7.4.1.3-server-version', 'RFC5246-7.2.2-protocol-version'],
    build: (ctx) => fatal(flight4(ctx, { serverHello: new ServerHelloGenerator({ version: 0xfefc }) }), AlertDescription.protocol_version).root,
  },
  {
    name: 'server-hello-version-tls12',
    group: GROUP,
    role: 'client',
    title: 'A ServerHello with the TLS 1.2 version 0303, which is not a DTLS version, ends the handshake with a fatal protocol_version alert',
    requirements: ['RFC5246-7.4.1.3-server-version', 'RFC6347-4.1-version'],
    build: (ctx) => fatal(flight4(ctx, { serverHello: new ServerHelloGenerator({ version: 0x0303 }) }), AlertDescription.protocol_version).root,
  },
  {
    name: 'server-hello-unsolicited-extension',
    group: GROUP,
    role: 'client',
    title: 'A ServerHello carrying a known extension the client did not offer (server_name, or else status_request, session_ticket, encrypt_then_mac) ends the handshake with a fatal unsupported_extension alert',
    requirements: ['RFC5246-7.4.1.4-unsolicited'],
    build: (ctx) => fatal(flight4(ctx, { serverHello: new UnsolicitedExtensionServerHelloGenerator(UNSOLICITED_CANDIDATES) }), AlertDescription.unsupported_extension).root,
  },
  // The MUST covers every type, including one the client does not implement at all.
  {
    name: 'server-hello-unknown-extension',
    group: GROUP,
    role: 'client',
    title: 'A ServerHello carrying an extension of a type the client does not know (40, reserved) ends the handshake with a fatal unsupported_extension alert',
    requirements: ['RFC5246-7.4.1.4-unsolicited'],
    build: (ctx) =>
      fatal(flight4(ctx, { serverHello: new ServerHelloGenerator({ extraExtensions: [{ kind: 'raw', type: UNKNOWN_EXTENSION, body: new Uint8Array(0) }] }) }), AlertDescription.unsupported_extension).root,
  },
  {
    name: 'server-key-exchange-bad-signature',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'A ServerKeyExchange whose signature does not verify under the server certificate ends the handshake with a fatal decrypt_error alert',
    requirements: ['RFC5246-7.2.2-decrypt-error', 'RFC8422-5.4'],
    build: (ctx) => fatal(flight4(ctx, { serverKeyExchange: new ServerKeyExchangeGenerator({ corruptSignature: true }) }), AlertDescription.decrypt_error).root,
  },
  {
    name: 'server-finished-forged',
    group: GROUP,
    role: 'client',
    suiteKind: 'certificate',
    title: 'A server Finished with a wrong verify_data ends the handshake with a fatal decrypt_error alert, and the client sends no application data',
    requirements: ['RFC5246-7.4.9-finished', 'RFC5246-7.2.2-decrypt-error'],
    build: (ctx) => {
      const chain = expectClientFlight5(flight4(ctx)).then(new ChangeCipherSpecGenerator(), new FinishedGenerator({ xor: 0xff }));
      return fatal(chain, AlertDescription.decrypt_error).then(new ExpectNoMessage(1000)).root;
    },
  },
  {
    name: 'finished-instead-of-server-hello-done',
    group: GROUP,
    role: 'client',
    title: 'A Finished where the ServerHelloDone belongs (no key exchange, no ChangeCipherSpec) ends the handshake with a fatal unexpected_message alert',
    requirements: ['RFC5246-7.4-order', 'RFC5246-7.4.9-ccs-first', 'RFC5246-7.2.2-unexpected-message'],
    build: (ctx) => fatal(flight4(ctx, { end: [new FinishedGenerator({ verifyData: new Uint8Array(12) })] }), AlertDescription.unexpected_message).root,
  },
  // A ChangeCipherSpec before the ServerHelloDone, with no record missing before it. RFC 5246 §7.1
  // puts it after the key exchange; RFC 6347 §4.2.5 notes that a receiver can tell from the
  // handshake state which messages must precede it. A client may refuse it (unexpected_message) or,
  // since a CCS carries no message_seq and DTLS reorders, drop it; either way it must not switch
  // epochs on it, so the handshake then completes normally.
  {
    name: 'early-ccs',
    group: GROUP,
    role: 'client',
    title: 'A ChangeCipherSpec sent before the ServerHelloDone is refused with a fatal unexpected_message alert or dropped, after which the handshake completes normally',
    requirements: ['RFC5246-7.1-early-ccs', 'RFC5246-7.2.2-unexpected-message'],
    build: (ctx) => {
      const chain = flight4(ctx, { end: [new ChangeCipherSpecGenerator({ keepEpoch: true }), new ServerHelloDoneGenerator()] });
      const refused = new ExpectAlert(AlertLevel.fatal, AlertDescription.unexpected_message);
      const dropped = new ExpectClientKeyExchange();
      refused.or(dropped);
      chain.then(refused).at(dropped).then(new ExpectChangeCipherSpec(), new ExpectFinished());
      return clientCompletes(ctx, serverFlight6(chain)).root;
    },
  },
  // RFC 7627 §5.2: a client SHOULD abort when it does not want legacy servers; one that continues
  // MUST use the RFC 5246 master secret, which the harness then uses too (its Finished checks).
  {
    name: 'server-hello-no-ems',
    group: GROUP,
    role: 'client',
    title: 'A ServerHello without the extended_master_secret the client offered ends the handshake with handshake_failure, or the handshake completes with the legacy master secret',
    requirements: ['RFC7627-5.2-client-abort', 'RFC7627-5.2-legacy-derivation'],
    needs: ['ems'],
    build: (ctx) => {
      const chain = flight4(ctx, { serverHello: new ServerHelloGenerator({ noExtendedMasterSecret: true }) });
      const abort = new ExpectAlert(AlertLevel.fatal, AlertDescription.handshake_failure);
      const legacy = new ExpectClientKeyExchange();
      abort.or(legacy);
      chain.then(abort).at(legacy).then(new ExpectChangeCipherSpec(), new ExpectFinished());
      return clientCompletes(ctx, serverFlight6(chain)).root;
    },
  },
  // RFC 5246 §7.4.1.1: a client that will not renegotiate MAY ignore a HelloRequest or answer it
  // with a no_renegotiation warning; one that will starts a new handshake with a ClientHello. On the
  // first two paths the connection must still work. The HelloRequest opens a new handshake, so it is
  // message 0 (RFC 6347 §4.2.2).
  {
    name: 'hello-request-after-handshake',
    group: GROUP,
    role: 'client',
    title: 'A HelloRequest after the handshake is ignored, refused with a no_renegotiation warning, or answered with a new ClientHello; a client that does not renegotiate still delivers data',
    requirements: ['RFC5246-7.4.1.1-no-renegotiation', 'RFC6347-4.2.2-rehandshake-seq', 'RFC6347-4.2.4-rehandshake'],
    build: (ctx) => {
      const chain = completedHandshake(ctx).then(new SetMessageSeq(0), new HelloRequestGenerator());
      const refused = new ExpectAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
      refused.timeoutMs = 1500;
      const renegotiates = new ExpectRehandshakeClientHello();
      const ignored = new ExpectNoMessage(1500);
      refused.or(renegotiates).or(ignored);
      const data = 'dtlsprobe after HelloRequest\n';
      const deliver = new ApplicationDataGenerator(data);
      refused.add(deliver);
      ignored.add(deliver);
      deliver.add(new ExpectDelivery(data));
      return chain.then(refused).root;
    },
  },
  {
    name: 'close-notify-answered',
    group: GROUP,
    role: 'client',
    title: 'A close_notify from the server after the handshake is answered with the client\'s own close_notify',
    requirements: ['RFC5246-7.2.1-close-notify'],
    build: (ctx) => completedHandshake(ctx).then(new AlertGenerator(AlertLevel.warning, AlertDescription.close_notify), new ExpectAlert(undefined, AlertDescription.close_notify)).root,
  },
];
