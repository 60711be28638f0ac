/**
 * The whole DTLS 1.2 matrix in memory: every suite the engine serves, with and without connection
 * IDs, as a full handshake, then resumed by session ID and by ticket. Each run checks equal keys
 * (an exporter and a datagram each way), what was resumed, and the record format the CIDs imply.
 * Client authentication per suite and signature scheme is in client-auth.test.ts.
 */
import test from 'ava';
import { CipherSuite } from '../../wire/enums.ts';
import { readRecords } from '../../wire/records.ts';
import { decode } from '../../wire/reader.ts';
import { seededRandom } from '../../crypto/random.ts';
import { type Pair, referencePair } from '../../../testkit/pair.ts';
import { testPki } from '../../../testkit/credentials.ts';
import type { EndpointConfig } from './config.ts';
import { type Session, SessionCache } from './session.ts';
import { TicketKeys } from './tickets.ts';

const S = CipherSuite;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const PSK_KEY = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const PSK = { identity: utf8('matrix'), key: PSK_KEY };
const pskLookup = (id: Uint8Array): Uint8Array | undefined => (new TextDecoder().decode(id) === 'matrix' ? PSK_KEY : undefined);

type Auth = 'ecdsa' | 'rsa' | 'psk';
const SUITES: readonly (readonly [string, number, Auth])[] = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM', S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM, 'ecdsa'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', S.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, 'ecdsa'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'rsa'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'rsa'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'rsa'],
  ['TLS_PSK_WITH_AES_128_CCM_8', S.TLS_PSK_WITH_AES_128_CCM_8, 'psk'],
  ['TLS_PSK_WITH_AES_128_GCM_SHA256', S.TLS_PSK_WITH_AES_128_GCM_SHA256, 'psk'],
  ['TLS_PSK_WITH_AES_128_CCM', S.TLS_PSK_WITH_AES_128_CCM, 'psk'],
  ['TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, 'psk'],
];

async function configs(auth: Auth, suite: number): Promise<{ client: Partial<EndpointConfig>; server: Partial<EndpointConfig> }> {
  const base = { cipherSuites: [suite] };
  if (auth === 'psk') return { client: { ...base, psk: PSK }, server: { ...base, certificate: undefined, pskLookup } };
  if (auth === 'rsa') return { client: base, server: { ...base, certificate: (await testPki('RSA')).credentials } };
  return { client: base, server: base };
}

/** Both sides agree: an exporter and a datagram each way. */
function agree(t: import('ava').ExecutionContext, p: Pair, what: string): void {
  const a = p.client.exportKeyingMaterial('EXPERIMENTAL matrix', undefined, 32);
  const b = p.server.exportKeyingMaterial('EXPERIMENTAL matrix', undefined, 32);
  t.deepEqual(a, b, `${what}: exported keys`);
  p.client.send(utf8(`ping ${what}`));
  p.transfer('client');
  p.server.send(utf8(`pong ${what}`));
  p.transfer('server');
  const got = (side: 'client' | 'server'): string[] => p.events[side].flatMap((e) => (e.kind === 'data' ? [new TextDecoder().decode(e.data)] : []));
  t.true(got('server').includes(`ping ${what}`), `${what}: client to server`);
  t.true(got('client').includes(`pong ${what}`), `${what}: server to client`);
}

/** The formats of the protected records `side` sent: 'plaintext' (the RFC 6347 header) or 'tls12_cid'. */
function protectedFormats(p: Pair, side: 'client' | 'server'): Set<string> {
  const formats = p.wire
    .filter((w) => w.from === side)
    .flatMap((w) => decode(w.bytes, 'datagram', (r) => readRecords(r, { cidLength: 4 })))
    .flatMap((r) => (r.format === 'tls12_cid' || (r.format === 'plaintext' && r.epoch > 0) ? [r.format] : []));
  return new Set(formats);
}

for (const [name, suite, auth] of SUITES) {
  for (const cid of [false, true]) {
    const label = `${name}${cid ? ' with connection IDs' : ''}`;
    test(`[RFC5246-7.3-abbreviated] [RFC5077-3.2-request] [RFC9146-3-answer] ${label}: full, then resumed by session ID, then by ticket`, async (t) => {
      const { client, server } = await configs(auth, suite);
      const cids = cid ? { client: { connectionId: utf8('cli1') }, server: { connectionId: utf8('srv1') } } : { client: {}, server: {} };
      const sessionCache = new SessionCache();
      const ticketKeys = new TicketKeys({ random: seededRandom(`matrix keys ${label}`) });
      const run = async (extraClient: Partial<EndpointConfig>, step: string): Promise<Pair> => {
        const p = await referencePair(
          { ...client, ...cids.client, ...extraClient },
          { ...server, ...cids.server, sessionCache, ticketKeys },
          `matrix ${label} ${step}`,
        );
        p.run();
        t.is(p.client.status, 'established', `${step}: client (${p.error('client')?.kind === 'error' ? String(p.error('client')) : ''})`);
        t.is(p.server.status, 'established', `${step}: server`);
        agree(t, p, step);
        for (const side of ['client', 'server'] as const) {
          // A CID goes on every record protected after the hellos; the ChangeCipherSpec (epoch 0) never carries one.
          t.deepEqual([...protectedFormats(p, side)], [cid ? 'tls12_cid' : 'plaintext'], `${step}: the ${side}'s protected records`);
        }
        return p;
      };
      const full = await run({}, 'full');
      t.is(full.client.negotiated?.resumed, undefined);
      const byId = full.client.session() as Session;
      const resumedById = await run({ resumeSession: byId }, 'by session ID');
      t.is(resumedById.client.negotiated?.resumed, 'session-id');
      t.is(resumedById.server.negotiated?.resumed, 'session-id');
      const ticketed = await run({ sessionTickets: true }, 'full with a ticket');
      const byTicket = await run({ sessionTickets: true, resumeSession: ticketed.client.session() as Session }, 'by ticket');
      t.is(byTicket.client.negotiated?.resumed, 'ticket');
      t.is(byTicket.server.negotiated?.resumed, 'ticket');
    });
  }
}
