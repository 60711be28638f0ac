/**
 * RFC 9147, DTLS 1.3 (text: draft-ietf-tls-dtls13-rfcfinal), and RFC 9146, connection identifiers
 * for DTLS 1.2 (text: draft-ietf-tls-dtls-connection-id-13): the statements test titles name.
 */
import type { Requirement } from './requirement.ts';

export const RFC9147_REQUIREMENTS: readonly Requirement[] = [
  // §4 The DTLS Record Layer
  { id: 'RFC9147-4', source: 'RFC9147', section: '4', level: 'documented',
    summary: 'DTLS 1.3 sends DTLSPlaintext records unprotected and DTLSCiphertext records behind a unified header 001CSLEE with optional CID, 8- or 16-bit sequence number and optional length, where a record without length runs to the datagram end.' },
  // §4.1 Demultiplexing DTLS Records
  { id: 'RFC9147-4.1', source: 'RFC9147', section: '4.1', level: 'MUST',
    summary: 'A first byte of alert, handshake or ack means DTLSPlaintext, leading bits 001 mean DTLSCiphertext, and anything else is rejected like a record that failed deprotection.' },
  // §5.3 ClientHello Message
  { id: 'RFC9147-5.3', source: 'RFC9147', section: '5.3', level: 'MUST',
    summary: 'A DTLS 1.3 ClientHello has legacy_version {254, 253} and a legacy_cookie that a 1.3-only client leaves empty; a server receiving a non-empty one aborts with illegal_parameter.' },
  // §5.4 ServerHello Message
  { id: 'RFC9147-5.4', source: 'RFC9147', section: '5.4', level: 'documented',
    summary: 'The DTLS 1.3 ServerHello is the TLS 1.3 one with legacy_version 0xfefd.' },
  // §5.5 Handshake Message Fragmentation and Reassembly
  { id: 'RFC9147-5.5', source: 'RFC9147', section: '5.5', level: 'MUST',
    summary: 'Handshake messages travel as non-overlapping fragments sharing one message_seq and the full length, each inside one datagram, and the transcript holds the reassembled messages.' },
  // §5.9 Cryptographic Label Prefix
  { id: 'RFC9147-5.9', source: 'RFC9147', section: '5.9', level: 'MUST',
    summary: 'DTLS 1.3 derives its keys with the HKDF label prefix "dtls13", without the trailing space of TLS 1.3\'s prefix.' },
  // §7 ACK Message
  { id: 'RFC9147-7', source: 'RFC9147', section: '7', level: 'documented',
    summary: 'An ACK is its own content type (26) carrying record_numbers<0..2^16-1>, a list of 16-byte {epoch, sequence} pairs in increasing order.' },
];

export const RFC9146_REQUIREMENTS: readonly Requirement[] = [
  // §3 The "connection_id" Extension
  { id: 'RFC9146-3-cid-records', source: 'RFC9146', section: '3', level: 'MUST',
    summary: 'Once a non-empty CID is agreed for a direction, protected records in that direction use the tls12_cid format and MAC, while plaintext records never do.' },
  { id: 'RFC9146-3-cid-expected', source: 'RFC9146', section: '3', level: 'MUST',
    summary: 'A record without tls12_cid on an association that expects a non-empty CID is invalid and handled as RFC 6347 handles invalid records.' },
  // §4 Record Layer Extensions
  { id: 'RFC9146-4', source: 'RFC9146', section: '4', level: 'documented',
    summary: 'A tls12_cid record places the CID between the sequence number and the length, its size known from the negotiation rather than the record.' },
  { id: 'RFC9146-4-inner-plaintext', source: 'RFC9146', section: '4', level: 'documented',
    summary: 'With CIDs the protected content is DTLSInnerPlaintext: the data, then the real content type, then any number of zero bytes of padding.' },
  // §5.3 AEAD Ciphers
  { id: 'RFC9146-5.3-cid-aad', source: 'RFC9146', section: '5.3', level: 'documented',
    summary: 'For AEAD suites the tls12_cid additional data is eight 0xff bytes, tls12_cid, cid_length, tls12_cid, version, epoch, sequence number, cid and the inner plaintext length.' },
];
