import test from 'ava';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RunResult } from './model.ts';
import { RUN_SCHEMA, RUN_SCHEMA_ID, validateRun } from './schema.ts';
import { runJsonValue } from './json.ts';
import { probe, sampleRun } from './fixtures.ts';

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema file as published, read from disk rather than through the module. */
const fileSchema: unknown = JSON.parse(readFileSync(new URL('./run-1.schema.json', import.meta.url), 'utf8'));

/** The sample run with every optional field present. */
function fullRun(): RunResult {
  const run = sampleRun();
  return {
    ...run,
    implementation: { ...run.implementation, commands: { server: 'srv {port}', client: 'cli {port}' } },
    shard: { index: 2, count: 3 },
  };
}

/** A JSON copy of the sample run, for breaking. */
function doc(): Node {
  const v: unknown = JSON.parse(JSON.stringify(runJsonValue(sampleRun())));
  if (!isNode(v)) throw new Error('not an object');
  return v;
}

function probesOf(d: Node): Node[] {
  const probes = d.probes;
  if (!Array.isArray(probes) || !probes.every(isNode)) throw new Error('no probes');
  return probes;
}

function errorsOf(value: unknown): string[] {
  const v = validateRun(value);
  return v.ok ? [] : v.errors;
}

test('the schema file is what the module validates with, and has the id dtlsprobe.run/1', (t) => {
  t.deepEqual(fileSchema, RUN_SCHEMA);
  t.is(RUN_SCHEMA.$id, 'dtlsprobe.run/1');
  t.is(RUN_SCHEMA_ID, 'dtlsprobe.run/1');
  t.is(RUN_SCHEMA.$schema, 'https://json-schema.org/draft/2020-12/schema');
});

test('every field of the schema has a description and every object refuses unknown fields', (t) => {
  const problems: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
    if (!isNode(node)) return;
    if (isNode(node.properties)) {
      if (node.additionalProperties !== false) problems.push(`${at}: additionalProperties is not false`);
      for (const [name, sub] of Object.entries(node.properties)) {
        if (!isNode(sub) || typeof sub.description !== 'string' || sub.description.length < 10) problems.push(`${at}/properties/${name}: no description`);
      }
    }
    if (node.type === 'object' && !isNode(node.properties)) problems.push(`${at}: an object without properties`);
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
  };
  walk(RUN_SCHEMA, '#');
  const defs = RUN_SCHEMA.$defs;
  if (!isNode(defs)) return t.fail('no $defs');
  for (const [name, def] of Object.entries(defs)) {
    if (!isNode(def) || typeof def.description !== 'string') problems.push(`#/$defs/${name}: no description`);
  }
  t.deepEqual(problems, []);
});

test('the sample run and a run with every optional field validate, with this module and with a fresh ajv', (t) => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  if (!isNode(fileSchema)) return t.fail('schema is not an object');
  const validate = ajv.compile(fileSchema);
  for (const run of [sampleRun(), fullRun()]) {
    const json: unknown = JSON.parse(JSON.stringify(runJsonValue(run)));
    t.deepEqual(validateRun(json), { ok: true });
    t.true(validate(json), JSON.stringify(validate.errors));
  }
});

test('the schema names exactly the fields of the model', (t) => {
  // Every key the model can produce is in the schema (additionalProperties: false would refuse
  // it otherwise, checked above); here, every schema property is one the full run writes.
  const written = new Set<string>();
  const collect = (v: unknown, at: string): void => {
    if (Array.isArray(v)) return v.forEach((x) => collect(x, `${at}/*`));
    if (!isNode(v)) return;
    for (const [k, x] of Object.entries(v)) {
      written.add(`${at}/${k}`);
      collect(x, `${at}/${k}`);
    }
  };
  collect(runJsonValue(fullRun()), '');
  const declared = new Set<string>();
  const defs = RUN_SCHEMA.$defs;
  if (!isNode(defs)) return t.fail('no $defs');
  const walk = (node: unknown, at: string): void => {
    if (!isNode(node)) return;
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/$defs/')) walk(defs[node.$ref.slice(8)], at);
    if (isNode(node.items)) walk(node.items, `${at}/*`);
    if (isNode(node.properties)) {
      for (const [k, sub] of Object.entries(node.properties)) {
        declared.add(`${at}/${k}`);
        walk(sub, `${at}/${k}`);
      }
    }
  };
  walk(RUN_SCHEMA, '');
  t.deepEqual([...declared].sort(), [...written].sort());
});

test('a missing field is refused with its JSON pointer', (t) => {
  const d = doc();
  delete probesOf(d)[1].seed;
  t.deepEqual(errorsOf(d), ['/probes/1/seed: is required']);
});

test('an unknown outcome is refused, naming the field and the allowed values', (t) => {
  const d = doc();
  probesOf(d)[0].outcome = 'flaky';
  const errors = errorsOf(d);
  t.is(errors.length, 1);
  t.regex(errors[0], /^\/probes\/0\/outcome: must be one of "pass", "fail", "xfail", "xpass", "skip", "error"$/);
});

test('an unknown field is refused by name, with the pointer escaped', (t) => {
  const d = doc();
  probesOf(d)[2].verdict = 'ok';
  d['odd/key~'] = 1;
  t.deepEqual(errorsOf(d).sort(), ['/odd~1key~0: is not a field of dtlsprobe.run/1', '/probes/2/verdict: is not a field of dtlsprobe.run/1']);
});

test('bad values deep in a transcript are named', (t) => {
  const d = doc();
  const transcript = probesOf(d)[0].transcript;
  if (!Array.isArray(transcript) || !isNode(transcript[1])) return t.fail('no transcript');
  transcript[1].hex = '16FEFD';
  transcript[1].dir = 'both';
  const errors = errorsOf(d);
  t.true(errors.some((e) => e.startsWith('/probes/0/transcript/1/hex: must match pattern')), errors.join('\n'));
  t.true(errors.some((e) => e.startsWith('/probes/0/transcript/1/dir: must be one of "sent", "received"')), errors.join('\n'));
});

test('dates, seeds, durations and requirement ids are checked', (t) => {
  const d = doc();
  d.date = '1 March 2025';
  d.seed = 1.5;
  d.durationMs = -1;
  probesOf(d)[0].requirements = ['RFC6347-4.2.1', 'not an id'];
  const errors = errorsOf(d);
  t.true(errors.some((e) => e.startsWith('/date: must match pattern')));
  t.true(errors.includes('/seed: must be integer'));
  t.true(errors.includes('/durationMs: must be >= 0'));
  t.true(errors.some((e) => e.startsWith('/probes/0/requirements/1: must match pattern')));
});

test('a document of another version is refused by its version, before any field', (t) => {
  const d = doc();
  d.schema = 'dtlsprobe.run/2';
  d.newField = true;
  t.deepEqual(errorsOf(d), ['/schema: this dtlsprobe reads dtlsprobe.run/1, not "dtlsprobe.run/2"']);
});

test('something that is not a run at all is refused at the root', (t) => {
  t.deepEqual(errorsOf([]), ['/: must be object']);
  t.true(errorsOf({}).includes('/schema: is required'));
  t.true(errorsOf(null).length > 0);
});

test('rules beyond the schema: roles, unique names within a role, shard index', (t) => {
  const run = sampleRun();
  const serverOnly: RunResult = { ...run, roles: ['server'] };
  t.true(errorsOf(serverOnly).includes('/probes/6/role: "client" is not one of the run\'s roles (server)'));
  const twice: RunResult = { ...run, probes: [...run.probes, probe({ name: 'cookie-mismatch', group: 'x', role: 'server', outcome: 'pass' })] };
  t.deepEqual(errorsOf(twice), ['/probes/9/name: "cookie-mismatch" appears twice for role server']);
  const sameNameOtherRole: RunResult = { ...run, probes: [...run.probes, probe({ name: 'cookie-mismatch', group: 'x', role: 'client', outcome: 'pass' })] };
  t.deepEqual(validateRun(sameNameOtherRole), { ok: true });
  t.deepEqual(errorsOf({ ...run, shard: { index: 4, count: 3 } }), ['/shard/index: must be at most shard.count (3)']);
  t.deepEqual(errorsOf({ ...run, shard: { index: 0, count: 3 } }), ['/shard/index: must be >= 1']);
});

test('NaN and infinite numbers are refused', (t) => {
  t.deepEqual(errorsOf({ ...sampleRun(), durationMs: Number.NaN }), ['/durationMs: must be number']);
  t.deepEqual(errorsOf({ ...sampleRun(), seed: Number.POSITIVE_INFINITY }), ['/seed: must be integer']);
});
