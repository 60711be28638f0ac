/**
 * The pieces most probes share: a chain builder, and the standard DTLS 1.2 flights in each role
 * (RFC 6347 §4.2.4, Figure 1), so that a probe spells out only where it departs from a clean
 * handshake. Optional steps are alternatives (siblings) that join again at a shared child, as in
 * tlsfuzzer: a server that sends HelloVerifyRequest and one that does not both reach ServerHello.
 */
import { AlertDescription, AlertLevel } from '../../reference/wire/enums.ts';
import { keyExchangeOf } from '../../reference/wire/suites.ts';
import { AlertGenerator, ApplicationDataGenerator, ChangeCipherSpecGenerator, Connect, ExpectAlert, ExpectApplicationData, ExpectChangeCipherSpec, ExpectClose, ExpectDelivery, ExpectFinished, FinishedGenerator } from '../conversation/nodes-common.ts';
import {
  ClientHelloGenerator,
  type ClientHelloOptions,
  ClientKeyExchangeGenerator,
  ExpectCertificate,
  ExpectCertificateRequest,
  ExpectHelloVerifyRequest,
  ExpectServerHello,
  ExpectServerHelloDone,
  ExpectServerKeyExchange,
  ClientCertificateGenerator,
} from '../conversation/nodes-client.ts';
import {
  CertificateGenerator,
  ExpectClientHello,
  ExpectClientKeyExchange,
  HelloVerifyRequestGenerator,
  ServerHelloDoneGenerator,
  ServerHelloGenerator,
  ServerKeyExchangeGenerator,
} from '../conversation/nodes-server.ts';
import type { Node } from '../conversation/tree.ts';
import type { ProbeContext } from './types.ts';

/** A conversation under construction: `root` and the node the next one attaches to. */
export class Chain {
  readonly root: Node;
  tail: Node;
  constructor(root: Node = new Connect()) {
    this.root = root;
    this.tail = root;
  }
  /** Appends nodes in order. */
  then(...nodes: Node[]): this {
    for (const n of nodes) this.tail = this.tail.add(n);
    return this;
  }
  /** Continues from a node already in the tree (after alternatives have joined there). */
  at(node: Node): this {
    this.tail = node;
    return this;
  }
}

const isPsk = (ctx: ProbeContext): boolean => keyExchangeOf(ctx.suite) === 'psk';
const hasServerKeyExchange = (ctx: ProbeContext): boolean => keyExchangeOf(ctx.suite) !== 'psk';

/**
 * Harness as client, up to and including the server's ServerHelloDone: ClientHello, the cookie
 * exchange when the server asks for it, and flight 4. `hello` shapes both ClientHellos.
 */
export function toServerHelloDone(ctx: ProbeContext, o: { hello?: ClientHelloOptions; chain?: Chain } = {}): Chain {
  const chain = o.chain ?? new Chain();
  chain.then(new ClientHelloGenerator(o.hello));
  const sh = new ExpectServerHello();
  const hvr = new ExpectHelloVerifyRequest();
  hvr.add(new ClientHelloGenerator(o.hello)).add(sh);
  hvr.or(sh);
  chain.then(hvr).at(sh);
  return afterServerHello(ctx, chain);
}

/** From after ServerHello to ServerHelloDone (Certificate, ServerKeyExchange, CertificateRequest as the suite has them). */
export function afterServerHello(ctx: ProbeContext, chain: Chain): Chain {
  if (!isPsk(ctx)) chain.then(new ExpectCertificate());
  const done = new ExpectServerHelloDone();
  if (hasServerKeyExchange(ctx)) {
    chain.then(new ExpectServerKeyExchange());
  } else {
    // plain PSK: a ServerKeyExchange only when the server has an identity hint (RFC 4279 §2)
    const ske = new ExpectServerKeyExchange();
    ske.add(done);
    ske.or(done);
    chain.then(ske).at(done);
    return chain;
  }
  const cr = new ExpectCertificateRequest();
  cr.add(done);
  cr.or(done);
  chain.then(cr).at(done);
  return chain;
}

/** Harness as client: flight 5 (Certificate if asked, ClientKeyExchange, ChangeCipherSpec, Finished). */
export function clientFlight5(chain: Chain, o: { finished?: ConstructorParameters<typeof FinishedGenerator>[0] } = {}): Chain {
  return chain.then(new ClientCertificateIfRequested(), new ClientKeyExchangeGenerator(), new ChangeCipherSpecGenerator(), new FinishedGenerator(o.finished));
}

/** The server's flight 6. */
export function expectServerFinished(chain: Chain): Chain {
  return chain.then(new ExpectChangeCipherSpec(), new ExpectFinished());
}

/** A full handshake with a server under test, ending after its Finished. */
export function handshakeWithServer(ctx: ProbeContext, o: { hello?: ClientHelloOptions } = {}): Chain {
  return expectServerFinished(clientFlight5(toServerHelloDone(ctx, o)));
}

/** Application data one way and back (echo, or what the implementation reports it received). */
export function exchangeData(chain: Chain, data = 'dtlsprobe ping\n'): Chain {
  return chain.then(new ApplicationDataGenerator(data), new ExpectDelivery(data));
}

/** close_notify from us; the implementation answers with its own close_notify or goes quiet. */
export function closeWithServer(chain: Chain): Chain {
  chain.then(new AlertGenerator(AlertLevel.warning, AlertDescription.close_notify));
  const alert = new ExpectAlert(undefined, AlertDescription.close_notify);
  alert.timeoutMs = 1500;
  const close = new ExpectClose(1500);
  alert.or(close);
  chain.then(alert);
  return chain;
}

/** Harness as server: flight 2 (HelloVerifyRequest) and the ClientHello that answers it. */
export function cookieExchangeWithClient(chain: Chain = new Chain()): Chain {
  return chain.then(new ExpectClientHello({ cookie: 'absent' }), new HelloVerifyRequestGenerator(), new ExpectClientHello({ cookie: 'echoed' }));
}

/** Harness as server: flight 4. */
export function serverFlight4(ctx: ProbeContext, chain: Chain): Chain {
  chain.then(new ServerHelloGenerator());
  if (!isPsk(ctx)) chain.then(new CertificateGenerator());
  if (hasServerKeyExchange(ctx)) chain.then(new ServerKeyExchangeGenerator());
  return chain.then(new ServerHelloDoneGenerator());
}

/** Harness as server: the client's flight 5. */
export function expectClientFlight5(chain: Chain): Chain {
  return chain.then(new ExpectClientKeyExchange(), new ExpectChangeCipherSpec(), new ExpectFinished());
}

/** Harness as server: flight 6. */
export function serverFlight6(chain: Chain): Chain {
  return chain.then(new ChangeCipherSpecGenerator(), new FinishedGenerator());
}

/** A full handshake with a client under test, ending after our Finished. */
export function handshakeWithClient(ctx: ProbeContext): Chain {
  return serverFlight6(expectClientFlight5(serverFlight4(ctx, cookieExchangeWithClient())));
}

/** The client's data after the handshake, when it sends some. */
export function expectClientData(chain: Chain): Chain {
  return chain.then(new ExpectApplicationData());
}

/** Sends an empty client Certificate when the server asked for one; nothing otherwise. */
class ClientCertificateIfRequested extends ClientCertificateGenerator {
  override readonly name = 'CertificateGenerator';
  override describe(): string {
    return 'CertificateGenerator(if requested)';
  }
  override generate(peer: Parameters<ClientCertificateGenerator['generate']>[0]): void {
    if (peer.certificateRequested) super.generate(peer);
  }
}
