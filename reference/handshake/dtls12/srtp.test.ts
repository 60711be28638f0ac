/**
 * use_srtp (RFC 5764), reference client against reference server in memory: each profile is
 * agreed and both sides export the same SRTP master keys and salts, split as RFC 5764 §4.2 says;
 * the server's choice, the MKI rules, no profile in common, and the checks on the server's answer.
 */
import test from 'ava';
import { DtlsError } from '../../errors.ts';
import { AlertDescription, SrtpProtectionProfile } from '../../wire/enums.ts';
import type { Extension } from '../../wire/extensions.ts';
import { referencePair } from '../../../testkit/pair.ts';
import { hexFixture } from '../../../testkit/hex.ts';
import type { EndpointConfig } from './config.ts';
import { resolveConfig } from './config.ts';
import { SRTP_EXPORTER_LABEL, SRTP_PROFILES, resolveSrtpConfig, srtpFromServerHello } from './srtp.ts';

const P = SrtpProtectionProfile;
const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

async function handshake(client: Partial<EndpointConfig>, server: Partial<EndpointConfig>, seed: string) {
  const p = await referencePair(client, server, seed);
  p.run();
  const e = p.error('client') ?? p.error('server');
  return { p, error: e?.kind === 'error' ? e.error.message : undefined };
}

for (const [profile, info] of SRTP_PROFILES) {
  test(`[RFC5764-4.1-select] [RFC5764-4.2-keys] ${info.name}: agreed, and both sides export the same keys and salts, split client key, server key, client salt, server salt`, async (t) => {
    const { p, error } = await handshake({ srtp: { profiles: [profile] } }, { srtp: { profiles: [...SRTP_PROFILES.keys()] } }, `srtp ${profile}`);
    t.is(p.client.status, 'established', error);
    t.is(p.client.negotiated?.srtp?.profile, profile);
    t.is(p.server.negotiated?.srtp?.profile, profile);
    const c = p.client.srtpKeyingMaterial();
    const s = p.server.srtpKeyingMaterial();
    if (c === undefined || s === undefined) return t.fail('no keying material');
    t.deepEqual(c, s);
    const k = info.masterKeyLength;
    const salt = info.masterSaltLength;
    t.deepEqual([c.clientWriteKey.length, c.serverWriteKey.length, c.clientWriteSalt.length, c.serverWriteSalt.length], [k, k, salt, salt]);
    const block = p.client.exportKeyingMaterial(SRTP_EXPORTER_LABEL, undefined, 2 * (k + salt));
    t.is(hex(block), [c.clientWriteKey, c.serverWriteKey, c.clientWriteSalt, c.serverWriteSalt].map(hex).join(''));
    t.not(hex(c.clientWriteKey), hex(c.serverWriteKey));
    t.is(c.mki.length, 0);
  });
}

test('[RFC5764-4.1-select] the server picks its own first preference among the client\'s offer', async (t) => {
  const { p, error } = await handshake(
    { srtp: { profiles: [P.SRTP_AES128_CM_HMAC_SHA1_32, P.SRTP_AES128_CM_HMAC_SHA1_80, P.SRTP_AEAD_AES_128_GCM] } },
    { srtp: { profiles: [P.SRTP_AEAD_AES_256_GCM, P.SRTP_AES128_CM_HMAC_SHA1_80, P.SRTP_AES128_CM_HMAC_SHA1_32] } },
    'srtp preference',
  );
  t.is(p.server.status, 'established', error);
  t.is(p.client.negotiated?.srtp?.profile, P.SRTP_AES128_CM_HMAC_SHA1_80);
  t.is(p.server.negotiated?.srtp?.profile, P.SRTP_AES128_CM_HMAC_SHA1_80);
});

test('[RFC5764-4.1-no-common] no profile in common: no use_srtp in the ServerHello, the handshake completes without SRTP', async (t) => {
  const { p, error } = await handshake({ srtp: { profiles: [P.SRTP_AEAD_AES_256_GCM] } }, { srtp: { profiles: [P.SRTP_AES128_CM_HMAC_SHA1_80] } }, 'srtp none');
  t.is(p.client.status, 'established', error);
  t.is(p.client.negotiated?.srtp, undefined);
  t.is(p.server.negotiated?.srtp, undefined);
  t.is(p.client.srtpKeyingMaterial(), undefined);
});

test('without use_srtp on one side there is no SRTP, and keying material is asked for only after the handshake', async (t) => {
  const { p, error } = await handshake({ srtp: { profiles: [P.SRTP_AES128_CM_HMAC_SHA1_80] } }, {}, 'srtp server without');
  t.is(p.client.status, 'established', error);
  t.is(p.client.negotiated?.srtp, undefined);
  const fresh = await referencePair({ srtp: { profiles: [P.SRTP_AES128_CM_HMAC_SHA1_80] } }, {}, 'srtp early');
  t.throws(() => fresh.client.srtpKeyingMaterial(), { instanceOf: DtlsError, message: /after the handshake/ });
});

test('[RFC5764-4.1-mki] the server echoes the client\'s MKI, or answers with an empty one when it will not use it', async (t) => {
  const mki = hexFixture('0a0b0c');
  const srtp = { profiles: [P.SRTP_AES128_CM_HMAC_SHA1_80], mki };
  const echoed = await handshake({ srtp }, { srtp: { profiles: [P.SRTP_AES128_CM_HMAC_SHA1_80] } }, 'srtp mki');
  t.is(hex(echoed.p.client.negotiated?.srtp?.mki), '0a0b0c', echoed.error);
  t.is(hex(echoed.p.server.srtpKeyingMaterial()?.mki), '0a0b0c');
  const refused = await handshake({ srtp }, { srtp: { profiles: [P.SRTP_AES128_CM_HMAC_SHA1_80], acceptMki: false } }, 'srtp no mki');
  t.is(hex(refused.p.client.negotiated?.srtp?.mki), '', refused.error);
  t.is(hex(refused.p.server.negotiated?.srtp?.mki), '');
});

test('[RFC5764-4.1-select] [RFC5764-4.1-mki] a server answer with a profile not offered, several profiles, or another MKI is illegal_parameter', (t) => {
  const ours = resolveSrtpConfig({ profiles: [P.SRTP_AES128_CM_HMAC_SHA1_80, P.SRTP_AES128_CM_HMAC_SHA1_32], mki: hexFixture('01') });
  const answer = (profiles: number[], mki: string): Extension[] => [{ kind: 'use_srtp', srtpProtectionProfiles: profiles, srtpMki: hexFixture(mki) }];
  const alertOf = (f: () => unknown): number | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof DtlsError && e.detail.kind === 'peer-misbehaved' ? e.detail.alert : undefined;
    }
    return undefined;
  };
  t.is(alertOf(() => srtpFromServerHello(ours, answer([P.SRTP_AEAD_AES_128_GCM], ''))), AlertDescription.illegal_parameter);
  t.is(alertOf(() => srtpFromServerHello(ours, answer([P.SRTP_AES128_CM_HMAC_SHA1_80, P.SRTP_AES128_CM_HMAC_SHA1_32], ''))), AlertDescription.illegal_parameter);
  t.is(alertOf(() => srtpFromServerHello(ours, answer([], ''))), AlertDescription.illegal_parameter);
  t.is(alertOf(() => srtpFromServerHello(ours, answer([P.SRTP_AES128_CM_HMAC_SHA1_32], '02'))), AlertDescription.illegal_parameter);
  t.deepEqual(srtpFromServerHello(ours, answer([P.SRTP_AES128_CM_HMAC_SHA1_32], '01')), { profile: P.SRTP_AES128_CM_HMAC_SHA1_32, mki: hexFixture('01') });
  t.deepEqual(srtpFromServerHello(ours, answer([P.SRTP_AES128_CM_HMAC_SHA1_32], '')), { profile: P.SRTP_AES128_CM_HMAC_SHA1_32, mki: new Uint8Array(0) });
  t.is(srtpFromServerHello(ours, []), undefined);
});

test('srtp configuration: profiles known, not empty, not repeated; MKI 0..255 bytes', (t) => {
  const config = (srtp: EndpointConfig['srtp']): unknown => resolveConfig({ role: 'client', srtp });
  t.throws(() => config({ profiles: [] }), { message: /srtp\.profiles must not be empty/ });
  t.throws(() => config({ profiles: [P.SRTP_NULL_HMAC_SHA1_80] }), { message: /srtp\.profiles has SRTP_NULL_HMAC_SHA1_80/ });
  t.throws(() => config({ profiles: [1, 1] }), { message: /twice/ });
  t.throws(() => config({ profiles: [1], mki: new Uint8Array(256) }), { message: /srtp\.mki/ });
  t.notThrows(() => config({ profiles: [1], mki: new Uint8Array(255) }));
});
