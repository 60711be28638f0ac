/**
 * RFC 5246, TLS 1.2, in the parts DTLS 1.2 inherits unchanged (RFC 6347 §4.2): the statements
 * test titles name, in section order.
 */
import type { Requirement } from './requirement.ts';

export const RFC5246_REQUIREMENTS: readonly Requirement[] = [
  // §5 HMAC and the Pseudorandom Function
  { id: 'RFC5246-5', source: 'RFC5246', section: '5', level: 'documented',
    summary: 'The TLS 1.2 PRF is P_hash(secret, label + seed) with the suite\'s hash (SHA-256 unless the suite names another), iterating HMAC over A(i) until enough bytes are produced.' },

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
  // §7.2.2 Error Alerts
  // "decrypt_error: A handshake cryptographic operation failed, including being unable to correctly
  // verify a signature or validate a Finished message. This message is always fatal."
  { id: 'RFC5246-7.2.2-decrypt-error', source: 'RFC5246', section: '7.2.2', level: 'documented',
    summary: 'A signature in the handshake that does not check out (such as a CertificateVerify made with some other key) is answered with a fatal decrypt_error.' },
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
  // "If a Session ID match is not found, the server generates a new session ID, and the TLS client
  // and server perform a full handshake." (§7.3) "The session identifier MAY be from an earlier
  // connection, this connection, or from another currently active connection." (§7.4.1.2)
  { id: 'RFC5246-7.4.1.2-session-id', source: 'RFC5246', section: '7.4.1.2', level: 'documented',
    summary: 'A client offers an earlier session by its ID; a server that does not know it, or will not resume it, runs a full handshake under a fresh ID.' },
  // "cipher_suite: [...] For resumed sessions, this field is the value from the state of the
  // session being resumed."
  { id: 'RFC5246-7.4.1.3-resumed-suite', source: 'RFC5246', section: '7.4.1.3', level: 'documented',
    summary: 'A resumed session keeps its cipher suite, so a client rejects a resuming ServerHello that names another one.' },
  { id: 'RFC5246-7.4.1.4.1', source: 'RFC5246', section: '7.4.1.4.1', level: 'documented',
    summary: 'signature_algorithms pairs a hash with a signature algorithm, so any listed hash can go with ECDSA on any curve.' },
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
];
