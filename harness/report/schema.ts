/**
 * The JSON Schema of run.json (`run-1.schema.json`, id `dtlsprobe.run/1`) and the validator every
 * reader goes through. The schema checks shapes; `validateRun` adds the rules a schema cannot say
 * (a probe's role is one of the run's roles, names are unique within a role, the shard index is at
 * most the shard count). Errors name the offending field by its JSON pointer.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';
import runSchema from './run-1.schema.json' with { type: 'json' };
import type { RunResult } from './model.ts';

/** The id of the schema and the value of a document's `schema` field. */
export const RUN_SCHEMA_ID = 'dtlsprobe.run/1';

/** The schema itself, as a JSON value (for tools that want to publish or embed it). */
export const RUN_SCHEMA: Readonly<Record<string, unknown>> = runSchema;

export type Validation = { ok: true } | { ok: false; errors: string[] };

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validateShape = ajv.compile<RunResult>(runSchema);

/** A JSON pointer segment, escaped as RFC 6901 asks. */
function segment(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The pointer of the field an ajv error is about, and what is wrong with it. */
function describe(e: ErrorObject): string {
  const at = e.instancePath;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${at}/${segment(String(params.missingProperty))}: is required`;
    case 'additionalProperties':
      return `${at}/${segment(String(params.additionalProperty))}: is not a field of ${RUN_SCHEMA_ID}`;
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map((v) => JSON.stringify(v)).join(', ') : '';
      return `${at || '/'}: must be one of ${allowed}`;
    }
    case 'const':
      return `${at || '/'}: must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return `${at || '/'}: ${e.message ?? e.keyword}`;
  }
}

/** The checks JSON Schema cannot express, on a document whose shape is already valid. */
function crossCheck(run: RunResult): string[] {
  const errors: string[] = [];
  if (run.shard !== undefined && run.shard.index > run.shard.count) {
    errors.push(`/shard/index: must be at most shard.count (${run.shard.count})`);
  }
  const seen = new Set<string>();
  run.probes.forEach((p, i) => {
    if (!run.roles.includes(p.role)) errors.push(`/probes/${i}/role: "${p.role}" is not one of the run's roles (${run.roles.join(', ')})`);
    const key = `${p.role}\u0000${p.name}`;
    if (seen.has(key)) errors.push(`/probes/${i}/name: "${p.name}" appears twice for role ${p.role}`);
    seen.add(key);
  });
  return errors;
}

/**
 * Checks a parsed document against `dtlsprobe.run/1`. Every error starts with the JSON pointer of
 * the field it is about (`/probes/3/outcome: must be one of ...`); the first is the first in
 * document order.
 */
export function validateRun(value: unknown): Validation {
  const other = otherVersion(value);
  if (other !== undefined) {
    return { ok: false, errors: [`/schema: this dtlsprobe reads ${RUN_SCHEMA_ID}, not ${JSON.stringify(other)}`] };
  }
  if (!validateShape(value)) {
    const errors = (validateShape.errors ?? []).map(describe);
    return { ok: false, errors: errors.length > 0 ? errors : ['/: does not match the schema'] };
  }
  const errors = crossCheck(value);
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}

/** The `schema` field of a document that declares some other version, if it does. */
function otherVersion(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const declared = (value as Record<string, unknown>).schema;
  return declared !== undefined && declared !== RUN_SCHEMA_ID ? declared : undefined;
}

/** Narrows a value to a RunResult, or throws an error naming the first bad field. */
export function assertRun(value: unknown, what = 'run'): asserts value is RunResult {
  const v = validateRun(value);
  if (!v.ok) {
    const more = v.errors.length > 1 ? ` (and ${v.errors.length - 1} more: ${v.errors.slice(1, 4).join('; ')}${v.errors.length > 4 ? '; ...' : ''})` : '';
    throw new RunFormatError(`${what} is not a valid ${RUN_SCHEMA_ID} document: ${v.errors[0]}${more}`, v.errors);
  }
}

/** A document that does not match `dtlsprobe.run/1`; `errors` lists every problem, first first. */
export class RunFormatError extends Error {
  override readonly name = 'RunFormatError';
  constructor(message: string, readonly errors: readonly string[]) {
    super(message);
  }
}
