/**
 * Every network failure the properties found, kept as an exact script on a clean network under
 * vectors/regressions/net/, replays here and must now satisfy its property. A fixture names the
 * property it broke, what was wrong, and the seed and path fast-check found it with.
 */
import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { testPki } from '../../testkit/credentials.ts';
import { repoPath } from '../../testkit/shared.ts';
import { NET_PROPERTIES, type NetCase, loadRegression, runCase } from './properties.ts';

const dir = repoPath('vectors/regressions/net');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('there are network regression fixtures to replay', (t) => {
  t.true(files.length > 0, `no fixtures in ${dir}`);
});

for (const file of files) {
  test(`network regression ${file} replays and now holds`, async (t) => {
    const reg = loadRegression(join(dir, file));
    const check = NET_PROPERTIES[reg.property];
    t.truthy(check, `unknown property ${reg.property}`);
    const credentials = (await testPki('P-256')).credentials;
    const run = (c: NetCase) => runCase(c, credentials);
    for (const [name, c] of [['replay', reg.replay], ['generated', reg.generated]] as const) {
      const violation = check(run(c), c, run);
      t.is(violation, undefined, `${name} case of ${file} (${reg.description})`);
    }
  });
}
