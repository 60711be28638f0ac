/**
 * Every probe against the reference implementation, in its role, on virtual time: each must pass.
 * A probe that fails here is either wrong or has found a bug in the reference; both get fixed.
 */
import test from 'ava';
import { ReferenceImplementation } from '../iut/reference.ts';
import { generateCredentials } from '../pki.ts';
import { runProbe } from '../run/runner.ts';
import { ALL_PROBES } from './index.ts';
import { requirementById } from '../../spec/requirement.ts';

const impl = new ReferenceImplementation();
const files = generateCredentials();

for (const probe of ALL_PROBES) {
  test(`${probe.role}/${probe.name} passes against the reference (${probe.requirements.join(', ')})`, async (t) => {
    const r = await runProbe(impl, probe, { seed: 1, files: await files });
    t.is(r.outcome, 'pass', `${r.reason ?? ''}\n${r.steps.join('\n')}`);
    t.true(r.transcript.length > 0);
  });
}

// The same probes against a reference that offers only PSK suites, as node-dtls-client does: every
// probe that does not need certificates must run, and pass, on a PSK suite too.
const pskOnly = new ReferenceImplementation({ features: ['psk', 'cookie', 'alpn', 'echo', 'client-sends-data', 'ems'] });
for (const probe of ALL_PROBES.filter((p) => p.suiteKind !== 'certificate')) {
  test(`${probe.role}/${probe.name} passes against the reference on a PSK suite`, async (t) => {
    const r = await runProbe(pskOnly, probe, { seed: 2, files: await files });
    t.is(r.outcome, 'pass', `${r.reason ?? ''}\n${r.steps.join('\n')}`);
  });
}

test('every probe names requirement ids, and names are unique per role', (t) => {
  const seen = new Set<string>();
  for (const p of ALL_PROBES) {
    t.true(p.requirements.length > 0, `${p.role}/${p.name} names no requirement`);
    t.false(seen.has(`${p.role}/${p.name}`), `${p.role}/${p.name} is defined twice`);
    seen.add(`${p.role}/${p.name}`);
  }
});

test('every requirement id a probe names is in the catalogue', (t) => {
  const missing = ALL_PROBES.flatMap((p) => p.requirements.filter((id) => requirementById(id) === undefined).map((id) => `${p.role}/${p.name}: ${id}`));
  t.deepEqual(missing, []);
});
