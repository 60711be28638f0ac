/** Every fuzz target, by name. */
import type { FuzzTarget } from '../target.ts';
import { extensionsTarget, handshakeHeaderTarget, helloTarget, messages12Target, tls13MessagesTarget } from './codecs.ts';
import {
  engineClientAfterClientHello,
  engineClientAfterFlight2,
  engineClientAfterFlight4,
  engineClientEstablished,
  engineServerAfterClientHello,
  engineServerAfterFlight3,
  engineServerEstablished,
} from './engine.ts';
import { reassemblyTarget } from './reassembly.ts';
import { recordDecryptTarget } from './record-decrypt.ts';
import { recordHeaderTarget, recordUnifiedTarget } from './records.ts';
import { replayWindowTarget } from './replay-window.ts';
import { x509Target } from './x509.ts';

export const targets: readonly FuzzTarget[] = [
  recordHeaderTarget,
  recordUnifiedTarget,
  handshakeHeaderTarget,
  helloTarget,
  messages12Target,
  tls13MessagesTarget,
  extensionsTarget,
  reassemblyTarget,
  replayWindowTarget,
  recordDecryptTarget,
  x509Target,
  engineServerAfterClientHello,
  engineServerAfterFlight3,
  engineServerEstablished,
  engineClientAfterClientHello,
  engineClientAfterFlight2,
  engineClientAfterFlight4,
  engineClientEstablished,
];

export const targetsByName: ReadonlyMap<string, FuzzTarget> = new Map(targets.map((t) => [t.name, t]));

/** The target called `name`; throws with the list of names when there is none. */
export function targetByName(name: string): FuzzTarget {
  const t = targetsByName.get(name);
  if (t === undefined) throw new Error(`no fuzz target ${JSON.stringify(name)}; targets: ${targets.map((x) => x.name).join(', ')}`);
  return t;
}
