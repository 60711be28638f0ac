/**
 * ClientHello and ServerHello, the DTLS 1.2 forms (RFC 6347 §4.2.1, §4.2.2; RFC 5246 §7.4.1.2,
 * §7.4.1.3), which DTLS 1.3 keeps byte for byte (RFC 9147 §5.3, RFC 8446 §4.1.2, §4.1.3): DTLS 1.3
 * calls the fields legacy_version, legacy_session_id, legacy_cookie, legacy_compression_methods.
 * A HelloRetryRequest is a ServerHello whose random is `HELLO_RETRY_REQUEST_RANDOM`; its extensions
 * are read in the `hello_retry_request` context.
 *
 * Field paths use the names the conventions fixed for both versions: legacy_version, random,
 * session_id, cookie, cipher_suites / cipher_suite, compression_methods / compression_method,
 * extensions. The readers check the DTLS 1.2 vector bounds, which admit every DTLS 1.3 hello;
 * the tighter DTLS 1.3 ones (ClientHello extensions<8..>, ServerHello extensions<6..>) and the
 * presence of a block are semantic checks for the handshake, not the codec.
 */
import { CipherSuite, ProtocolVersion } from './enums.ts';
import { type Extension, readExtensions, writeExtensions } from './extensions.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** Length of `Random` (RFC 5246 §7.4.1.2). */
export const RANDOM_LENGTH = 32;

/** SHA-256("HelloRetryRequest"), the random of every HelloRetryRequest (RFC 8446 §4.1.3). Do not mutate: copy it. */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

export interface ClientHello {
  /** ProtocolVersion client_version (DTLS 1.3: legacy_version, always DTLS 1.2 = 0xfefd). */
  legacyVersion: number;
  /** Random random: 32 bytes on the wire; writers accept any length so probes can forge. */
  random: Uint8Array;
  /** SessionID session_id<0..32> (DTLS 1.3: legacy_session_id). */
  sessionId: Uint8Array;
  /** opaque cookie<0..2^8-1> (RFC 6347 §4.2.1; DTLS 1.3: legacy_cookie). */
  cookie: Uint8Array;
  /** CipherSuite cipher_suites<2..2^16-1> (open enum). */
  cipherSuites: number[];
  /** CompressionMethod compression_methods<1..2^8-1>. */
  compressionMethods: number[];
  /** Extension extensions<0..2^16-1>; undefined when the block is absent (not the same bytes as empty). */
  extensions: Extension[] | undefined;
}

/** RFC 6347 §4.2.2 (ClientHello with cookie), RFC 9147 §5.3 */
export function readClientHello(r: Reader): ClientHello {
  return r.struct('ClientHello', 'RFC 6347 §4.2.2', (s) => {
    const legacyVersion = s.u16('legacy_version', ProtocolVersion);
    const random = s.bytes(RANDOM_LENGTH, 'random');
    const sessionId = s.opaque(1, 'session_id', 0, 32);
    const cookie = s.opaque(1, 'cookie');
    const cipherSuites = s.list(2, 'cipher_suites', (e) => e.u16('', CipherSuite), 2);
    const compressionMethods = s.list(1, 'compression_methods', (e) => e.u8(''), 1);
    const extensions = s.atEnd() ? undefined : readExtensions(s, 'client_hello');
    return { legacyVersion, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
  });
}

export function writeClientHello(w: Writer, m: ClientHello): void {
  w.u16(m.legacyVersion).bytes(m.random).opaque(1, m.sessionId).opaque(1, m.cookie);
  w.list(2, m.cipherSuites, (x, c) => x.u16(c));
  w.list(1, m.compressionMethods, (x, c) => x.u8(c));
  if (m.extensions !== undefined) writeExtensions(w, m.extensions);
}

/** A ServerHello, or a HelloRetryRequest when `random` is `HELLO_RETRY_REQUEST_RANDOM`. */
export interface ServerHello {
  /** ProtocolVersion server_version (DTLS 1.3: legacy_version = DTLS 1.2; the real one is in supported_versions). */
  legacyVersion: number;
  /** Random random (32 bytes on the wire). */
  random: Uint8Array;
  /** SessionID session_id<0..32> (TLS 1.3: legacy_session_id_echo). */
  sessionId: Uint8Array;
  /** CipherSuite cipher_suite (open enum). */
  cipherSuite: number;
  /** CompressionMethod compression_method (TLS 1.3: legacy_compression_method = 0). */
  compressionMethod: number;
  /** Extension extensions<0..2^16-1>; undefined when the block is absent. */
  extensions: Extension[] | undefined;
}

/** Whether `random` is the HelloRetryRequest marker (RFC 8446 §4.1.3). */
export function isHelloRetryRequestRandom(random: Uint8Array): boolean {
  if (random.length !== HELLO_RETRY_REQUEST_RANDOM.length) return false;
  return random.every((b, i) => b === HELLO_RETRY_REQUEST_RANDOM[i]);
}

/** Whether this ServerHello is a HelloRetryRequest (RFC 8446 §4.1.3, RFC 9147 §5.3). */
export function isHelloRetryRequest(sh: Pick<ServerHello, 'random'>): boolean {
  return isHelloRetryRequestRandom(sh.random);
}

/** RFC 5246 §7.4.1.3 (RFC 6347 §4.2 keeps it), RFC 8446 §4.1.3 */
export function readServerHello(r: Reader): ServerHello {
  return r.struct('ServerHello', 'RFC 5246 §7.4.1.3', (s) => {
    const legacyVersion = s.u16('legacy_version', ProtocolVersion);
    const random = s.bytes(RANDOM_LENGTH, 'random');
    const sessionId = s.opaque(1, 'session_id', 0, 32);
    const cipherSuite = s.u16('cipher_suite', CipherSuite);
    const compressionMethod = s.u8('compression_method');
    const ctx = isHelloRetryRequestRandom(random) ? 'hello_retry_request' : 'server_hello';
    const extensions = s.atEnd() ? undefined : readExtensions(s, ctx);
    return { legacyVersion, random, sessionId, cipherSuite, compressionMethod, extensions };
  });
}

export function writeServerHello(w: Writer, m: ServerHello): void {
  w.u16(m.legacyVersion).bytes(m.random).opaque(1, m.sessionId).u16(m.cipherSuite).u8(m.compressionMethod);
  if (m.extensions !== undefined) writeExtensions(w, m.extensions);
}
