/**
 * RFC 7627, the TLS session hash and extended master secret extension, in the statements the
 * server probes check beyond those in extensions.ts (RFC7627-4, RFC7627-5.2-ems-required and the
 * §5.3 resumption rules live there): how the extension is negotiated in a full handshake.
 */
import type { Requirement } from './requirement.ts';

/** The probes that check these run against the reference in this test file. */
const PROBES = ['harness/suites/reference.test.ts'];

export const RFC7627_REQUIREMENTS: readonly Requirement[] = [
  // §5.1 Extension Definition
  // "If the client and server agree on this extension and a full handshake takes place, both client
  // and server MUST use the extended master secret derivation algorithm, as defined in Section 4."
  { id: 'RFC7627-5.1-use-ems', source: 'RFC7627', section: '5.1', level: 'MUST',
    summary: 'Once both hellos carry extended_master_secret, a full handshake derives its master secret from the session hash, so Finished only checks out under that derivation.',
    tests: PROBES },

  // §5.2 Client and Server Behavior: Full Handshake
  // "If a server implementing this document receives the "extended_master_secret" extension, it
  // MUST include the extension in its ServerHello message."
  { id: 'RFC7627-5.2-server-echo', source: 'RFC7627', section: '5.2', level: 'MUST',
    summary: 'A server that implements the extension answers a ClientHello carrying it with the same empty extension in its ServerHello.',
    tests: PROBES },
  // "If it chooses to continue the handshake, then it MUST NOT include the extension in the
  // ServerHello."
  { id: 'RFC7627-5.2-no-unsolicited', source: 'RFC7627', section: '5.2', level: 'MUST NOT',
    summary: 'A server that goes on with a client that did not offer extended_master_secret leaves the extension out of its ServerHello.',
    tests: PROBES },
  // "If the client and server choose to continue a full handshake without the extension, they MUST
  // use the standard master secret derivation for the new session."
  { id: 'RFC7627-5.2-legacy-derivation', source: 'RFC7627', section: '5.2', level: 'MUST',
    summary: 'A full handshake completed without the extension on either side uses the RFC 5246 master secret from the two randoms.',
    tests: PROBES },
];
