/**
 * RFC 7301, Application-Layer Protocol Negotiation, in the statements the server probes check
 * beyond those in extensions.ts (RFC7301-3.1, RFC7301-3.2 and RFC7301-3.2-no-application-protocol).
 */
import type { Requirement } from './requirement.ts';

/** The probes that check these run against the reference in this test file. */
const PROBES = ['harness/suites/reference.test.ts'];

export const RFC7301_REQUIREMENTS: readonly Requirement[] = [
  // §3.1 The Application-Layer Protocol Negotiation Extension
  // "opaque ProtocolName<1..2^8-1>; [...] Empty strings MUST NOT be included and byte strings MUST
  // NOT be truncated."
  { id: 'RFC7301-3.1-non-empty', source: 'RFC7301', section: '3.1', level: 'MUST NOT',
    summary: 'Every name in protocol_name_list has at least one byte, so a list holding a zero-length name is malformed and a server refuses it (decode_error, or illegal_parameter).',
    tests: PROBES },
  // "Servers that receive a ClientHello containing the "application_layer_protocol_negotiation"
  // extension MAY return a suitable protocol selection response to the client. The server will
  // ignore any protocol name that it does not recognize."
  { id: 'RFC7301-3.1-ignore-unknown', source: 'RFC7301', section: '3.1', level: 'documented',
    summary: 'Names the server does not know are skipped when it picks among the offered protocols, so an unknown name ahead of a known one does not stop the selection.',
    tests: PROBES },
];
