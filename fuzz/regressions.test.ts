/**
 * Every input the fuzzers found and we fixed, kept under vectors/regressions/fuzz/<target>/ as
 * `<name>.bin` with a `<name>.json` sidecar ({ target, found, error, fixedBy }), is replayed
 * through its target and must give no finding.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runOne } from './target.ts';
import { targetByName } from './targets/index.ts';
import { repoPath } from './targets/support.ts';

interface Sidecar {
  readonly target: string;
  readonly found: string;
  readonly error: string;
  readonly fixedBy: string;
}

const root = repoPath('vectors', 'regressions', 'fuzz');
const files = existsSync(root)
  ? readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.bin'))
      .map((e) => join(e.parentPath, e.name))
      .sort()
  : [];

test('every fuzz regression input has its sidecar, naming a target that exists', (t) => {
  for (const f of files) {
    const sidecarPath = f.replace(/\.bin$/, '.json');
    t.true(existsSync(sidecarPath), `${f} has no .json sidecar`);
    const s = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Sidecar;
    for (const key of ['target', 'found', 'error', 'fixedBy'] as const) t.is(typeof s[key], 'string', `${sidecarPath}: ${key}`);
    t.notThrows(() => targetByName(s.target));
    t.true(f.startsWith(join(root, s.target)), `${f} is not in the folder of its target ${s.target}`);
  }
  t.pass();
});

for (const f of files) {
  const name = f.slice(root.length + 1);
  test(`fuzz regression ${name} replays without a finding`, (t) => {
    const s = JSON.parse(readFileSync(f.replace(/\.bin$/, '.json'), 'utf8')) as Sidecar;
    const finding = runOne(targetByName(s.target), new Uint8Array(readFileSync(f)));
    t.is(finding, undefined, finding === undefined ? '' : `${finding.kind}: ${finding.detail} (first found: ${s.error})`);
  });
}
