/** Sanity against a client: a clean handshake with the cookie exchange and data. Runs first and last. */
import type { Probe } from './types.ts';
import { exchangeData, expectClientData, handshakeWithClient } from './flows.ts';

export const CLIENT_SANITY: readonly Probe[] = [
  {
    name: 'sanity',
    group: 'client-sanity',
    role: 'client',
    title: 'A full DTLS 1.2 handshake with a certificate suite and the cookie exchange completes, and data is delivered',
    requirements: ['RFC6347-4.2', 'RFC6347-4.2.1'],
    needs: ['client-sends-data'],
    sanity: true,
    build: (ctx) => exchangeData(expectClientData(handshakeWithClient(ctx))).root,
  },
  {
    name: 'sanity-psk',
    group: 'client-sanity',
    role: 'client',
    title: 'A full DTLS 1.2 handshake with a PSK suite completes and the client sends its data',
    requirements: ['RFC6347-4.2', 'RFC4279-2'],
    suiteKind: 'psk',
    needs: ['client-sends-data'],
    build: (ctx) => expectClientData(handshakeWithClient(ctx)).root,
  },
];
