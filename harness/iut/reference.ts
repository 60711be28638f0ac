/**
 * The reference implementation as an implementation under test: a sans-IO `Endpoint` in this
 * process on virtual time. As a server it echoes what it receives; as a client it sends one line
 * once the handshake completes. Its randomness comes from the probe's seed, so a run replays.
 */
import { readFileSync } from 'node:fs';
import { pemDecodeAll } from '../../reference/crypto/pem.ts';
import { PrivateKey } from '../../reference/crypto/private-key.ts';
import { seededRandom } from '../../reference/crypto/random.ts';
import { Endpoint, type EngineEvent } from '../../reference/engine.ts';
import type { EndpointConfig } from '../../reference/handshake/dtls12/config.ts';
import { AlertDescription } from '../../reference/wire/enums.ts';
import type { Exit, Feature, Implementation, ImplementationDescription, IutSession, SessionRequest } from './types.ts';
import { VirtualWire } from './virtual-wire.ts';

/** What a reference client sends once its handshake completes. */
export const REFERENCE_CLIENT_DATA = 'dtlsprobe reference client\n';

const CERTIFICATE_SUITES = [0xc02b, 0xc02c, 0xcca9];
const PSK_SUITES = [0xc0a8, 0x00a8, 0xc0a4, 0xccac];

export const REFERENCE_DESCRIPTION: ImplementationDescription = {
  name: 'reference',
  roles: ['server', 'client'],
  features: ['certificate', 'psk', 'cookie', 'alpn', 'cid', 'echo', 'client-sends-data', 'ems'],
  suites: { server: [...CERTIFICATE_SUITES, ...PSK_SUITES], client: [...CERTIFICATE_SUITES, ...PSK_SUITES] },
  clock: 'virtual',
};

function credentialsFrom(request: SessionRequest): EndpointConfig['certificate'] {
  const leaf = request.files.leaf[request.keyType ?? 'p256'];
  const chain = pemDecodeAll(readFileSync(leaf.cert, 'utf8'))
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => b.der);
  return { chain, privateKey: PrivateKey.fromPem(readFileSync(leaf.key, 'utf8')) };
}

const hexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const utf8 = new TextEncoder();

export class ReferenceImplementation implements Implementation {
  readonly description: ImplementationDescription;

  /** `features` narrows what the reference claims (e.g. PSK only, to run probes as against a PSK-only peer). */
  constructor(o: { features?: readonly Feature[] } = {}) {
    this.description = o.features === undefined ? REFERENCE_DESCRIPTION : { ...REFERENCE_DESCRIPTION, features: o.features };
  }

  async version(): Promise<string> {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return `dtlsprobe reference ${pkg.version}`;
  }

  async start(request: SessionRequest): Promise<IutSession> {
    const psk = request.psk === undefined ? undefined : { identity: utf8.encode(request.psk.identity), key: hexBytes(request.psk.keyHex) };
    const suites = request.suites ?? (psk === undefined ? CERTIFICATE_SUITES : PSK_SUITES);
    const common = {
      cipherSuites: suites,
      random: seededRandom(`reference ${request.probe} ${request.seed}`),
      ...(request.alpn === undefined ? {} : { alpn: request.alpn }),
    };
    const endpoint =
      request.role === 'server'
        ? new Endpoint({
            ...common,
            role: 'server',
            ...(psk === undefined ? { certificate: credentialsFrom(request) } : { pskLookup: (id: Uint8Array) => (Buffer.compare(Buffer.from(id), Buffer.from(psk.identity)) === 0 ? psk.key : undefined) }),
          })
        : new Endpoint({ ...common, role: 'client', ...(psk === undefined ? {} : { psk }) });
    const log: string[] = [];
    // what the application received, as one stream: a record delivered twice shows as its text twice
    let received = Buffer.alloc(0);
    const onEvent = (e: EngineEvent, now: number): void => {
      switch (e.kind) {
        case 'handshake-complete':
          log.push(`${now} ms handshake complete: suite ${e.negotiated.cipherSuite.toString(16)}`);
          if (request.role === 'client') endpoint.send(utf8.encode(REFERENCE_CLIENT_DATA));
          break;
        case 'data':
          received = Buffer.concat([received, e.data]);
          log.push(`${now} ms data: ${JSON.stringify(Buffer.from(e.data).toString('latin1'))}`);
          if (request.role === 'server' && endpoint.status === 'established') endpoint.send(e.data);
          break;
        case 'alert':
          log.push(`${now} ms alert ${e.from === 'peer' ? 'from the peer' : 'sent'}: ${AlertDescription.nameOf(e.description)}`);
          break;
        case 'error':
          log.push(`${now} ms error: ${e.error.message}`);
          break;
        case 'peer-closed':
          // what an application does on end of stream: close too, which answers with close_notify (RFC 5246 §7.2.1)
          log.push(`${now} ms peer-closed`);
          endpoint.close();
          break;
        default:
          log.push(`${now} ms ${e.kind}`);
      }
    };
    const wire = new VirtualWire(endpoint, onEvent);
    if (request.role === 'client') wire.drive((now) => endpoint.connect(now));
    const session: IutSession = {
      wire,
      delivered: async (data, timeoutMs) => {
        const has = (): boolean => received.includes(Buffer.from(data));
        if (!has()) await wire.sleep(Math.min(timeoutMs, 1));
        return has();
      },
      exit: (): Exit | undefined => (wire.crashed === undefined ? undefined : { code: null, signal: `exception: ${wire.crashed.message}` }),
      log: () => log.join('\n'),
      close: async () => wire.close(),
    };
    return session;
  }
}
