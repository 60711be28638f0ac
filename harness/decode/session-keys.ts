/**
 * Both directions' record protection of a DTLS 1.2 connection, from the master secret an endpoint
 * wrote to its NSS key log (`CLIENT_RANDOM <client random> <master secret>`) and the two randoms
 * of the hellos: RFC 5246 §6.3 key expansion with the suite's PRF hash, cut into the client's and
 * the server's write keys. Used by `dtlsprobe decode`, external fuzzing and the tests that forge.
 */
import { findKeylogSecret, type KeylogEntry } from '../../reference/capture/keylog.ts';
import { CipherState, deriveKeys } from '../../reference/record/cipher-state.ts';

/** What each side writes with (and so what the other side reads with). */
export interface SessionKeys {
  readonly client: CipherState;
  readonly server: CipherState;
}

/** The epoch-1 cipher states of a connection; throws for suites the record layer does not implement (CBC, 1.3). */
export function sessionKeys(cipherSuite: number, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): SessionKeys {
  const k = deriveKeys(cipherSuite, masterSecret, clientRandom, serverRandom, 'client');
  return { client: CipherState.forSuite(cipherSuite, k.write), server: CipherState.forSuite(cipherSuite, k.read) };
}

/** The session keys for `clientRandom` when the key log has its CLIENT_RANDOM line; undefined otherwise. */
export function sessionKeysFromKeylog(
  entries: readonly KeylogEntry[],
  cipherSuite: number,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): SessionKeys | undefined {
  const masterSecret = findKeylogSecret(entries, 'CLIENT_RANDOM', clientRandom);
  return masterSecret === undefined ? undefined : sessionKeys(cipherSuite, masterSecret, clientRandom, serverRandom);
}
