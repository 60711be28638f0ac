/**
 * RFC 6347, DTLS 1.2: the statements test titles name, in section order. Levels are the RFC's
 * keywords; 'documented' marks a definition, a figure or a plain statement without one.
 */
import type { Requirement } from './requirement.ts';

export const RFC6347_REQUIREMENTS: readonly Requirement[] = [
  // §3.2.1 Packet Loss
  { id: 'RFC6347-3.2.1-hvr-no-retransmit', source: 'RFC6347', section: '3.2.1', level: 'documented',
    summary: 'A server never arms a retransmission timer for a HelloVerifyRequest, because doing so would need per-client state.' },

  // §4.1 Record Layer
  { id: 'RFC6347-4.1', source: 'RFC6347', section: '4.1', level: 'documented',
    summary: 'A DTLS 1.2 record is type, version, a 16-bit epoch, a 48-bit explicit sequence number, length and fragment.' },
  { id: 'RFC6347-4.1-version', source: 'RFC6347', section: '4.1', level: 'documented',
    summary: 'DTLS 1.2 is {254, 253} on the wire, the one\'s complement of 1.2, so DTLS 1.0 ({254, 255}) is a different, older version.' },
  { id: 'RFC6347-4.1-epoch-zero', source: 'RFC6347', section: '4.1', level: 'documented',
    summary: 'The epoch starts at zero and goes up by one with every ChangeCipherSpec sent.' },
  { id: 'RFC6347-4.1-seq-per-epoch', source: 'RFC6347', section: '4.1', level: 'documented',
    summary: 'Each epoch has its own sequence number counter starting at 0.' },
  { id: 'RFC6347-4.1-epoch-buffer', source: 'RFC6347', section: '4.1', level: 'MAY',
    summary: 'Records under the new epoch that arrive before the handshake completes may be held until their keys exist or be dropped.' },
  { id: 'RFC6347-4.1-seq-no-wrap', source: 'RFC6347', section: '4.1', level: 'MUST',
    summary: 'The sequence number must never wrap: the association is abandoned or renegotiated first.' },
  { id: 'RFC6347-4.1-epoch-no-wrap', source: 'RFC6347', section: '4.1', level: 'MUST NOT',
    summary: 'The epoch must not wrap; a new association replaces the old one instead.' },

  // §4.1.1 Transport Layer Mapping
  { id: 'RFC6347-4.1.1-records-per-datagram', source: 'RFC6347', section: '4.1.1', level: 'MUST',
    summary: 'Every record lies within one datagram, a datagram may hold several records back to back, and its payload starts with a record.' },

  // §4.1.2.1 MAC
  { id: 'RFC6347-4.1.2.1-seq-num', source: 'RFC6347', section: '4.1.2.1', level: 'documented',
    summary: 'The sequence number fed to the MAC (and the AEAD) is the 64-bit value epoch followed by the 48-bit sequence number, as on the wire.' },

  // §4.1.2.6 Anti-Replay
  { id: 'RFC6347-4.1.2.6-replay', source: 'RFC6347', section: '4.1.2.6', level: 'MUST',
    summary: 'A receiver rejects any record whose sequence number it has already accepted in this session.' },
  { id: 'RFC6347-4.1.2.6-replay-window', source: 'RFC6347', section: '4.1.2.6', level: 'SHOULD',
    summary: 'Replays are detected with a sliding window whose right edge is the highest authenticated number: older than the left edge is refused, inside it is looked up.' },
  { id: 'RFC6347-4.1.2.6-window-size', source: 'RFC6347', section: '4.1.2.6', level: 'MUST',
    summary: 'The replay window holds at least 32 numbers and by default 64; a receiver may choose a larger one.' },
  { id: 'RFC6347-4.1.2.6-window-update-after-mac', source: 'RFC6347', section: '4.1.2.6', level: 'documented',
    summary: 'Only a record that passes MAC verification moves the replay window; one that fails is discarded.' },

  // §4.1.2.7 Handling Invalid Records
  { id: 'RFC6347-4.1.2.7-discard-invalid', source: 'RFC6347', section: '4.1.2.7', level: 'SHOULD',
    summary: 'A record that is malformed, of the wrong length or fails authentication is dropped without an alert and the association carries on.' },
  { id: 'RFC6347-4.1.2.7-bad-mac', source: 'RFC6347', section: '4.1.2.7', level: 'SHOULD',
    summary: 'A record whose MAC does not verify is dropped silently; an implementation that alerts instead sends a fatal bad_record_mac.' },

  // §4.2 The DTLS Handshake Protocol
  { id: 'RFC6347-4.2', source: 'RFC6347', section: '4.2', level: 'documented',
    summary: 'DTLS 1.2 runs the TLS 1.2 handshake with three additions: a cookie exchange, a handshake header for loss and fragmentation, and retransmission timers.' },

  // §4.2.1 Denial-of-Service Countermeasures
  { id: 'RFC6347-4.2.1', source: 'RFC6347', section: '4.2.1', level: 'documented',
    summary: 'The DTLS ClientHello adds a cookie<0..255> field after session_id, and HelloVerifyRequest (type 3) is server_version plus cookie<0..255>.' },
  { id: 'RFC6347-4.2.1-cookie', source: 'RFC6347', section: '4.2.1', level: 'MUST',
    summary: 'A client answers a HelloVerifyRequest by sending its ClientHello again, unchanged except for the cookie it was given.' },
  { id: 'RFC6347-4.2.1-cookie-mismatch', source: 'RFC6347', section: '4.2.1', level: 'SHOULD',
    summary: 'A server treats a ClientHello whose cookie does not verify like one without a cookie, answering with a new HelloVerifyRequest.' },
  { id: 'RFC6347-4.2.1-seq-mirror', source: 'RFC6347', section: '4.2.1', level: 'MUST',
    summary: 'A server copies the ClientHello\'s record sequence number into its HelloVerifyRequest and its first ServerHello.' },

  // §4.2.2 Handshake Message Format
  { id: 'RFC6347-4.2.2', source: 'RFC6347', section: '4.2.2', level: 'documented',
    summary: 'The DTLS handshake header adds message_seq, fragment_offset and fragment_length to the TLS 1.2 type and length.' },
  { id: 'RFC6347-4.2.2-next-receive-seq', source: 'RFC6347', section: '4.2.2', level: 'MUST',
    summary: 'Messages are processed in message_seq order from next_receive_seq, and one numbered below it is discarded.' },
  { id: 'RFC6347-4.2.2-queue-future', source: 'RFC6347', section: '4.2.2', level: 'SHOULD',
    summary: 'A message numbered above next_receive_seq is kept for later, though an implementation may drop it.' },

  // §4.2.3 Handshake Message Fragmentation and Reassembly
  { id: 'RFC6347-4.2.3-fragment', source: 'RFC6347', section: '4.2.3', level: 'MUST',
    summary: 'A sender cuts a message into contiguous fragments no bigger than the fragment budget that together cover it, each with the message\'s message_seq.' },
  { id: 'RFC6347-4.2.3-length-consistent', source: 'RFC6347', section: '4.2.3', level: 'documented',
    summary: 'Every fragment of one message repeats that message\'s total length.' },
  { id: 'RFC6347-4.2.3-reassembly', source: 'RFC6347', section: '4.2.3', level: 'MUST',
    summary: 'A receiver holds fragments until the whole message is there.' },
  { id: 'RFC6347-4.2.3-overlap', source: 'RFC6347', section: '4.2.3', level: 'MUST',
    summary: 'A receiver copes with fragments whose ranges overlap, as after a sender refragments for a smaller PMTU.' },

  // §4.2.4 Timeout and Retransmission
  { id: 'RFC6347-4.2.4-preparing', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'Entering PREPARING empties the transmit buffer and fills it with the next flight, which is all that SENDING will (re)send.' },
  { id: 'RFC6347-4.2.4-server-starts-waiting', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'A client begins in PREPARING and a server in WAITING, with nothing buffered and no timer running.' },
  { id: 'RFC6347-4.2.4-timer-expiry', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'When the retransmission timer fires in WAITING, the whole flight is sent again and the timer is armed anew.' },
  { id: 'RFC6347-4.2.4-waiting-read-retransmit', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'In WAITING, seeing the peer\'s previous flight again makes us resend our flight at once and re-arm the timer.' },
  { id: 'RFC6347-4.2.4-final-flight-resend', source: 'RFC6347', section: '4.2.4', level: 'MUST',
    summary: 'In FINISHED, the side that sent the last flight sends it again each time the peer\'s last flight arrives again.' },
  // Figure 2. Message Flights for Session-Resuming Handshake (No Cookie Exchange): ServerHello,
  // [ChangeCipherSpec], Finished from the server (flight 2), then [ChangeCipherSpec], Finished from
  // the client (flight 3).
  { id: 'RFC6347-4.2.4-resumed-flights', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'In a resumption the server\'s ServerHello, CCS and Finished form one flight and the client\'s CCS and Finished the last one, so the client holds and resends the final flight.' },
  { id: 'RFC6347-4.2.4-rehandshake', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'A new handshake leaves FINISHED through PREPARING: the server to send HelloRequest, the client to answer it with ClientHello.' },

  // §4.2.4.1 Timer Values
  { id: 'RFC6347-4.2.4.1-timer-initial', source: 'RFC6347', section: '4.2.4.1', level: 'SHOULD',
    summary: 'The retransmission timer starts at 1 second.' },
  { id: 'RFC6347-4.2.4.1-timer-double', source: 'RFC6347', section: '4.2.4.1', level: 'SHOULD',
    summary: 'Each retransmission doubles the timer value.' },
  { id: 'RFC6347-4.2.4.1-timer-cap', source: 'RFC6347', section: '4.2.4.1', level: 'SHOULD',
    summary: 'Doubling stops at a ceiling of no less than 60 seconds.' },
  { id: 'RFC6347-4.2.4.1-timer-reset', source: 'RFC6347', section: '4.2.4.1', level: 'SHOULD',
    summary: 'A grown timer value is kept until some flight gets through without loss, and may go back to the initial value only then or after a long idle period.' },
];
