/**
 * The DTLS 1.2 handshake messages that carry no extensions (RFC 6347 §4.2 and §4.3.2; DTLS 1.2
 * inherits TLS 1.2's messages, RFC 5246 §7.4), and the small bodies DTLS 1.3 shares or adds
 * without extensions: CertificateVerify, KeyUpdate, EndOfEarlyData. ServerKeyExchange and
 * ClientKeyExchange, whose layout depends on the cipher suite, are in `key-exchange.ts`.
 *
 * Each reader reads a handshake BODY (the bytes after the 12-byte handshake header of
 * `handshake-header.ts`) and leaves the check for trailing bytes to the bounded reader it is given.
 */
import { ClientCertificateType, KeyUpdateRequest, ProtocolVersion, SignatureScheme } from './enums.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** A message whose body is empty on the wire. */
export type EmptyMessage = Record<string, never>;

// ---------------------------------------------------------------------------------------------
// HelloRequest, ServerHelloDone, EndOfEarlyData: `struct { }`.

export type HelloRequest = EmptyMessage;

/** RFC 5246 §7.4.1.1 */
export function readHelloRequest(r: Reader): HelloRequest {
  return r.struct('HelloRequest', 'RFC 5246 §7.4.1.1', () => ({}));
}

export function writeHelloRequest(_w: Writer, _m: HelloRequest): void {}

export type ServerHelloDone = EmptyMessage;

/** RFC 5246 §7.4.5 */
export function readServerHelloDone(r: Reader): ServerHelloDone {
  return r.struct('ServerHelloDone', 'RFC 5246 §7.4.5', () => ({}));
}

export function writeServerHelloDone(_w: Writer, _m: ServerHelloDone): void {}

/**
 * TLS 1.3's EndOfEarlyData. DTLS 1.3 omits it from the wire and the transcript (RFC 9147 §5.6);
 * the codec exists so probes can forge it and dissectors can name it.
 */
export type EndOfEarlyData = EmptyMessage;

/** RFC 8446 §4.5 */
export function readEndOfEarlyData(r: Reader): EndOfEarlyData {
  return r.struct('EndOfEarlyData', 'RFC 8446 §4.5', () => ({}));
}

export function writeEndOfEarlyData(_w: Writer, _m: EndOfEarlyData): void {}

// ---------------------------------------------------------------------------------------------
// HelloVerifyRequest

export interface HelloVerifyRequest {
  /** ProtocolVersion; RFC 6347 §4.2.1 has servers send DTLS 1.0 (0xfeff) here whatever they negotiate. */
  serverVersion: number;
  /** opaque cookie<0..2^8-1>. */
  cookie: Uint8Array;
}

/** RFC 6347 §4.2.1 */
export function readHelloVerifyRequest(r: Reader): HelloVerifyRequest {
  return r.struct('HelloVerifyRequest', 'RFC 6347 §4.2.1', (s) => {
    const serverVersion = s.u16('server_version', ProtocolVersion);
    const cookie = s.opaque(1, 'cookie');
    return { serverVersion, cookie };
  });
}

export function writeHelloVerifyRequest(w: Writer, m: HelloVerifyRequest): void {
  w.u16(m.serverVersion).opaque(1, m.cookie);
}

// ---------------------------------------------------------------------------------------------
// Certificate (the TLS 1.2 form: no certificate_request_context, no per-entry extensions)

export interface Certificate {
  /** ASN.1Cert certificate_list<0..2^24-1>, each opaque<1..2^24-1> DER, sender's certificate first. */
  certificateList: Uint8Array[];
}

/** RFC 5246 §7.4.2 (client side: §7.4.6, the same struct) */
export function readCertificate(r: Reader): Certificate {
  return r.struct('Certificate', 'RFC 5246 §7.4.2', (s) => ({
    certificateList: s.list(3, 'certificate_list', (e) => e.opaque(3, '', 1)),
  }));
}

export function writeCertificate(w: Writer, m: Certificate): void {
  w.list(3, m.certificateList, (e, cert) => e.opaque(3, cert));
}

// ---------------------------------------------------------------------------------------------
// CertificateRequest (the TLS 1.2 form)

export interface CertificateRequest {
  /** ClientCertificateType certificate_types<1..2^8-1> (open enum). */
  certificateTypes: number[];
  /** SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>, read as SignatureScheme. */
  supportedSignatureAlgorithms: number[];
  /** DistinguishedName certificate_authorities<0..2^16-1>: raw DER, each opaque<1..2^16-1>. */
  certificateAuthorities: Uint8Array[];
}

/** RFC 5246 §7.4.4 (and RFC 8422 §5.5 for the ECDSA certificate types) */
export function readCertificateRequest(r: Reader): CertificateRequest {
  return r.struct('CertificateRequest', 'RFC 5246 §7.4.4', (s) => {
    const certificateTypes = s.list(1, 'certificate_types', (e) => e.u8('', ClientCertificateType), 1);
    const supportedSignatureAlgorithms = s.list(
      2,
      'supported_signature_algorithms',
      (e) => e.u16('', SignatureScheme),
      2,
    );
    const certificateAuthorities = s.list(2, 'certificate_authorities', (e) => e.opaque(2, '', 1));
    return { certificateTypes, supportedSignatureAlgorithms, certificateAuthorities };
  });
}

export function writeCertificateRequest(w: Writer, m: CertificateRequest): void {
  w.list(1, m.certificateTypes, (e, t) => e.u8(t));
  w.list(2, m.supportedSignatureAlgorithms, (e, a) => e.u16(a));
  w.list(2, m.certificateAuthorities, (e, dn) => e.opaque(2, dn));
}

// ---------------------------------------------------------------------------------------------
// digitally-signed and CertificateVerify

/**
 * The TLS 1.2 `digitally-signed` element (RFC 5246 §4.7): a SignatureAndHashAlgorithm, read as one
 * u16 SignatureScheme (RFC 8446 §4.2.3 keeps the TLS 1.2 code points), then the signature.
 */
export interface DigitallySigned {
  /** SignatureScheme (open enum). */
  algorithm: number;
  /** opaque signature<0..2^16-1>. */
  signature: Uint8Array;
}

/** The fields of a digitally-signed element, read inside whatever structure holds them. RFC 5246 §4.7 */
export function readDigitallySignedFields(r: Reader): DigitallySigned {
  const algorithm = r.u16('algorithm', SignatureScheme);
  const signature = r.opaque(2, 'signature');
  return { algorithm, signature };
}

export function writeDigitallySigned(w: Writer, m: DigitallySigned): void {
  w.u16(m.algorithm).opaque(2, m.signature);
}

/**
 * CertificateVerify. The same bytes serve DTLS 1.2 (RFC 5246 §7.4.8: a digitally-signed struct)
 * and DTLS 1.3 (RFC 8446 §4.4.3: SignatureScheme algorithm; opaque signature<0..2^16-1>), so this
 * one codec is exported for both; only what is signed differs, and that is not on the wire.
 */
export type CertificateVerify = DigitallySigned;

/** RFC 5246 §7.4.8, RFC 8446 §4.4.3 */
export function readCertificateVerify(r: Reader): CertificateVerify {
  return r.struct('CertificateVerify', 'RFC 5246 §7.4.8', readDigitallySignedFields);
}

export function writeCertificateVerify(w: Writer, m: CertificateVerify): void {
  writeDigitallySigned(w, m);
}

// ---------------------------------------------------------------------------------------------
// Finished

export interface Finished {
  /**
   * All of the body. Its length is not on the wire: verify_data_length is 12 in DTLS 1.2 for every
   * suite here (RFC 5246 §7.4.9) and the hash length in DTLS 1.3 (RFC 8446 §4.4.4). The codec
   * accepts any length; checking it is the handshake's job.
   */
  verifyData: Uint8Array;
}

/** RFC 5246 §7.4.9, RFC 8446 §4.4.4 */
export function readFinished(r: Reader): Finished {
  return r.struct('Finished', 'RFC 5246 §7.4.9', (s) => ({ verifyData: s.rest('verify_data') }));
}

export function writeFinished(w: Writer, m: Finished): void {
  w.bytes(m.verifyData);
}

// ---------------------------------------------------------------------------------------------
// NewSessionTicket (the RFC 5077 form that DTLS 1.2 uses; TLS 1.3's has more fields)

export interface NewSessionTicket {
  /** uint32 seconds; 0 means unspecified. */
  ticketLifetimeHint: number;
  /** opaque ticket<0..2^16-1>. */
  ticket: Uint8Array;
}

/** RFC 5077 §3.3 */
export function readNewSessionTicket(r: Reader): NewSessionTicket {
  return r.struct('NewSessionTicket', 'RFC 5077 §3.3', (s) => {
    const ticketLifetimeHint = s.u32('ticket_lifetime_hint');
    const ticket = s.opaque(2, 'ticket');
    return { ticketLifetimeHint, ticket };
  });
}

export function writeNewSessionTicket(w: Writer, m: NewSessionTicket): void {
  w.u32(m.ticketLifetimeHint).opaque(2, m.ticket);
}

// ---------------------------------------------------------------------------------------------
// KeyUpdate (DTLS 1.3: RFC 9147 §8 uses TLS 1.3's message; it is acknowledged with an ACK)

export interface KeyUpdate {
  /** KeyUpdateRequest (open enum): update_not_requested(0), update_requested(1). */
  requestUpdate: number;
}

/** RFC 8446 §4.6.3 */
export function readKeyUpdate(r: Reader): KeyUpdate {
  return r.struct('KeyUpdate', 'RFC 8446 §4.6.3', (s) => ({
    requestUpdate: s.u8('request_update', KeyUpdateRequest),
  }));
}

export function writeKeyUpdate(w: Writer, m: KeyUpdate): void {
  w.u8(m.requestUpdate);
}
