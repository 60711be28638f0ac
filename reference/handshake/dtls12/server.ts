/**
 * The DTLS 1.2 server (RFC 6347 §4.2, RFC 5246 §7.4). Until a ClientHello carries a cookie we
 * made, it keeps no state: it answers with a HelloVerifyRequest and stays where it was
 * (RFC 6347 §4.2.1).
 */
import { DtlsError } from '../../errors.ts';
import { AlertDescription, CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion } from '../../wire/enums.ts';
import { type Extension, extensionTypeOf } from '../../wire/extensions.ts';
import { type ClientHello, readClientHello, writeServerHello } from '../../wire/hello.ts';
import { readClientKeyExchange, writeServerKeyExchange } from '../../wire/key-exchange.ts';
import { readCertificate, readCertificateVerify, readFinished, writeCertificate, writeCertificateRequest, writeFinished, writeHelloVerifyRequest, writeServerHelloDone } from '../../wire/messages12.ts';
import { decode } from '../../wire/reader.ts';
import { type Authentication, suiteInfo } from '../../wire/suites.ts';
import type { WholeHandshakeMessage } from '../reassembly.ts';
import type { KeyShare } from '../../crypto/ecdh.ts';
import type { KeyAlgorithm, PublicKey } from '../../crypto/public-key.ts';
import { parseCertificate } from '../../crypto/x509.ts';
import type { HandshakeContext } from './context.ts';
import { established } from './established.ts';
import { acceptConnectionId, connectionIdAnswer } from './connection-id.ts';
import { chooseSrtp, srtpAnswer } from './srtp.ts';
import { certificateRequest, checkClientCertificateType } from './client-auth.ts';
import { lookUpPsk, plainPskPremasterSecret, pskPremasterSecret } from './psk.ts';
import { abbreviatedServerFlight, issueTicket, rememberSession, resumeOrStart } from './resumption.ts';
import { NAMED_CURVE, checkSignature, chooseScheme, newKeyShare, sharedSecret, signParams, signedParamsInput } from './key-exchange.ts';
import { type HandshakeState, expecting, expectingChangeCipherSpec, findExtension, receive } from './state.ts';

const T = HandshakeType;
const utf8 = new TextEncoder();

/** The server's first state: it waits for a ClientHello. */
export function startServer(): HandshakeState {
  return expecting('ExpectClientHello', [T.client_hello], (m, ctx) => clientHello(m, ctx));
}

/** The suite we picked, with what its key exchange needs. */
type Choice =
  | { readonly keyExchange: 'ecdhe'; readonly cipherSuite: number; readonly group: number; readonly scheme: number }
  | { readonly keyExchange: 'ecdhe_psk'; readonly cipherSuite: number; readonly group: number }
  | { readonly keyExchange: 'psk'; readonly cipherSuite: number };

function clientHello(m: WholeHandshakeMessage, ctx: HandshakeContext): HandshakeState {
  const ch = decode(m.body, 'ClientHello', readClientHello);
  // DTLS versions count down: 0xfefd (1.2) is below 0xfeff (1.0).
  if (ch.legacyVersion > ProtocolVersion.DTLSv1_2) {
    throw DtlsError.incompatible(AlertDescription.protocol_version, `the client offers ${ProtocolVersion.nameOf(ch.legacyVersion)}; we speak DTLS 1.2`);
  }
  const c = ctx.config;
  if (c.requireCookie && !c.cookieJar.check(c.peerAddress, ch, ctx.now)) {
    // RFC 6347 §4.2.1: stateless; version DTLS 1.0 in the HelloVerifyRequest, never retransmitted.
    ctx.nextSendSeq = m.messageSeq;
    const cookie = c.cookieJar.make(c.peerAddress, ch, ctx.now);
    ctx.emit(T.hello_verify_request, (w) => writeHelloVerifyRequest(w, { serverVersion: ProtocolVersion.DTLSv1_0, cookie }));
    ctx.endFlight({ final: false, retransmittable: false });
    ctx.transcript.restart();
    return startServer();
  }
  const choice = negotiate(ch, ctx);
  ctx.transcript.add(m.msgType, m.messageSeq, m.body);
  ctx.nextSendSeq = m.messageSeq;
  ctx.clientRandom = ch.random;
  ctx.serverRandom = c.random(32);
  ctx.cipherSuite = choice.cipherSuite;
  ctx.group = choice.keyExchange === 'psk' ? undefined : choice.group;
  // RFC 5246 §7.3: resume the client's session (its suite, its master secret) when it fits.
  const resumed = resumeOrStart(ch, ctx);
  const extensions = serverExtensions(ch, ctx);
  ctx.emit(T.server_hello, (w) =>
    writeServerHello(w, {
      legacyVersion: ProtocolVersion.DTLSv1_2,
      random: ctx.serverRandom,
      sessionId: ctx.resumption.sessionId,
      cipherSuite: ctx.cipherSuite ?? choice.cipherSuite,
      compressionMethod: 0,
      extensions,
    }),
  );
  if (resumed) return abbreviatedServerFlight(ctx);
  switch (choice.keyExchange) {
    case 'ecdhe':
      return certificateFlight(ctx, choice.group, choice.scheme);
    case 'psk':
      return pskFlight(ctx);
    case 'ecdhe_psk':
      return ecdhePskFlight(ctx, choice.group);
  }
}

/** The rest of flight 4 for ECDHE with a certificate (RFC 8422 §5.4, RFC 5246 §7.4.4). */
function certificateFlight(ctx: HandshakeContext, group: number, scheme: number): HandshakeState {
  const c = ctx.config;
  const credentials = c.certificate;
  if (credentials === undefined) throw DtlsError.internal('the server has no certificate');
  ctx.emit(T.certificate, (w) => writeCertificate(w, { certificateList: [...credentials.chain] }));
  ctx.serverCertificate = credentials.chain[0];
  const share = newKeyShare(group, c.random);
  const params = { curveType: NAMED_CURVE, namedCurve: group, public: share.publicKey };
  const signature = signParams(scheme, credentials.privateKey, signedParamsInput(ctx.clientRandom, ctx.serverRandom, params));
  ctx.emit(T.server_key_exchange, (w) =>
    writeServerKeyExchange(w, { keyExchange: 'ecdhe', params, signedParams: { algorithm: scheme, signature } }),
  );
  const askForCertificate = c.clientAuth !== 'none';
  if (askForCertificate) {
    ctx.emit(T.certificate_request, (w) => writeCertificateRequest(w, certificateRequest(c)));
  }
  ctx.emit(T.server_hello_done, (w) => writeServerHelloDone(w, {}));
  ctx.endFlight({ final: false, retransmittable: true });
  return askForCertificate ? expectClientCertificate(share) : expectClientKeyExchange(share, undefined);
}

/**
 * RFC 4279 §2: no Certificate, no CertificateRequest, and a ServerKeyExchange only when there is
 * a hint to carry (RFC 4279 §5.2 advises servers to send none without an application profile).
 */
function pskFlight(ctx: HandshakeContext): HandshakeState {
  const hint = ctx.config.pskIdentityHint;
  if (hint !== undefined) {
    ctx.emit(T.server_key_exchange, (w) => writeServerKeyExchange(w, { keyExchange: 'psk', pskIdentityHint: hint }));
  }
  ctx.emit(T.server_hello_done, (w) => writeServerHelloDone(w, {}));
  ctx.endFlight({ final: false, retransmittable: true });
  return expectPskClientKeyExchange();
}

/** RFC 5489 §2: the ServerKeyExchange always goes, hint (maybe empty) then unsigned ECDH parameters. */
function ecdhePskFlight(ctx: HandshakeContext, group: number): HandshakeState {
  const share = newKeyShare(group, ctx.config.random);
  const params = { curveType: NAMED_CURVE, namedCurve: group, public: share.publicKey };
  const pskIdentityHint = ctx.config.pskIdentityHint ?? new Uint8Array(0);
  ctx.emit(T.server_key_exchange, (w) => writeServerKeyExchange(w, { keyExchange: 'ecdhe_psk', pskIdentityHint, params }));
  ctx.emit(T.server_hello_done, (w) => writeServerHelloDone(w, {}));
  ctx.endFlight({ final: false, retransmittable: true });
  return expectEcdhePskClientKeyExchange(share);
}

/**
 * Our preferences first: the first of our suites the client offers that we can serve. A
 * certificate suite needs our certificate, of the suite's kind, a signature scheme and a group in
 * common; ECDHE_PSK a group; plain PSK nothing more. None: the reason of our most preferred one.
 */
function negotiate(ch: ClientHello, ctx: HandshakeContext): Choice {
  const c = ctx.config;
  checkOffer(ch);
  const ems = findExtension(ch.extensions, 'extended_master_secret') !== undefined;
  if (!ems && c.requireExtendedMasterSecret) {
    throw DtlsError.incompatible(AlertDescription.handshake_failure, 'the client does not offer extended_master_secret (RFC 7627 §5.2)');
  }
  ctx.extendedMasterSecret = ems;
  const ri = findExtension(ch.extensions, 'renegotiation_info');
  if (ri !== undefined && ri.renegotiatedConnection.length !== 0) {
    throw DtlsError.misbehaved(AlertDescription.handshake_failure, 'renegotiation_info is not empty in an initial handshake (RFC 5746 §3.6)');
  }
  const theirGroups = findExtension(ch.extensions, 'supported_groups')?.namedGroupList;
  const group = c.groups.find((g) => theirGroups === undefined || theirGroups.includes(g));
  const theirSchemes = findExtension(ch.extensions, 'signature_algorithms')?.supportedSignatureAlgorithms;
  let choice: Choice | undefined;
  let refusal: DtlsError | undefined;
  for (const cipherSuite of c.cipherSuites.filter((s) => ch.cipherSuites.includes(s))) {
    const outcome = serve(cipherSuite, group, theirGroups, theirSchemes, ctx);
    if (outcome instanceof DtlsError) {
      refusal ??= outcome;
      continue;
    }
    choice = outcome;
    break;
  }
  if (choice === undefined) {
    throw refusal ?? DtlsError.incompatible(AlertDescription.handshake_failure, 'no cipher suite in common with the client');
  }
  ctx.alpn = chooseAlpn(ch, ctx);
  const sni = findExtension(ch.extensions, 'server_name');
  const host = sni?.form === 'client_hello' ? sni.serverNameList.find((n) => n.nameType === 0) : undefined;
  ctx.serverName = host === undefined ? undefined : new TextDecoder().decode(host.name);
  ctx.srtp = chooseSrtp(c.srtp, ch.extensions);
  ctx.connectionIds = acceptConnectionId(c.connectionId, ch.extensions);
  return choice;
}

/** The curves RFC 8422 defines (§5.1.1), which make the uncompressed point format mandatory (§5.1.2). */
const RFC8422_CURVES: readonly number[] = [NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1, NamedGroup.x25519, NamedGroup.x448];

/** Rules on the ClientHello's shape that hold whatever we negotiate. */
function checkOffer(ch: ClientHello): void {
  // RFC 5246 §7.4.1.4: "There MUST NOT be more than one extension of the same type."
  const types = (ch.extensions ?? []).map(extensionTypeOf);
  const repeated = types.find((t, i) => types.indexOf(t) !== i);
  if (repeated !== undefined) {
    throw DtlsError.misbehaved(AlertDescription.illegal_parameter, `the ClientHello carries extension ${ExtensionType.nameOf(repeated)} more than once (RFC 5246 §7.4.1.4)`);
  }
  // RFC 5246 §7.4.1.2: compression_methods "MUST contain [...] CompressionMethod.null".
  if (!ch.compressionMethods.includes(0)) {
    throw DtlsError.misbehaved(AlertDescription.illegal_parameter, 'the ClientHello\'s compression_methods lack null (RFC 5246 §7.4.1.2)');
  }
  // RFC 8422 §5.1.2: ec_point_formats without uncompressed, from a client naming RFC 8422 curves.
  const formats = findExtension(ch.extensions, 'ec_point_formats');
  const groups = findExtension(ch.extensions, 'supported_groups')?.namedGroupList ?? [];
  if (formats !== undefined && !formats.ecPointFormatList.includes(0) && groups.some((g) => RFC8422_CURVES.includes(g))) {
    throw DtlsError.misbehaved(AlertDescription.illegal_parameter, 'ec_point_formats leaves out the uncompressed format (RFC 8422 §5.1.2)');
  }
}

/** What serving `cipherSuite` takes, or why we cannot. */
function serve(
  cipherSuite: number,
  group: number | undefined,
  theirGroups: readonly number[] | undefined,
  theirSchemes: readonly number[] | undefined,
  ctx: HandshakeContext,
): Choice | DtlsError {
  const c = ctx.config;
  const info = suiteInfo(cipherSuite);
  const name = CipherSuite.nameOf(cipherSuite);
  const noGroup = (): DtlsError => DtlsError.incompatible(AlertDescription.handshake_failure, `no group in common with the client for ${name}`);
  if (info === undefined || info.tls13) return DtlsError.internal(`${name} is not a DTLS 1.2 suite`);
  switch (info.keyExchange) {
    case 'psk':
      return { keyExchange: 'psk', cipherSuite };
    case 'ecdhe_psk':
      return group === undefined ? noGroup() : { keyExchange: 'ecdhe_psk', cipherSuite, group };
    case 'ecdhe': {
      const key = c.certificate?.privateKey;
      if (key === undefined) return DtlsError.internal(`the server has no certificate for ${name}`);
      if (!certificateFits(info.authentication, key.algorithm)) {
        return DtlsError.incompatible(AlertDescription.handshake_failure, `our ${key.algorithm} certificate cannot serve ${name}`);
      }
      // RFC 8422 §5.3: the client's supported_groups also bounds the curve of our ECDSA certificate.
      const certificateCurve = key.algorithm === 'P-256' ? NamedGroup.secp256r1 : key.algorithm === 'P-384' ? NamedGroup.secp384r1 : undefined;
      if (certificateCurve !== undefined && theirGroups !== undefined && !theirGroups.includes(certificateCurve)) {
        return DtlsError.incompatible(
          AlertDescription.handshake_failure,
          `the client's supported_groups leave out ${NamedGroup.nameOf(certificateCurve)}, the curve of our certificate (RFC 8422 §5.3)`,
        );
      }
      if (group === undefined) return noGroup();
      const scheme = chooseScheme(key, c.signatureSchemes, theirSchemes);
      if (scheme === undefined) return DtlsError.incompatible(AlertDescription.handshake_failure, 'no signature scheme in common with the client');
      return { keyExchange: 'ecdhe', cipherSuite, group, scheme };
    }
    default:
      return DtlsError.internal(`the ${info.keyExchange} key exchange of ${name} is not implemented`);
  }
}

/** A suite's authentication against our certificate's key: ECDSA suites take EC and Ed25519 keys, RSA suites RSA keys. */
function certificateFits(authentication: Authentication, key: KeyAlgorithm): boolean {
  if (authentication === 'ecdsa') return key === 'P-256' || key === 'P-384' || key === 'Ed25519';
  if (authentication === 'rsa') return key === 'RSA';
  return false;
}

/** RFC 7301 §3.2: our first preference the client offers; none in common is no_application_protocol. */
function chooseAlpn(ch: ClientHello, ctx: HandshakeContext): string | undefined {
  const offered = findExtension(ch.extensions, 'application_layer_protocol_negotiation');
  if (offered === undefined || ctx.config.alpn.length === 0) return undefined;
  const names = offered.protocolNameList.map((p) => new TextDecoder().decode(p));
  const chosen = ctx.config.alpn.find((p) => names.includes(p));
  if (chosen === undefined) {
    throw DtlsError.incompatible(AlertDescription.no_application_protocol, `the client offers ALPN ${names.join(', ')}; we support ${ctx.config.alpn.join(', ')}`);
  }
  return chosen;
}

/** Only answers to what the client offered (RFC 5246 §7.4.1.4). */
function serverExtensions(ch: ClientHello, ctx: HandshakeContext): Extension[] {
  const out: Extension[] = [{ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) }];
  if (ctx.extendedMasterSecret) out.push({ kind: 'extended_master_secret' });
  if (findExtension(ch.extensions, 'ec_point_formats') !== undefined) out.push({ kind: 'ec_point_formats', ecPointFormatList: [0] });
  if (ctx.alpn !== undefined) out.push({ kind: 'application_layer_protocol_negotiation', protocolNameList: [utf8.encode(ctx.alpn)] });
  // RFC 6066 §3: no server_name in the ServerHello of a resumption.
  if (ctx.serverName !== undefined && ctx.resumption.resumed === undefined) out.push({ kind: 'server_name', form: 'empty' });
  // RFC 5077 §3.2: an empty session_ticket promises a NewSessionTicket.
  if (ctx.resumption.ticketPromised) out.push({ kind: 'session_ticket', ticket: new Uint8Array(0) });
  out.push(...srtpAnswer(ctx.srtp), ...connectionIdAnswer(ctx.connectionIds));
  return out;
}

/** RFC 5246 §7.4.6: the client's Certificate, possibly empty. */
function expectClientCertificate(share: KeyShare): HandshakeState {
  return expecting('ExpectClientCertificate', [T.certificate], (m, ctx) => {
    const cert = receive(ctx, m, 'Certificate', readCertificate);
    if (cert.certificateList.length === 0) {
      if (ctx.config.clientAuth === 'required') {
        throw DtlsError.misbehaved(AlertDescription.handshake_failure, 'a client certificate is required and the client sent none (RFC 5246 §7.4.6)');
      }
      return expectClientKeyExchange(share, undefined);
    }
    let leaf;
    try {
      leaf = parseCertificate(cert.certificateList[0]);
    } catch (e) {
      throw DtlsError.misbehaved(AlertDescription.bad_certificate, `the client's certificate does not parse: ${e instanceof Error ? e.message : String(e)}`);
    }
    checkClientCertificateType(ctx.config, leaf.publicKey);
    ctx.peerChain = cert.certificateList;
    const verdict = ctx.config.verifyPeer?.(cert.certificateList);
    if (verdict !== undefined && !verdict.ok) throw DtlsError.misbehaved(verdict.alert, verdict.reason);
    ctx.peerVerified = verdict !== undefined;
    return expectClientKeyExchange(share, leaf.publicKey);
  });
}

/** RFC 8422 §5.7 */
function expectClientKeyExchange(share: KeyShare, clientKey: PublicKey | undefined): HandshakeState {
  return expecting('ExpectClientKeyExchange', [T.client_key_exchange], (m, ctx) => {
    const cke = receive(ctx, m, 'ClientKeyExchange', (r) => readClientKeyExchange(r, 'ecdhe'));
    ctx.deriveKeys(sharedSecret(share, cke.ecdhYc));
    if (clientKey !== undefined) return expectCertificateVerify(clientKey);
    return expectingChangeCipherSpec('ExpectChangeCipherSpec', () => expectFinished());
  });
}

/** RFC 4279 §2: the client names its PSK; other_secret is zeros. */
function expectPskClientKeyExchange(): HandshakeState {
  return expecting('ExpectClientKeyExchange', [T.client_key_exchange], (m, ctx) => {
    const cke = receive(ctx, m, 'ClientKeyExchange', (r) => readClientKeyExchange(r, 'psk'));
    const key = lookUpPsk(ctx, cke.pskIdentity);
    ctx.deriveKeys(plainPskPremasterSecret(key));
    return expectingChangeCipherSpec('ExpectChangeCipherSpec', () => expectFinished());
  });
}

/** RFC 5489 §2: the client names its PSK and sends its ECDH share; other_secret is Z. */
function expectEcdhePskClientKeyExchange(share: KeyShare): HandshakeState {
  return expecting('ExpectClientKeyExchange', [T.client_key_exchange], (m, ctx) => {
    const cke = receive(ctx, m, 'ClientKeyExchange', (r) => readClientKeyExchange(r, 'ecdhe_psk'));
    const key = lookUpPsk(ctx, cke.pskIdentity);
    ctx.deriveKeys(pskPremasterSecret(sharedSecret(share, cke.ecdhYc), key));
    return expectingChangeCipherSpec('ExpectChangeCipherSpec', () => expectFinished());
  });
}

/** RFC 5246 §7.4.8: the client's signature over every handshake message before this one. */
function expectCertificateVerify(clientKey: PublicKey): HandshakeState {
  return expecting('ExpectCertificateVerify', [T.certificate_verify], (m, ctx) => {
    const cv = decode(m.body, 'CertificateVerify', readCertificateVerify);
    checkSignature(cv.algorithm, ctx.config.signatureSchemes, clientKey, ctx.transcript.bytes(), cv.signature, 'CertificateVerify');
    ctx.transcript.add(m.msgType, m.messageSeq, m.body);
    return expectingChangeCipherSpec('ExpectChangeCipherSpec', () => expectFinished());
  });
}

/** RFC 5246 §7.4.9: check the client's Finished, then flight 6. */
function expectFinished(): HandshakeState {
  return expecting('ExpectFinished', [T.finished], (m, ctx) => {
    const fin = decode(m.body, 'Finished', readFinished);
    ctx.checkFinished('client', fin.verifyData);
    ctx.transcript.add(m.msgType, m.messageSeq, m.body);
    issueTicket(ctx);
    ctx.emitChangeCipherSpec();
    const verifyData = ctx.finishedData('server');
    ctx.emit(T.finished, (w) => writeFinished(w, { verifyData }));
    ctx.endFlight({ final: true, retransmittable: true });
    rememberSession(ctx);
    ctx.actions.push({ kind: 'complete' });
    return established('server');
  });
}
