/** Every probe, by role and group, in run order. */
import { probeId } from '../run/runner.ts';
import { CLIENT_HANDSHAKE_PROBES } from './client-handshake.ts';
import { CLIENT_MESSAGES_PROBES } from './client-messages.ts';
import { CLIENT_RECORDS_PROBES } from './client-records.ts';
import { CLIENT_SANITY } from './client-sanity.ts';
import { SERVER_COOKIE } from './server-cookie.ts';
import { SERVER_FRAGMENTS } from './server-fragments.ts';
import { SERVER_CLOSE } from './server-close.ts';
import { SERVER_EXTENSIONS } from './server-extensions.ts';
import { SERVER_MESSAGES } from './server-messages.ts';
import { SERVER_RECORDS } from './server-records.ts';
import { SERVER_RETRANSMISSION } from './server-retransmission.ts';
import { SERVER_SANITY } from './server-sanity.ts';
import type { Probe } from './types.ts';

export { probeId };

export const SERVER_PROBES: readonly Probe[] = [...SERVER_SANITY, ...SERVER_COOKIE, ...SERVER_RETRANSMISSION, ...SERVER_FRAGMENTS, ...SERVER_RECORDS, ...SERVER_MESSAGES, ...SERVER_EXTENSIONS, ...SERVER_CLOSE];

export const CLIENT_PROBES: readonly Probe[] = [...CLIENT_SANITY, ...CLIENT_HANDSHAKE_PROBES, ...CLIENT_RECORDS_PROBES, ...CLIENT_MESSAGES_PROBES];

export const ALL_PROBES: readonly Probe[] = [...SERVER_PROBES, ...CLIENT_PROBES];

/** Probes by group name, in run order. */
export function probeGroups(probes: readonly Probe[] = ALL_PROBES): Map<string, Probe[]> {
  const m = new Map<string, Probe[]>();
  for (const p of probes) m.set(p.group, [...(m.get(p.group) ?? []), p]);
  return m;
}
