/**
 * RFC 5246, TLS 1.2, in the parts DTLS 1.2 inherits unchanged (RFC 6347 §4.2): the statements
 * test titles name, in section order.
 */
import type { Requirement } from './requirement.ts';

export const RFC5246_REQUIREMENTS: readonly Requirement[] = [
  // §5 HMAC and the Pseudorandom Function
  { id: 'RFC5246-5', source: 'RFC5246', section: '5', level: 'documented',
    summary: 'The TLS 1.2 PRF is P_hash(secret, label + seed) with the suite\'s hash (SHA-256 unless the suite names another), iterating HMAC over A(i) until enough bytes are produced.' },

  // §6.2.1 Fragmentation
  // "Implementations MUST NOT send zero-length fragments of Handshake, Alert, or ChangeCipherSpec
  // content types. Zero-length fragments of Application data MAY be sent as they are potentially
  // useful as a traffic analysis countermeasure."
  { id: 'RFC5246-6.2.1-zero-length-data', source: 'RFC5246', section: '6.2.1', level: 'MAY',
    summary: 'An application data record may carry no bytes at all (padding against traffic analysis), so a receiver takes an empty one in stride.',
    tests: ['harness/suites/reference.test.ts'] },
  { id: 'RFC5246-6.2.1-no-empty-fragments', source: 'RFC5246', section: '6.2.1', level: 'MUST NOT',
    summary: 'Handshake, alert and ChangeCipherSpec records are never empty, so an empty one is malformed input that a receiver drops or refuses without acting on it.',
    tests: ['harness/suites/reference.test.ts'] },

  // §6.2.3 Record Payload Protection
  // "length: The length (in bytes) of the following TLSCiphertext.fragment. The length MUST NOT
  // exceed 2^14 + 2048." (§7.2.2 record_overflow: "A TLSCiphertext record was received that had a
  // length more than 2^14+2048 bytes [...]")
  { id: 'RFC5246-6.2.3-ciphertext-limit', source: 'RFC5246', section: '6.2.3', level: 'MUST NOT',
    summary: 'A protected record carries at most 2^14 + 2048 bytes; a longer one is refused (record_overflow in TLS, dropped or fatal in DTLS) and never delivered.',
    tests: ['harness/suites/reference.test.ts'] },

  // §6.2.3.3 AEAD Ciphers
  { id: 'RFC5246-6.2.3.3-aead-suites', source: 'RFC5246', section: '6.2.3.3', level: 'MUST',
    summary: 'Every AEAD suite defines how its nonce is built and how many explicit nonce bytes each record carries.' },
  { id: 'RFC5246-6.2.3.3-aead-aad', source: 'RFC5246', section: '6.2.3.3', level: 'documented',
    summary: 'The AEAD additional data is the 64-bit sequence number, then content type, version and plaintext length.' },

  // §6.3 Key Calculation
  { id: 'RFC5246-6.3-key-block', source: 'RFC5246', section: '6.3', level: 'documented',
    summary: 'The key block is PRF(master_secret, "key expansion", server_random + client_random), cut into client then server MAC keys, write keys and IVs.' },

  // §7.1 Change Cipher Spec Protocol
  { id: 'RFC5246-7.1', source: 'RFC5246', section: '7.1', level: 'documented',
    summary: 'ChangeCipherSpec is a record of its own content type holding one byte of value 1.' },
  { id: 'RFC5246-7.1-early-ccs', source: 'RFC5246', section: '7.1', level: 'documented',
    summary: 'ChangeCipherSpec belongs after the security parameters are agreed and just before Finished, so one arriving earlier is out of place.' },

  // §7.2 Alert Protocol
  { id: 'RFC5246-7.2', source: 'RFC5246', section: '7.2', level: 'documented',
    summary: 'An alert is a level byte and a description byte, and a close_notify tells the peer that nothing more will be sent.' },
  // §7.2.1 Closure Alerts
  { id: 'RFC5246-7.2.1-close-notify', source: 'RFC5246', section: '7.2.1', level: 'MUST',
    summary: 'An endpoint that receives close_notify answers with a close_notify of its own and stops writing on the connection.' },
  // "Either party may initiate a close by sending a close_notify alert. Any data received after a
  // closure alert is ignored."
  { id: 'RFC5246-7.2.1-after-close', source: 'RFC5246', section: '7.2.1', level: 'documented',
    summary: 'Once a close_notify has arrived, application data the peer sends afterwards is dropped instead of reaching the application.',
    tests: ['harness/suites/reference.test.ts'] },
  // §7.2.2 Error Alerts
  // "decrypt_error: A handshake cryptographic operation failed, including being unable to correctly
  // verify a signature or validate a Finished message. This message is always fatal."
  { id: 'RFC5246-7.2.2-decrypt-error', source: 'RFC5246', section: '7.2.2', level: 'documented',
    summary: 'A signature in the handshake that does not check out (such as a CertificateVerify made with some other key) is answered with a fatal decrypt_error.' },
  // "Upon transmission or receipt of a fatal alert message, both parties immediately close the
  // connection."
  { id: 'RFC5246-7.2.2-fatal-closes', source: 'RFC5246', section: '7.2.2', level: 'documented',
    summary: 'After a fatal alert in either direction the connection is over: the receiver answers nothing further on it, handshake or data.',
    tests: ['harness/suites/reference.test.ts'] },
  // "unexpected_message: An inappropriate message was received. This alert is always fatal and
  // should never be observed in communication between proper implementations."
  { id: 'RFC5246-7.2.2-unexpected-message', source: 'RFC5246', section: '7.2.2', level: 'documented',
    summary: 'A message that has no place at this point of the protocol is answered with a fatal unexpected_message alert.',
    tests: ['harness/suites/reference.test.ts'] },
  // "protocol_version: The protocol version the client has attempted to negotiate is recognized but
  // not supported. (For example, old protocol versions might be avoided for security reasons.) This
  // message is always fatal."
  { id: 'RFC5246-7.2.2-protocol-version', source: 'RFC5246', section: '7.2.2', level: 'documented',
    summary: 'A server that will not speak the older version a client asks for refuses with a fatal protocol_version alert.',
    tests: ['harness/suites/reference.test.ts'] },
  // "illegal_parameter: A field in the handshake was out of range or inconsistent with other
  // fields. This message is always fatal."
  { id: 'RFC5246-7.2.2-illegal-parameter', source: 'RFC5246', section: '7.2.2', level: 'documented',
    summary: 'A handshake field holding a value outside what is allowed, or at odds with another field, is answered with a fatal illegal_parameter alert.',
    tests: ['harness/suites/reference.test.ts'] },
  // "no_renegotiation: Sent by the client in response to a hello request or by the server in
  // response to a client hello after initial handshaking. [...] This message is always a warning."
  { id: 'RFC5246-7.2.2-no-renegotiation', source: 'RFC5246', section: '7.2.2', level: 'documented',
    summary: 'A server that does not want to renegotiate answers a ClientHello on an established connection with a warning-level no_renegotiation, leaving the connection up.',
    tests: ['harness/suites/reference.test.ts'] },
  // "Alert messages with a level of fatal result in the immediate termination of the connection. In
  // this case, other connections corresponding to the session may continue, but the session
  // identifier MUST be invalidated, preventing the failed session from being used to establish new
  // connections."
  { id: 'RFC5246-7.2-invalidate-session', source: 'RFC5246', section: '7.2', level: 'MUST',
    summary: 'A connection that ends in a fatal alert takes its session with it: the server stops resuming that session ID.' },

  // §7.3 Handshake Protocol Overview
  // "If a match is found, and the server is willing to re-establish the connection under the
  // specified session state, it will send a ServerHello with the same Session ID value. At this
  // point, both client and server MUST send ChangeCipherSpec messages and proceed directly to
  // Finished messages."
  { id: 'RFC5246-7.3-abbreviated', source: 'RFC5246', section: '7.3', level: 'MUST',
    summary: 'When the server resumes, its ServerHello echoes the session ID and both sides go straight to ChangeCipherSpec and Finished, the server first, with keys from the old master secret and the new randoms.' },

  // §7.4 Handshake Protocol
  { id: 'RFC5246-7.4-order', source: 'RFC5246', section: '7.4', level: 'MUST',
    summary: 'Handshake messages come in the prescribed order, and a message out of order is a fatal error.' },
  { id: 'RFC5246-7.4.1.1-no-renegotiation', source: 'RFC5246', section: '7.4.1.1', level: 'MAY',
    summary: 'A client that will not renegotiate may ignore a HelloRequest or answer it with a no_renegotiation warning alert.' },
  { id: 'RFC5246-7.4.1.2', source: 'RFC5246', section: '7.4.1.2', level: 'documented',
    summary: 'A hello Random is exactly 32 bytes.' },
  // "If the list contains cipher suites the server does not recognize, support, or wish to use, the
  // server MUST ignore those cipher suites, and process the remaining ones as usual."
  { id: 'RFC5246-7.4.1.2-unknown-suites', source: 'RFC5246', section: '7.4.1.2', level: 'MUST',
    summary: 'Suites in the ClientHello that a server does not know or will not use are skipped, and it negotiates from the others as if they were absent.',
    tests: ['harness/suites/reference.test.ts'] },
  // "This vector MUST contain, and all implementations MUST support, CompressionMethod.null."
  { id: 'RFC5246-7.4.1.2-null-compression', source: 'RFC5246', section: '7.4.1.2', level: 'MUST',
    summary: 'Every ClientHello lists the null compression method, so a server refuses one whose compression_methods leave it out rather than negotiate.',
    tests: ['harness/suites/reference.test.ts'] },
  // "A server MUST accept ClientHello messages both with and without the extensions field, and (as
  // for all other messages) it MUST check that the amount of data in the message precisely matches
  // one of these formats; if not, then it MUST send a fatal "decode_error" alert."
  { id: 'RFC5246-7.4.1.2-extensions-optional', source: 'RFC5246', section: '7.4.1.2', level: 'MUST',
    summary: 'A ClientHello that ends right after compression_methods, with no extensions block, is well formed and a server parses it as such (it may still refuse the offer on its merits).',
    tests: ['harness/suites/reference.test.ts'] },
  // "If a Session ID match is not found, the server generates a new session ID, and the TLS client
  // and server perform a full handshake." (§7.3) "The session identifier MAY be from an earlier
  // connection, this connection, or from another currently active connection." (§7.4.1.2)
  { id: 'RFC5246-7.4.1.2-session-id', source: 'RFC5246', section: '7.4.1.2', level: 'documented',
    summary: 'A client offers an earlier session by its ID; a server that does not know it, or will not resume it, runs a full handshake under a fresh ID.' },
  // "cipher_suite: [...] For resumed sessions, this field is the value from the state of the
  // session being resumed."
  { id: 'RFC5246-7.4.1.3-resumed-suite', source: 'RFC5246', section: '7.4.1.3', level: 'documented',
    summary: 'A resumed session keeps its cipher suite, so a client rejects a resuming ServerHello that names another one.' },
  // "cipher_suite: The single cipher suite selected by the server from the list in
  // ClientHello.cipher_suites."
  { id: 'RFC5246-7.4.1.3-cipher-suite', source: 'RFC5246', section: '7.4.1.3', level: 'documented',
    summary: 'The ServerHello names exactly one suite, taken from the ClientHello\'s list, so a client refuses a suite it never offered.',
    tests: ['harness/suites/reference.test.ts'] },
  // "server_version: This field will contain the lower of that suggested by the client in the client
  // hello and the highest supported by the server." With Appendix E.1: "If the version chosen by
  // the server is not supported by the client (or not acceptable), the client MUST send a
  // "protocol_version" alert message and close the connection."
  { id: 'RFC5246-7.4.1.3-server-version', source: 'RFC5246', section: '7.4.1.3', level: 'MUST',
    summary: 'The server never picks a version above the client\'s, and a client that cannot use the version a ServerHello names answers with a fatal protocol_version alert and gives up.',
    tests: ['harness/suites/reference.test.ts'] },
  // §7.4.1.4 Hello Extensions
  // "An extension type MUST NOT appear in the ServerHello unless the same extension type appeared in
  // the corresponding ClientHello."
  { id: 'RFC5246-7.4.1.4-offered-only', source: 'RFC5246', section: '7.4.1.4', level: 'MUST NOT',
    summary: 'The ServerHello answers only extension types the ClientHello carried, and never echoes types it does not implement.',
    tests: ['harness/suites/reference.test.ts'] },
  // "When multiple extensions of different types are present in the ClientHello or ServerHello
  // messages, the extensions MAY appear in any order. There MUST NOT be more than one extension of
  // the same type."
  { id: 'RFC5246-7.4.1.4-one-per-type', source: 'RFC5246', section: '7.4.1.4', level: 'MUST NOT',
    summary: 'A hello holds each extension type once at most, so a server refuses a ClientHello repeating one (illegal_parameter or decode_error) instead of picking either copy.',
    tests: ['harness/suites/reference.test.ts'] },
  // "If a client receives an extension type in ServerHello that it did not request in the
  // associated ClientHello, it MUST abort the handshake with an unsupported_extension fatal alert."
  { id: 'RFC5246-7.4.1.4-unsolicited', source: 'RFC5246', section: '7.4.1.4', level: 'MUST',
    summary: 'A client that finds in the ServerHello an extension type it never offered ends the handshake with a fatal unsupported_extension alert.',
    tests: ['harness/suites/reference.test.ts'] },
  { id: 'RFC5246-7.4.1.4.1', source: 'RFC5246', section: '7.4.1.4.1', level: 'documented',
    summary: 'signature_algorithms pairs a hash with a signature algorithm, so any listed hash can go with ECDSA on any curve.' },
  // §7.4.1.4.1: "However, even if clients do offer it, the rules specified in [TLSEXT] require
  // servers to ignore extensions they do not understand."
  { id: 'RFC5246-7.4.1.4.1-ignore-unknown', source: 'RFC5246', section: '7.4.1.4.1', level: 'documented',
    summary: 'A server passes over ClientHello extensions of types it does not implement and completes the handshake as if they were not there.',
    tests: ['harness/suites/reference.test.ts'] },
  // §7.4.3: "If the client has offered the "signature_algorithms" extension, the signature
  // algorithm and hash algorithm MUST be a pair listed in that extension."
  // §7.4.8: "The hash and signature algorithms used in the signature MUST be one of those present
  // in the supported_signature_algorithms field of the CertificateRequest message."
  { id: 'RFC5246-7.4.1.4.1-choice', source: 'RFC5246', section: '7.4.1.4.1', level: 'MUST',
    summary: 'The server signs its ECDHE parameters with a scheme from the client\'s signature_algorithms, and the client signs its CertificateVerify with one the CertificateRequest listed.' },
  { id: 'RFC5246-7.4.2', source: 'RFC5246', section: '7.4.2', level: 'documented',
    summary: 'Certificate is certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>, the sender\'s own certificate first.' },
  // "The sender's certificate MUST come first in the list. Each following certificate MUST
  // directly certify the one preceding it. Because certificate validation requires that root keys
  // be distributed independently, the self-signed certificate that specifies the root certificate
  // authority MAY be omitted from the chain"
  { id: 'RFC5246-7.4.2-chain', source: 'RFC5246', section: '7.4.2', level: 'MUST',
    summary: 'A Certificate message carries a chain: the leaf first, then each issuer after what it signed, the root optional; the receiver walks it up to a root it already trusts.' },
  // "The end entity certificate's public key (and associated restrictions) MUST be compatible with
  // the selected key exchange algorithm."
  { id: 'RFC5246-7.4.2-suite-key', source: 'RFC5246', section: '7.4.2', level: 'MUST',
    summary: 'The key in the server\'s leaf has to suit the chosen suite (RSA for ECDHE_RSA, ECDSA or EdDSA for ECDHE_ECDSA), and a client refuses a leaf that does not.' },
  { id: 'RFC5246-7.4.3', source: 'RFC5246', section: '7.4.3', level: 'documented',
    summary: 'The ServerKeyExchange layout follows the key exchange algorithm (DHE params and signature, none for RSA), so it is read with that algorithm in hand.' },
  { id: 'RFC5246-7.4.4', source: 'RFC5246', section: '7.4.4', level: 'documented',
    summary: 'CertificateRequest holds certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2> and certificate_authorities of DistinguishedName<1..2^16-1>.' },
  // "certificate_authorities: A list of the distinguished names [X501] of acceptable
  // certificate_authorities, represented in DER-encoded format. [...] If the certificate_authorities
  // list is empty, then the client MAY send any certificate of the appropriate ClientCertificateType"
  { id: 'RFC5246-7.4.4-request', source: 'RFC5246', section: '7.4.4', level: 'documented',
    summary: 'A server that wants a client certificate says which key types and signature schemes it can check and which CAs it trusts, as DER names; with no names listed any CA will do.' },
  { id: 'RFC5246-7.4.6', source: 'RFC5246', section: '7.4.6', level: 'MUST',
    summary: 'An asked client without a suitable certificate sends an empty Certificate, and the server then goes on unauthenticated or fails with handshake_failure.' },
  // "Also, if some aspect of the certificate chain was unacceptable (e.g., it was not signed by a
  // known, trusted CA), the server MAY at its discretion either continue the handshake (considering
  // the client unauthenticated) or send a fatal alert."
  { id: 'RFC5246-7.4.6-unacceptable', source: 'RFC5246', section: '7.4.6', level: 'MAY',
    summary: 'A client chain the server cannot accept may end the handshake with a fatal alert naming the cause (unknown_ca, bad_certificate, ...) rather than let the client in unauthenticated.' },
  // "The end-entity certificate's public key (and associated restrictions) has to be compatible with
  // the certificate types listed in CertificateRequest"
  { id: 'RFC5246-7.4.6-types', source: 'RFC5246', section: '7.4.6', level: 'MUST',
    summary: 'The client only answers with a certificate whose key fits one of the requested certificate_types (rsa_sign for RSA, ecdsa_sign for ECDSA and EdDSA per RFC 8422); otherwise it sends none.' },
  { id: 'RFC5246-7.4.7.1', source: 'RFC5246', section: '7.4.7.1', level: 'documented',
    summary: 'With RSA key exchange the ClientKeyExchange carries the premaster secret encrypted to the server key, behind a two-byte length.' },
  { id: 'RFC5246-7.4.7.2', source: 'RFC5246', section: '7.4.7.2', level: 'documented',
    summary: 'With DHE the ClientKeyExchange carries the client\'s public value dh_Yc<1..2^16-1>.' },
  { id: 'RFC5246-7.4.8', source: 'RFC5246', section: '7.4.8', level: 'documented',
    summary: 'CertificateVerify is the client\'s signature over every handshake message so far, checked against its certificate key.' },
  { id: 'RFC5246-7.4.9', source: 'RFC5246', section: '7.4.9', level: 'documented',
    summary: 'Finished carries verify_data, 12 bytes of PRF output keyed by the master secret over the finished label and the hash of the handshake messages.' },
  { id: 'RFC5246-7.4.9-finished', source: 'RFC5246', section: '7.4.9', level: 'MUST',
    summary: 'A receiver checks the peer\'s verify_data and fails the handshake when it is wrong.' },
  // "It is a fatal error if a Finished message is not preceded by a ChangeCipherSpec message at the
  // appropriate point in the handshake."
  { id: 'RFC5246-7.4.9-ccs-first', source: 'RFC5246', section: '7.4.9', level: 'documented',
    summary: 'A Finished that arrives without the ChangeCipherSpec that must come before it ends the handshake with a fatal error.',
    tests: ['harness/suites/reference.test.ts'] },
];
