/**
 * RFC 9146, connection identifiers for DTLS 1.2 (text: draft-ietf-tls-dtls-connection-id-13): the
 * negotiation and the peer address rule. The record format and its MAC are in rfc9147.ts
 * (`RFC9146_REQUIREMENTS`); these are the statements around them that the handshake and the
 * transport implement. Summaries are ours; the RFC's words are quoted above each entry.
 */
import type { Requirement } from './requirement.ts';

export const RFC9146_NEGOTIATION_REQUIREMENTS: readonly Requirement[] = [
  // RFC 9146 §3 The "connection_id" Extension
  // "The extension_data field of this extension, when included in the ClientHello, MUST contain
  // the ConnectionId structure. This structure contains the CID value the client wishes the server
  // to use when sending messages to the client. A zero-length CID value indicates that the client
  // is prepared to send using a CID but does not wish the server to use one when sending."
  { id: 'RFC9146-3-offer', source: 'RFC9146', section: '3', level: 'MUST',
    summary: 'A client asks for CIDs by putting, in its hello, the identifier it would like to find in records addressed to it; sending none there still lets it put the server\'s identifier in its own records.' },
  // "A server willing to use CIDs will respond with a "connection_id" extension in the
  // ServerHello, containing the CID it wishes the client to use when sending messages towards it.
  // A zero-length value indicates that the server will send using the client's CID but does not
  // wish the client to include a CID when sending."
  { id: 'RFC9146-3-answer', source: 'RFC9146', section: '3', level: 'documented',
    summary: 'A server that agrees answers the offer with its own identifier for inbound records, possibly empty, and one that does not leaves the extension out, so no CID is used at all.' },
  // "If DTLS peers have not negotiated the use of CIDs, or a zero-length CID has been advertised
  // for a given direction, then the RFC 6347-defined record format and content type MUST be used
  // to send in the indicated direction(s)."
  { id: 'RFC9146-3-rfc6347-format', source: 'RFC9146', section: '3', level: 'MUST',
    summary: 'In a direction whose receiver advertised an empty identifier, or when the extension was not agreed, protected records keep the ordinary DTLS 1.2 header and content types.' },

  // RFC 9146 §6 Peer Address Update
  // "When a record with a CID is received that has a source address different from the one
  // currently associated with the DTLS connection, the receiver MUST NOT replace the address it
  // uses for sending records to its peer with the source address specified in the received
  // datagram, unless the following three conditions are met: [...] The received datagram has been
  // cryptographically verified using the DTLS record layer processing procedures. [...] The
  // received datagram is "newer" (in terms of both epoch and sequence number) than the newest
  // datagram received."
  { id: 'RFC9146-6-address-update', source: 'RFC9146', section: '6', level: 'MUST NOT',
    summary: 'A datagram whose CID names a known association but whose source differs keeps the association, and the reply address moves there only once that datagram authenticates and is the newest seen.' },
];
