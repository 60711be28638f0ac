/**
 * The server's handshake reassembly (RFC 6347 §4.2.3): ClientHello, ClientKeyExchange and Finished
 * cut into fragments that come in order, reversed, overlapping, repeated, empty or interleaved with
 * another message's, and a fragment whose length field disagrees with the message's.
 */
import { AlertLevel, HandshakeType } from '../../reference/wire/enums.ts';
import { ExpectAlert, ExpectChangeCipherSpec, ExpectFinished, ExpectNoMessage } from '../conversation/nodes-common.ts';
import { FragmentMessage, ReorderFlight } from '../conversation/nodes-flight.ts';
import { ClientHelloGenerator, type ClientHelloOptions, ExpectHelloVerifyRequest, ExpectServerHello } from '../conversation/nodes-client.ts';
import type { Node } from '../conversation/tree.ts';
import { afterServerHello, Chain, clientFlight5, exchangeData, expectServerFinished } from './flows.ts';
import { serverFinishedAfterRetransmissions } from './server-records.ts';
import type { Probe, ProbeContext } from './types.ts';

/**
 * Up to ServerHelloDone, with both ClientHellos (the first, and the one with the cookie when the
 * server asks for it) shaped by `hello` and then by the commands `shape` makes: whichever
 * ClientHello the server takes for its handshake arrives in fragments.
 */
function shapedHellos(ctx: ProbeContext, o: { hello?: ClientHelloOptions; shape?: () => Node[] }): Chain {
  const chain = new Chain().then(new ClientHelloGenerator(o.hello), ...(o.shape?.() ?? []));
  const sh = new ExpectServerHello();
  const hvr = new ExpectHelloVerifyRequest();
  let tail: Node = hvr.add(new ClientHelloGenerator(o.hello));
  for (const n of o.shape?.() ?? []) tail = tail.add(n);
  tail.add(sh);
  hvr.or(sh);
  chain.then(hvr).at(sh);
  return afterServerHello(ctx, chain);
}

const finish = (chain: Chain): Chain => exchangeData(expectServerFinished(chain));

export const SERVER_FRAGMENTS: readonly Probe[] = [
  {
    name: 'client-hello-fragmented',
    group: 'server-fragments',
    role: 'server',
    title: 'The server reassembles a ClientHello sent in 32-byte fragments, in order, and completes the handshake',
    requirements: ['RFC6347-4.2.3-reassembly'],
    build: (ctx) => finish(clientFlight5(shapedHellos(ctx, { hello: { fragmentSize: 32 } }))).root,
  },
  {
    name: 'client-hello-fragments-reversed',
    group: 'server-fragments',
    role: 'server',
    title: 'The server reassembles a ClientHello whose 32-byte fragments arrive last first, and completes the handshake',
    requirements: ['RFC6347-4.2.3-reassembly'],
    build: (ctx) => finish(clientFlight5(shapedHellos(ctx, { hello: { fragmentSize: 32 }, shape: () => [new ReorderFlight('reverse')] }))).root,
  },
  {
    name: 'client-hello-fragments-overlapping',
    group: 'server-fragments',
    role: 'server',
    title: 'The server reassembles a ClientHello from overlapping fragments and completes the handshake',
    requirements: ['RFC6347-4.2.3-overlap'],
    build: (ctx) =>
      finish(
        clientFlight5(
          shapedHellos(ctx, {
            hello: {
              fragments: [
                { offset: 0, length: 40 },
                { offset: 20, length: 40 },
                { offset: 50, length: 0x10000 },
              ],
            },
          }),
        ),
      ).root,
  },
  {
    name: 'client-hello-fragments-duplicated',
    group: 'server-fragments',
    role: 'server',
    title: 'The server reassembles a ClientHello whose fragments each come twice, in records of their own, and completes the handshake',
    requirements: ['RFC6347-4.2.3-reassembly', 'RFC6347-4.2.3-overlap'],
    build: (ctx) =>
      finish(
        clientFlight5(
          shapedHellos(ctx, {
            hello: {
              fragments: [
                { offset: 0, length: 30 },
                { offset: 0, length: 30 },
                { offset: 30, length: 30 },
                { offset: 30, length: 30 },
                { offset: 60, length: 0x10000 },
                { offset: 60, length: 0x10000 },
              ],
            },
          }),
        ),
      ).root,
  },
  {
    name: 'client-key-exchange-fragmented',
    group: 'server-fragments',
    role: 'server',
    title: 'The server reassembles a ClientKeyExchange sent in 8-byte fragments and completes the handshake',
    requirements: ['RFC6347-4.2.3-reassembly'],
    build: (ctx) => finish(clientFlight5(shapedHellos(ctx, {})).then(new FragmentMessage({ msgType: HandshakeType.client_key_exchange, size: 8 }))).root,
  },
  {
    name: 'finished-fragmented',
    group: 'server-fragments',
    role: 'server',
    title: 'The server reassembles a protected Finished sent in three 4-byte fragments and completes the handshake',
    requirements: ['RFC6347-4.2.3-reassembly'],
    build: (ctx) => finish(clientFlight5(shapedHellos(ctx, {}), { finished: { fragmentSize: 4 } })).root,
  },
  {
    // A fragment claiming another total length (and carrying other bytes) between two consistent
    // ones. Discarding it (RFC 6347 §4.1.2.7) lets the handshake complete; aborting is allowed too.
    // What must not happen is a handshake built on the forged bytes: the server's Finished is
    // checked against the real transcript, so a server that took them cannot pass.
    name: 'fragment-length-inconsistent',
    group: 'server-fragments',
    role: 'server',
    title: 'A ClientKeyExchange fragment whose length field disagrees with the other fragments is discarded or ends the handshake, never taken into the message',
    requirements: ['RFC6347-4.2.3-length-consistent', 'RFC6347-4.1.2.7-discard-invalid'],
    build: (ctx) => {
      const chain = clientFlight5(shapedHellos(ctx, {})).then(
        new FragmentMessage({
          msgType: HandshakeType.client_key_exchange,
          fragments: [
            { offset: 0, length: 16 },
            { offset: 16, length: 16, lengthDelta: 16, fill: 0xee },
            { offset: 16, length: 0x10000 },
          ],
        }),
      );
      const ccs = new ExpectChangeCipherSpec();
      ccs.timeoutMs = 3000;
      const done = ccs.add(new ExpectFinished());
      chain.then(ccs.or(new ExpectAlert(AlertLevel.fatal)).or(new ExpectNoMessage(3000)));
      return exchangeData(chain.at(done)).root;
    },
  },
  {
    // An empty fragment carries no bytes. RFC 6347 §4.2.3 neither allows nor forbids one (its
    // sender divides a message into "contiguous data ranges"; RFC 5246 §6.2.1 forbids empty
    // handshake records, and this record is not empty: it holds a fragment header). So a server
    // may reassemble the message from the other fragments and complete the handshake, or refuse
    // the empty fragment with a fatal alert; it must not stall or take the empty ones for data.
    name: 'zero-length-fragment',
    group: 'server-fragments',
    role: 'server',
    title: 'Empty fragments among the fragments of a ClientKeyExchange are either passed over, the server reassembling the message and completing the handshake, or refused with a fatal alert',
    requirements: ['RFC6347-4.2.3-reassembly'],
    build: (ctx) => {
      const chain = clientFlight5(shapedHellos(ctx, {})).then(
        new FragmentMessage({
          msgType: HandshakeType.client_key_exchange,
          fragments: [
            { offset: 0, length: 0 },
            { offset: 0, length: 20 },
            { offset: 20, length: 0 },
            { offset: 20, length: 0x10000 },
          ],
        }),
      );
      const ccs = new ExpectChangeCipherSpec();
      const done = ccs.add(new ExpectFinished());
      chain.then(ccs.or(new ExpectAlert(AlertLevel.fatal)));
      return exchangeData(chain.at(done)).root;
    },
  },
  {
    // Flight 5 as ClientKeyExchange[0], Finished[0], ClientKeyExchange[1], ChangeCipherSpec,
    // Finished[1]: two messages in reassembly at once. The first Finished fragment is protected
    // under the epoch the ChangeCipherSpec only opens: a server may hold it or drop it (RFC 6347
    // §4.1); if it drops it, the flight comes again after two seconds of silence. The order counts
    // from the end of the flight, so a client Certificate (when the server asks for one) goes first.
    name: 'fragments-interleaved',
    group: 'server-fragments',
    role: 'server',
    title: 'The server reassembles ClientKeyExchange and Finished from fragments of the two interleaved, and completes the handshake',
    requirements: ['RFC6347-4.2.3-reassembly', 'RFC6347-4.2.2-queue-future'],
    build: (ctx) =>
      exchangeData(
        serverFinishedAfterRetransmissions(
          clientFlight5(shapedHellos(ctx, {})).then(
            new FragmentMessage({ msgType: HandshakeType.client_key_exchange, fragments: [{ offset: 0, length: 16 }, { offset: 16, length: 0x10000 }] }),
            new FragmentMessage({ msgType: HandshakeType.finished, fragments: [{ offset: 0, length: 6 }, { offset: 6, length: 6 }] }),
            new ReorderFlight([-5, -2, -4, -3, -1]),
          ),
          2,
        ),
      ).root,
  },
];
