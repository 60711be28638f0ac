/**
 * RFC 5764, DTLS-SRTP: the use_srtp extension and the SRTP keying material exporter, the
 * statements test titles name. Summaries are ours (catalogue.test.ts forbids copied runs); the
 * RFC's words are quoted above each entry.
 */
import type { Requirement } from './requirement.ts';

export const RFC5764_REQUIREMENTS: readonly Requirement[] = [
  // RFC 5764 §4.1.1 (under §4.1 The use_srtp Extension)
  // "If the server is willing to accept the use_srtp extension, it MUST respond with its own
  // "use_srtp" extension in the ExtendedServerHello. The extension_data field MUST contain a
  // UseSRTPData value with a single SRTPProtectionProfile value that the server has chosen for use
  // with this connection. The server MUST NOT select a value that the client has not offered."
  { id: 'RFC5764-4.1-select', source: 'RFC5764', section: '4.1', level: 'MUST',
    summary: 'A server accepting DTLS-SRTP names exactly one protection profile in its answer, taken from the client\'s list, and a client refuses any other answer.' },
  // "If there is no shared profile, the server SHOULD NOT return the use_srtp extension at which
  // point the connection falls back to the negotiated DTLS cipher suite."
  { id: 'RFC5764-4.1-no-common', source: 'RFC5764', section: '4.1', level: 'SHOULD NOT',
    summary: 'When the two profile lists do not meet, the server omits use_srtp and the handshake continues as plain DTLS.' },
  // RFC 5764 §4.1.3
  // "Upon receipt of a "use_srtp" extension containing a "srtp_mki" field, the server MUST either
  // (assuming it accepts the extension at all): 1. include a matching "srtp_mki" value in its
  // "use_srtp" extension to indicate that it will make use of the MKI, or 2. return an empty
  // "srtp_mki" value to indicate that it cannot make use of the MKI. If the client detects a
  // nonzero-length MKI in the server's response that is different than the one the client offered,
  // then the client MUST abort the handshake and SHOULD send an invalid_parameter alert."
  { id: 'RFC5764-4.1-mki', source: 'RFC5764', section: '4.1', level: 'MUST',
    summary: 'The server repeats the client\'s MKI to use it or sends an empty one to decline, and a client seeing any other non-empty MKI ends the handshake with illegal_parameter.' },
  // RFC 5764 §4.2 Key Derivation
  // "These keys are generated using a TLS exporter [RFC5705] to generate
  // 2 * (SRTPSecurityParams.master_key_len + SRTPSecurityParams.master_salt_len) bytes of data
  // which are assigned as shown below. The per-association context value is empty. [...] The
  // exporter label for this usage is "EXTRACTOR-dtls_srtp"."
  { id: 'RFC5764-4.2-keys', source: 'RFC5764', section: '4.2', level: 'documented',
    summary: 'The SRTP masters come from the RFC 5705 exporter under the EXTRACTOR-dtls_srtp label with no context, twice key plus salt bytes, cut into the client key, the server key, the client salt and the server salt.' },
];
