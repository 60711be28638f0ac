/**
 * The TLS extensions, key exchanges and cipher suites DTLS 1.2 takes from other RFCs: PSK (4279,
 * 5489), session tickets (5077), AEAD suites (5288, 6655, 7905), SNI (6066), ALPN (7301),
 * extended master secret (7627), ECC (8422) and record_size_limit (8449).
 */
import type { Requirement } from './requirement.ts';

export const EXTENSION_REQUIREMENTS: readonly Requirement[] = [
  // RFC 4279 §2 PSK Key Exchange Algorithm
  { id: 'RFC4279-2', source: 'RFC4279', section: '2', level: 'documented',
    summary: 'With plain PSK the ServerKeyExchange carries only psk_identity_hint<0..2^16-1> and the ClientKeyExchange only psk_identity<0..2^16-1>.' },

  // RFC 5077 §3.3 NewSessionTicket Handshake Message
  { id: 'RFC5077-3.3', source: 'RFC5077', section: '3.3', level: 'documented',
    summary: 'NewSessionTicket is a lifetime hint and an opaque ticket<0..2^16-1>, where an empty ticket means the server takes back its offer of one.' },

  // RFC 5288 §3 AES-GCM Cipher Suites
  { id: 'RFC5288-3-gcm-nonce', source: 'RFC5288', section: '3', level: 'documented',
    summary: 'The AES-GCM nonce is the 4-byte implicit salt from the key block followed by the 8-byte explicit part sent in each record.' },

  // RFC 5489 §2 ECDHE_PSK Key Exchange Algorithm
  { id: 'RFC5489-2', source: 'RFC5489', section: '2', level: 'documented',
    summary: 'ECDHE_PSK sends the identity hint then named-curve ECDH parameters, unsigned, from the server, and the identity then the ECDH public point from the client.' },

  // RFC 6066 §3 Server Name Indication
  { id: 'RFC6066-3', source: 'RFC6066', section: '3', level: 'documented',
    summary: 'A client names the host it wants in server_name as a host_name entry, which the server can use to pick its certificate.' },
  // RFC 6066 §3: "A server that implements this extension MUST NOT accept the request to resume the
  // session if the server_name extension contains a different name. Instead, it proceeds with a full
  // handshake to establish a new session. When resuming a session, the server MUST NOT include a
  // server_name extension in the server hello."
  { id: 'RFC6066-3-resumption', source: 'RFC6066', section: '3', level: 'MUST NOT',
    summary: 'A session is resumed only for the name it was made for, and the ServerHello of a resumption carries no server_name.' },

  // RFC 5746 §3.6 Server Behavior: Initial Handshake
  // "If the secure_renegotiation flag is set to TRUE, the server MUST include an empty
  // "renegotiation_info" extension in the ServerHello message."
  { id: 'RFC5746-3.6-empty-answer', source: 'RFC5746', section: '3.6', level: 'MUST',
    summary: 'On a first handshake whose ClientHello signalled secure renegotiation, the ServerHello carries renegotiation_info with a zero-length renegotiated_connection.',
    tests: ['harness/suites/reference.test.ts'] },
  // "The server MUST then verify that the length of the "renegotiated_connection" field is zero,
  // and if it is not, MUST abort the handshake." (§3.4: "abort the handshake" is shorthand for
  // sending a fatal handshake_failure alert and terminating the connection.)
  { id: 'RFC5746-3.6-initial-nonempty', source: 'RFC5746', section: '3.6', level: 'MUST',
    summary: 'A first ClientHello whose renegotiation_info is not empty claims a connection that does not exist, and the server ends the handshake with a fatal handshake_failure.',
    tests: ['harness/suites/reference.test.ts'] },
  // "TLS servers implementing this specification MUST ignore any unknown extensions offered by the
  // client and they MUST accept version numbers higher than their highest version number and
  // negotiate the highest common version."
  { id: 'RFC5746-3.6-forward-compatible', source: 'RFC5746', section: '3.6', level: 'MUST',
    summary: 'A server skips extensions it does not know and answers a client_version above its own with the best version it has, instead of failing either way.',
    tests: ['harness/suites/reference.test.ts'] },
  // RFC 5746 §3.7 Server Behavior: Secure Renegotiation
  // "The server MUST include a "renegotiation_info" extension containing the saved
  // client_verify_data and server_verify_data in the ServerHello."
  { id: 'RFC5746-3.7-server-binding', source: 'RFC5746', section: '3.7', level: 'MUST',
    summary: 'A server that does renegotiate binds the new handshake to the old one: its ServerHello renegotiation_info holds both verify_data values of the previous Finished messages.',
    tests: ['harness/suites/reference.test.ts'] },

  // RFC 6655 §3 RSA-Based AES-CCM Cipher Suites
  { id: 'RFC6655-3-ccm-nonce', source: 'RFC6655', section: '3', level: 'MUST',
    summary: 'The AES-CCM nonce is built like the GCM one: 12 bytes, the 4-byte salt then the 8-byte explicit part.' },

  // RFC 7301 Application-Layer Protocol Negotiation
  { id: 'RFC7301-3.1', source: 'RFC7301', section: '3.1', level: 'MUST',
    summary: 'The ALPN extension is a list<2..2^16-1> of non-empty protocol names, and the server\'s answer names exactly one of them.' },
  { id: 'RFC7301-3.2', source: 'RFC7301', section: '3.2', level: 'SHOULD',
    summary: 'The server chooses the protocol it prefers most among those the client offered.' },
  { id: 'RFC7301-3.2-no-application-protocol', source: 'RFC7301', section: '3.2', level: 'MUST',
    summary: 'When none of the client\'s protocols is acceptable, the server fails the handshake with a fatal no_application_protocol alert.' },

  // RFC 7627 Extended Master Secret
  { id: 'RFC7627-4', source: 'RFC7627', section: '4', level: 'documented',
    summary: 'The extended master secret is 48 bytes of PRF output from the premaster secret, the label "extended master secret" and the session hash.' },
  { id: 'RFC7627-5.2-ems-required', source: 'RFC7627', section: '5.2', level: 'SHOULD',
    summary: 'A server unwilling to serve legacy clients aborts with handshake_failure when the ClientHello lacks extended_master_secret.' },
  // RFC 7627 §5.2: "If a client receives a ServerHello without the extension, it SHOULD abort the
  // handshake if it does not wish to interoperate with legacy servers."
  { id: 'RFC7627-5.2-client-abort', source: 'RFC7627', section: '5.2', level: 'SHOULD',
    summary: 'A client unwilling to talk to legacy servers ends the handshake (handshake_failure) when the ServerHello leaves extended_master_secret out; one that goes on uses the old derivation.',
    tests: ['harness/suites/reference.test.ts'] },
  // RFC 7627 §5.3: "The client SHOULD NOT offer an abbreviated handshake to resume a session that
  // does not use an extended master secret. Instead, it SHOULD offer a full handshake."
  { id: 'RFC7627-5.3-client-no-offer', source: 'RFC7627', section: '5.3', level: 'SHOULD NOT',
    summary: 'A client keeps legacy sessions, made without extended_master_secret, out of its ClientHello and runs a full handshake instead.' },
  // "If the original session did not use the "extended_master_secret" extension but the new
  // ClientHello contains the extension, then the server MUST NOT perform the abbreviated handshake.
  // Instead, it SHOULD continue with a full handshake (as described in Section 5.2) to negotiate a
  // new session."
  { id: 'RFC7627-5.3-server-full', source: 'RFC7627', section: '5.3', level: 'MUST NOT',
    summary: 'A legacy session offered in a ClientHello that has extended_master_secret is not resumed: the server negotiates a new session in full.' },
  // "If the original session used the "extended_master_secret" extension but the new ClientHello
  // does not contain it, the server MUST abort the abbreviated handshake."
  { id: 'RFC7627-5.3-server-abort', source: 'RFC7627', section: '5.3', level: 'MUST',
    summary: 'A session made with extended_master_secret offered in a ClientHello without it ends the handshake (handshake_failure here).' },
  // "If neither the original session nor the new ClientHello uses the extension, the server SHOULD
  // abort the handshake."
  { id: 'RFC7627-5.3-neither-abort', source: 'RFC7627', section: '5.3', level: 'SHOULD',
    summary: 'When both the session and the ClientHello lack extended_master_secret the server refuses insecure resumption and fails the handshake.' },
  // "If the original session did not use the "extended_master_secret" extension but the new
  // ServerHello contains the extension, the client MUST abort the handshake. If the original
  // session used the extension but the new ServerHello does not contain the extension, the client
  // MUST abort the handshake."
  { id: 'RFC7627-5.3-client-abort', source: 'RFC7627', section: '5.3', level: 'MUST',
    summary: 'A client whose session is resumed by a ServerHello that disagrees with the session on extended_master_secret fails the handshake.' },

  // RFC 7905 §2 ChaCha20 Cipher Suites
  { id: 'RFC7905-2-chacha-nonce', source: 'RFC7905', section: '2', level: 'documented',
    summary: 'The ChaCha20-Poly1305 nonce is the 12-byte IV XORed with the 64-bit epoch-and-sequence number padded on the left with zeros.' },

  // RFC 8422 ECC for TLS 1.2
  // RFC 8422 §5.1.2: "If the client sends the extension and the extension does not contain the
  // uncompressed point format, and the client has used the Supported Groups extension to indicate
  // support for any of the curves defined in this specification, then the server MUST abort the
  // handshake and return an illegal_parameter alert."
  { id: 'RFC8422-5.1.2-uncompressed', source: 'RFC8422', section: '5.1.2', level: 'MUST',
    summary: 'An ec_point_formats list without the uncompressed format, from a client naming NIST curves, makes the server fail the handshake with illegal_parameter.',
    tests: ['harness/suites/reference.test.ts'] },
  { id: 'RFC8422-5.3', source: 'RFC8422', section: '5.3', level: 'MUST',
    summary: 'The server certificate\'s ECC key must be on a curve the client listed in supported_groups, and a server that has no such certificate does not choose an ECC suite.' },
  { id: 'RFC8422-5.4', source: 'RFC8422', section: '5.4', level: 'documented',
    summary: 'The ECDHE ServerKeyExchange names a curve (explicit curves are deprecated), carries point<1..2^8-1>, and is signed, ECDSA signatures being DER-encoded.' },
  { id: 'RFC8422-5.7', source: 'RFC8422', section: '5.7', level: 'documented',
    summary: 'The ECDHE ClientKeyExchange carries the client\'s public point explicitly, the implicit encoding being deprecated.' },
  { id: 'RFC8422-5.11', source: 'RFC8422', section: '5.11', level: 'MUST',
    summary: 'A peer\'s NIST-curve public key is checked against the curve equation, and an all-zero X25519 or X448 result aborts the handshake.' },

  // RFC 8449 §4 The "record_size_limit" Extension
  { id: 'RFC8449-4-send-limit', source: 'RFC8449', section: '4', level: 'MUST NOT',
    summary: 'Once record_size_limit is agreed, no protected record we send has more plaintext than the peer\'s limit.' },
  { id: 'RFC8449-4-receive-limit', source: 'RFC8449', section: '4', level: 'MAY',
    summary: 'A DTLS endpoint that receives a record above its own advertised limit either fails with record_overflow or drops the record.' },
];
