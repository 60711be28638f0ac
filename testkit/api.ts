/** API-level test fixtures: a client and a server connection over an in-memory pair. */
import { certificateToPem } from '../reference/crypto/x509.ts';
import { parseCertificate } from '../reference/crypto/x509.ts';
import { DtlsClientConnection, type DtlsClientOptions } from '../reference/api/client-connection.ts';
import { DtlsServerConnection, type DtlsServerOptions } from '../reference/api/server-connection.ts';
import { TlsCertificate } from '../reference/api/tls-certificate.ts';
import { TlsFileDatabase } from '../reference/api/tls-database.ts';
import type { Clock } from '../reference/api/datagram-based.ts';
import { type MemoryEndpoint, memoryPair } from '../reference/transport/memory.ts';
import { seededRandom } from '../reference/crypto/random.ts';
import { testPki } from './credentials.ts';

export interface ApiPair {
  readonly client: DtlsClientConnection;
  readonly server: DtlsServerConnection;
  readonly clientBase: MemoryEndpoint;
  readonly serverBase: MemoryEndpoint;
  /** A database trusting the test CA. */
  readonly database: TlsFileDatabase;
  readonly serverCertificate: TlsCertificate;
}

/** The test PKI's server certificate (with key and issuer) and a database that trusts its CA. */
export async function apiCredentials(): Promise<{ certificate: TlsCertificate; database: TlsFileDatabase }> {
  const pki = await testPki('P-256');
  const [leaf, ca] = pki.credentials.chain.map((der) => parseCertificate(der));
  const pem = certificateToPem(leaf, ca) + pki.credentials.privateKey.toPem();
  const certificate = TlsCertificate.newFromPem(pem);
  const database = TlsFileDatabase.newFromCertificates([TlsCertificate.newFromPem(certificateToPem(ca))]);
  return { certificate, database };
}

/** A client (identity "localhost", trusting the test CA) and a server over a memory pair. */
export async function apiPair(options: { clock?: Clock; client?: DtlsClientOptions; server?: DtlsServerOptions } = {}): Promise<ApiPair> {
  const { certificate, database } = await apiCredentials();
  const [clientBase, serverBase] = memoryPair(options.clock === undefined ? {} : { clock: options.clock });
  const engine = { random: seededRandom('api pair') };
  const client = DtlsClientConnection.new(clientBase, 'localhost', { ...(options.clock === undefined ? {} : { clock: options.clock }), engine, ...options.client });
  client.setDatabase(database);
  const server = DtlsServerConnection.new(serverBase, certificate, { ...(options.clock === undefined ? {} : { clock: options.clock }), engine, peerAddress: 'memory-client', ...options.server });
  return { client, server, clientBase, serverBase, database, serverCertificate: certificate };
}
