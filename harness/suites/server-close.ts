/**
 * Server probes on ending a connection (harness = client): close_notify is answered in kind and
 * what follows it is not delivered (RFC 5246 §7.2.1); a fatal alert from the client ends the
 * connection, after the handshake or in the middle of it (RFC 5246 §7.2, §7.2.2).
 */
import { AlertDescription, AlertLevel } from '../../reference/wire/enums.ts';
import { AlertGenerator, ApplicationDataGenerator, ExpectAlert, ExpectClose, ExpectNoDelivery, ExpectNoMessage } from '../conversation/nodes-common.ts';
import { ExpectNoRetransmission } from '../conversation/nodes-timing.ts';
import { clientFlight5, exchangeData, handshakeWithServer, toServerHelloDone } from './flows.ts';
import { fatal, oneOf, QUIET_MS, quiet } from './server-kit.ts';
import type { Probe } from './types.ts';

/** close_notify, waited for up to `ms`. */
function closeNotify(ms = 2000): ExpectAlert {
  const a = new ExpectAlert(undefined, AlertDescription.close_notify);
  a.timeoutMs = ms;
  return a;
}

const G = 'server-close';

export const SERVER_CLOSE: readonly Probe[] = [
  {
    name: 'close-notify-answered',
    group: G,
    role: 'server',
    title: 'A close_notify on an established connection is answered with a close_notify, and nothing else follows',
    requirements: ['RFC5246-7.2.1-close-notify'],
    build: (ctx) =>
      exchangeData(handshakeWithServer(ctx)).then(new AlertGenerator(AlertLevel.warning, AlertDescription.close_notify), closeNotify(), new ExpectClose(QUIET_MS)).root,
  },
  {
    name: 'data-after-close-notify',
    group: G,
    role: 'server',
    title: 'Application data that follows the client\'s close_notify is not delivered',
    requirements: ['RFC5246-7.2.1-after-close', 'RFC5246-7.2.1-close-notify'],
    build: (ctx) => {
      const after = 'dtlsprobe after close_notify\n';
      const c = exchangeData(handshakeWithServer(ctx)).then(
        new AlertGenerator(AlertLevel.warning, AlertDescription.close_notify),
        new ApplicationDataGenerator(after),
      );
      // the answering close_notify is the other probe's business: here it may come or not
      const silent = quiet();
      const answered = closeNotify(QUIET_MS);
      answered.add(silent);
      c.then(oneOf(answered, silent)).at(silent);
      return c.then(new ExpectNoDelivery(after, 1000)).root;
    },
  },
  {
    name: 'fatal-alert-ends-connection',
    group: G,
    role: 'server',
    title: 'After a fatal alert from the client on an established connection the server delivers nothing more and answers nothing but, at most, a close_notify',
    requirements: ['RFC5246-7.2.2-fatal-closes', 'RFC5246-7.2'],
    build: (ctx) => {
      const after = 'dtlsprobe after a fatal alert\n';
      const c = exchangeData(handshakeWithServer(ctx)).then(new AlertGenerator(AlertLevel.fatal, AlertDescription.internal_error));
      // the connection is over on both sides (RFC 5246 §7.2.2); a close_notify on the way out is harmless
      const silent = new ExpectNoMessage(1000);
      const closing = closeNotify(1000);
      closing.add(silent);
      c.then(oneOf(closing, silent)).at(silent);
      return c.then(new ApplicationDataGenerator(after), new ExpectNoDelivery(after, 1000), new ExpectClose(QUIET_MS)).root;
    },
  },
  {
    name: 'fatal-alert-during-handshake',
    group: G,
    role: 'server',
    title: 'After a fatal alert from the client in the middle of the handshake, the server does not go on: it stops retransmitting its flight, and the client\'s flight 5 gets no ChangeCipherSpec or Finished',
    requirements: ['RFC5246-7.2.2-fatal-closes', 'RFC5246-7.2'],
    build: (ctx) => {
      // nothing more from the server, not even a retransmission of its flight 4 (its timer starts at
      // about 1 s, RFC 6347 §4.2.4.1, so 2.5 s would see one)
      const c = toServerHelloDone(ctx).then(new AlertGenerator(AlertLevel.fatal, AlertDescription.handshake_failure), new ExpectNoRetransmission(2500));
      // a server that has dropped the connection may take flight 5 for a stray and refuse it
      return clientFlight5(c).then(oneOf(new ExpectClose(3000), fatal())).root;
    },
  },
];
