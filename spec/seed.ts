/**
 * The seed: Gio.DtlsConnection's documentation (seed/gio-dtls-connection.txt), one entry per
 * statement of behaviour, paragraph by paragraph: overview, methods, properties, the signal. The
 * virtual methods (do_*) repeat the public methods and add no statement of their own; the
 * _async/_finish pairs collapse into one Promise-returning method (SEED-async-forms).
 * `section` names the method, property (`:name`) or signal (`::name`) that states it.
 */
import type { Requirement } from './requirement.ts';

/** Mark for seed entries whose API tests are still being written; the lead removes it as they land. */
export const API_TESTS_PENDING = 'API tests pending';
/** Mark for statements that advise the caller and leave the implementation nothing to do. */
const ADVICE = 'advice to the caller: no behaviour of the connection to check';

export const SEED_REQUIREMENTS: readonly Requirement[] = [
  // --- overview ---
  { id: 'SEED-wraps-datagram-based', source: 'seed', section: 'overview', level: 'documented',
    summary: 'A DTLS connection runs over a base DatagramBased and is itself a DatagramBased that sends and receives the protected datagrams.' },
  { id: 'SEED-client-server-subclasses', source: 'seed', section: 'overview', level: 'documented',
    summary: 'DtlsClientConnection and DtlsServerConnection are the client and server sides of the one DtlsConnection interface.' },
  { id: 'SEED-no-peer-address-set', source: 'seed', section: 'overview', level: 'documented',
    summary: 'Neither side sets the peer address on its base socket; connecting the base socket is left to the caller.' },
  { id: 'SEED-base-closed-no-not-connected', source: 'seed', section: 'overview', level: 'documented',
    summary: 'When the caller left the base socket unconnected and then closed it, further I/O on the DTLS connection does not fail with NOT_CONNECTED.' },

  // --- close / close_async / close_finish ---
  { id: 'SEED-close-shuts-both', source: 'seed', section: 'close', level: 'documented',
    summary: 'close() does what shutdown(read = true, write = true) does.' },
  { id: 'SEED-close-flushes-pending', source: 'seed', section: 'close', level: 'documented',
    summary: 'close() completes only after data that was buffered but not yet transmitted has been sent.' },
  { id: 'SEED-close-sends-close-notify', source: 'seed', section: 'close', level: 'documented',
    summary: 'close() sends a close_notify alert to the peer after the pending data.' },
  { id: 'SEED-close-may-await-peer-notify', source: 'seed', section: 'close', level: 'MAY',
    summary: 'close() is allowed to wait for the peer to answer with its own close_notify before completing.' },
  { id: 'SEED-close-keeps-base-socket', source: 'seed', section: 'close', level: 'documented',
    summary: 'close() leaves the base socket open; the caller closes it separately.' },
  { id: 'SEED-closed-ops-fail-closed', source: 'seed', section: 'close', level: 'documented',
    summary: 'After close(), every other operation on the connection fails with IOErrorEnum.CLOSED.' },
  { id: 'SEED-close-twice-ok', source: 'seed', section: 'close', level: 'documented',
    summary: 'Calling close() on an already closed connection succeeds without an error.' },
  { id: 'SEED-close-on-release', source: 'seed', section: 'close', level: 'documented',
    summary: 'A connection whose last reference is released (here: disposed) is closed automatically, so close() only makes release earlier.' },
  { id: 'SEED-close-cancelled-recall', source: 'seed', section: 'close', level: 'documented',
    summary: 'A close() cancelled part-way may leave the connection half closed and drop unsent data, and calling close() again finishes closing it.' },
  { id: 'SEED-async-forms', source: 'seed', section: 'close_async, handshake_async, shutdown_async', level: 'documented',
    summary: 'The asynchronous forms of close, handshake and shutdown behave like the blocking forms; here each pair is one Promise-returning method taking an AbortSignal.' },

  // --- emit_accept_certificate ---
  { id: 'SEED-emit-accept-certificate', source: 'seed', section: 'emit_accept_certificate', level: 'documented',
    summary: 'emitAcceptCertificate(cert, errors) runs the accept-certificate handlers with that certificate and those flags and returns whether one accepted it.' },

  // --- certificate ---
  { id: 'SEED-certificate-get-set', source: 'seed', section: 'get_certificate, set_certificate, :certificate', level: 'documented',
    summary: 'getCertificate() and the certificate property return the certificate last given to setCertificate().' },
  { id: 'SEED-certificate-presented', source: 'seed', section: 'set_certificate', level: 'documented',
    summary: 'The certificate set on the connection is the one it presents to the peer in the handshake.' },
  { id: 'SEED-server-needs-certificate', source: 'seed', section: 'set_certificate', level: 'MUST',
    summary: 'A server connection cannot do without a certificate, and normally receives it when it is constructed.' },
  { id: 'SEED-client-certificate-optional', source: 'seed', section: 'set_certificate', level: 'documented',
    summary: 'A client connection handshakes without a certificate when the server does not insist on one.' },
  { id: 'SEED-certificate-required-error', source: 'seed', section: 'set_certificate', level: 'documented',
    summary: 'When the server demands a client certificate and the client has none, the client handshake fails with TlsError.CERTIFICATE_REQUIRED.' },
  { id: 'SEED-accepted-cas', source: 'seed', section: 'set_certificate, DtlsClientConnection.get_accepted_cas', level: 'documented',
    summary: 'After such a failure, getAcceptedCas() on the client lists the certificate authorities the server named in its request.' },
  { id: 'SEED-accepted-cas-shows-request', source: 'seed', section: 'set_certificate, DtlsClientConnection.get_accepted_cas', level: 'documented',
    summary: 'When the server asked for a certificate but let the client in without one, getAcceptedCas() is non-null, which is how the client learns it was asked.' },

  // --- channel binding ---
  { id: 'SEED-channel-binding-data', source: 'seed', section: 'get_channel_binding_data', level: 'documented',
    summary: 'getChannelBindingData(type) returns the channel binding bytes of that type (tls-unique, tls-server-end-point, tls-exporter) for the connection.' },
  { id: 'SEED-channel-binding-check-only', source: 'seed', section: 'get_channel_binding_data', level: 'documented',
    summary: 'Asked without an output buffer, getChannelBindingData only reports whether the type is supported, which does not promise the data will be available.' },
  { id: 'SEED-channel-binding-unavailable', source: 'seed', section: 'get_channel_binding_data', level: 'documented',
    summary: 'getChannelBindingData fails when the connection cannot provide that type or the data does not exist yet (for instance before the handshake).' },

  // --- ciphersuite name ---
  { id: 'SEED-ciphersuite-null-before-handshake', source: 'seed', section: 'get_ciphersuite_name', level: 'documented',
    summary: 'getCiphersuiteName() is null before the handshake has completed.' },
  { id: 'SEED-ciphersuite-null-after-close', source: 'seed', section: 'get_ciphersuite_name', level: 'documented',
    summary: 'getCiphersuiteName() is null again once the connection is closed.' },
  { id: 'SEED-ciphersuite-name', source: 'seed', section: 'get_ciphersuite_name, :ciphersuite-name', level: 'documented',
    summary: 'After the handshake getCiphersuiteName() and the ciphersuite-name property give a display name for the negotiated suite, meant for people rather than parsing.' },

  // --- database ---
  { id: 'SEED-database-get-set', source: 'seed', section: 'get_database, set_database, :database', level: 'documented',
    summary: 'getDatabase() and the database property return the database last given to setDatabase().' },
  { id: 'SEED-database-default', source: 'seed', section: 'set_database, :database', level: 'documented',
    summary: 'Until the caller sets one, peer certificates are verified against the backend default database.' },
  { id: 'SEED-null-database-unknown-ca', source: 'seed', section: 'set_database', level: 'documented',
    summary: 'With the database set to null, verifying a peer certificate always reports UNKNOWN_CA, so a client emits accept-certificate unless its validation flags omit UNKNOWN_CA.' },
  { id: 'SEED-database-verify-chain', source: 'seed', section: ':database', level: 'documented',
    summary: 'With a non-default database the connection verifies the peer chain through that database\'s verifyChain, without TLS session context.' },
  { id: 'SEED-database-non-default-discouraged', source: 'seed', section: ':database', level: 'SHOULD NOT', untested: ADVICE,
    summary: 'Callers are told not to set a non-default database, even one that merely wraps the default, unless they have unusual needs.' },

  // --- interaction ---
  { id: 'SEED-interaction-get-set', source: 'seed', section: 'get_interaction, set_interaction, :interaction', level: 'documented',
    summary: 'getInteraction() and the interaction property return the object last given to setInteraction(), and null means no user interaction.' },
  { id: 'SEED-interaction-used', source: 'seed', section: 'set_interaction, :interaction', level: 'documented',
    summary: 'The connection and its database ask the interaction object when they need something from the user, such as a password.' },

  // --- ALPN ---
  { id: 'SEED-alpn-advertised', source: 'seed', section: 'set_advertised_protocols, :advertised-protocols', level: 'documented',
    summary: 'The protocols given to setAdvertisedProtocols() are offered in the ALPN extension and read back by the advertised-protocols property.' },
  { id: 'SEED-alpn-null-disables', source: 'seed', section: 'set_advertised_protocols', level: 'documented',
    summary: 'Setting the advertised protocols to null turns ALPN off, so no ALPN extension is sent.' },
  { id: 'SEED-alpn-negotiated', source: 'seed', section: 'get_negotiated_protocol, :negotiated-protocol', level: 'documented',
    summary: 'After the handshake getNegotiatedProtocol() and the negotiated-protocol property give the protocol both sides agreed on.' },
  { id: 'SEED-alpn-null-without-match', source: 'seed', section: 'get_negotiated_protocol', level: 'documented',
    summary: 'getNegotiatedProtocol() is null when the peer sent no ALPN extension or none of its protocols matched ours.' },

  // --- peer certificate ---
  { id: 'SEED-peer-certificate-after-handshake', source: 'seed', section: 'get_peer_certificate, :peer-certificate', level: 'documented',
    summary: 'getPeerCertificate() returns the certificate the peer presented once the handshake has completed or failed.' },
  { id: 'SEED-peer-certificate-unset-during-signal', source: 'seed', section: 'get_peer_certificate, get_peer_certificate_errors', level: 'documented',
    summary: 'While accept-certificate is being emitted, neither the peer certificate nor its errors are set on the connection yet.' },
  { id: 'SEED-peer-certificate-notify', source: 'seed', section: ':peer-certificate', level: 'documented',
    summary: 'Setting the peer certificate raises a notify for the peer-certificate property, which tells a watcher the handshake happened.' },
  { id: 'SEED-peer-certificate-errors', source: 'seed', section: 'get_peer_certificate_errors, :peer-certificate-errors', level: 'documented',
    summary: 'getPeerCertificateErrors() gives the verification flags of the peer certificate after the handshake, 0 unless validation flags were relaxed or a handler accepted a bad certificate.' },
  { id: 'SEED-verify-failure-sets-flag', source: 'seed', section: ':peer-certificate-errors, ::accept-certificate', level: 'documented',
    summary: 'A failed verification sets at least one flag in the errors, though not necessarily every flag that applies.' },
  { id: 'SEED-no-masking-single-flags', source: 'seed', section: ':peer-certificate-errors, ::accept-certificate', level: 'SHOULD NOT', untested: ADVICE,
    summary: 'Callers must not accept a certificate by ignoring one flag such as EXPIRED, since that flag may be the only one reported for a worse certificate.' },

  // --- protocol version ---
  { id: 'SEED-protocol-version-unknown-before-handshake', source: 'seed', section: 'get_protocol_version', level: 'documented',
    summary: 'getProtocolVersion() is UNKNOWN before the handshake has completed.' },
  { id: 'SEED-protocol-version-unknown-after-close', source: 'seed', section: 'get_protocol_version', level: 'documented',
    summary: 'getProtocolVersion() is UNKNOWN again once the connection is closed.' },
  { id: 'SEED-protocol-version', source: 'seed', section: 'get_protocol_version, :protocol-version', level: 'documented',
    summary: 'After the handshake getProtocolVersion() and the protocol-version property give the negotiated DTLS version (DTLS_1_0, DTLS_1_2, or our DTLS_1_3), or UNKNOWN for a version the enum lacks.' },

  // --- rehandshake mode ---
  { id: 'SEED-rehandshake-mode-deprecated', source: 'seed', section: 'get_rehandshake_mode, set_rehandshake_mode, :rehandshake-mode', level: 'documented',
    summary: 'The rehandshake mode is deprecated: it can be set and read back but changes nothing about the connection.' },

  // --- require close notify ---
  { id: 'SEED-require-close-notify-default', source: 'seed', section: 'set_require_close_notify, :require-close-notify', level: 'documented',
    summary: 'require-close-notify is true on a new connection, and getRequireCloseNotify() returns the value last set.' },
  { id: 'SEED-require-close-notify-eof', source: 'seed', section: 'set_require_close_notify', level: 'documented',
    summary: 'With require-close-notify true, a peer that goes away without a close_notify makes reads fail with TlsError.EOF.' },
  { id: 'SEED-no-require-close-notify-zero-read', source: 'seed', section: 'set_require_close_notify', level: 'documented',
    summary: 'With require-close-notify false, a peer that goes away without a close_notify shows up as a zero-length read.' },
  { id: 'SEED-close-notify-regardless', source: 'seed', section: 'set_require_close_notify', level: 'documented',
    summary: 'require-close-notify only governs the peer\'s close: our own close() sends close_notify whatever its value.' },
  { id: 'SEED-unclean-close-base-socket', source: 'seed', section: 'set_require_close_notify', level: 'documented',
    summary: 'Closing the base socket instead of the connection closes without sending close_notify.' },

  // --- handshake ---
  { id: 'SEED-client-implicit-handshake', source: 'seed', section: 'handshake', level: 'documented',
    summary: 'A client that sends or receives before handshaking runs the handshake first by itself.' },
  { id: 'SEED-server-implicit-handshake', source: 'seed', section: 'handshake', level: 'documented',
    summary: 'A server also handshakes by itself on first use, so calling handshake() there is only for clearer errors.' },
  { id: 'SEED-handshake-reports-outcome', source: 'seed', section: 'handshake', level: 'documented',
    summary: 'An explicit handshake() resolves when the initial handshake succeeds and rejects with its error when it fails.' },
  { id: 'SEED-handshake-success-not-usable', source: 'seed', section: 'handshake', level: 'documented',
    summary: 'A client handshake can succeed and the server still reject the client certificate afterwards, so the next read fails.' },
  { id: 'SEED-handshake-once', source: 'seed', section: 'handshake', level: 'documented',
    summary: 'Calling handshake() after the initial handshake does nothing: no renegotiation starts.' },

  // --- shutdown ---
  { id: 'SEED-shutdown-read', source: 'seed', section: 'shutdown', level: 'documented',
    summary: 'After shutdown with read = true, receiving fails with IOErrorEnum.CLOSED.' },
  { id: 'SEED-shutdown-write', source: 'seed', section: 'shutdown', level: 'documented',
    summary: 'After shutdown with write = true, sending fails with IOErrorEnum.CLOSED.' },
  { id: 'SEED-shutdown-both-is-close', source: 'seed', section: 'shutdown', level: 'documented',
    summary: 'shutdown with both read and write true is allowed and does what close() does.' },
  { id: 'SEED-shutdown-cancelled-recall', source: 'seed', section: 'shutdown', level: 'documented',
    summary: 'A shutdown cancelled part-way may leave the connection half closed and drop unsent data, and calling shutdown again finishes it.' },

  // --- properties without a method of their own ---
  { id: 'SEED-base-socket-property', source: 'seed', section: ':base-socket', level: 'documented',
    summary: 'The base-socket property is the wrapped DatagramBased, which may be any implementation and not only a socket.' },

  // --- ::accept-certificate ---
  { id: 'SEED-accept-certificate-after-receipt', source: 'seed', section: '::accept-certificate', level: 'documented',
    summary: 'accept-certificate is emitted during the handshake once the peer certificate has arrived, with a certificate whose issuer chain can be walked.' },
  { id: 'SEED-accept-certificate-client-on-failure', source: 'seed', section: '::accept-certificate', level: 'documented',
    summary: 'On a client, accept-certificate is emitted only for a server certificate that fails the connection\'s validation flags.' },
  { id: 'SEED-accept-certificate-client-override', source: 'seed', section: '::accept-certificate', level: 'documented',
    summary: 'On a client, a handler returning true lets the handshake go on despite the certificate errors.' },
  { id: 'SEED-bad-certificate-when-rejected', source: 'seed', section: '::accept-certificate', level: 'documented',
    summary: 'When no handler accepts the certificate, the handshake fails with TlsError.BAD_CERTIFICATE.' },
  { id: 'SEED-accept-certificate-server-always', source: 'seed', section: '::accept-certificate', level: 'documented',
    summary: 'On a server that asked for a client certificate, accept-certificate is emitted for every certificate a client presents, and it is accepted only if a handler returns true.' },
  { id: 'SEED-accept-certificate-no-user-prompt', source: 'seed', section: '::accept-certificate', level: 'SHOULD NOT',
    summary: 'A handler run from asynchronous I/O on the main thread should not prompt the user; reject first, ask after BAD_CERTIFICATE, and accept on a new connection.' },
];
