/**
 * The implementations `dtlsprobe run --impl NAME` knows by name: the reference (in-process, virtual
 * time), OpenSSL and GnuTLS (their command-line tools over UDP on loopback), werift-dtls and
 * node-dtls-client (npm libraries in-process). A user's own implementation comes from a JSON
 * config (`--config FILE`) or a server command (`--server-cmd`).
 */
import { BUILTIN_EXTERNAL, ExternalImplementation } from './external.ts';
import { nodeDtlsClient } from './node-dtls-client.ts';
import { ReferenceImplementation } from './reference.ts';
import { type Implementation, IutError } from './types.ts';
import { werift } from './werift.ts';

const IN_PROCESS: Readonly<Record<string, () => Implementation>> = {
  reference: () => new ReferenceImplementation(),
  werift: () => werift,
  'node-dtls-client': () => nodeDtlsClient,
};

/** Every registered name, in the order `--help` lists them. */
export function implementationNames(): string[] {
  return [...Object.keys(IN_PROCESS), ...Object.keys(BUILTIN_EXTERNAL)];
}

/** The implementation registered as `name`; an unknown name is an error listing the known ones. */
export function implementationByName(name: string): Implementation {
  const inProcess = IN_PROCESS[name];
  if (inProcess !== undefined) return inProcess();
  const spec = BUILTIN_EXTERNAL[name];
  if (spec !== undefined) return new ExternalImplementation(spec);
  throw new IutError(`unknown implementation "${name}"; known: ${implementationNames().join(', ')} (or describe yours with --config FILE or --server-cmd)`);
}
