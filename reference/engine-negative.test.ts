/**
 * What the engine does with forged and broken input: each test names the exact alert it expects,
 * or the silent discard and its counter.
 */
import test from 'ava';
import type { EngineEvent } from './engine.ts';
import { LAST_ANSWERABLE_HELLO_MESSAGE_SEQ } from './engine-hello.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, ProtocolVersion } from './wire/enums.ts';
import { referencePair } from '../testkit/pair.ts';
import { keysFromKeyLog, mapClientHello, mapFragments, mapRecords, resealEpoch1, sealRecord } from '../testkit/forge.ts';

function sentAlert(events: EngineEvent[]): number | undefined {
  const e = events.find((x) => x.kind === 'alert' && x.from === 'us');
  return e?.kind === 'alert' ? e.description : undefined;
}

/** Watches the server's flights for its ServerHello.random (needed to derive keys from the key log). */
function serverRandomWatcher(): { watch: (d: Uint8Array) => Uint8Array[]; random: () => Uint8Array } {
  let random: Uint8Array | undefined;
  return {
    watch: (d) => {
      mapFragments(d, (fs) => {
        for (const f of fs) if (f.msgType === HandshakeType.server_hello) random = f.body.slice(2, 34);
        return fs;
      });
      return [d];
    },
    random: () => {
      if (random === undefined) throw new Error('no ServerHello seen');
      return random;
    },
  };
}

test('[RFC5246-7.4.9-finished] a Finished with a wrong verify_data fails the handshake with decrypt_error', async (t) => {
  const log: string[] = [];
  const sr = serverRandomWatcher();
  const p = await referencePair({ keyLog: (l) => log.push(l) });
  const suite = p.client.config.cipherSuites[0];
  p.run({
    alter: {
      server: sr.watch,
      client: (d) => {
        if (log.length === 0) return [d];
        const keys = keysFromKeyLog(log[0], suite, sr.random());
        return [
          resealEpoch1(d, keys.client, (type, plain) => {
            if (type !== ContentType.handshake || plain[0] !== HandshakeType.finished) return plain;
            const forged = plain.slice();
            forged[forged.length - 1] ^= 1;
            return forged;
          }),
        ];
      },
    },
  });
  t.is(p.server.status, 'failed');
  t.is(sentAlert(p.events.server), AlertDescription.decrypt_error);
  t.is(p.client.status, 'failed');
});

test('[RFC5246-7.1-early-ccs] a ChangeCipherSpec in place of the ClientKeyExchange is unexpected_message', async (t) => {
  const p = await referencePair();
  p.run({
    alter: {
      client: (d) =>
        [mapRecords(d, (rs) => {
          const cke = rs.findIndex((r) => r.type === ContentType.handshake && r.epoch === 0 && r.fragment[0] === HandshakeType.client_key_exchange);
          if (cke < 0) return rs;
          const seq = rs[cke].sequenceNumber;
          return rs.filter((_, i) => i !== cke).map((r) => (r.type === ContentType.change_cipher_spec ? { ...r, sequenceNumber: seq } : r));
        })],
    },
  });
  t.is(p.server.status, 'failed');
  t.is(sentAlert(p.events.server), AlertDescription.unexpected_message);
});

for (const skipped of [HandshakeType.server_key_exchange, HandshakeType.certificate]) {
  test(`[RFC5246-7.4-order] a server flight without its ${HandshakeType.nameOf(skipped)} is unexpected_message`, async (t) => {
    const p = await referencePair();
    let gone: number | undefined; // the skipped message's seq, kept across the flight's datagrams
    p.run({
      alter: {
        server: (d) => {
          mapFragments(d, (fs) => {
            gone ??= fs.find((f) => f.msgType === skipped)?.messageSeq;
            return fs;
          });
          if (gone === undefined) return [d];
          const seq = gone;
          return [
            mapFragments(d, (fs) =>
              fs.filter((f) => f.msgType !== skipped).map((f) => (f.messageSeq > seq ? { ...f, messageSeq: f.messageSeq - 1 } : f)),
            ),
          ];
        },
      },
    });
    t.is(p.client.status, 'failed');
    t.is(sentAlert(p.events.client), AlertDescription.unexpected_message);
  });
}

test('[RFC6347-4.2.1-cookie-mismatch] a wrong cookie gets a fresh HelloVerifyRequest and no state is kept', async (t) => {
  const p = await referencePair();
  p.transfer('client');
  p.transfer('server'); // HelloVerifyRequest
  const ch2 = p.client.pollTransmit();
  if (ch2 === undefined) return t.fail('no second ClientHello');
  const forged = mapClientHello(ch2, (ch) => ({ ...ch, cookie: ch.cookie.map((b) => b ^ 0xff) }));
  p.server.receive(forged, 0);
  t.is(p.server.handshakeState, 'ExpectClientHello');
  const answer = p.server.pollTransmit();
  t.is(answer?.[13], HandshakeType.hello_verify_request);
  t.is(p.server.pollTransmit(), undefined);
  t.is(p.server.nextTimeout(), undefined, 'a HelloVerifyRequest is never retransmitted');
});

/** The second ClientHello (the one with the cookie) numbered `messageSeq`; the server's answer. */
async function helloNumbered(messageSeq: number) {
  const p = await referencePair({}, { clientAuth: 'required' });
  p.transfer('client');
  p.transfer('server'); // HelloVerifyRequest
  const ch2 = p.client.pollTransmit();
  if (ch2 === undefined) throw new Error('no second ClientHello');
  p.server.receive(mapFragments(ch2, (fs) => fs.map((f) => ({ ...f, messageSeq }))), 0);
  const answered: number[] = [];
  for (let d = p.server.pollTransmit(); d !== undefined; d = p.server.pollTransmit()) {
    mapFragments(d, (fs) => (answered.push(...fs.map((f) => f.messageSeq)), fs));
  }
  return { server: p.server, answered };
}

test('[RFC6347-4.2.2-message-seq] a ClientHello numbered too high for the server to number its answer is ignored, not a crash', async (t) => {
  // The server numbers its flight from the ClientHello's message_seq; with client authentication
  // it sends five messages now and its Finished later, so 65530 is the last it can answer.
  const last = await helloNumbered(LAST_ANSWERABLE_HELLO_MESSAGE_SEQ);
  t.is(last.server.status, 'handshaking');
  t.deepEqual(last.answered, [65530, 65531, 65532, 65533, 65534]);
  t.is(last.server.stats().unanswerableHellos, 0);
  for (const messageSeq of [LAST_ANSWERABLE_HELLO_MESSAGE_SEQ + 1, 0xfffe, 0xffff]) {
    const over = await helloNumbered(messageSeq);
    t.is(over.server.status, 'handshaking', `message_seq ${messageSeq}`);
    t.is(over.server.handshakeState, 'ExpectClientHello', `message_seq ${messageSeq}`);
    t.deepEqual(over.answered, [], `message_seq ${messageSeq}`);
    t.is(over.server.stats().unanswerableHellos, 1, `message_seq ${messageSeq}`);
  }
});

test('[RFC6347-4.1.2.6-replay] a replayed record is dropped and counted', async (t) => {
  const p = await referencePair();
  p.run();
  p.client.send(new TextEncoder().encode('once'));
  const d = p.client.pollTransmit();
  if (d === undefined) return t.fail('nothing sent');
  p.server.receive(d, 0);
  p.server.receive(d, 0);
  p.drainEvents();
  t.is(p.events.server.filter((e) => e.kind === 'data').length, 1);
  t.is(p.server.stats().records.discarded.replayed, 1);
});

test('[RFC6347-4.1.2.7-bad-mac] a record with a bad MAC is dropped and counted', async (t) => {
  const p = await referencePair();
  p.run();
  p.client.send(new TextEncoder().encode('data'));
  const d = p.client.pollTransmit();
  if (d === undefined) return t.fail('nothing sent');
  const bad = d.slice();
  bad[bad.length - 1] ^= 0x80;
  p.server.receive(bad, 0);
  p.drainEvents();
  t.is(p.events.server.filter((e) => e.kind === 'data').length, 0);
  t.is(p.server.stats().records.discarded['bad-mac'], 1);
  t.is(p.server.status, 'established');
});

test('[RFC5246-7.4.1.1-no-renegotiation] a HelloRequest after the handshake gets a no_renegotiation warning', async (t) => {
  const log: string[] = [];
  const sr = serverRandomWatcher();
  const p = await referencePair({ keyLog: (l) => log.push(l) }, {}, 'renegotiation');
  p.run({ alter: { server: sr.watch } });
  t.is(p.client.status, 'established');
  const keys = keysFromKeyLog(log[0], p.client.negotiated?.cipherSuite ?? 0, sr.random());
  const helloRequest = Uint8Array.of(HandshakeType.hello_request, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  p.client.receive(sealRecord(keys.server, ContentType.handshake, 100, helloRequest), 0);
  p.drainEvents();
  const warning = p.events.client.find((e) => e.kind === 'alert' && e.from === 'us');
  t.deepEqual(warning, { kind: 'alert', from: 'us', level: AlertLevel.warning, description: AlertDescription.no_renegotiation });
  t.is(p.client.status, 'established');
});

test('[RFC7627-5.2-ems-required] a ClientHello without extended_master_secret fails with handshake_failure', async (t) => {
  const p = await referencePair();
  p.run({ alter: { client: (d) => [mapClientHello(d, (ch) => ({ ...ch, extensions: ch.extensions?.filter((e) => e.kind !== 'extended_master_secret') }))] } });
  t.is(p.server.status, 'failed');
  t.is(sentAlert(p.events.server), AlertDescription.handshake_failure);
});

test('[RFC6347-4.1-version] a DTLS 1.0 ClientHello fails with protocol_version', async (t) => {
  const p = await referencePair();
  p.run({ alter: { client: (d) => [mapClientHello(d, (ch) => ({ ...ch, legacyVersion: ProtocolVersion.DTLSv1_0 }))] } });
  t.is(p.server.status, 'failed');
  t.is(sentAlert(p.events.server), AlertDescription.protocol_version);
});
