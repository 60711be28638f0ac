/**
 * getChannelBindingData: tls-unique, tls-server-end-point and tls-exporter, the same on both ends
 * of a connection, and GIO's G_TLS_CHANNEL_BINDING_ERROR codes when there is nothing to give.
 */
import { createHash } from 'node:crypto';
import test from 'ava';
import { type ApiPair, apiPair } from '../../testkit/api.ts';
import { handshakeBoth, outcomeName } from '../../testkit/api-certs.ts';
import { VirtualClock } from '../../testkit/virtual-clock.ts';
import { seededRandom } from '../crypto/random.ts';
import { TlsChannelBindingType, type TlsChannelBindingTypeValue } from './enums.ts';
import { GioError } from './errors.ts';

const TYPES: readonly [string, TlsChannelBindingTypeValue][] = [
  ['tls-unique', TlsChannelBindingType.UNIQUE],
  ['tls-server-end-point', TlsChannelBindingType.SERVER_END_POINT],
  ['tls-exporter', TlsChannelBindingType.EXPORTER],
];

/** A type GIO does not define. */
const UNKNOWN_TYPE = 7 as TlsChannelBindingTypeValue;

async function pair(seed = 'channel binding'): Promise<ApiPair & { clock: VirtualClock }> {
  const clock = new VirtualClock();
  const p = await apiPair({ clock, client: { engine: { random: seededRandom(`${seed} client`) } }, server: { engine: { random: seededRandom(`${seed} server`) } } });
  return { ...p, clock };
}

async function established(seed?: string): Promise<ApiPair & { clock: VirtualClock }> {
  const p = await pair(seed);
  const result = await handshakeBoth(p.client, p.server, p.clock);
  if (!result.client.ok || !result.server.ok) throw new Error(`handshake: ${outcomeName(result.client)} / ${outcomeName(result.server)}`);
  return p;
}

/** The GIO error name `fn` throws, or 'no error'. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (e instanceof GioError) return e.codeName;
    throw e;
  }
}

test('[SEED-channel-binding-data] each binding type gives the same bytes on both ends, of the RFC\'s shape', async (t) => {
  const { client, server, serverCertificate } = await established();
  for (const [name, type] of TYPES) {
    const c = client.getChannelBindingData(type);
    const s = server.getChannelBindingData(type);
    t.deepEqual(c, s, `${name}: client and server agree`);
    t.true(c.length > 0, name);
  }
  t.is(client.getChannelBindingData(TlsChannelBindingType.UNIQUE).length, 12, 'tls-unique: the first Finished verify_data (RFC 5929 §3.1)');
  const endPoint = new Uint8Array(createHash('sha256').update(serverCertificate.certificate).digest());
  t.deepEqual(client.getChannelBindingData(TlsChannelBindingType.SERVER_END_POINT), endPoint, 'tls-server-end-point: SHA-256 of the server certificate (RFC 5929 §4.1)');
  t.is(client.getChannelBindingData(TlsChannelBindingType.EXPORTER).length, 32, 'tls-exporter: 32 bytes (RFC 9266 §2)');

  // A second connection binds differently, except to the same server certificate.
  const other = await established('another channel binding');
  t.notDeepEqual(other.client.getChannelBindingData(TlsChannelBindingType.UNIQUE), client.getChannelBindingData(TlsChannelBindingType.UNIQUE));
  t.notDeepEqual(other.client.getChannelBindingData(TlsChannelBindingType.EXPORTER), client.getChannelBindingData(TlsChannelBindingType.EXPORTER));
  t.deepEqual(other.client.getChannelBindingData(TlsChannelBindingType.SERVER_END_POINT), endPoint);
});

test('[SEED-channel-binding-check-only] asked to check only, it says whether the type is supported and hands out no data', async (t) => {
  const { client, server } = await established();
  for (const [name, type] of TYPES) {
    t.is(client.getChannelBindingData(type, true).length, 0, `${name}: supported, no data`);
    t.is(server.getChannelBindingData(type, true).length, 0, name);
  }
  t.is(errorOf(() => client.getChannelBindingData(UNKNOWN_TYPE, true)), 'G_TLS_CHANNEL_BINDING_ERROR_NOT_IMPLEMENTED', 'an unknown type is not supported');
  const fresh = await pair();
  t.is(errorOf(() => fresh.client.getChannelBindingData(TlsChannelBindingType.UNIQUE, true)), 'G_TLS_CHANNEL_BINDING_ERROR_INVALID_STATE', 'a check made before the handshake fails as the fetch would');
});

test('[SEED-channel-binding-unavailable] with no data yet, or a type it cannot give, getChannelBindingData fails with GIO\'s channel binding error', async (t) => {
  const p = await pair();
  for (const [name, type] of TYPES) {
    t.is(errorOf(() => p.client.getChannelBindingData(type)), 'G_TLS_CHANNEL_BINDING_ERROR_INVALID_STATE', `${name} before the handshake`);
    t.is(errorOf(() => p.server.getChannelBindingData(type)), 'G_TLS_CHANNEL_BINDING_ERROR_INVALID_STATE', `${name} before the handshake (server)`);
  }
  const e = t.throws(() => p.client.getChannelBindingData(TlsChannelBindingType.EXPORTER), { instanceOf: GioError });
  t.is(e?.domain, 'g-tls-channel-binding-error-quark');

  await handshakeBoth(p.client, p.server, p.clock);
  t.is(errorOf(() => p.client.getChannelBindingData(UNKNOWN_TYPE)), 'G_TLS_CHANNEL_BINDING_ERROR_NOT_IMPLEMENTED');
  t.is(errorOf(() => p.client.getChannelBindingData(TlsChannelBindingType.UNIQUE)), 'no error');

  // A handshake that failed never yields data.
  const failed = await pair('failed channel binding');
  failed.client.setServerIdentity('example.com');
  await handshakeBoth(failed.client, failed.server, failed.clock);
  t.is(errorOf(() => failed.client.getChannelBindingData(TlsChannelBindingType.EXPORTER)), 'G_TLS_CHANNEL_BINDING_ERROR_INVALID_STATE');

  // Once closed, the connection has none to give either.
  await p.client.close();
  t.is(errorOf(() => p.client.getChannelBindingData(TlsChannelBindingType.UNIQUE)), 'G_TLS_CHANNEL_BINDING_ERROR_INVALID_STATE');
});
