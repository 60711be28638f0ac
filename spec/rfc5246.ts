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

  // §7.4 Handshake Protocol
  { id: 'RFC5246-7.4-order', source: 'RFC5246', section: '7.4', level: 'MUST',
    summary: 'Handshake messages come in the prescribed order, and a message out of order is a fatal error.' },
  { id: 'RFC5246-7.4.1.1-no-renegotiation', source: 'RFC5246', section: '7.4.1.1', level: 'MAY',
    summary: 'A client that will not renegotiate may ignore a HelloRequest or answer it with a no_renegotiation warning alert.' },
  { id: 'RFC5246-7.4.1.2', source: 'RFC5246', section: '7.4.1.2', level: 'documented',
    summary: 'A hello Random is exactly 32 bytes.' },
  { id: 'RFC5246-7.4.1.4.1', source: 'RFC5246', section: '7.4.1.4.1', level: 'documented',
    summary: 'signature_algorithms pairs a hash with a signature algorithm, so any listed hash can go with ECDSA on any curve.' },
  { id: 'RFC5246-7.4.2', source: 'RFC5246', section: '7.4.2', level: 'documented',
    summary: 'Certificate is certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>, the sender\'s own certificate first.' },
  { id: 'RFC5246-7.4.3', source: 'RFC5246', section: '7.4.3', level: 'documented',
    summary: 'The ServerKeyExchange layout follows the key exchange algorithm (DHE params and signature, none for RSA), so it is read with that algorithm in hand.' },
  { id: 'RFC5246-7.4.4', source: 'RFC5246', section: '7.4.4', level: 'documented',
    summary: 'CertificateRequest holds certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2> and certificate_authorities of DistinguishedName<1..2^16-1>.' },
  { id: 'RFC5246-7.4.6', source: 'RFC5246', section: '7.4.6', level: 'MUST',
    summary: 'An asked client without a suitable certificate sends an empty Certificate, and the server then goes on unauthenticated or fails with handshake_failure.' },
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
