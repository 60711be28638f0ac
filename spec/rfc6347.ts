/**
 * RFC 6347, DTLS 1.2: the statements test titles name, in section order. Levels are the RFC's
 * keywords; 'documented' marks a definition, a figure or a plain statement without one.
 */
import type { Requirement } from './requirement.ts';

export const RFC6347_REQUIREMENTS: readonly Requirement[] = [
  // §3.2.1 Packet Loss
  { id: 'RFC6347-3.2.1-hvr-no-retransmit', source: 'RFC6347', section: '3.2.1', level: 'documented',
    summary: 'A server never arms a retransmission timer for a HelloVerifyRequest, because doing so would need per-client state.' },
  // "When the server receives the retransmission, it knows to retransmit."
  { id: 'RFC6347-3.2.1-hvr-on-retransmission', source: 'RFC6347', section: '3.2.1', level: 'documented',
    summary: 'A server that gets the ClientHello again sends its HelloVerifyRequest again, since either of the two may have been lost.' },
  // "The HelloVerifyRequest is designed to be small enough that it will not itself be fragmented,
  // thus avoiding concerns about interleaving multiple HelloVerifyRequests."
  { id: 'RFC6347-3.2.1-hvr-small', source: 'RFC6347', section: '3.2.1', level: 'documented',
    summary: 'The HelloVerifyRequest is short: it travels whole, in one record, never cut into fragments.' },

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
  // "Note that TLS's restrictions on when packets may be sent still apply, and the receiver treats
  // the packets as if they were sent in the right order. In particular, it is still impermissible
  // to send data prior to completion of the first handshake."
  { id: 'RFC6347-4.1-no-early-data', source: 'RFC6347', section: '4.1', level: 'documented',
    summary: 'No application data may flow before the first handshake is complete, so an unprotected data record at epoch 0 never reaches the application.',
    tests: ['harness/suites/reference.test.ts'] },
  // "In general, implementations SHOULD discard packets from earlier epochs, but if packet loss
  // causes noticeable problems they MAY choose to retain keying material from previous epochs for
  // up to the default MSL specified for TCP [TCP] to allow for packet reordering."
  { id: 'RFC6347-4.1-old-epoch', source: 'RFC6347', section: '4.1', level: 'SHOULD',
    summary: 'Once a newer epoch is in force, records still arriving under an older one are normally dropped (keys may be kept a while against reordering), so epoch-0 data after the handshake goes nowhere.',
    tests: ['harness/suites/reference.test.ts'] },
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
  // "2. An attacker can use the server as an amplifier by sending connection initiation messages
  // with a forged source of the victim." ... "In order to counter both of these attacks, DTLS
  // borrows the stateless cookie technique used by Photuris [PHOTURIS] and IKE [IKEv2]."
  { id: 'RFC6347-4.2.1-amplification', source: 'RFC6347', section: '4.2.1', level: 'documented',
    summary: 'The cookie exchange keeps a server from amplifying traffic toward a forged source address: until its cookie returns, it answers with nothing bigger than the small HelloVerifyRequest.' },
  // "The server then verifies the cookie and proceeds with the handshake only if it is valid."
  { id: 'RFC6347-4.2.1-cookie-verify', source: 'RFC6347', section: '4.2.1', level: 'documented',
    summary: 'A server that asked for a cookie goes on to its ServerHello only once a cookie it issued comes back and checks out.' },
  // "However, in order to avoid the requirement to do version negotiation in the initial
  // handshake, DTLS 1.2 server implementations SHOULD use DTLS version 1.0 regardless of the
  // version of TLS that is expected to be negotiated."
  { id: 'RFC6347-4.2.1-hvr-version', source: 'RFC6347', section: '4.2.1', level: 'SHOULD',
    summary: 'A DTLS 1.2 server writes DTLS 1.0 ({254, 255}) into HelloVerifyRequest.server_version, whichever version it later picks.' },
  // "The server MUST use the same version number in the HelloVerifyRequest that it would use when
  // sending a ServerHello."
  { id: 'RFC6347-4.2.1-hvr-version-serverhello', source: 'RFC6347', section: '4.2.1', level: 'MUST',
    summary: 'HelloVerifyRequest.server_version is the version the server would give in its ServerHello, which the SHOULD above (DTLS 1.0) contradicts for a DTLS 1.2 server.' },
  // "The server SHOULD use those values to generate its cookie and verify that they are correct
  // upon cookie receipt."
  { id: 'RFC6347-4.2.1-cookie-parameters', source: 'RFC6347', section: '4.2.1', level: 'SHOULD',
    summary: 'A server binds its cookie to the ClientHello parameters (version, random, session_id, suites, compression) and checks them when the cookie returns.' },
  // "DTLS servers SHOULD perform a cookie exchange whenever a new handshake is being performed."
  // ... "The default SHOULD be that the exchange is performed, however."
  { id: 'RFC6347-4.2.1-cookie-default', source: 'RFC6347', section: '4.2.1', level: 'SHOULD',
    summary: 'By default a server runs the cookie exchange before each new handshake, leaving it out only where it was configured to because amplification is no concern.' },
  { id: 'RFC6347-4.2.1-cookie', source: 'RFC6347', section: '4.2.1', level: 'MUST',
    summary: 'A client answers a HelloVerifyRequest by sending its ClientHello again, unchanged except for the cookie it was given.' },
  { id: 'RFC6347-4.2.1-cookie-mismatch', source: 'RFC6347', section: '4.2.1', level: 'SHOULD',
    summary: 'A server treats a ClientHello whose cookie does not verify like one without a cookie, answering with a new HelloVerifyRequest.' },
  { id: 'RFC6347-4.2.1-seq-mirror', source: 'RFC6347', section: '4.2.1', level: 'MUST',
    summary: 'A server copies the ClientHello\'s record sequence number into its HelloVerifyRequest and its first ServerHello.' },
  // "DTLS 1.2 and 1.0 clients MUST use the version solely to indicate packet formatting (which is
  // the same in both DTLS 1.2 and 1.0) and not as part of version negotiation. In particular, DTLS
  // 1.2 clients MUST NOT assume that because the server uses version 1.0 in the HelloVerifyRequest
  // that the server is not DTLS 1.2 or that it will eventually negotiate DTLS 1.0 rather than DTLS
  // 1.2."
  { id: 'RFC6347-4.2.1-hvr-version-client', source: 'RFC6347', section: '4.2.1', level: 'MUST NOT',
    summary: 'A client reads HelloVerifyRequest.server_version as a record-format hint only: {254, 255} or {254, 253} there says nothing about the version the ServerHello will pick, and both are answered alike.',
    tests: ['harness/suites/reference.test.ts'] },
  // "Note: This specification increases the cookie size limit to 255 bytes for greater future
  // flexibility. The limit remains 32 for previous versions of DTLS."
  { id: 'RFC6347-4.2.1-cookie-255', source: 'RFC6347', section: '4.2.1', level: 'documented',
    summary: 'In DTLS 1.2 a cookie may be as long as 255 bytes (DTLS 1.0 stopped at 32), and a client returns one of any length up to that in full.',
    tests: ['harness/suites/reference.test.ts'] },
  // "Note to implementors: This may result in clients receiving multiple HelloVerifyRequest
  // messages with different cookies. Clients SHOULD handle this by sending a new ClientHello with a
  // cookie in response to the new HelloVerifyRequest."
  { id: 'RFC6347-4.2.1-new-cookie', source: 'RFC6347', section: '4.2.1', level: 'SHOULD',
    summary: 'A client that gets a further HelloVerifyRequest, with another cookie, after sending its cookie answers again with a ClientHello carrying the newest cookie.',
    tests: ['harness/suites/reference.test.ts'] },

  // §4.2.2 Handshake Message Format
  { id: 'RFC6347-4.2.2', source: 'RFC6347', section: '4.2.2', level: 'documented',
    summary: 'The DTLS handshake header adds message_seq, fragment_offset and fragment_length to the TLS 1.2 type and length.' },
  { id: 'RFC6347-4.2.2-next-receive-seq', source: 'RFC6347', section: '4.2.2', level: 'MUST',
    summary: 'Messages are processed in message_seq order from next_receive_seq, and one numbered below it is discarded.' },
  { id: 'RFC6347-4.2.2-queue-future', source: 'RFC6347', section: '4.2.2', level: 'SHOULD',
    summary: 'A message numbered above next_receive_seq is kept for later, though an implementation may drop it.' },
  // "The first message each side transmits in each handshake always has message_seq = 0. Whenever
  // each new message is generated, the message_seq value is incremented by one." ... "When a
  // message is retransmitted, the same message_seq value is used."
  { id: 'RFC6347-4.2.2-message-seq', source: 'RFC6347', section: '4.2.2', level: 'documented',
    summary: 'Each side numbers its handshake messages from 0 in every handshake, one up for each new message while a resent one keeps its number, so the ClientHello carrying a cookie is message 1.',
    tests: ['harness/suites/reference.test.ts'] },
  // "Note that in the case of a rehandshake, this implies that the HelloRequest will have
  // message_seq = 0 and the ServerHello will have message_seq = 1."
  { id: 'RFC6347-4.2.2-rehandshake-seq', source: 'RFC6347', section: '4.2.2', level: 'documented',
    summary: 'A renegotiation numbers its messages afresh: the HelloRequest that starts it is message 0 of the server, and its ServerHello message 1.',
    tests: ['harness/suites/reference.test.ts'] },

  // §4.2.3 Handshake Message Fragmentation and Reassembly
  { id: 'RFC6347-4.2.3-fragment', source: 'RFC6347', section: '4.2.3', level: 'MUST',
    summary: 'A sender cuts a message into contiguous fragments no bigger than the fragment budget that together cover it, each with the message\'s message_seq.' },
  { id: 'RFC6347-4.2.3-length-consistent', source: 'RFC6347', section: '4.2.3', level: 'documented',
    summary: 'Every fragment of one message repeats that message\'s total length.' },
  { id: 'RFC6347-4.2.3-reassembly', source: 'RFC6347', section: '4.2.3', level: 'MUST',
    summary: 'A receiver holds fragments until the whole message is there.' },
  { id: 'RFC6347-4.2.3-overlap', source: 'RFC6347', section: '4.2.3', level: 'MUST',
    summary: 'A receiver copes with fragments whose ranges overlap, as after a sender refragments for a smaller PMTU.' },
  // "Note that as with TLS, multiple handshake messages may be placed in the same DTLS record,
  // provided that there is room and that they are part of the same flight. Thus, there are two
  // acceptable ways to pack two DTLS messages into the same datagram: in the same record or in
  // separate records."
  { id: 'RFC6347-4.2.3-shared-record', source: 'RFC6347', section: '4.2.3', level: 'documented',
    summary: 'Messages of one flight may travel together inside a single record as well as in separate records of one datagram, and a receiver takes either packing.',
    tests: ['harness/suites/reference.test.ts'] },

  // §4.2.4 Timeout and Retransmission
  { id: 'RFC6347-4.2.4-preparing', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'Entering PREPARING empties the transmit buffer and fills it with the next flight, which is all that SENDING will (re)send.' },
  { id: 'RFC6347-4.2.4-server-starts-waiting', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'A client begins in PREPARING and a server in WAITING, with nothing buffered and no timer running.' },
  { id: 'RFC6347-4.2.4-timer-expiry', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'When the retransmission timer fires in WAITING, the whole flight is sent again and the timer is armed anew.' },
  { id: 'RFC6347-4.2.4-waiting-read-retransmit', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'In WAITING, seeing the peer\'s previous flight again makes us resend our flight at once and re-arm the timer.' },
  // "Partial reads (whether partial messages or only some of the messages in the flight) do not
  // cause state transitions or timer resets."
  { id: 'RFC6347-4.2.4-partial-read', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'Getting only part of the peer\'s next flight, some fragments or some of its messages, changes neither the state nor the retransmission timer.' },
  // "3. The implementation receives the next flight of messages: if this is the final flight of
  // messages, the implementation transitions to FINISHED."
  { id: 'RFC6347-4.2.4-final-flight-received', source: 'RFC6347', section: '4.2.4', level: 'documented',
    summary: 'The peer\'s final flight ends the waiting: its receiver enters FINISHED and stops resending its own last flight on a timer.',
    tests: ['harness/suites/reference.test.ts'] },
  // "Implementations MUST either discard or buffer all application data packets for the new epoch
  // until they have received the Finished message for that epoch."
  { id: 'RFC6347-4.2.4-data-before-finished', source: 'RFC6347', section: '4.2.4', level: 'MUST',
    summary: 'Application data protected under the new epoch that arrives ahead of the peer\'s Finished is held or dropped, never handed over before that Finished has checked out.',
    tests: ['harness/suites/reference.test.ts'] },
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
