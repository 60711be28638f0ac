/**
 * The PSK key exchanges: RFC 4279 (plain PSK) and RFC 5489 (ECDHE_PSK), the statements test titles
 * name, in section order. The message layouts are `RFC4279-2` and `RFC5489-2` in extensions.ts;
 * these are the rules around them. Summaries are ours (catalogue.test.ts forbids copied runs); the
 * RFC's own words are quoted in the comment above each entry.
 */
import type { Requirement } from './requirement.ts';

export const RFC4279_REQUIREMENTS: readonly Requirement[] = [
  // RFC 4279 §2 PSK Key Exchange Algorithm
  // "If the TLS server also wants to use pre-shared keys, it selects one of the PSK ciphersuites,
  // places the selected ciphersuite in the ServerHello message, and includes an appropriate
  // ServerKeyExchange message (see below). The Certificate and CertificateRequest payloads are
  // omitted from the response."
  { id: 'RFC4279-2-no-certificate', source: 'RFC4279', section: '2', level: 'documented',
    summary: 'A server that picks a PSK suite sends neither its Certificate nor a CertificateRequest, so no certificate is needed on either side.' },
  // "To help the client in selecting which identity to use, the server can provide a "PSK identity
  // hint" in the ServerKeyExchange message. If no hint is provided, the ServerKeyExchange message is
  // omitted."
  { id: 'RFC4279-2-hint', source: 'RFC4279', section: '2', level: 'documented',
    summary: 'With plain PSK the ServerKeyExchange exists only to carry an identity hint: without a hint the server leaves it out, and a client copes with either.' },
  // "The premaster secret is formed as follows: if the PSK is N octets long, concatenate a uint16
  // with the value N, N zero octets, a second uint16 with the value N, and the PSK itself."
  { id: 'RFC4279-2-premaster', source: 'RFC4279', section: '2', level: 'documented',
    summary: 'The plain PSK premaster secret is other_secret then psk, each with a 2-byte length, where other_secret is zeros as long as the key.' },
  // "If the server does not recognize the PSK identity, it MAY respond with an
  // "unknown_psk_identity" alert message. Alternatively, if the server wishes to hide the fact that
  // the PSK identity was not known, it MAY continue the protocol as if the PSK identity existed but
  // the key was incorrect: that is, respond with a "decrypt_error" alert."
  { id: 'RFC4279-2-unknown-identity', source: 'RFC4279', section: '2', level: 'MAY',
    summary: 'An identity the server has no key for ends the handshake with a fatal unknown_psk_identity, or with decrypt_error when the server prefers not to reveal it.' },

  // RFC 4279 §5.2 Identity Hint
  // "In the absence of an application profile specification specifying otherwise, servers SHOULD
  // NOT provide an identity hint and clients MUST ignore the identity hint field."
  { id: 'RFC4279-5.2-hint-default', source: 'RFC4279', section: '5.2', level: 'SHOULD NOT',
    summary: 'Unless an application profile says otherwise, a server sends no identity hint and a client pays no attention to one.' },

  // RFC 4279 §5.3 Requirements for TLS Implementations
  // "TLS implementations supporting these ciphersuites MUST support arbitrary PSK identities up to
  // 128 octets in length, and arbitrary PSKs up to 64 octets in length."
  { id: 'RFC4279-5.3-lengths', source: 'RFC4279', section: '5.3', level: 'MUST',
    summary: 'Any identity of up to 128 bytes and any key of up to 64 bytes must work, and longer ones are recommended.' },

  // RFC 5489 §2 ECDHE_PSK Key Exchange Algorithm
  // "The PSK identity and identity hint fields have the same meaning and encoding as specified in
  // [RFC4279] (note that the ServerKeyExchange message is always sent, even if no PSK identity hint
  // is provided)."
  { id: 'RFC5489-2-ske-always', source: 'RFC5489', section: '2', level: 'MUST',
    summary: 'With ECDHE_PSK the server sends its ServerKeyExchange every time, with an empty hint when it has none, because the ECDH parameters travel in it.' },
  // "Let Z be the octet string produced by this computation. Next, concatenate a uint16 containing
  // the length of Z (in octets), Z itself, a uint16 containing the length of the PSK (in octets),
  // and the PSK itself."
  { id: 'RFC5489-2-premaster', source: 'RFC5489', section: '2', level: 'documented',
    summary: 'The ECDHE_PSK premaster secret has the RFC 4279 shape with the ECDH shared secret Z in place of the zeros.' },
];
