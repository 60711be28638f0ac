/**
 * Nodes for conversations in which the harness is the client and the implementation under test the
 * server: the ClientHello (with or without the cookie), what the server sends in flights 2 and 4,
 * and the client's key exchange (RFC 6347 §4.2, RFC 5246 §7.4).
 */
import { computeSharedSecret, generateKeyShare, isEcdheGroup } from '../../reference/crypto/ecdh.ts';
import { extendedMasterSecret, masterSecret } from '../../reference/crypto/prf.ts';
import { plainPskPremasterSecret, pskPremasterSecret } from '../../reference/handshake/dtls12/psk.ts';
import { ContentType, HandshakeType, NamedGroup, SignatureScheme } from '../../reference/wire/enums.ts';
import { readHandshakeFragments } from '../../reference/wire/handshake-header.ts';
import { readDatagram } from '../../reference/wire/records.ts';
import { type Extension, extensionTypeOf } from '../../reference/wire/extensions.ts';
import { type ClientHello, readServerHello, writeClientHello } from '../../reference/wire/hello.ts';
import { readClientKeyExchange, readServerKeyExchange, writeClientKeyExchange } from '../../reference/wire/key-exchange.ts';
import { readCertificate, readCertificateRequest, readHelloVerifyRequest, writeCertificate } from '../../reference/wire/messages12.ts';
import { decode } from '../../reference/wire/reader.ts';
import { keyExchangeOf } from '../../reference/wire/suites.ts';
import { encode } from '../../reference/wire/writer.ts';
import type { Incoming } from './incoming.ts';
import { ExpectHandshake } from './nodes-common.ts';
import { DTLS12, type Peer } from './peer.ts';
import { Command, Expect, Generator, ProbeFailure } from './tree.ts';

const utf8 = new TextEncoder();
const hexOf = (n: number): string => n.toString(16).padStart(4, '0');

/** The extensions a DTLS 1.2 client offers by default. */
export function defaultClientExtensions(alpn?: readonly string[]): Extension[] {
  const e: Extension[] = [
    { kind: 'supported_groups', namedGroupList: [NamedGroup.secp256r1, NamedGroup.x25519, NamedGroup.secp384r1] },
    { kind: 'ec_point_formats', ecPointFormatList: [0] },
    {
      kind: 'signature_algorithms',
      supportedSignatureAlgorithms: [
        SignatureScheme.ecdsa_secp256r1_sha256,
        SignatureScheme.ecdsa_secp384r1_sha384,
        SignatureScheme.ed25519,
        SignatureScheme.rsa_pss_rsae_sha256,
        SignatureScheme.rsa_pkcs1_sha256,
      ],
    },
    { kind: 'extended_master_secret' },
    { kind: 'renegotiation_info', renegotiatedConnection: new Uint8Array(0) },
  ];
  if (alpn !== undefined) e.push({ kind: 'application_layer_protocol_negotiation', protocolNameList: alpn.map((p) => utf8.encode(p)) });
  return e;
}

export interface ClientHelloOptions {
  /** Default: the probe's suite. */
  readonly suites?: readonly number[];
  /** Default: `defaultClientExtensions()`; undefined in the result leaves the block out. */
  readonly extensions?: readonly Extension[] | null;
  /** Extensions added to the default ones. */
  readonly extraExtensions?: readonly Extension[];
  /** Extension types left out of the default ones. */
  readonly omit?: readonly number[];
  readonly version?: number;
  /** The cookie: the one the server gave (default), or these bytes. */
  readonly cookie?: Uint8Array;
  readonly sessionId?: Uint8Array;
  readonly compression?: readonly number[];
  /** Keep the random of the previous ClientHello (RFC 6347 §4.2.1 asks for the same one). Default true when there was one. */
  readonly sameRandom?: boolean;
  readonly messageSeq?: number;
  readonly fragmentSize?: number;
  readonly fragments?: readonly { readonly offset: number; readonly length: number }[];
  readonly lengthField?: number;
  /** Record sequence number of the record. */
  readonly recordSeq?: number;
  /** Changes the encoded body (a forged length, trailing bytes). */
  readonly mapBody?: (body: Uint8Array) => Uint8Array;
}

export class ClientHelloGenerator extends Generator {
  readonly name = 'ClientHelloGenerator';
  constructor(private readonly o: ClientHelloOptions = {}) {
    super();
  }
  override describe(): string {
    const s = (this.o.suites ?? []).map(hexOf).join(',');
    return `ClientHelloGenerator(${s === '' ? 'probe suite' : s}${this.o.cookie !== undefined ? ', forged cookie' : ''})`;
  }
  generate(peer: Peer): void {
    const base = this.o.extensions === null ? undefined : [...(this.o.extensions ?? defaultClientExtensions(peer.ctx.alpn)), ...(this.o.extraExtensions ?? [])];
    const extensions = base?.filter((e) => !(this.o.omit ?? []).includes(extensionTypeOf(e)));
    const random = this.o.sameRandom !== false && peer.clientRandom !== undefined ? peer.clientRandom : peer.random(32);
    const ch: ClientHello = {
      legacyVersion: this.o.version ?? DTLS12,
      random,
      sessionId: this.o.sessionId ?? new Uint8Array(0),
      cookie: this.o.cookie ?? peer.cookie,
      cipherSuites: [...(this.o.suites ?? [peer.ctx.suite])],
      compressionMethods: [...(this.o.compression ?? [0])],
      extensions,
    };
    peer.clientHello = ch;
    peer.clientRandom = random;
    let body = encode((w) => writeClientHello(w, ch));
    if (this.o.mapBody !== undefined) body = this.o.mapBody(body);
    peer.queueHandshake(HandshakeType.client_hello, body, {
      ...(this.o.messageSeq === undefined ? {} : { messageSeq: this.o.messageSeq }),
      ...(this.o.fragmentSize === undefined ? {} : { fragmentSize: this.o.fragmentSize }),
      ...(this.o.fragments === undefined ? {} : { fragments: this.o.fragments }),
      ...(this.o.lengthField === undefined ? {} : { lengthField: this.o.lengthField }),
    });
    if (this.o.recordSeq !== undefined) {
      const last = peer.outbox[peer.outbox.length - 1]!;
      peer.outbox[peer.outbox.length - 1] = { ...last, record: { ...last.record, sequenceNumber: this.o.recordSeq } };
    }
  }
}

/** RFC 6347 §4.2.1: takes the cookie; the exchange restarts (the transcript starts over). */
export class ExpectHelloVerifyRequest extends ExpectHandshake {
  readonly name = 'ExpectHelloVerifyRequest';
  readonly msgType = HandshakeType.hello_verify_request;
  constructor(private readonly o: { version?: number | readonly number[] } = {}) {
    super();
  }
  process(m: Incoming | undefined, peer: Peer): void {
    const { body } = this.body(m);
    const hvr = decode(body, 'HelloVerifyRequest', readHelloVerifyRequest);
    const allowed = this.o.version === undefined ? undefined : [this.o.version].flat();
    if (allowed !== undefined && !allowed.includes(hvr.serverVersion)) {
      throw new ProbeFailure(`HelloVerifyRequest.server_version is ${hexOf(hvr.serverVersion)}, expected ${allowed.map(hexOf).join(' or ')}`);
    }
    if (hvr.cookie.length === 0) throw new ProbeFailure('HelloVerifyRequest carries an empty cookie');
    peer.cookie = hvr.cookie;
    peer.transcript.restart();
  }
}

export class ExpectServerHello extends ExpectHandshake {
  readonly name = 'ExpectServerHello';
  readonly msgType = HandshakeType.server_hello;
  constructor(private readonly o: { extensions?: 'offered-only' | 'any'; requireExtensions?: readonly number[]; forbidExtensions?: readonly number[] } = {}) {
    super();
  }
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    const sh = decode(body, 'ServerHello', readServerHello);
    if (sh.legacyVersion !== DTLS12) throw new ProbeFailure(`ServerHello.server_version is ${hexOf(sh.legacyVersion)}, expected fefd (DTLS 1.2)`);
    const offered = peer.clientHello?.cipherSuites ?? [];
    if (!offered.includes(sh.cipherSuite)) throw new ProbeFailure(`the server chose suite ${hexOf(sh.cipherSuite)}, which the client did not offer`);
    if (sh.compressionMethod !== 0) throw new ProbeFailure(`the server chose compression method ${sh.compressionMethod}`);
    const offeredExt = new Set((peer.clientHello?.extensions ?? []).map(extensionTypeOf));
    const got = (sh.extensions ?? []).map(extensionTypeOf);
    if ((this.o.extensions ?? 'offered-only') === 'offered-only') {
      const unsolicited = got.filter((t) => !offeredExt.has(t));
      if (unsolicited.length > 0) throw new ProbeFailure(`the ServerHello carries extensions the client did not offer: ${unsolicited.join(', ')}`);
    }
    for (const t of this.o.requireExtensions ?? []) if (!got.includes(t)) throw new ProbeFailure(`the ServerHello lacks extension ${t}`);
    for (const t of this.o.forbidExtensions ?? []) if (got.includes(t)) throw new ProbeFailure(`the ServerHello carries extension ${t}`);
    peer.serverHello = sh;
    peer.serverRandom = sh.random;
    peer.cipherSuite = sh.cipherSuite;
    peer.extendedMasterSecret = offeredExt.has(23) && got.includes(23);
    peer.transcript.add(HandshakeType.server_hello, messageSeq, body);
  }
}

export class ExpectCertificate extends ExpectHandshake {
  readonly name = 'ExpectCertificate';
  readonly msgType = HandshakeType.certificate;
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    const c = decode(body, 'Certificate', readCertificate);
    peer.peerCertificates = c.certificateList;
    peer.transcript.add(HandshakeType.certificate, messageSeq, body);
  }
}

export class ExpectServerKeyExchange extends ExpectHandshake {
  readonly name = 'ExpectServerKeyExchange';
  readonly msgType = HandshakeType.server_key_exchange;
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    const kx = keyExchangeOf(peer.cipherSuite ?? 0);
    if (kx === 'ecdhe' || kx === 'ecdhe_psk' || kx === 'psk') {
      const ske = decode(body, 'ServerKeyExchange', (r) => readServerKeyExchange(r, kx));
      if (ske.keyExchange === 'ecdhe' || ske.keyExchange === 'ecdhe_psk') peer.peerPublic = { group: ske.params.namedCurve, value: ske.params.public };
      if (ske.keyExchange === 'psk' || ske.keyExchange === 'ecdhe_psk') peer.pskIdentityHint = ske.pskIdentityHint;
    } else {
      throw new ProbeFailure(`a ServerKeyExchange for suite ${hexOf(peer.cipherSuite ?? 0)}, whose key exchange the harness does not run`);
    }
    peer.transcript.add(HandshakeType.server_key_exchange, messageSeq, body);
  }
}

export class ExpectCertificateRequest extends ExpectHandshake {
  readonly name = 'ExpectCertificateRequest';
  readonly msgType = HandshakeType.certificate_request;
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    decode(body, 'CertificateRequest', readCertificateRequest);
    peer.certificateRequested = true;
    peer.transcript.add(HandshakeType.certificate_request, messageSeq, body);
  }
}

export class ExpectServerHelloDone extends ExpectHandshake {
  readonly name = 'ExpectServerHelloDone';
  readonly msgType = HandshakeType.server_hello_done;
  process(m: Incoming | undefined, peer: Peer): void {
    const { body, messageSeq } = this.body(m);
    if (body.length !== 0) throw new ProbeFailure(`ServerHelloDone has a ${body.length}-byte body`);
    peer.transcript.add(HandshakeType.server_hello_done, messageSeq, body);
  }
}

/** An empty client Certificate (RFC 5246 §7.4.6), for servers that ask for one. */
export class ClientCertificateGenerator extends Generator {
  readonly name = 'CertificateGenerator';
  generate(peer: Peer): void {
    peer.queueHandshake(HandshakeType.certificate, encode((w) => writeCertificate(w, { certificateList: [] })));
  }
}

/** Computes the master secret from a premaster secret, after the key exchange message is in the transcript. */
export function setMasterSecret(peer: Peer, premaster: Uint8Array): void {
  const hash = peer.prfHash();
  peer.masterSecret = peer.extendedMasterSecret
    ? extendedMasterSecret(hash, premaster, peer.transcript.hash(hash))
    : masterSecret(hash, premaster, peer.clientRandom!, peer.serverRandom!);
  peer.deriveKeys();
}

export function pskOf(peer: Peer): { identity: Uint8Array; key: Uint8Array } {
  if (peer.ctx.psk === undefined) throw new Error('a PSK suite without a PSK: the probe must declare suiteKind psk');
  return peer.ctx.psk;
}

/** The client's key exchange for the negotiated suite (ECDHE, PSK, ECDHE_PSK); `ecdhYc` forges the public value. */
export class ClientKeyExchangeGenerator extends Generator {
  readonly name = 'ClientKeyExchangeGenerator';
  constructor(private readonly o: { ecdhYc?: Uint8Array; pskIdentity?: Uint8Array } = {}) {
    super();
  }
  generate(peer: Peer): void {
    const kx = keyExchangeOf(peer.cipherSuite ?? 0);
    let premaster: Uint8Array;
    let body: Uint8Array;
    if (kx === 'ecdhe' || kx === 'ecdhe_psk') {
      if (peer.peerPublic === undefined || !isEcdheGroup(peer.peerPublic.group)) throw new ProbeFailure('no usable ECDHE share from the server');
      const share = generateKeyShare(peer.peerPublic.group, peer.random);
      peer.keyShare = share;
      const shared = computeSharedSecret(share.group, share.privateKey, peer.peerPublic.value);
      const ecdhYc = this.o.ecdhYc ?? share.publicKey;
      if (kx === 'ecdhe') {
        premaster = shared;
        body = encode((w) => writeClientKeyExchange(w, { keyExchange: 'ecdhe', ecdhYc }));
      } else {
        const psk = pskOf(peer);
        premaster = pskPremasterSecret(shared, psk.key);
        body = encode((w) => writeClientKeyExchange(w, { keyExchange: 'ecdhe_psk', pskIdentity: this.o.pskIdentity ?? psk.identity, ecdhYc }));
      }
    } else if (kx === 'psk') {
      const psk = pskOf(peer);
      premaster = plainPskPremasterSecret(psk.key);
      body = encode((w) => writeClientKeyExchange(w, { keyExchange: 'psk', pskIdentity: this.o.pskIdentity ?? psk.identity }));
    } else {
      throw new ProbeFailure(`the harness does not run the key exchange of suite ${hexOf(peer.cipherSuite ?? 0)}`);
    }
    peer.queueHandshake(HandshakeType.client_key_exchange, body);
    setMasterSecret(peer, premaster);
  }
}

/** For server-role conversations that read the client's key exchange: its body. */
export function readClientKeyExchangeOf(peer: Peer, body: Uint8Array): ReturnType<typeof readClientKeyExchange> {
  const kx = keyExchangeOf(peer.cipherSuite ?? 0);
  if (kx === undefined) throw new ProbeFailure(`unknown key exchange for suite ${hexOf(peer.cipherSuite ?? 0)}`);
  return decode(body, 'ClientKeyExchange', (r) => readClientKeyExchange(r, kx));
}

/** The body of a whole HelloVerifyRequest in an epoch-0 record of the datagram, read as it came. */
function helloVerifyRequestIn(datagram: Uint8Array): Uint8Array | undefined {
  try {
    for (const r of readDatagram(datagram)) {
      if (r.format !== 'plaintext' || r.epoch !== 0 || r.type !== ContentType.handshake) continue;
      for (const f of decode(r.fragment, 'handshake fragments', readHandshakeFragments)) {
        if (f.msgType === HandshakeType.hello_verify_request && f.fragmentOffset === 0 && f.body.length === f.length) return f.body;
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * RFC 6347 §3.2.1, §4.2.1: a further HelloVerifyRequest, for a ClientHello the server answers
 * afresh (a retransmitted one, or one whose cookie does not verify). A stateless server may reuse
 * the message_seq, and even the record number, of its first one, so each datagram is also read as
 * it came: a HelloVerifyRequest in it counts whether or not the harness's reassembly takes it for a
 * new message. Any other new message fails, and so does silence. Takes the new cookie.
 */
export class ExpectHelloVerifyRequestAgain extends Command {
  readonly name = 'ExpectHelloVerifyRequestAgain';
  constructor(private readonly o: { timeoutMs?: number } = {}) {
    super();
  }
  async run(peer: Peer): Promise<void> {
    peer.flush();
    const timeout = this.o.timeoutMs ?? peer.defaultTimeoutMs;
    const deadline = peer.wire.now() + timeout;
    for (;;) {
      if (peer.inbound.pending) {
        const m = peer.inbound.next();
        if (m?.kind === 'handshake' && m.msgType === HandshakeType.hello_verify_request) return this.take(m.body, peer);
        throw new ProbeFailure(`expected another HelloVerifyRequest, got ${peer.describe(m)}`);
      }
      const left = deadline - peer.wire.now();
      const d = left > 0 ? await peer.wire.receive(left) : undefined;
      if (d === undefined) throw new ProbeFailure(`no HelloVerifyRequest within ${timeout} ms`);
      peer.wire.annotate(peer.inbound.take(d, peer.wire.arrivedAt()));
      const body = helloVerifyRequestIn(d);
      if (body === undefined) continue;
      if (peer.inbound.pending) {
        // the same HelloVerifyRequest, taken as a new message: consume it here
        const m = peer.inbound.next();
        if (!(m?.kind === 'handshake' && m.msgType === HandshakeType.hello_verify_request)) {
          throw new ProbeFailure(`expected another HelloVerifyRequest, got ${peer.describe(m)}`);
        }
      }
      return this.take(body, peer);
    }
  }
  private take(body: Uint8Array, peer: Peer): void {
    const hvr = decode(body, 'HelloVerifyRequest', readHelloVerifyRequest);
    if (hvr.cookie.length === 0) throw new ProbeFailure('HelloVerifyRequest carries an empty cookie');
    peer.log(`  HelloVerifyRequest (cookie ${Buffer.from(hvr.cookie).toString('hex')})`);
    peer.cookie = hvr.cookie;
    peer.transcript.restart();
  }
}

/**
 * Checks the ServerHello the harness took (flows.ts builds the ExpectServerHello of a handshake, so
 * a probe checks what it carried afterwards): `check` returns why it is wrong, or undefined.
 */
export class CheckServerHello extends Command {
  readonly name = 'CheckServerHello';
  constructor(
    private readonly what: string,
    private readonly check: (sh: NonNullable<Peer['serverHello']>, peer: Peer) => string | undefined,
  ) {
    super();
  }
  override describe(): string {
    return `CheckServerHello(${this.what})`;
  }
  async run(peer: Peer): Promise<void> {
    const sh = peer.serverHello;
    if (sh === undefined) throw new Error('CheckServerHello: no ServerHello yet');
    const wrong = this.check(sh, peer);
    if (wrong !== undefined) throw new ProbeFailure(`ServerHello: ${wrong}`);
  }
}

/**
 * A server under test takes up a new handshake on the established connection: a ServerHello (or a
 * HelloVerifyRequest) protected under the current epoch. Its message_seq starts again at 0 (RFC 6347
 * §4.2.2), so the harness's reassembler may record it as a repeat; it matches that record too, when
 * nothing else came. `check` sees the body of a ServerHello that came as a new message.
 */
export class ExpectRehandshakeServerHello extends Expect {
  readonly name = 'ExpectRehandshakeServerHello';
  constructor(private readonly o: { check?: (body: Uint8Array, peer: Peer) => string | undefined } = {}) {
    super();
  }
  matches(m: Incoming | undefined, peer: Peer): boolean {
    const starts = (t: number): boolean => t === HandshakeType.server_hello || t === HandshakeType.hello_verify_request;
    if (m !== undefined) return m.kind === 'handshake' && starts(m.msgType) && m.epoch > 0;
    return peer.inbound.retransmissions.some((r) => typeof r.msgType === 'number' && starts(r.msgType) && r.epoch > 0);
  }
  process(m: Incoming | undefined, peer: Peer): void {
    let body: Uint8Array | undefined;
    if (m?.kind === 'handshake') body = m.msgType === HandshakeType.server_hello ? m.body : undefined;
    else body = protectedServerHello(peer);
    if (body === undefined) {
      peer.log('  (no whole ServerHello of the new handshake to check)');
      return;
    }
    const wrong = this.o.check?.(body, peer);
    if (wrong !== undefined) throw new ProbeFailure(`the renegotiating ServerHello: ${wrong}`);
  }
}

/**
 * The body of the last whole ServerHello the implementation sent under the epoch the harness reads
 * now, read again from the datagrams received (the reassembler took it for a repeat).
 */
function protectedServerHello(peer: Peer): Uint8Array | undefined {
  const keys = peer.inbound.readKeys;
  if (keys === undefined) return undefined;
  let found: Uint8Array | undefined;
  for (const e of peer.wire.transcript) {
    if (e.dir !== 'received') continue;
    try {
      for (const r of readDatagram(Buffer.from(e.hex, 'hex'))) {
        if (r.format !== 'plaintext' || r.type !== ContentType.handshake || r.epoch === 0 || r.epoch !== peer.inbound.readEpoch) continue;
        const opened = keys.open(r, r.fragment);
        if (!opened.ok) continue;
        for (const f of decode(opened.content, 'handshake fragments', readHandshakeFragments)) {
          if (f.msgType === HandshakeType.server_hello && f.fragmentOffset === 0 && f.body.length === f.length) found = f.body;
        }
      }
    } catch {
      continue;
    }
  }
  return found;
}
