/**
 * Server probes on the ClientHello's offer (harness = client): extension types and cipher suites the
 * server does not know, no extensions at all, extended_master_secret offered or not (RFC 7627),
 * an extension repeated, compression methods, ec_point_formats, ALPN (RFC 7301) and
 * renegotiation_info on a first handshake (RFC 5746).
 */
import { AlertDescription, ExtensionType, NamedGroup } from '../../reference/wire/enums.ts';
import { type Extension, extensionTypeOf } from '../../reference/wire/extensions.ts';
import { CheckServerHello, type ClientHelloOptions, defaultClientExtensions, ExpectServerHello } from '../conversation/nodes-client.ts';
import type { Node } from '../conversation/tree.ts';
import { afterServerHello, Chain, clientFlight5, exchangeData, expectServerFinished, handshakeWithServer, toServerHelloDone } from './flows.ts';
import { fatal, helloThen, oneOf } from './server-kit.ts';
import type { Probe, ProbeContext } from './types.ts';

const utf8 = new TextEncoder();
const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
const T = ExtensionType;

/** Two extension types no registry entry holds (IANA TLS ExtensionType values, unassigned). */
const UNKNOWN_TYPES = [0x4242, 0xbeef];

/** The rest of a full handshake after the ServerHello the chain stands at, then data both ways. */
function completeAfterServerHello(ctx: ProbeContext, chain: Chain): Node {
  return exchangeData(expectServerFinished(clientFlight5(afterServerHello(ctx, chain)))).root;
}

/** A full handshake with `hello`, `checks` run on the ServerHello before the client's flight 5, then data. */
function handshakeChecking(ctx: ProbeContext, hello: ClientHelloOptions, ...checks: CheckServerHello[]): Node {
  const c = toServerHelloDone(ctx, { hello }).then(...checks);
  return exchangeData(expectServerFinished(clientFlight5(c))).root;
}

/** The ALPN protocol the probes start the server with (one name: gnutls-serv --alpn takes one per option). */
const ALPN = 'dtlsprobe';
const alpnExtension = (...names: string[]): Extension => ({ kind: 'application_layer_protocol_negotiation', protocolNameList: names.map((n) => utf8.encode(n)) });
/** The default extensions with ALPN replaced by `alpn`. */
const withAlpn = (alpn: Extension): Extension[] => [...defaultClientExtensions().filter((e) => extensionTypeOf(e) !== T.application_layer_protocol_negotiation), alpn];

const G = 'server-extensions';

export const SERVER_EXTENSIONS: readonly Probe[] = [
  {
    name: 'unknown-extensions-ignored',
    group: G,
    role: 'server',
    title: 'Extensions of types the server does not know are ignored: the handshake completes and the ServerHello does not echo them',
    requirements: ['RFC5246-7.4.1.4.1-ignore-unknown', 'RFC5746-3.6-forward-compatible', 'RFC5246-7.4.1.4-offered-only'],
    build: (ctx) =>
      handshakeChecking(
        ctx,
        { extraExtensions: [{ kind: 'raw', type: UNKNOWN_TYPES[0]!, body: utf8.encode('dtlsprobe') }, { kind: 'raw', type: UNKNOWN_TYPES[1]!, body: new Uint8Array(0) }] },
        new CheckServerHello('no unknown type echoed', (sh) => {
          const echoed = (sh.extensions ?? []).map(extensionTypeOf).filter((t) => UNKNOWN_TYPES.includes(t));
          return echoed.length === 0 ? undefined : `it echoes extension types ${echoed.map(hex4).join(', ')}, which it cannot implement`;
        }),
      ),
  },
  {
    name: 'unknown-cipher-suites-ignored',
    group: G,
    role: 'server',
    title: 'Cipher suites the server does not know or cannot use in DTLS 1.2, listed first, are skipped: it picks the one usable suite offered and the handshake completes',
    requirements: ['RFC5246-7.4.1.2-unknown-suites'],
    build: (ctx) =>
      handshakeChecking(
        ctx,
        // a GREASE value (RFC 8701), an unassigned one, and TLS_AES_128_GCM_SHA256 (TLS 1.3 only)
        { suites: [0x0a0a, 0x1234, 0x1301, ctx.suite] },
        new CheckServerHello(`suite ${hex4(ctx.suite)}`, (sh) => (sh.cipherSuite === ctx.suite ? undefined : `it chose suite ${hex4(sh.cipherSuite)}, not the one usable suite ${hex4(ctx.suite)}`)),
      ),
  },
  {
    name: 'no-extensions',
    group: G,
    role: 'server',
    title: 'A ClientHello with no extensions block at all is parsed: the server completes a handshake without extended_master_secret, or refuses the offer with a fatal handshake_failure',
    requirements: ['RFC5246-7.4.1.2-extensions-optional', 'RFC7627-5.2-ems-required', 'RFC7627-5.2-legacy-derivation', 'RFC5246-7.4.1.4-offered-only'],
    build: (ctx) => {
      // RFC 7627 §5.2: a server may insist on extended_master_secret ("abort": handshake_failure),
      // and without signature_algorithms or supported_groups it may find nothing acceptable
      // (handshake_failure, RFC 5246 §7.2.2); decode_error would say it could not parse the hello.
      // ExpectServerHello fails on any extension in the answer, since none was offered.
      const sh = new ExpectServerHello();
      return completeAfterServerHello(ctx, helloThen({ extensions: null }, oneOf(fatal(AlertDescription.handshake_failure, 3000), sh)).at(sh));
    },
  },
  {
    name: 'extended-master-secret-negotiated',
    group: G,
    role: 'server',
    title: 'A server offered extended_master_secret answers with it, and the handshake completes under the extended master secret',
    requirements: ['RFC7627-5.2-server-echo', 'RFC7627-5.1-use-ems', 'RFC7627-4'],
    needs: ['ems'],
    build: (ctx) =>
      // the harness derives its keys and Finished from the session hash once both hellos carry it
      handshakeChecking(ctx, {}, new CheckServerHello('extended_master_secret', (sh, peer) => (peer.extendedMasterSecret ? undefined : `it lacks extended_master_secret (extensions ${(sh.extensions ?? []).map(extensionTypeOf).join(', ')})`))),
  },
  {
    name: 'extended-master-secret-not-offered',
    group: G,
    role: 'server',
    title: 'A ClientHello without extended_master_secret is refused with a fatal handshake_failure, or served with a ServerHello that leaves the extension out and the legacy master secret',
    requirements: ['RFC7627-5.2-ems-required', 'RFC7627-5.2-no-unsolicited', 'RFC7627-5.2-legacy-derivation'],
    build: (ctx) => {
      // ExpectServerHello fails on an extended_master_secret the client did not offer; the
      // harness then runs the RFC 5246 derivation, so a completed handshake shows the server did too
      const sh = new ExpectServerHello();
      return completeAfterServerHello(ctx, helloThen({ omit: [T.extended_master_secret] }, oneOf(fatal(AlertDescription.handshake_failure, 3000), sh)).at(sh));
    },
  },
  {
    name: 'duplicate-extension',
    group: G,
    role: 'server',
    title: 'A ClientHello carrying supported_groups twice is refused with a fatal illegal_parameter or decode_error',
    requirements: ['RFC5246-7.4.1.4-one-per-type'],
    build: () =>
      helloThen(
        { extraExtensions: [{ kind: 'supported_groups', namedGroupList: [NamedGroup.secp256r1] }] },
        fatal([AlertDescription.illegal_parameter, AlertDescription.decode_error], 3000),
      ).root,
  },
  {
    name: 'compression-without-null',
    group: G,
    role: 'server',
    title: 'A ClientHello whose compression_methods lack null (only DEFLATE) is refused with a fatal alert (illegal_parameter, decode_error or handshake_failure)',
    requirements: ['RFC5246-7.4.1.2-null-compression'],
    // RFC 5246 names no alert: illegal_parameter (a field out of range), decode_error, or
    // handshake_failure (nothing to agree on) are what TLS stacks send
    build: () => helloThen({ compression: [1] }, fatal([AlertDescription.illegal_parameter, AlertDescription.decode_error, AlertDescription.handshake_failure], 3000)).root,
  },
  {
    name: 'compression-deflate-offered',
    group: G,
    role: 'server',
    title: 'A ClientHello offering DEFLATE before null is answered with null compression and the handshake completes',
    requirements: ['RFC5246-7.4.1.2-null-compression'],
    // ExpectServerHello fails on any compression method but null
    build: (ctx) => exchangeData(handshakeWithServer(ctx, { hello: { compression: [1, 0] } })).root,
  },
  {
    name: 'ec-point-formats-without-uncompressed',
    group: G,
    role: 'server',
    title: 'A ClientHello naming NIST curves whose ec_point_formats leave out the uncompressed format is refused with a fatal illegal_parameter',
    requirements: ['RFC8422-5.1.2-uncompressed', 'RFC5246-7.2.2-illegal-parameter'],
    build: () =>
      helloThen(
        // ansiX962_compressed_prime (1) alone
        { extensions: defaultClientExtensions().map((e) => (e.kind === 'ec_point_formats' ? { ...e, ecPointFormatList: [1] } : e)) },
        fatal(AlertDescription.illegal_parameter, 3000),
      ).root,
  },
  {
    name: 'alpn-selected',
    group: G,
    role: 'server',
    title: 'Offered an unknown protocol and then its own, the server selects its own in an ALPN answer of exactly one name, and the handshake completes',
    requirements: ['RFC7301-3.1', 'RFC7301-3.2', 'RFC7301-3.1-ignore-unknown'],
    needs: ['alpn'],
    alpn: [ALPN],
    build: (ctx) =>
      handshakeChecking(
        ctx,
        { extensions: withAlpn(alpnExtension('dtlsprobe-unknown/9', ALPN)) },
        new CheckServerHello(`ALPN ${ALPN}`, (sh) => {
          const a = sh.extensions?.find((e) => e.kind === 'application_layer_protocol_negotiation');
          if (a?.kind !== 'application_layer_protocol_negotiation') return 'it carries no ALPN extension, though the client offered the server\'s protocol';
          const names = a.protocolNameList.map((n) => Buffer.from(n).toString('latin1'));
          if (names.length !== 1) return `its ALPN extension names ${names.length} protocols (${names.join(', ')}), not exactly one`;
          return names[0] === ALPN ? undefined : `it selects "${names[0]}", not "${ALPN}"`;
        }),
      ),
  },
  {
    name: 'alpn-no-overlap',
    group: G,
    role: 'server',
    title: 'Offered only protocols it does not support, an ALPN server ends the handshake with a fatal no_application_protocol',
    requirements: ['RFC7301-3.2-no-application-protocol'],
    needs: ['alpn'],
    alpn: [ALPN],
    // RFC 7301 §3.2: "SHALL respond with a fatal no_application_protocol alert"; going on without ALPN is not allowed
    build: () => helloThen({ extensions: withAlpn(alpnExtension('dtlsprobe-unknown/9')) }, fatal(AlertDescription.no_application_protocol, 3000)).root,
  },
  {
    name: 'alpn-empty-name',
    group: G,
    role: 'server',
    title: 'An ALPN list holding an empty protocol name is refused with a fatal decode_error or illegal_parameter',
    requirements: ['RFC7301-3.1-non-empty'],
    needs: ['alpn'],
    alpn: [ALPN],
    build: () => {
      // protocol_name_list: "dtlsprobe", then a zero-length name (ProtocolName<1..2^8-1> forbids it)
      const name = utf8.encode(ALPN);
      const body = Uint8Array.of(0, name.length + 2, name.length, ...name, 0);
      return helloThen(
        { extensions: withAlpn({ kind: 'raw', type: T.application_layer_protocol_negotiation, body }) },
        fatal([AlertDescription.decode_error, AlertDescription.illegal_parameter], 3000),
      ).root;
    },
  },
  {
    name: 'renegotiation-info-empty',
    group: G,
    role: 'server',
    title: 'On a first handshake whose ClientHello carries an empty renegotiation_info, the ServerHello carries an empty renegotiation_info too',
    requirements: ['RFC5746-3.6-empty-answer'],
    build: (ctx) =>
      handshakeChecking(
        ctx,
        {},
        new CheckServerHello('empty renegotiation_info', (sh) => {
          const ri = sh.extensions?.find((e) => e.kind === 'renegotiation_info');
          if (ri?.kind !== 'renegotiation_info') return 'it carries no renegotiation_info, though the client sent one';
          return ri.renegotiatedConnection.length === 0 ? undefined : `its renegotiation_info holds ${ri.renegotiatedConnection.length} bytes on a first handshake`;
        }),
      ),
  },
  {
    name: 'renegotiation-info-not-empty',
    group: G,
    role: 'server',
    title: 'A first ClientHello whose renegotiation_info claims 12 bytes of a previous Finished is refused with a fatal handshake_failure',
    requirements: ['RFC5746-3.6-initial-nonempty'],
    build: () => {
      const extensions = defaultClientExtensions().map((e) => (e.kind === 'renegotiation_info' ? { ...e, renegotiatedConnection: new Uint8Array(12).fill(0x5a) } : e));
      return helloThen({ extensions }, fatal(AlertDescription.handshake_failure, 3000)).root;
    },
  },
];
