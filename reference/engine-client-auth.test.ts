/** Client authentication (RFC 5246 §7.4.4, §7.4.6, §7.4.8) through the engine, in memory. */
import test from 'ava';
import { AlertDescription, HandshakeType } from './wire/enums.ts';
import { referencePair } from '../testkit/pair.ts';
import { testPki } from '../testkit/credentials.ts';
import { mapFragments } from '../testkit/forge.ts';
import type { EngineEvent } from './engine.ts';

const sentAlert = (events: EngineEvent[]): number | undefined => {
  const e = events.find((x) => x.kind === 'alert' && x.from === 'us');
  return e?.kind === 'alert' ? e.description : undefined;
};

for (const mode of ['requested', 'required'] as const) {
  test(`[RFC5246-7.4.6] client authentication ${mode}: a client with a certificate is authenticated`, async (t) => {
    const client = await testPki('P-384');
    const seen: number[] = [];
    const p = await referencePair(
      { certificate: client.credentials },
      { clientAuth: mode, verifyPeer: (chain) => (seen.push(chain.length), { ok: true }), certificateAuthorities: [Uint8Array.of(0x30, 0)] },
    );
    p.run();
    t.is(p.server.status, 'established');
    t.deepEqual(seen, [2]);
    t.is(p.server.negotiated?.peerChain.length, 2);
    t.true(p.server.negotiated?.peerVerified);
    t.true(p.client.negotiated?.sentClientCertificate);
    t.deepEqual(p.client.negotiated?.acceptedCas, [Uint8Array.of(0x30, 0)]);
  });
}

test('[RFC5246-7.4.6] client authentication requested: a client without a certificate sends an empty one and goes on', async (t) => {
  const p = await referencePair({}, { clientAuth: 'requested' });
  p.run();
  t.is(p.server.status, 'established');
  t.is(p.server.negotiated?.peerChain.length, 0);
  t.false(p.client.negotiated?.sentClientCertificate);
});

test('[RFC5246-7.4.6] client authentication required: a client without a certificate fails with handshake_failure', async (t) => {
  const p = await referencePair({}, { clientAuth: 'required' });
  p.run();
  t.is(p.server.status, 'failed');
  t.is(sentAlert(p.events.server), AlertDescription.handshake_failure);
  t.is(p.client.status, 'failed');
});

test('[RFC5246-7.4.6] a client certificate that fails verification gets the verifier\'s alert (bad_certificate)', async (t) => {
  const client = await testPki('P-256');
  const p = await referencePair(
    { certificate: client.credentials },
    { clientAuth: 'required', verifyPeer: () => ({ ok: false, alert: AlertDescription.bad_certificate, reason: 'unknown CA' }) },
  );
  p.run();
  t.is(sentAlert(p.events.server), AlertDescription.bad_certificate);
});

test('[RFC5246-7.4.8] a CertificateVerify signed with another key fails with decrypt_error', async (t) => {
  const client = await testPki('P-256');
  const other = await testPki('P-384');
  // The client's Certificate names one key; it signs with another.
  const mixed = { chain: client.credentials.chain, privateKey: other.credentials.privateKey };
  const p = await referencePair({ certificate: mixed, signatureSchemes: [0x0503, 0x0403] }, { clientAuth: 'required' });
  p.run();
  t.is(p.server.status, 'failed');
  t.is(sentAlert(p.events.server), AlertDescription.decrypt_error);
});

test('[RFC5246-7.4.8] a CertificateVerify whose signature is altered fails with decrypt_error', async (t) => {
  const client = await testPki('P-256');
  const p = await referencePair({ certificate: client.credentials }, { clientAuth: 'required' });
  p.run({
    alter: {
      client: (d) => [
        mapFragments(d, (fs) =>
          fs.map((f) => {
            if (f.msgType !== HandshakeType.certificate_verify) return f;
            const body = f.body.slice();
            body[body.length - 1] ^= 1;
            return { ...f, body };
          }),
        ),
      ],
    },
  });
  t.is(sentAlert(p.events.server), AlertDescription.decrypt_error);
});
