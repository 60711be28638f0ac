/**
 * RFC 5077, session resumption without server-side state (tickets), the statements test titles
 * name, in section order. The NewSessionTicket layout is `RFC5077-3.3` in extensions.ts; these are
 * the rules around it. Summaries are ours (catalogue.test.ts forbids copied runs); the RFC's own
 * words are quoted in the comment above each entry.
 */
import type { Requirement } from './requirement.ts';

export const RFC5077_REQUIREMENTS: readonly Requirement[] = [
  // RFC 5077 §3.2 SessionTicket TLS Extension
  // "If the client does not have a ticket and is prepared to receive one in the NewSessionTicket
  // handshake message, then it MUST include a zero-length ticket in the SessionTicket extension."
  // "The server uses a zero-length SessionTicket extension to indicate to the client that it will
  // send a new session ticket using the NewSessionTicket handshake message described in Section 3.3."
  { id: 'RFC5077-3.2-request', source: 'RFC5077', section: '3.2', level: 'MUST',
    summary: 'A client wanting a ticket sends an empty session_ticket, and a server that will issue one answers with an empty session_ticket in its ServerHello.' },
  // "If the server fails to verify the ticket, then it falls back to performing a full handshake."
  { id: 'RFC5077-3.2-fallback', source: 'RFC5077', section: '3.2', level: 'documented',
    summary: 'A ticket the server cannot open or will not honour leads to a full handshake, never to a failed connection.' },

  // RFC 5077 §3.3 NewSessionTicket Handshake Message
  // "This message is sent by the server during the TLS handshake before the ChangeCipherSpec
  // message. This message MUST be sent if the server included a SessionTicket extension in the
  // ServerHello. [...] This message is included in the hash used to create and verify the Finished
  // message. In the case of a full handshake, the server MUST verify the client's Finished message
  // before sending the ticket."
  { id: 'RFC5077-3.3-before-ccs', source: 'RFC5077', section: '3.3', level: 'MUST',
    summary: 'Once promised in the ServerHello, the NewSessionTicket comes right before the server\'s ChangeCipherSpec, counts in the Finished hashes, and in a full handshake follows the check of the client\'s Finished.' },
  // "If the server successfully verifies the client's ticket, then it MAY renew the ticket by
  // including a NewSessionTicket handshake message after the ServerHello in the abbreviated handshake."
  { id: 'RFC5077-3.3-renew', source: 'RFC5077', section: '3.3', level: 'MAY',
    summary: 'In an abbreviated handshake the server may hand out a fresh ticket between its ServerHello and its ChangeCipherSpec.' },

  // RFC 5077 §3.4 Interaction with TLS Session ID
  // "If a server is planning on issuing a session ticket to a client that does not present one, it
  // SHOULD include an empty Session ID in the ServerHello." "If the server accepts the ticket and
  // the Session ID is not empty, then it MUST respond with the same Session ID present in the
  // ClientHello." "If the client receives a session ticket from the server, then it discards any
  // Session ID that was sent in the ServerHello."
  { id: 'RFC5077-3.4-session-id', source: 'RFC5077', section: '3.4', level: 'MUST',
    summary: 'A server issuing a first ticket leaves the session ID empty, one accepting a ticket echoes the client\'s session ID, and a client holding a ticket forgets the session ID.' },

  // RFC 5077 §4 Recommended Ticket Construction
  // "The key_name field is used to identify a particular set of keys used to protect the ticket.
  // It enables the TLS server to easily rotate keys while still recognizing tickets generated
  // before the key rotation."
  { id: 'RFC5077-4-ticket-construction', source: 'RFC5077', section: '4', level: 'documented',
    summary: 'A ticket names the key that protects it, keeps the session state confidential and authenticated, and is refused when it fails to authenticate.' },

  // RFC 5077 §5.5 Ticket Protection Key Management
  // "The keys should be changed regularly."
  { id: 'RFC5077-5.5-key-rotation', source: 'RFC5077', section: '5.5', level: 'documented',
    summary: 'Ticket keys are replaced on a schedule; tickets under a key that has been retired no longer resume anything.' },

  // RFC 5077 §5.6 Ticket Lifetime
  // "The TLS server controls the lifetime of the ticket. [...] TLS clients may be given a hint of
  // the lifetime of the ticket."
  { id: 'RFC5077-5.6-lifetime', source: 'RFC5077', section: '5.6', level: 'documented',
    summary: 'The server decides how long a ticket stays good and tells the client through the lifetime hint.' },
];
