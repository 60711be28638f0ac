/**
 * werift-dtls 0.5.8 client and server joined in memory (no sockets), for the handshake bench.
 * Its package `main` is missing, so the entry point is imported by path. werift offers x25519 then
 * secp256r1 and its server takes the client's first, so these handshakes run x25519; with an ECDSA
 * certificate the suite is c02b (werift knows only c02b and c02f).
 */
import type { AddressInfo } from 'node:net';
import { DtlsClient, DtlsServer } from 'werift-dtls/lib/dtls/src/index.js';
import type { Transport } from 'werift-dtls/lib/common/src/transport.js';

type Address = Readonly<[string, number]>;

/** One side of an in-memory datagram link; datagrams reach the peer on the next turn of the event loop. */
class MemoryTransport implements Transport {
  readonly type = 'memory';
  closed = false;
  readonly address: AddressInfo;
  onData: (data: Buffer, addr: Address) => void = () => {};
  peer: MemoryTransport | undefined;
  datagrams = 0;
  bytes = 0;

  constructor(port: number) {
    this.address = { address: '127.0.0.1', family: 'IPv4', port };
  }

  send = (data: Buffer): Promise<void> => {
    this.datagrams++;
    this.bytes += data.length;
    const peer = this.peer;
    const from: Address = [this.address.address, this.address.port];
    const copy = Buffer.from(data);
    setImmediate(() => {
      if (peer !== undefined && !peer.closed && !this.closed) peer.onData(copy, from);
    });
    return Promise.resolve();
  };

  close = (): Promise<void> => {
    this.closed = true;
    return Promise.resolve();
  };
}

export interface WeriftPem {
  /** The server's certificate, PEM. */
  readonly cert: string;
  /** Its PKCS#8 private key, PEM. */
  readonly key: string;
}

export interface HandshakeCost {
  readonly datagrams: number;
  readonly bytes: number;
  /** The suite and group werift settled on (IANA numbers). */
  readonly cipherSuite: number;
  readonly group: number;
}

/** One werift client <-> werift server handshake in memory; both sides closed afterwards. */
export async function weriftHandshake(pem: WeriftPem): Promise<HandshakeCost> {
  const a = new MemoryTransport(40000);
  const b = new MemoryTransport(40001);
  a.peer = b;
  b.peer = a;
  const server = new DtlsServer({ transport: b, cert: pem.cert, key: pem.key, signatureHash: { hash: 4, signature: 3 } });
  const client = new DtlsClient({ transport: a });
  const connected = Promise.all([client.onConnect.asPromise(5000), server.onConnect.asPromise(5000)]);
  const failed = new Promise<never>((_, reject) => {
    client.onError.subscribe((e) => reject(e));
    server.onError.subscribe((e) => reject(e));
  });
  // connect() resolves only when its flight's retransmission wait ends; onConnect says when it is done.
  client.connect().catch(() => {});
  await Promise.race([connected, failed]);
  const cost = {
    datagrams: a.datagrams + b.datagrams,
    bytes: a.bytes + b.bytes,
    cipherSuite: server.cipher.cipherSuite,
    group: server.cipher.namedCurve,
  };
  client.close();
  server.close();
  return cost;
}
