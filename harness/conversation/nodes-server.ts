/**
 * Nodes for conversations in which the harness is the server and the implementation under test the
 * client: the ClientHello expectations, HelloVerifyRequest, the server's flight 4 (ServerHello,
 * Certificate, ServerKeyExchange, ServerHelloDone), the client's key exchange, and HelloRequest.
 */
import { computeSharedSecret, generateKeyShare, isEcdheGroup } from '../../reference/crypto/ecdh.ts';
import { plainPskPremasterSecret, pskPremasterSecret } from '../../reference/handshake/dtls12/psk.ts';
import { chooseScheme, signedParamsInput, signParams } from '../../reference/handshake/dtls12/key-exchange.ts';
import { ContentType, ECCurveType, HandshakeType, NamedGroup } from '../../reference/wire/enums.ts';
import { type Extension, extensionTypeOf } from '../../reference/wire/extensions.ts';
import { readClientHello, type ServerHello, writeServerHello } from '../../reference/wire/hello.ts';
import { writeServerKeyExchange } from '../../reference/wire/key-exchange.ts';
import { writeCertificate, writeHelloVerifyRequest } from '../../reference/wire/messages12.ts';
import { decode } from '../../reference/wire/reader.ts';
import { keyExchangeOf } from '../../reference/wire/suites.ts';
import { encode } from '../../reference/wire/writer.ts';
import type { Incoming } from './incoming.ts';
import { pskOf, readClientKeyExchangeOf, setMasterSecret } from './nodes-client.ts';
import { ExpectHandshake } from './nodes-common.ts';
import { DTLS12, type Peer } from './peer.ts';
import { Expect, Generator, ProbeFailure } from './tree.ts';

const hexOf = (n: number): string => n.toString(16).padStart(4, '0');
const EMS = 23;
const RENEGOTIATION_INFO = 0xff01;
const ALPN = 16;

export class ExpectClientHello extends ExpectHandshake {
  readonly name = 'ExpectClientHello';
  readonly msgType = HandshakeType.client_hello;
  constructor(private readonly o: { cookie?: 'absent' | 'echoed' | 'any'; version?: number } = {}) {
    super();
  }
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    const ch = decode(body, 'ClientHello', readClientHello);
    if (this.o.version !== undefined && ch.legacyVersion !== this.o.version) {
      throw new ProbeFailure(`ClientHello.client_version is ${hexOf(ch.legacyVersion)}, expected ${hexOf(this.o.version)}`);
    }
    const cookieRule = this.o.cookie ?? 'any';
    if (cookieRule === 'absent' && ch.cookie.length > 0) throw new ProbeFailure('the first ClientHello carries a cookie');
    if (cookieRule === 'echoed' && Buffer.compare(Buffer.from(ch.cookie), Buffer.from(peer.cookie)) !== 0) {
      throw new ProbeFailure(`the ClientHello's cookie ${Buffer.from(ch.cookie).toString('hex') || '(empty)'} is not the one sent, ${Buffer.from(peer.cookie).toString('hex')}`);
    }
    if (cookieRule === 'echoed' && peer.clientRandom !== undefined && Buffer.compare(Buffer.from(ch.random), Buffer.from(peer.clientRandom)) !== 0) {
      throw new ProbeFailure('the ClientHello after HelloVerifyRequest has a new random (RFC 6347 §4.2.1 asks for the same parameters)');
    }
    peer.clientHello = ch;
    peer.clientRandom = ch.random;
    peer.transcript.add(HandshakeType.client_hello, messageSeq, body);
    peer.lastClientHelloRecordSeq = m?.kind === 'handshake' ? m.recordSeq : 0;
  }
}

/** RFC 6347 §4.2.1: the cookie exchange; the transcript starts over with the next ClientHello. */
export class HelloVerifyRequestGenerator extends Generator {
  readonly name = 'HelloVerifyRequestGenerator';
  constructor(private readonly o: { cookie?: Uint8Array; version?: number } = {}) {
    super();
  }
  generate(peer: Peer): void {
    const cookie = this.o.cookie ?? peer.random(20);
    peer.cookie = cookie;
    const body = encode((w) => writeHelloVerifyRequest(w, { serverVersion: this.o.version ?? 0xfeff, cookie }));
    peer.queueHandshake(HandshakeType.hello_verify_request, body, { transcript: false });
    // RFC 6347 §4.2.1: the record sequence number of the ClientHello is mirrored
    const last = peer.outbox[peer.outbox.length - 1]!;
    peer.outbox[peer.outbox.length - 1] = { ...last, record: { ...last.record, sequenceNumber: peer.lastClientHelloRecordSeq } };
    peer.transcript.restart();
  }
}

/** Suites the harness can run as a server: AEAD with ECDHE_ECDSA, PSK or ECDHE_PSK. */
function pickSuite(peer: Peer, wanted: number | undefined): number {
  const offered = peer.clientHello?.cipherSuites ?? [];
  const want = wanted ?? peer.ctx.suite;
  if (offered.includes(want)) return want;
  throw new ProbeFailure(`the client did not offer suite ${hexOf(want)} (it offered ${offered.map(hexOf).join(', ')})`);
}

export class ServerHelloGenerator extends Generator {
  readonly name = 'ServerHelloGenerator';
  constructor(
    private readonly o: {
      suite?: number;
      version?: number;
      /** Replaces the extensions the harness would answer with. */
      extensions?: readonly Extension[];
      extraExtensions?: readonly Extension[];
      /** Leave extended_master_secret out even when offered. */
      noExtendedMasterSecret?: boolean;
      compression?: number;
    } = {},
  ) {
    super();
  }
  generate(peer: Peer): void {
    const suite = this.o.suite ?? pickSuite(peer, undefined);
    const offered = peer.clientHello?.extensions ?? [];
    const offeredTypes = new Set(offered.map(extensionTypeOf));
    const ext: Extension[] = [];
    if (offeredTypes.has(RENEGOTIATION_INFO) || (peer.clientHello?.cipherSuites ?? []).includes(0x00ff)) {
      ext.push({ kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) });
    }
    if (offeredTypes.has(EMS) && this.o.noExtendedMasterSecret !== true) ext.push({ kind: 'extended_master_secret' });
    if (offeredTypes.has(11) && (keyExchangeOf(suite) === 'ecdhe' || keyExchangeOf(suite) === 'ecdhe_psk')) ext.push({ kind: 'ec_point_formats', ecPointFormatList: [0] });
    if (offeredTypes.has(ALPN) && peer.ctx.alpn !== undefined && peer.ctx.alpn.length > 0) {
      ext.push({ kind: 'application_layer_protocol_negotiation', protocolNameList: [new TextEncoder().encode(peer.ctx.alpn[0])] });
    }
    const extensions = [...(this.o.extensions ?? ext), ...(this.o.extraExtensions ?? [])];
    const sh: ServerHello = {
      legacyVersion: this.o.version ?? DTLS12,
      random: peer.random(32),
      sessionId: peer.random(32),
      cipherSuite: suite,
      compressionMethod: this.o.compression ?? 0,
      extensions: extensions.length === 0 ? undefined : extensions,
    };
    peer.serverHello = sh;
    peer.serverRandom = sh.random;
    peer.cipherSuite = suite;
    peer.extendedMasterSecret = offeredTypes.has(EMS) && extensions.some((e) => extensionTypeOf(e) === EMS);
    peer.queueHandshake(HandshakeType.server_hello, encode((w) => writeServerHello(w, sh)));
  }
}

export class CertificateGenerator extends Generator {
  readonly name = 'CertificateGenerator';
  generate(peer: Peer): void {
    if (peer.certificate === undefined) throw new Error('the harness has no certificate for the server role');
    peer.queueHandshake(HandshakeType.certificate, encode((w) => writeCertificate(w, { certificateList: [...peer.certificate!.chain] })));
  }
}

export class ServerKeyExchangeGenerator extends Generator {
  readonly name = 'ServerKeyExchangeGenerator';
  constructor(private readonly o: { corruptSignature?: boolean; group?: number; hint?: Uint8Array } = {}) {
    super();
  }
  generate(peer: Peer): void {
    const kx = keyExchangeOf(peer.cipherSuite ?? 0);
    if (kx === 'psk') {
      peer.queueHandshake(HandshakeType.server_key_exchange, encode((w) => writeServerKeyExchange(w, { keyExchange: 'psk', pskIdentityHint: this.o.hint ?? new Uint8Array(0) })));
      return;
    }
    const groups = (peer.clientHello?.extensions ?? []).flatMap((e) => (e.kind === 'supported_groups' ? e.namedGroupList : []));
    const group = this.o.group ?? [NamedGroup.secp256r1, NamedGroup.x25519, NamedGroup.secp384r1].find((g) => groups.length === 0 || groups.includes(g)) ?? NamedGroup.secp256r1;
    if (!isEcdheGroup(group)) throw new Error(`group ${group} is not an ECDHE group`);
    const share = generateKeyShare(group, peer.random);
    peer.keyShare = share;
    const params = { curveType: ECCurveType.named_curve, namedCurve: group, public: share.publicKey };
    if (kx === 'ecdhe_psk') {
      peer.queueHandshake(HandshakeType.server_key_exchange, encode((w) => writeServerKeyExchange(w, { keyExchange: 'ecdhe_psk', pskIdentityHint: this.o.hint ?? new Uint8Array(0), params })));
      return;
    }
    if (peer.certificate === undefined) throw new Error('the harness has no certificate for the server role');
    const theirs = (peer.clientHello?.extensions ?? []).flatMap((e) => (e.kind === 'signature_algorithms' ? e.supportedSignatureAlgorithms : []));
    const key = peer.certificate.privateKey;
    const scheme = chooseScheme(key, [0x0403, 0x0503, 0x0807, 0x0804, 0x0401], theirs.length === 0 ? undefined : theirs);
    if (scheme === undefined) throw new ProbeFailure('the client offers no signature scheme the harness key can make');
    let signature = signParams(scheme, key, signedParamsInput(peer.clientRandom!, peer.serverRandom!, params));
    if (this.o.corruptSignature === true) signature = signature.map((b, i) => (i === signature.length - 1 ? b ^ 1 : b));
    peer.queueHandshake(
      HandshakeType.server_key_exchange,
      encode((w) => writeServerKeyExchange(w, { keyExchange: 'ecdhe', params, signedParams: { algorithm: scheme, signature } })),
    );
  }
}

export class ServerHelloDoneGenerator extends Generator {
  readonly name = 'ServerHelloDoneGenerator';
  generate(peer: Peer): void {
    peer.queueHandshake(HandshakeType.server_hello_done, new Uint8Array(0));
  }
}

/** RFC 5246 §7.4.1.1: a HelloRequest (not part of the transcript), at the current epoch. */
export class HelloRequestGenerator extends Generator {
  readonly name = 'HelloRequestGenerator';
  generate(peer: Peer): void {
    peer.queueHandshake(HandshakeType.hello_request, new Uint8Array(0), { transcript: false });
  }
}

export class ExpectClientKeyExchange extends ExpectHandshake {
  readonly name = 'ExpectClientKeyExchange';
  readonly msgType = HandshakeType.client_key_exchange;
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    const cke = readClientKeyExchangeOf(peer, body);
    peer.transcript.add(HandshakeType.client_key_exchange, messageSeq, body);
    let premaster: Uint8Array;
    switch (cke.keyExchange) {
      case 'ecdhe':
        premaster = computeSharedSecret(peer.keyShare!.group, peer.keyShare!.privateKey, cke.ecdhYc);
        break;
      case 'ecdhe_psk':
        premaster = pskPremasterSecret(computeSharedSecret(peer.keyShare!.group, peer.keyShare!.privateKey, cke.ecdhYc), pskOf(peer).key);
        break;
      case 'psk': {
        const psk = pskOf(peer);
        if (Buffer.compare(Buffer.from(cke.pskIdentity), Buffer.from(psk.identity)) !== 0) {
          throw new ProbeFailure(`the client's psk_identity is ${JSON.stringify(Buffer.from(cke.pskIdentity).toString('latin1'))}, not the one configured`);
        }
        premaster = plainPskPremasterSecret(psk.key);
        break;
      }
      default:
        throw new ProbeFailure(`a ${cke.keyExchange} ClientKeyExchange, which the harness does not run`);
    }
    setMasterSecret(peer, premaster);
  }
}

/** Whether the record is a ChangeCipherSpec (used by probes that forge record types). */
export const CCS = ContentType.change_cipher_spec;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * RFC 6347 §4.2.1: the ClientHello that answers a HelloVerifyRequest carries the cookie just sent
 * and the same version, random, session_id, cipher_suites and compression methods as the
 * ClientHello before it; `messageSeq` pins its message_seq (§4.2.2: the next one, 1 after the first
 * exchange). The transcript goes on from it, as with ExpectClientHello.
 */
export class ExpectClientHelloWithCookie extends ExpectHandshake {
  readonly name = 'ExpectClientHelloWithCookie';
  readonly msgType = HandshakeType.client_hello;
  constructor(private readonly o: { messageSeq?: number } = {}) {
    super();
  }
  override describe(): string {
    return this.o.messageSeq === undefined ? this.name : `${this.name}(message_seq ${this.o.messageSeq})`;
  }
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    const before = peer.clientHello;
    if (before === undefined) throw new Error('ExpectClientHelloWithCookie: no earlier ClientHello to compare with');
    const ch = decode(body, 'ClientHello', readClientHello);
    const wrong: string[] = [];
    if (!sameBytes(ch.cookie, peer.cookie)) {
      wrong.push(`its cookie is ${Buffer.from(ch.cookie).toString('hex') || '(empty)'}, not the ${peer.cookie.length}-byte cookie sent`);
    }
    if (this.o.messageSeq !== undefined && messageSeq !== this.o.messageSeq) wrong.push(`its message_seq is ${messageSeq}, not ${this.o.messageSeq}`);
    if (ch.legacyVersion !== before.legacyVersion) wrong.push(`client_version changed from ${hexOf(before.legacyVersion)} to ${hexOf(ch.legacyVersion)}`);
    if (!sameBytes(ch.random, before.random)) wrong.push('random changed');
    if (!sameBytes(ch.sessionId, before.sessionId)) wrong.push('session_id changed');
    if (!sameList(ch.cipherSuites, before.cipherSuites)) wrong.push(`cipher_suites changed from ${before.cipherSuites.map(hexOf).join(',')} to ${ch.cipherSuites.map(hexOf).join(',')}`);
    if (!sameList(ch.compressionMethods, before.compressionMethods)) wrong.push('compression_methods changed');
    if (wrong.length > 0) throw new ProbeFailure(`the ClientHello answering HelloVerifyRequest is wrong: ${wrong.join('; ')}`);
    peer.clientHello = ch;
    peer.clientRandom = ch.random;
    peer.transcript.add(HandshakeType.client_hello, messageSeq, body);
    peer.lastClientHelloRecordSeq = m?.kind === 'handshake' ? m.recordSeq : 0;
    peer.noteTransmission(HandshakeType.client_hello, peer.wire.now());
  }
}

/**
 * A client under test starts a new handshake on the established connection (RFC 6347 §4.2.4: it
 * answers a HelloRequest with a ClientHello): a ClientHello protected under the current epoch. Its
 * message_seq starts again at 0 (§4.2.2), so the harness's reassembler records it as a repeat; it
 * matches that record too, when nothing else came.
 */
export class ExpectRehandshakeClientHello extends Expect {
  readonly name = 'ExpectRehandshakeClientHello';
  matches(m: Incoming | undefined, peer: Peer): boolean {
    if (m !== undefined) return m.kind === 'handshake' && m.msgType === HandshakeType.client_hello && m.epoch > 0;
    return peer.inbound.retransmissions.some((r) => r.msgType === HandshakeType.client_hello && r.epoch > 0);
  }
  process(): void {}
}

/**
 * A ServerHello carrying one extension the client did not offer (RFC 5246 §7.4.1.4 forbids that):
 * the first of `candidates` whose type the ClientHello lacks, so the probe holds whatever the
 * client happened to offer. Otherwise as ServerHelloGenerator.
 */
export class UnsolicitedExtensionServerHelloGenerator extends Generator {
  readonly name = 'ServerHelloGenerator';
  constructor(private readonly candidates: readonly Extension[]) {
    super();
  }
  override describe(): string {
    return `ServerHelloGenerator(unsolicited: first of ${this.candidates.map((e) => extensionTypeOf(e)).join(', ')} not offered)`;
  }
  generate(peer: Peer): void {
    const offered = new Set((peer.clientHello?.extensions ?? []).map(extensionTypeOf));
    const pick = this.candidates.find((e) => !offered.has(extensionTypeOf(e)));
    if (pick === undefined) throw new Error('the client offered every candidate extension: give the probe another');
    peer.log(`  unsolicited extension type ${extensionTypeOf(pick)}`);
    new ServerHelloGenerator({ extraExtensions: [pick] }).generate(peer);
  }
}
