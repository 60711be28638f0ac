/**
 * The DTLS 1.3 handshake messages that carry extensions and differ from their DTLS 1.2 namesakes
 * (RFC 9147 §5 takes them from RFC 8446 unchanged): EncryptedExtensions, Certificate,
 * CertificateRequest, NewSessionTicket. The DTLS 1.2 forms are in `messages12.ts`; these carry a
 * `13` suffix (`readCertificate13`). Each reader reads the handshake body.
 */
import { type Extension, readExtensions, writeExtensions } from './extensions.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

// ---------------------------------------------------------------------------------------------
// EncryptedExtensions

export interface EncryptedExtensions {
  /** Extension extensions<0..2^16-1>. */
  extensions: Extension[];
}

/** RFC 8446 §4.3.1 */
export function readEncryptedExtensions(r: Reader): EncryptedExtensions {
  return r.struct('EncryptedExtensions', 'RFC 8446 §4.3.1', (s) => ({
    extensions: readExtensions(s, 'encrypted_extensions'),
  }));
}

export function writeEncryptedExtensions(w: Writer, m: EncryptedExtensions): void {
  writeExtensions(w, m.extensions);
}

// ---------------------------------------------------------------------------------------------
// Certificate

export interface CertificateEntry13 {
  /**
   * opaque cert_data<1..2^24-1>: DER X.509, or ASN1_subjectPublicKeyInfo for RawPublicKey (the
   * same bytes on the wire), kept opaque.
   */
  certData: Uint8Array;
  /** Extension extensions<0..2^16-1> (status_request, signed_certificate_timestamp, ...: kept raw). */
  extensions: Extension[];
}

export interface Certificate13 {
  /** opaque certificate_request_context<0..2^8-1>: empty in the server's Certificate. */
  certificateRequestContext: Uint8Array;
  /** CertificateEntry certificate_list<0..2^24-1>, sender's certificate first. */
  certificateList: CertificateEntry13[];
}

/** RFC 8446 §4.4.2 */
export function readCertificate13(r: Reader): Certificate13 {
  return r.struct('Certificate', 'RFC 8446 §4.4.2', (s) => {
    const certificateRequestContext = s.opaque(1, 'certificate_request_context');
    const certificateList = s.list(3, 'certificate_list', (e) => {
      const certData = e.opaque(3, 'cert_data', 1);
      const extensions = readExtensions(e, 'certificate');
      return { certData, extensions };
    });
    return { certificateRequestContext, certificateList };
  });
}

export function writeCertificate13(w: Writer, m: Certificate13): void {
  w.opaque(1, m.certificateRequestContext);
  w.list(3, m.certificateList, (x, entry) => {
    x.opaque(3, entry.certData);
    writeExtensions(x, entry.extensions);
  });
}

// ---------------------------------------------------------------------------------------------
// CertificateRequest

export interface CertificateRequest13 {
  /** opaque certificate_request_context<0..2^8-1>. */
  certificateRequestContext: Uint8Array;
  /** Extension extensions<2..2^16-1>. */
  extensions: Extension[];
}

/** RFC 8446 §4.3.2 */
export function readCertificateRequest13(r: Reader): CertificateRequest13 {
  return r.struct('CertificateRequest', 'RFC 8446 §4.3.2', (s) => {
    const certificateRequestContext = s.opaque(1, 'certificate_request_context');
    const extensions = readExtensions(s, 'certificate_request', 2);
    return { certificateRequestContext, extensions };
  });
}

export function writeCertificateRequest13(w: Writer, m: CertificateRequest13): void {
  w.opaque(1, m.certificateRequestContext);
  writeExtensions(w, m.extensions);
}

// ---------------------------------------------------------------------------------------------
// NewSessionTicket

export interface NewSessionTicket13 {
  /** uint32 ticket_lifetime, in seconds. */
  ticketLifetime: number;
  /** uint32 ticket_age_add. */
  ticketAgeAdd: number;
  /** opaque ticket_nonce<0..255>. */
  ticketNonce: Uint8Array;
  /** opaque ticket<1..2^16-1>. */
  ticket: Uint8Array;
  /** Extension extensions<0..2^16-2>. */
  extensions: Extension[];
}

/** RFC 8446 §4.6.1 */
export function readNewSessionTicket13(r: Reader): NewSessionTicket13 {
  return r.struct('NewSessionTicket', 'RFC 8446 §4.6.1', (s) => {
    const ticketLifetime = s.u32('ticket_lifetime');
    const ticketAgeAdd = s.u32('ticket_age_add');
    const ticketNonce = s.opaque(1, 'ticket_nonce');
    const ticket = s.opaque(2, 'ticket', 1);
    // The upper bound 2^16-2 is not checked: `Reader.list` has no maximum (65535 is the only excess).
    const extensions = readExtensions(s, 'new_session_ticket');
    return { ticketLifetime, ticketAgeAdd, ticketNonce, ticket, extensions };
  });
}

export function writeNewSessionTicket13(w: Writer, m: NewSessionTicket13): void {
  w.u32(m.ticketLifetime).u32(m.ticketAgeAdd).opaque(1, m.ticketNonce).opaque(2, m.ticket);
  writeExtensions(w, m.extensions);
}
