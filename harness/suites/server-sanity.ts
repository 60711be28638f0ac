/** Sanity against a server: a clean handshake, data both ways, close_notify. Runs first and last. */
import type { Probe } from './types.ts';
import { closeWithServer, exchangeData, handshakeWithServer } from './flows.ts';

export const SERVER_SANITY: readonly Probe[] = [
  {
    name: 'sanity',
    group: 'server-sanity',
    role: 'server',
    title: 'A full DTLS 1.2 handshake with a certificate suite completes, application data is delivered, and close_notify closes',
    requirements: ['RFC6347-4.2', 'RFC6347-4.2.4-preparing', 'RFC5246-7.2.1-close-notify'],
    sanity: true,
    build: (ctx) => closeWithServer(exchangeData(handshakeWithServer(ctx))).root,
  },
  {
    name: 'sanity-psk',
    group: 'server-sanity',
    role: 'server',
    title: 'A full DTLS 1.2 handshake with a PSK suite completes and application data is delivered',
    requirements: ['RFC6347-4.2', 'RFC4279-2'],
    suiteKind: 'psk',
    build: (ctx) => exchangeData(handshakeWithServer(ctx)).root,
  },
];
