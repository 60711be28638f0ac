/** Every probe, by role and group, in run order. */
import { probeId } from '../run/runner.ts';
import { CLIENT_SANITY } from './client-sanity.ts';
import { SERVER_SANITY } from './server-sanity.ts';
import type { Probe } from './types.ts';

export { probeId };

export const SERVER_PROBES: readonly Probe[] = [...SERVER_SANITY];

export const CLIENT_PROBES: readonly Probe[] = [...CLIENT_SANITY];

export const ALL_PROBES: readonly Probe[] = [...SERVER_PROBES, ...CLIENT_PROBES];

/** Probes by group name, in run order. */
export function probeGroups(probes: readonly Probe[] = ALL_PROBES): Map<string, Probe[]> {
  const m = new Map<string, Probe[]>();
  for (const p of probes) m.set(p.group, [...(m.get(p.group) ?? []), p]);
  return m;
}
