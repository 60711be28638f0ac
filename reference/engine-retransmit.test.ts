/**
 * RFC 6347 §4.2.4 through the whole engine on virtual time: deadlines read from what is put on
 * the wire, a lost final flight recovered, duplicates not answered twice, the budget ending in
 * the timeout error.
 */
import test from 'ava';
import { referencePair } from '../testkit/pair.ts';
import { ContentType, HandshakeType } from './wire/enums.ts';

test('[RFC6347-4.2.4.1-timer-double] [RFC6347-4.2.4.1-timer-cap] an unanswered client resends at 1, 2, 4 ... 60 s, then fails with the timeout error', async (t) => {
  const p = await referencePair({ maxRetransmissions: 9 });
  p.run({ alter: { client: () => [] }, maxSteps: 100 });
  const sends = p.wire.filter((w) => w.from === 'client').map((w) => w.at / 1000);
  t.deepEqual(sends, [0, 1, 3, 7, 15, 31, 63, 123, 183, 243]);
  t.is(p.client.status, 'failed');
  const error = p.error('client');
  t.is(error?.kind === 'error' ? error.error.detail.kind : undefined, 'timeout');
  t.is(p.client.nextTimeout(), undefined);
});

test('[RFC6347-4.2.4-final-flight-resend] a lost final flight is recovered: the client resends flight 5, the server resends flight 6', async (t) => {
  const p = await referencePair();
  let dropped = 0;
  p.run({
    alter: {
      server: (d) => {
        // The server's final flight starts with its ChangeCipherSpec record.
        if (dropped === 0 && d[0] === ContentType.change_cipher_spec) {
          dropped++;
          return [];
        }
        return [d];
      },
    },
  });
  t.is(dropped, 1);
  t.is(p.client.status, 'established');
  t.is(p.server.status, 'established');
  t.is(p.client.stats().retransmissions, 1);
  t.is(p.server.stats().retransmissions, 1);
});

test('[RFC6347-4.1.2.6-replay] a duplicated flight is not answered twice', async (t) => {
  const p = await referencePair();
  p.run({ alter: { client: (d) => [d, d] } });
  t.is(p.server.status, 'established');
  t.is(p.server.stats().retransmissions, 0);
  t.true(p.server.stats().records.discarded.replayed > 0);
  const serverHellos = p.wire.filter((w) => w.from === 'server' && w.bytes[13] === HandshakeType.server_hello);
  t.is(serverHellos.length, 1);
});

test('[RFC6347-4.2.4.1-timer-reset] after a lost flight the grown timer is kept for the next flight', async (t) => {
  const p = await referencePair();
  // Lose the first transmission of flight 1 and of flight 3.
  p.run({ alter: { client: (d, index) => (index === 0 || index === 2 ? [] : [d]) } });
  t.is(p.client.status, 'established');
  const clientSends = p.wire.filter((w) => w.from === 'client').map((w) => w.at);
  // Flight 1 at 0 s, again at 1 s (the timer grows to 2 s); flight 3 at 1 s, lost, again 2 s later:
  // the grown value is kept because flight 1 did not get through without loss.
  t.deepEqual(clientSends.slice(0, 4), [0, 1000, 1000, 3000]);
});

test('[RFC6347-4.2.4.1-timer-reset] after a lossless flight the timer is back to 1 s', async (t) => {
  const p = await referencePair();
  // Lose flight 1 once, then flight 5 once: flight 3 got through, so flight 5 waits 1 s again.
  let flight5 = true;
  p.run({
    alter: {
      client: (d, index) => {
        if (index === 0) return [];
        if (flight5 && d[0] === ContentType.handshake && d[13] === HandshakeType.client_key_exchange) {
          flight5 = false;
          return [];
        }
        return [d];
      },
    },
  });
  t.is(p.client.status, 'established');
  const clientSends = p.wire.filter((w) => w.from === 'client').map((w) => w.at);
  t.deepEqual(clientSends, [0, 1000, 1000, 1000, 2000]);
});

test('[RFC6347-4.2.4-waiting-read-retransmit] a peer flight resent in several datagrams is answered once, not once per datagram', async (t) => {
  // The server's flight 4 spans several datagrams at this MTU; the client's own timer is slow, so
  // only the server's timer fires. The client's flight 5 is lost once: the server resends flight 4,
  // and the client answers that repeat with one flight 5, whatever the number of its datagrams.
  const p = await referencePair({ initialTimeoutMs: 5000 }, { mtu: 256 });
  const isFlight5 = (d: Uint8Array): boolean => d[0] === ContentType.handshake && d[13] === HandshakeType.client_key_exchange;
  let lost = false;
  p.run({
    alter: {
      client: (d) => {
        if (!lost && isFlight5(d)) {
          lost = true;
          return [];
        }
        return [d];
      },
    },
  });
  t.is(p.client.status, 'established');
  t.is(p.server.status, 'established');
  const serverFlight4 = p.wire.filter((w) => w.from === 'server' && w.at === 1000);
  t.true(serverFlight4.length > 2, `flight 4 went out again in ${serverFlight4.length} datagrams`);
  const flight5 = p.wire.filter((w) => w.from === 'client' && isFlight5(w.bytes)).map((w) => w.at);
  t.deepEqual(flight5, [0, 1000]);
  t.is(p.client.stats().retransmissions, 1);
});

test('[RFC6347-4.2.4-final-flight-resend] a server in FINISHED answers each repeat of flight 5 once, however many datagrams it spans', async (t) => {
  // Flight 5 spans several datagrams at this MTU. The server's flight 6 is lost twice: the client
  // resends flight 5 twice on its timer, and the server answers each repeat with one flight 6.
  const p = await referencePair({ mtu: 128 });
  const isFlight6 = (d: Uint8Array): boolean => d[0] === ContentType.change_cipher_spec;
  let lost = 0;
  p.run({
    alter: {
      server: (d) => {
        if (lost < 2 && isFlight6(d)) {
          lost++;
          return [];
        }
        return [d];
      },
    },
  });
  t.is(lost, 2);
  t.is(p.client.status, 'established');
  const clientResends = p.wire.filter((w) => w.from === 'client' && w.at > 0);
  t.true(clientResends.length >= 4, `flight 5 went out again in ${clientResends.length} datagrams`);
  const flight6 = p.wire.filter((w) => w.from === 'server' && isFlight6(w.bytes)).map((w) => w.at);
  t.deepEqual(flight6, [0, 1000, 3000]);
  t.is(p.server.stats().retransmissions, 2);
});
