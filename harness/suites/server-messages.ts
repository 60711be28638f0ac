/**
 * Server probes on records and handshake messages out of place (harness = client): records that do
 * not authenticate or do not parse, ChangeCipherSpec too early, twice or malformed, messages
 * skipped, a forged or misshapen Finished, an invalid ECDHE point, empty and oversized records, a
 * ClientHello whose length runs past its record, client versions the server does not speak, and a
 * renegotiation attempt on an established connection.
 *
 * Where the RFCs allow several behaviours (RFC 6347 §4.1.2.7: invalid records SHOULD be dropped
 * silently, an alert instead MUST be fatal), each allowed outcome is an alternative (`or`), and a
 * comment says which text allows it.
 */
import { AlertDescription, AlertLevel, ContentType, HandshakeType, NamedGroup, ProtocolVersion } from '../../reference/wire/enums.ts';
import { readServerHello } from '../../reference/wire/hello.ts';
import { decode } from '../../reference/wire/reader.ts';
import { ApplicationDataGenerator, ChangeCipherSpecGenerator, ExpectAlert, ExpectApplicationData, ExpectChangeCipherSpec, ExpectFinished, ExpectHandshakeMessage, ExpectNoDelivery, FinishedGenerator, RawDatagramGenerator, RawHandshakeGenerator, RawRecordGenerator } from '../conversation/nodes-common.ts';
import { CorruptTag } from '../conversation/nodes-flight.ts';
import { ClientHelloGenerator, type ClientHelloOptions, ClientKeyExchangeGenerator, defaultClientExtensions, ExpectHelloVerifyRequest, ExpectRehandshakeServerHello, ExpectServerHello } from '../conversation/nodes-client.ts';
import { Chain, clientFlight5, exchangeData, expectServerFinished, handshakeWithServer, toServerHelloDone } from './flows.ts';
import type { Probe } from './types.ts';
import { utf8, hex4, QUIET_MS, quiet, fatal, oneOf, helloThen, completeAfterServerHello, RenegotiationHelloGenerator, checkRenegotiationBinding, strayClientKeyExchange, OFF_CURVE_P256, clientHelloLength, TAMPERED, INTACT, Held } from './server-kit.ts';

const G = 'server-messages';

export const SERVER_MESSAGES: readonly Probe[] = [
  {
    name: 'bad-mac-application-data',
    group: G,
    role: 'server',
    title: 'An application data record whose authentication tag is wrong is dropped (or answered with a fatal bad_record_mac), never delivered, and the next intact record is delivered',
    requirements: ['RFC6347-4.1.2.7-bad-mac', 'RFC6347-4.1.2.7-discard-invalid', 'RFC6347-4.1.2.6-window-update-after-mac'],
    build: (ctx) => {
      const c = handshakeWithServer(ctx).then(new ApplicationDataGenerator(TAMPERED, { corruptTag: true }));
      // RFC 6347 §4.1.2.7: invalid records SHOULD be silently discarded; an alert instead MUST be fatal
      const dropped = quiet();
      c.then(oneOf(fatal(AlertDescription.bad_record_mac), dropped)).at(dropped);
      return exchangeData(c, INTACT).then(new ExpectNoDelivery(TAMPERED, 500)).root;
    },
  },
  {
    name: 'bad-mac-finished',
    group: G,
    role: 'server',
    title: 'A Finished in a record whose authentication tag is wrong is dropped (or answered with a fatal bad_record_mac), and the intact Finished sent after it completes the handshake',
    requirements: ['RFC6347-4.1.2.7-bad-mac', 'RFC6347-4.1.2.7-discard-invalid', 'RFC5246-7.4.9-finished'],
    build: (ctx) => {
      const held = new Held();
      const c = clientFlight5(toServerHelloDone(ctx)).then(new CorruptTag({ keepOriginal: true }), held.hold());
      // a server that took the forged record would answer with its ChangeCipherSpec here
      const dropped = quiet();
      c.then(oneOf(fatal(AlertDescription.bad_record_mac), dropped)).at(dropped);
      return exchangeData(expectServerFinished(c.then(held.release()))).root;
    },
  },
  ...[
    {
      name: 'garbage-datagram-after-handshake',
      what: 'A datagram that is not a DTLS record at all (plain text)',
      bytes: utf8.encode('GET / HTTP/1.0\r\n\r\n'),
      note: 'not a DTLS record',
    },
    {
      name: 'truncated-record-after-handshake',
      what: 'A datagram holding an epoch-1 application data record whose length runs past the end of the datagram',
      bytes: Uint8Array.of(ContentType.application_data, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x63, 0x01, 0xf4, ...new Array<number>(20).fill(0xaa)),
      note: 'a record cut short: length 500, 20 bytes there',
    },
  ].map(
    (v): Probe => ({
      name: v.name,
      group: G,
      role: 'server',
      title: `${v.what}, arriving after the handshake, is dropped (or ends the connection with a fatal alert), and the connection keeps working`,
      requirements: ['RFC6347-4.1.2.7-discard-invalid', 'RFC6347-4.1.1-records-per-datagram'],
      build: (ctx) => {
        const c = handshakeWithServer(ctx).then(new RawDatagramGenerator(v.bytes, v.note));
        // RFC 6347 §4.1.2.7: dropped silently (SHOULD), or a fatal alert of any kind
        const dropped = quiet();
        c.then(oneOf(fatal(), dropped)).at(dropped);
        return exchangeData(c).root;
      },
    }),
  ),
  {
    name: 'ccs-before-client-key-exchange',
    group: G,
    role: 'server',
    title: 'A ChangeCipherSpec before the ClientKeyExchange is refused with a fatal unexpected_message, or has no effect: the handshake that follows completes under the keys of the real key exchange',
    requirements: ['RFC5246-7.1-early-ccs', 'RFC5246-7.2.2-unexpected-message', 'RFC5246-7.4-order'],
    build: (ctx) => {
      const c = toServerHelloDone(ctx).then(
        new ChangeCipherSpecGenerator({ keepEpoch: true }),
        new ClientKeyExchangeGenerator(),
        new ChangeCipherSpecGenerator(),
        new FinishedGenerator(),
      );
      // RFC 5246 §7.2.2 names unexpected_message for it; a DTLS server may instead drop the record
      // (RFC 6347 §4.1.2.7) or hold it as reordered (§4.1), in which case the real ChangeCipherSpec
      // and Finished complete the handshake. A server that acted on the early one has no keys that
      // match ours: its Finished would not verify.
      const completes = new ExpectChangeCipherSpec();
      c.then(oneOf(fatal(AlertDescription.unexpected_message, 3000), completes)).at(completes);
      return exchangeData(c.then(new ExpectFinished())).root;
    },
  },
  {
    name: 'ccs-twice',
    group: G,
    role: 'server',
    title: 'A second ChangeCipherSpec at epoch 0, as a retransmitted flight carries, does not take the server past epoch 1: the handshake completes, or the server refuses it with unexpected_message',
    requirements: ['RFC6347-4.1-epoch-zero', 'RFC5246-7.1', 'RFC5246-7.2.2-unexpected-message'],
    build: (ctx) => {
      const c = toServerHelloDone(ctx).then(
        new ClientKeyExchangeGenerator(),
        new ChangeCipherSpecGenerator(),
        new RawRecordGenerator(ContentType.change_cipher_spec, Uint8Array.of(1), { epoch: 0, note: 'a second ChangeCipherSpec' }),
        new FinishedGenerator(),
      );
      const completes = new ExpectChangeCipherSpec();
      c.then(oneOf(fatal(AlertDescription.unexpected_message, 3000), completes)).at(completes);
      return exchangeData(c.then(new ExpectFinished())).root;
    },
  },
  ...[
    { name: 'ccs-wrong-value', body: Uint8Array.of(2), what: 'the single byte 2' },
    { name: 'ccs-two-bytes', body: Uint8Array.of(1, 1), what: 'two bytes' },
  ].map(
    (v): Probe => ({
      name: v.name,
      group: G,
      role: 'server',
      title: `A ChangeCipherSpec holding ${v.what} instead of the single byte 1 never switches the server's epoch: it refuses it with a fatal alert or drops it, and never sends its Finished`,
      requirements: ['RFC5246-7.1', 'RFC6347-4.1.2.7-discard-invalid'],
      build: (ctx) => {
        const c = toServerHelloDone(ctx).then(new ClientKeyExchangeGenerator(), new ChangeCipherSpecGenerator({ body: v.body }), new FinishedGenerator());
        // malformed: decode_error (RFC 5246 §7.2.2), or unexpected_message / illegal_parameter as
        // other stacks name it; or dropped as an invalid record (RFC 6347 §4.1.2.7), after which the
        // epoch-1 Finished cannot be read and the server stays silent
        return c.then(oneOf(fatal([AlertDescription.decode_error, AlertDescription.unexpected_message, AlertDescription.illegal_parameter]), quiet(3000))).root;
      },
    }),
  ),
  {
    name: 'finished-before-key-exchange',
    group: G,
    role: 'server',
    title: 'A Finished right after the ServerHelloDone, without ClientKeyExchange or ChangeCipherSpec, ends the handshake with a fatal unexpected_message',
    requirements: ['RFC5246-7.4-order', 'RFC5246-7.4.9-ccs-first', 'RFC5246-7.2.2-unexpected-message'],
    // The Finished is well formed and takes the message_seq the ClientKeyExchange was due at, so it
    // is no invalid record a DTLS receiver may drop (RFC 6347 §4.1.2.7) nor a future message it may
    // queue (§4.2.2): RFC 5246 §7.2.2 requires the alert of a fatal condition to be sent.
    build: (ctx) => toServerHelloDone(ctx).then(new FinishedGenerator({ verifyData: new Uint8Array(12) }), fatal(AlertDescription.unexpected_message, 3000)).root,
  },
  {
    name: 'finished-without-change-cipher-spec',
    group: G,
    role: 'server',
    title: 'A Finished after the ClientKeyExchange but without the ChangeCipherSpec before it ends the handshake with a fatal unexpected_message',
    requirements: ['RFC5246-7.4.9-ccs-first', 'RFC5246-7.2.2-unexpected-message'],
    build: (ctx) => toServerHelloDone(ctx).then(new ClientKeyExchangeGenerator(), new FinishedGenerator(), fatal(AlertDescription.unexpected_message, 3000)).root,
  },
  {
    name: 'key-exchange-instead-of-client-hello',
    group: G,
    role: 'server',
    title: 'A ClientKeyExchange sent in answer to the HelloVerifyRequest, where the ClientHello with the cookie is due, is refused with unexpected_message or ignored, and a proper ClientHello then completes the handshake',
    requirements: ['RFC5246-7.4-order', 'RFC5246-7.2.2-unexpected-message', 'RFC6347-4.2.1'],
    needs: ['cookie'],
    build: (ctx) => {
      const c = new Chain().then(
        new ClientHelloGenerator(),
        new ExpectHelloVerifyRequest(),
        new RawHandshakeGenerator(HandshakeType.client_key_exchange, strayClientKeyExchange(), { messageSeq: 1 }),
      );
      // a server keeps no state before the cookie checks out (RFC 6347 §4.2.1): ignoring is allowed
      const ignored = quiet();
      c.then(oneOf(fatal(AlertDescription.unexpected_message), ignored)).at(ignored);
      c.then(new ClientHelloGenerator(), new ExpectServerHello());
      return completeAfterServerHello(ctx, c).root;
    },
  },
  {
    name: 'data-before-handshake',
    group: G,
    role: 'server',
    title: 'Unprotected application data at epoch 0 before any handshake is never delivered, and a handshake after it completes',
    requirements: ['RFC6347-4.1-no-early-data', 'RFC6347-4.1.2.7-discard-invalid'],
    build: (ctx) => {
      const early = 'dtlsprobe before the handshake\n';
      const c = new Chain().then(new RawRecordGenerator(ContentType.application_data, utf8.encode(early), { epoch: 0, note: 'unprotected data' }));
      // dropped (RFC 6347 §4.1.2.7), or refused with a fatal unexpected_message; a server keeps no
      // state before a ClientHello, so a handshake still follows
      const dropped = quiet();
      c.then(oneOf(fatal(AlertDescription.unexpected_message), dropped)).at(dropped);
      toServerHelloDone(ctx, { chain: c });
      return exchangeData(expectServerFinished(clientFlight5(c))).then(new ExpectNoDelivery(early, 500)).root;
    },
  },
  {
    name: 'plaintext-data-after-handshake',
    group: G,
    role: 'server',
    title: 'Unprotected application data at epoch 0 on an established connection is never delivered, and protected data still is',
    requirements: ['RFC6347-4.1-no-early-data', 'RFC6347-4.1-old-epoch', 'RFC6347-4.1.2.7-discard-invalid'],
    build: (ctx) => {
      const plain = 'dtlsprobe unprotected\n';
      const c = handshakeWithServer(ctx).then(new RawRecordGenerator(ContentType.application_data, utf8.encode(plain), { epoch: 0, note: 'unprotected data' }));
      const dropped = quiet();
      c.then(oneOf(fatal(), dropped)).at(dropped);
      return exchangeData(c).then(new ExpectNoDelivery(plain, 500)).root;
    },
  },
  {
    name: 'forged-finished',
    group: G,
    role: 'server',
    title: 'A Finished whose verify_data is wrong ends the handshake (a fatal decrypt_error, or silence), and the server never sends its own Finished',
    requirements: ['RFC5246-7.4.9-finished', 'RFC5246-7.2.2-decrypt-error'],
    build: (ctx) =>
      // RFC 5246 §7.4.9 / §7.2.2: decrypt_error; a server that drops the flight instead never completes
      clientFlight5(toServerHelloDone(ctx), { finished: { xor: 1 } }).then(oneOf(fatal(AlertDescription.decrypt_error, 3000), quiet())).root,
  },
  {
    name: 'finished-wrong-length',
    group: G,
    role: 'server',
    title: 'A Finished whose verify_data has 13 bytes instead of 12 ends the handshake (decode_error, decrypt_error or illegal_parameter, or silence), and the server never sends its own Finished',
    requirements: ['RFC5246-7.4.9', 'RFC5246-7.4.9-finished'],
    build: (ctx) =>
      clientFlight5(toServerHelloDone(ctx), { finished: { verifyData: new Uint8Array(13).fill(0x5a) } }).then(
        oneOf(fatal([AlertDescription.decode_error, AlertDescription.decrypt_error, AlertDescription.illegal_parameter], 3000), quiet()),
      ).root,
  },
  {
    name: 'invalid-ec-point',
    group: G,
    role: 'server',
    suiteKind: 'certificate',
    title: 'A ClientKeyExchange whose P-256 point is not on the curve ends the handshake with a fatal alert (illegal_parameter, handshake_failure or decrypt_error)',
    requirements: ['RFC8422-5.11', 'RFC8422-5.7'],
    build: (ctx) => {
      const hello: ClientHelloOptions = {
        extensions: defaultClientExtensions().map((e) => (e.kind === 'supported_groups' ? { ...e, namedGroupList: [NamedGroup.secp256r1] } : e)),
      };
      // RFC 8422 §5.11 requires the check but names no alert: illegal_parameter (a field
      // inconsistent, RFC 5246 §7.2.2), handshake_failure or decrypt_error (a failed key exchange)
      return toServerHelloDone(ctx, { hello })
        .then(new ClientKeyExchangeGenerator({ ecdhYc: OFF_CURVE_P256 }), new ChangeCipherSpecGenerator(), new FinishedGenerator())
        .then(fatal([AlertDescription.illegal_parameter, AlertDescription.handshake_failure, AlertDescription.decrypt_error], 3000)).root;
    },
  },
  {
    name: 'empty-application-data',
    group: G,
    role: 'server',
    title: 'An application data record with no bytes in it is accepted without harm, and data after it is delivered',
    requirements: ['RFC5246-6.2.1-zero-length-data'],
    build: (ctx) => {
      const c = handshakeWithServer(ctx).then(new ApplicationDataGenerator(''));
      // nothing to deliver: an echoing server may echo nothing or an empty record
      const nothing = quiet(1000);
      const emptyEcho = new ExpectApplicationData('');
      emptyEcho.add(nothing);
      c.then(oneOf(nothing, emptyEcho)).at(nothing);
      return exchangeData(c).root;
    },
  },
  {
    name: 'empty-handshake-record',
    group: G,
    role: 'server',
    title: 'A handshake record with no bytes in it, in the middle of the handshake, is dropped (the handshake then completes) or refused with a fatal alert',
    requirements: ['RFC5246-6.2.1-no-empty-fragments', 'RFC6347-4.1.2.7-discard-invalid'],
    build: (ctx) => {
      const c = toServerHelloDone(ctx).then(new RawRecordGenerator(ContentType.handshake, new Uint8Array(0), { epoch: 0, note: 'empty' }));
      const dropped = quiet(1000);
      c.then(oneOf(fatal([AlertDescription.decode_error, AlertDescription.unexpected_message, AlertDescription.illegal_parameter]), dropped)).at(dropped);
      return exchangeData(expectServerFinished(clientFlight5(c))).root;
    },
  },
  {
    name: 'oversize-record',
    group: G,
    role: 'server',
    title: 'A protected record longer than 2^14 + 2048 bytes is dropped (or refused with a fatal record_overflow), never delivered, and the connection keeps working',
    requirements: ['RFC5246-6.2.3-ciphertext-limit', 'RFC6347-4.1.2.7-discard-invalid'],
    build: (ctx) => {
      // 2^14 + 2048 bytes of plaintext: the ciphertext is longer by the AEAD's overhead
      const big = new Uint8Array(2 ** 14 + 2048).fill(0x41);
      const c = handshakeWithServer(ctx).then(new ApplicationDataGenerator(big));
      const dropped = quiet();
      c.then(oneOf(fatal(AlertDescription.record_overflow), dropped)).at(dropped);
      return exchangeData(c).root;
    },
  },
  {
    name: 'client-hello-length-past-record',
    group: G,
    role: 'server',
    title: 'A ClientHello whose handshake length says 10 bytes more than its record holds is taken as a first fragment: never answered with a ServerHello, only with silence, a HelloVerifyRequest or a fatal decode_error',
    requirements: ['RFC6347-4.2.3-reassembly', 'RFC6347-4.2.3-length-consistent'],
    build: (ctx) => {
      const c = new Chain().then(new ClientHelloGenerator({ lengthField: clientHelloLength(ctx) + 10 }));
      // RFC 6347 §4.2.3: the rest may still come, so the server waits; a stateless server may answer
      // the first fragment with a HelloVerifyRequest (then a whole ClientHello goes on from there)
      const hvr = new ExpectHelloVerifyRequest();
      hvr.timeoutMs = QUIET_MS;
      hvr.or(quiet()).or(fatal([AlertDescription.decode_error, AlertDescription.illegal_parameter]));
      c.then(hvr, new ClientHelloGenerator(), new ExpectServerHello());
      return completeAfterServerHello(ctx, c).root;
    },
  },
  {
    name: 'client-version-dtls10',
    group: G,
    role: 'server',
    title: 'A ClientHello offering only DTLS 1.0 is refused with a fatal protocol_version, or answered with a DTLS 1.0 ServerHello, never with a higher version',
    requirements: ['RFC5246-7.2.2-protocol-version', 'RFC5246-7.4.1.3-server-version', 'RFC6347-4.1-version'],
    build: (ctx) => {
      const cbc = 0xc009; // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, which DTLS 1.0 can run
      const hello: ClientHelloOptions = { version: ProtocolVersion.DTLSv1_0, suites: [cbc, ctx.suite] };
      const serverHello = new ExpectHandshakeMessage(HandshakeType.server_hello, {
        what: 'DTLS 1.0',
        check: (body) => {
          const sh = decode(body, 'ServerHello', readServerHello);
          if (sh.legacyVersion !== ProtocolVersion.DTLSv1_0) return `server_version ${hex4(sh.legacyVersion)}, not feff: a server never answers above the client_version`;
          if (sh.cipherSuite !== cbc) return `suite ${hex4(sh.cipherSuite)} in a DTLS 1.0 handshake (the only DTLS 1.0 suite offered was ${hex4(cbc)})`;
          return undefined;
        },
      });
      return helloThen(hello, oneOf(fatal(AlertDescription.protocol_version, 3000), serverHello)).root;
    },
  },
  {
    name: 'client-version-future',
    group: G,
    role: 'server',
    title: 'A ClientHello with a client_version above DTLS 1.2 (fefb) is answered with DTLS 1.2 and the handshake completes',
    requirements: ['RFC5746-3.6-forward-compatible', 'RFC6347-4.1-version'],
    build: (ctx) => exchangeData(handshakeWithServer(ctx, { hello: { version: 0xfefb } })).root,
  },
  {
    name: 'client-version-tls12',
    group: G,
    role: 'server',
    title: 'A ClientHello with the TLS 1.2 version number 0303 is refused (protocol_version), ignored, or answered with DTLS 1.2, never with 0303',
    requirements: ['RFC6347-4.1-version', 'RFC5246-7.2.2-protocol-version'],
    build: (ctx) => {
      // 0303 is TLS, not DTLS: a server may refuse it, drop it, or, reading it as a version above its
      // own, answer with DTLS 1.2 (ExpectServerHello accepts only fefd)
      const sh = new ExpectServerHello();
      const c = helloThen({ version: 0x0303 }, oneOf(fatal(AlertDescription.protocol_version), sh, quiet()));
      return completeAfterServerHello(ctx, c.at(sh)).root;
    },
  },
  {
    name: 'renegotiation-refused-or-bound',
    group: G,
    role: 'server',
    title: 'A ClientHello on the established connection is refused (a warning no_renegotiation, silence, or a fatal handshake_failure) with the connection still working when it stays up, or renegotiated with renegotiation_info bound to the old handshake',
    requirements: ['RFC5246-7.2.2-no-renegotiation', 'RFC5746-3.7-server-binding', 'RFC6347-4.2.4-rehandshake', 'RFC6347-4.2.2-rehandshake-seq'],
    build: (ctx) => {
      const c = exchangeData(handshakeWithServer(ctx)).then(new RenegotiationHelloGenerator());
      // RFC 5246 §7.2.2: no_renegotiation is a warning and leaves the connection up
      const refused = new ExpectAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
      refused.timeoutMs = 2000;
      exchangeData(new Chain(refused), 'dtlsprobe after no_renegotiation\n');
      // a server that ignores it keeps the connection as it was
      const ignored = quiet();
      exchangeData(new Chain(ignored), 'dtlsprobe after an ignored ClientHello\n');
      c.then(
        oneOf(
          refused,
          // a server unwilling to go on ends the connection (RFC 5746 §3.7 "abort": handshake_failure)
          new ExpectAlert(AlertLevel.fatal, AlertDescription.handshake_failure),
          // or it renegotiates (RFC 5246 allows it): its ServerHello binds to this connection
          new ExpectRehandshakeServerHello({ check: checkRenegotiationBinding }),
          ignored,
        ),
      );
      return c.root;
    },
  },
];
