/**
 * RFC 8446, TLS 1.3, in the parts DTLS 1.3 inherits (RFC 9147 §1): the statements test titles
 * name, in section order.
 */
import type { Requirement } from './requirement.ts';

export const RFC8446_REQUIREMENTS: readonly Requirement[] = [
  // §4.1 Key Exchange Messages
  { id: 'RFC8446-4.1.3', source: 'RFC8446', section: '4.1.3', level: 'documented',
    summary: 'ServerHello carries random, the echoed session id, the chosen suite and extensions, with supported_versions naming the real version and key_share the server\'s share.' },
  { id: 'RFC8446-4.1.4', source: 'RFC8446', section: '4.1.4', level: 'documented',
    summary: 'A HelloRetryRequest is a ServerHello whose random is the fixed SHA-256 of "HelloRetryRequest", and its extensions are read under HelloRetryRequest rules.' },

  // §4.2 Extensions
  { id: 'RFC8446-4.2', source: 'RFC8446', section: '4.2', level: 'MUST',
    summary: 'Each extension belongs to the messages the extensions table lists, and a known extension found in any other message aborts the handshake with illegal_parameter.' },
  { id: 'RFC8446-4.2.3', source: 'RFC8446', section: '4.2.3', level: 'MUST',
    summary: 'A signature scheme fixes algorithm, curve and hash together, and RSA-PSS signatures use a salt as long as the digest.' },
  { id: 'RFC8446-4.2.8', source: 'RFC8446', section: '4.2.8', level: 'MUST',
    summary: 'key_share carries KeyShareEntry {group, key_exchange<1..2^16-1>} values, at most one per group, each for a group the client also lists in supported_groups.' },
  { id: 'RFC8446-4.2.8.2', source: 'RFC8446', section: '4.2.8.2', level: 'MUST',
    summary: 'NIST-curve shares are uncompressed points (0x04, X, Y at full width), and a peer checks that the point lies on the curve.' },
  { id: 'RFC8446-4.2.10', source: 'RFC8446', section: '4.2.10', level: 'documented',
    summary: 'A server accepts early data by putting an empty early_data extension in EncryptedExtensions.' },

  // §4.3 Server Parameters
  { id: 'RFC8446-4.3.1', source: 'RFC8446', section: '4.3.1', level: 'documented',
    summary: 'EncryptedExtensions, sent right after ServerHello, holds the extensions not needed to set up keys, such as supported_groups, server_name or record_size_limit.' },
  { id: 'RFC8446-4.3.2', source: 'RFC8446', section: '4.3.2', level: 'MUST',
    summary: 'A TLS 1.3 CertificateRequest is a context plus extensions, and signature_algorithms must be among them.' },

  // §4.4 Authentication Messages
  { id: 'RFC8446-4.4.2', source: 'RFC8446', section: '4.4.2', level: 'documented',
    summary: 'A TLS 1.3 Certificate is a request context and a list of CertificateEntry, each cert_data<1..2^24-1> followed by its own extensions.' },
  { id: 'RFC8446-4.4.3', source: 'RFC8446', section: '4.4.3', level: 'MUST',
    summary: 'CertificateVerify is a scheme and a signature over 64 spaces, a context string, a zero byte and the transcript hash, which the receiver verifies.' },
  { id: 'RFC8446-4.4.4', source: 'RFC8446', section: '4.4.4', level: 'MUST',
    summary: 'Finished carries an HMAC of the transcript hash under the finished key, as long as the hash output, and the receiver checks it.' },

  // §4.6 Post-Handshake Messages
  { id: 'RFC8446-4.6.1', source: 'RFC8446', section: '4.6.1', level: 'documented',
    summary: 'NewSessionTicket holds lifetime, age_add, nonce, a ticket<1..2^16-1> and extensions such as early_data with its four-byte max_early_data_size.' },
  { id: 'RFC8446-4.6.3', source: 'RFC8446', section: '4.6.3', level: 'MUST',
    summary: 'KeyUpdate is one request_update byte, and update_requested obliges the receiver to send a KeyUpdate of its own before more application data.' },

  // §7 Cryptographic Computations
  { id: 'RFC8446-7.1', source: 'RFC8446', section: '7.1', level: 'documented',
    summary: 'The key schedule runs HKDF-Extract and Derive-Secret from the early secret to the application traffic secrets, with HkdfLabel {length, "tls13 " + label, context} as info.' },
  { id: 'RFC8446-7.3', source: 'RFC8446', section: '7.3', level: 'documented',
    summary: 'Traffic keys and IVs are HKDF-Expand-Label(secret, "key" or "iv", "", length), and the finished key uses the label "finished".' },
  { id: 'RFC8446-7.4.2', source: 'RFC8446', section: '7.4.2', level: 'MUST',
    summary: 'An X25519 or X448 shared secret of all zeros aborts the handshake.' },
];
