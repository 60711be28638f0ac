/**
 * The DTLS 1.2 client (RFC 6347 §4.2, RFC 5246 §7.4): one state per thing it waits for.
 *
 *   Client                                 Server
 *   ClientHello              -------->                           Flight 1
 *                            <--------   HelloVerifyRequest      Flight 2
 *   ClientHello (cookie)     -------->                           Flight 3
 *                                        ServerHello             \
 *                                        Certificate              \
 *                                        ServerKeyExchange         Flight 4
 *                                        CertificateRequest*      /
 *                            <--------   ServerHelloDone         /
 *   Certificate*, ClientKeyExchange,
 *   [ChangeCipherSpec], Finished -------->                       Flight 5
 *                            <--------   [ChangeCipherSpec], Finished   Flight 6
 *
 * Flight 4 by key exchange: ecdhe sends Certificate and a signed ServerKeyExchange (RFC 8422 §5.4);
 * psk sends no Certificate, and a ServerKeyExchange only to carry a hint (RFC 4279 §2); ecdhe_psk
 * no Certificate and an unsigned ServerKeyExchange, always (RFC 5489 §2). PSK suites never carry a
 * CertificateRequest.
 */
import { parseCertificate } from '../../crypto/x509.ts';
import type { PublicKey } from '../../crypto/public-key.ts';
import { DtlsError } from '../../errors.ts';
import { AlertDescription, CipherSuite, ExtensionType, HandshakeType, NameType, ProtocolVersion } from '../../wire/enums.ts';
import type { Extension } from '../../wire/extensions.ts';
import { type ClientHello, readServerHello, writeClientHello } from '../../wire/hello.ts';
import { type ClientKeyExchange, readServerKeyExchange, writeClientKeyExchange } from '../../wire/key-exchange.ts';
import { type CertificateRequest, readCertificate, readCertificateRequest, readFinished, readHelloVerifyRequest, readServerHelloDone, writeCertificate, writeCertificateVerify, writeFinished } from '../../wire/messages12.ts';
import { decode } from '../../wire/reader.ts';
import { keyExchangeOf } from '../../wire/suites.ts';
import type { HandshakeContext } from './context.ts';
import { NAMED_CURVE, checkSignature, newKeyShare, sharedSecret, signParams, signedParamsInput } from './key-exchange.ts';
import { established } from './established.ts';
import { connectionIdOffer, connectionIdsFromServerHello } from './connection-id.ts';
import { srtpFromServerHello, srtpOffer } from './srtp.ts';
import { checkServerCertificateFitsSuite, chooseClientCertificate } from './client-auth.ts';
import { choosePsk, plainPskPremasterSecret, pskPremasterSecret } from './psk.ts';
import { expectTicketThen, offerResumption, rememberSession, serverResumed } from './resumption.ts';
import { type HandshakeState, expecting, expectingChangeCipherSpec, findExtension, receive } from './state.ts';

const T = HandshakeType;
const MAX_HELLO_VERIFY_REQUESTS = 4;
const utf8 = new TextEncoder();

/** Starts the handshake: sends flight 1 and waits for the server's answer. */
export function startClient(ctx: HandshakeContext): HandshakeState {
  ctx.clientRandom = ctx.config.random(32);
  const hello = clientHello(ctx, new Uint8Array(0));
  ctx.emit(T.client_hello, (w) => writeClientHello(w, hello));
  ctx.endFlight({ final: false, retransmittable: true });
  return expectServerHelloOrHelloVerify(hello, 0);
}

function clientHello(ctx: HandshakeContext, cookie: Uint8Array): ClientHello {
  const c = ctx.config;
  const extensions: Extension[] = [];
  if (c.serverName !== undefined) {
    extensions.push({ kind: 'server_name', form: 'client_hello', serverNameList: [{ nameType: NameType.host_name, name: utf8.encode(c.serverName) }] });
  }
  extensions.push({ kind: 'supported_groups', namedGroupList: [...c.groups] });
  extensions.push({ kind: 'ec_point_formats', ecPointFormatList: [0] });
  extensions.push({ kind: 'signature_algorithms', supportedSignatureAlgorithms: [...c.signatureSchemes] });
  if (c.alpn.length > 0) {
    extensions.push({ kind: 'application_layer_protocol_negotiation', protocolNameList: c.alpn.map((p) => utf8.encode(p)) });
  }
  extensions.push(...srtpOffer(c.srtp), ...connectionIdOffer(c.connectionId));
  const resumption = offerResumption(ctx);
  extensions.push(...resumption.extensions);
  extensions.push({ kind: 'extended_master_secret' });
  extensions.push({ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) });
  return {
    legacyVersion: ProtocolVersion.DTLSv1_2,
    random: ctx.clientRandom,
    sessionId: resumption.sessionId,
    cookie,
    cipherSuites: [...c.cipherSuites],
    compressionMethods: [0],
    extensions,
  };
}

/** RFC 6347 §4.2.1: a HelloVerifyRequest restarts the exchange with the cookie; else the ServerHello. */
function expectServerHelloOrHelloVerify(hello: ClientHello, verifies: number): HandshakeState {
  return expecting('ExpectServerHelloOrHelloVerifyRequest', [T.hello_verify_request, T.server_hello], (m, ctx) => {
    if (m.msgType === T.server_hello) return expectServerHello(hello).handle(m, ctx);
    const hvr = readHelloVerify(m.body);
    if (verifies >= MAX_HELLO_VERIFY_REQUESTS) {
      throw DtlsError.misbehaved(AlertDescription.handshake_failure, `more than ${MAX_HELLO_VERIFY_REQUESTS} HelloVerifyRequests`);
    }
    ctx.transcript.restart();
    const again = { ...hello, cookie: hvr.cookie };
    ctx.emit(T.client_hello, (w) => writeClientHello(w, again));
    ctx.endFlight({ final: false, retransmittable: true });
    return expectServerHelloOrHelloVerify(again, verifies + 1);
  });
}

function readHelloVerify(body: Uint8Array): { cookie: Uint8Array } {
  const hvr = decode(body, 'HelloVerifyRequest', readHelloVerifyRequest);
  const v = hvr.serverVersion;
  if (v !== ProtocolVersion.DTLSv1_0 && v !== ProtocolVersion.DTLSv1_2) {
    throw DtlsError.incompatible(AlertDescription.protocol_version, `HelloVerifyRequest carries ${ProtocolVersion.nameOf(v)}`);
  }
  return hvr;
}

/** RFC 5246 §7.4.1.3 */
function expectServerHello(hello: ClientHello): HandshakeState {
  return expecting('ExpectServerHello', [T.server_hello], (m, ctx) => {
    const sh = receive(ctx, m, 'ServerHello', readServerHello);
    if (sh.legacyVersion !== ProtocolVersion.DTLSv1_2) {
      throw DtlsError.incompatible(AlertDescription.protocol_version, `the server chose ${ProtocolVersion.nameOf(sh.legacyVersion)}; we speak DTLS 1.2`);
    }
    if (!hello.cipherSuites.includes(sh.cipherSuite)) {
      throw DtlsError.misbehaved(AlertDescription.illegal_parameter, `the server chose ${CipherSuite.nameOf(sh.cipherSuite)}, which we did not offer`);
    }
    if (sh.compressionMethod !== 0) throw DtlsError.misbehaved(AlertDescription.illegal_parameter, 'the server chose compression');
    const offered = new Set((hello.extensions ?? []).map((e) => extensionType(e)));
    for (const e of sh.extensions ?? []) {
      if (!offered.has(extensionType(e))) {
        throw DtlsError.misbehaved(AlertDescription.unsupported_extension, `the server sent ${ExtensionType.nameOf(extensionType(e))}, which we did not offer`);
      }
    }
    ctx.serverRandom = sh.random;
    ctx.cipherSuite = sh.cipherSuite;
    ctx.extendedMasterSecret = findExtension(sh.extensions, 'extended_master_secret') !== undefined;
    if (!ctx.extendedMasterSecret && ctx.config.requireExtendedMasterSecret) {
      throw DtlsError.incompatible(AlertDescription.handshake_failure, 'the server does not support extended_master_secret (RFC 7627 §5.2)');
    }
    const ri = findExtension(sh.extensions, 'renegotiation_info');
    if (ri !== undefined && ri.renegotiatedConnection.length !== 0) {
      throw DtlsError.misbehaved(AlertDescription.handshake_failure, 'renegotiation_info is not empty in an initial handshake (RFC 5746 §3.4)');
    }
    const alpn = findExtension(sh.extensions, 'application_layer_protocol_negotiation');
    if (alpn !== undefined) {
      const names = alpn.protocolNameList.map((p) => new TextDecoder().decode(p));
      if (names.length !== 1 || !ctx.config.alpn.includes(names[0])) {
        throw DtlsError.misbehaved(AlertDescription.illegal_parameter, `the server selected ALPN ${names.join(', ')}, not one we offered`);
      }
      ctx.alpn = names[0];
    }
    ctx.serverName = ctx.config.serverName;
    ctx.srtp = srtpFromServerHello(ctx.config.srtp, sh.extensions);
    ctx.connectionIds = connectionIdsFromServerHello(ctx.config.connectionId, sh.extensions);
    const resumed = serverResumed(sh, ctx);
    if (resumed !== undefined) return resumed;
    const keyExchange = keyExchangeOf(sh.cipherSuite);
    switch (keyExchange) {
      case 'ecdhe':
        return expectCertificate();
      case 'psk':
        return expectPskServerKeyExchangeOrServerHelloDone();
      case 'ecdhe_psk':
        return expectEcdhePskServerKeyExchange();
      default:
        throw DtlsError.internal(`key exchange of ${CipherSuite.nameOf(sh.cipherSuite)} is not implemented`);
    }
  });
}

/** What flight 5 sends as ClientKeyExchange, and the premaster secret agreed with it. */
interface KeyAgreement {
  readonly message: ClientKeyExchange;
  readonly preMasterSecret: Uint8Array;
}

function extensionType(e: Extension): number {
  return e.kind === 'raw' ? e.type : ExtensionType[e.kind];
}

/** RFC 5246 §7.4.2 */
function expectCertificate(): HandshakeState {
  return expecting('ExpectCertificate', [T.certificate], (m, ctx) => {
    const cert = receive(ctx, m, 'Certificate', readCertificate);
    if (cert.certificateList.length === 0) {
      throw DtlsError.misbehaved(AlertDescription.decode_error, 'the server sent an empty Certificate');
    }
    let leaf;
    try {
      leaf = parseCertificate(cert.certificateList[0]);
    } catch (e) {
      throw DtlsError.misbehaved(AlertDescription.bad_certificate, `the server's certificate does not parse: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (ctx.cipherSuite !== undefined) checkServerCertificateFitsSuite(ctx.cipherSuite, leaf.publicKey);
    ctx.peerChain = cert.certificateList;
    ctx.serverCertificate = cert.certificateList[0];
    const verdict = ctx.config.verifyPeer?.(cert.certificateList);
    if (verdict !== undefined && !verdict.ok) throw DtlsError.misbehaved(verdict.alert, verdict.reason);
    ctx.peerVerified = verdict !== undefined;
    return expectServerKeyExchange(leaf.publicKey);
  });
}

/** RFC 8422 §5.4 */
function expectServerKeyExchange(serverKey: PublicKey): HandshakeState {
  return expecting('ExpectServerKeyExchange', [T.server_key_exchange], (m, ctx) => {
    const ske = receive(ctx, m, 'ServerKeyExchange', (r) => readServerKeyExchange(r, 'ecdhe'));
    const p = ske.params;
    if (p.curveType !== NAMED_CURVE || !ctx.config.groups.includes(p.namedCurve)) {
      throw DtlsError.misbehaved(AlertDescription.illegal_parameter, `the server chose group ${p.namedCurve}, which we did not offer`);
    }
    const input = signedParamsInput(ctx.clientRandom, ctx.serverRandom, p);
    checkSignature(ske.signedParams.algorithm, ctx.config.signatureSchemes, serverKey, input, ske.signedParams.signature, 'ServerKeyExchange');
    ctx.group = p.namedCurve;
    const share = newKeyShare(p.namedCurve, ctx.config.random);
    const pre = sharedSecret(share, p.public);
    return expectCertificateRequestOrServerHelloDone({ message: { keyExchange: 'ecdhe', ecdhYc: share.publicKey }, preMasterSecret: pre });
  });
}

/** RFC 4279 §2: the ServerKeyExchange comes only when the server has a hint; we accept both. */
function expectPskServerKeyExchangeOrServerHelloDone(): HandshakeState {
  return expecting('ExpectServerKeyExchangeOrServerHelloDone', [T.server_key_exchange, T.server_hello_done], (m, ctx) => {
    if (m.msgType === T.server_hello_done) return expectServerHelloDone(pskAgreement(ctx, undefined), undefined).handle(m, ctx);
    const ske = receive(ctx, m, 'ServerKeyExchange', (r) => readServerKeyExchange(r, 'psk'));
    return expectServerHelloDone(pskAgreement(ctx, ske.pskIdentityHint), undefined);
  });
}

/** RFC 4279 §2: our identity, and other_secret = as many zero bytes as the PSK is long. */
function pskAgreement(ctx: HandshakeContext, hint: Uint8Array | undefined): KeyAgreement {
  const psk = choosePsk(ctx, hint);
  return { message: { keyExchange: 'psk', pskIdentity: psk.identity }, preMasterSecret: plainPskPremasterSecret(psk.key) };
}

/** RFC 5489 §2: the hint and unsigned ECDH parameters (the PSK authenticates the exchange). */
function expectEcdhePskServerKeyExchange(): HandshakeState {
  return expecting('ExpectServerKeyExchange', [T.server_key_exchange], (m, ctx) => {
    const ske = receive(ctx, m, 'ServerKeyExchange', (r) => readServerKeyExchange(r, 'ecdhe_psk'));
    const p = ske.params;
    if (p.curveType !== NAMED_CURVE || !ctx.config.groups.includes(p.namedCurve)) {
      throw DtlsError.misbehaved(AlertDescription.illegal_parameter, `the server chose group ${p.namedCurve}, which we did not offer`);
    }
    ctx.group = p.namedCurve;
    const psk = choosePsk(ctx, ske.pskIdentityHint);
    const share = newKeyShare(p.namedCurve, ctx.config.random);
    // RFC 5489 §2: other_secret is Z, the ECDH shared secret.
    const pre = pskPremasterSecret(sharedSecret(share, p.public), psk.key);
    const message: ClientKeyExchange = { keyExchange: 'ecdhe_psk', pskIdentity: psk.identity, ecdhYc: share.publicKey };
    return expectServerHelloDone({ message, preMasterSecret: pre }, undefined);
  });
}

/** RFC 5246 §7.4.4, §7.4.5 */
function expectCertificateRequestOrServerHelloDone(agreement: KeyAgreement): HandshakeState {
  return expecting('ExpectCertificateRequestOrServerHelloDone', [T.certificate_request, T.server_hello_done], (m, ctx) => {
    if (m.msgType === T.server_hello_done) return expectServerHelloDone(agreement, undefined).handle(m, ctx);
    const cr = receive(ctx, m, 'CertificateRequest', readCertificateRequest);
    ctx.certificateRequested = true;
    ctx.acceptedCas = cr.certificateAuthorities;
    return expectServerHelloDone(agreement, cr);
  });
}

/**
 * RFC 5246 §7.4.5, then flight 5: our Certificate and CertificateVerify when one was asked for
 * (an empty Certificate when we have none, §7.4.6), ClientKeyExchange, ChangeCipherSpec, Finished.
 */
function expectServerHelloDone(agreement: KeyAgreement, request: CertificateRequest | undefined): HandshakeState {
  return expecting('ExpectServerHelloDone', [T.server_hello_done], (m, ctx) => {
    receive(ctx, m, 'ServerHelloDone', readServerHelloDone);
    const choice = request === undefined ? undefined : chooseClientCertificate(ctx.config, request);
    if (request !== undefined) {
      const chain = choice === undefined ? [] : [...choice.credentials.chain];
      ctx.emit(T.certificate, (w) => writeCertificate(w, { certificateList: chain }));
      ctx.sentClientCertificate = chain.length > 0;
      ctx.actions.push({ kind: 'certificate-requested', acceptedCas: ctx.acceptedCas ?? [], sentCertificate: chain.length > 0 });
    }
    ctx.emit(T.client_key_exchange, (w) => writeClientKeyExchange(w, agreement.message));
    ctx.deriveKeys(agreement.preMasterSecret);
    if (choice !== undefined) {
      // RFC 5246 §7.4.8: a signature over every handshake message so far.
      const signature = signParams(choice.scheme, choice.credentials.privateKey, ctx.transcript.bytes());
      ctx.emit(T.certificate_verify, (w) => writeCertificateVerify(w, { algorithm: choice.scheme, signature }));
    }
    ctx.emitChangeCipherSpec();
    const verifyData = ctx.finishedData('client');
    ctx.firstFinished = verifyData;
    ctx.emit(T.finished, (w) => writeFinished(w, { verifyData }));
    ctx.endFlight({ final: false, retransmittable: true });
    return expectTicketThen(ctx, () => expectingChangeCipherSpec('ExpectChangeCipherSpec', () => expectFinished()));
  });
}

/** RFC 5246 §7.4.9 */
function expectFinished(): HandshakeState {
  return expecting('ExpectFinished', [T.finished], (m, ctx) => {
    const fin = decode(m.body, 'Finished', readFinished);
    ctx.checkFinished('server', fin.verifyData);
    ctx.transcript.add(m.msgType, m.messageSeq, m.body);
    rememberSession(ctx);
    ctx.actions.push({ kind: 'complete' });
    return established('client');
  });
}
