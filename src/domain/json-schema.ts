import { createHash } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { HeraldError } from './errors.ts';
import type { DataProblem, ValidationResult } from './event-types.ts';

/**
 * JSON Schemas written by users (hook filters, tenant event types). Herald's own catalogue is
 * TypeBox; these are arbitrary documents, so they go through Ajv (draft 2020-12, the dialect
 * the OpenAPI document and `schemas/webhook.json` use), which can also say why a schema itself
 * is invalid. Compiled schemas are cached by their canonical text, so a hook filter or an event
 * type is compiled once per process however many events it sees.
 */

/** Bounds on a user's schema: it is stored, compiled and run on the hot path. */
export const MAX_USER_SCHEMA_BYTES = 64 * 1024;
const CACHE_LIMIT = 1000;

// ajv-formats is CommonJS with a default export; under NodeNext the default is the module.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const ajv = new Ajv2020({
  allErrors: true,
  strict: false, // unknown keywords are annotations in JSON Schema, not errors
  validateSchema: true,
  // $ref to anything outside the schema would be a fetch: refuse rather than resolve.
  loadSchema: undefined,
});
addFormats(ajv);

export interface UserSchema {
  /** sha256 of the canonical text, for caching and for recording which version validated. */
  readonly digest: string;
  validate(value: unknown): ValidationResult;
}

const cache = new Map<string, UserSchema>();

const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

function problems(errors: ErrorObject[] | null | undefined): DataProblem[] {
  return (errors ?? []).map((e) => {
    if (e.keyword === 'required') {
      const p = (e.params as { missingProperty: string }).missingProperty;
      return { path: `${e.instancePath}/${escapePointer(p)}`, message: 'is required' };
    }
    if (e.keyword === 'additionalProperties') {
      const p = (e.params as { additionalProperty: string }).additionalProperty;
      return { path: `${e.instancePath}/${escapePointer(p)}`, message: 'is not allowed' };
    }
    return { path: e.instancePath, message: e.message ?? e.keyword };
  });
}

/**
 * Compiles a user's JSON Schema, or throws `INVALID_SCHEMA` (400) naming what is wrong with it.
 * `field` is the request field the schema came in (e.g. `/filter`), for the error's paths.
 */
export function compileUserSchema(schema: unknown, field: string): UserSchema {
  if (typeof schema === 'boolean') schema = schema ? {} : { not: {} };
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema))
    throw new HeraldError('INVALID_SCHEMA', `${field} must be a JSON Schema object`, [
      { path: field, message: 'must be an object' },
    ]);
  const text = JSON.stringify(schema);
  if (Buffer.byteLength(text) > MAX_USER_SCHEMA_BYTES)
    throw new HeraldError('INVALID_SCHEMA', `${field} is larger than ${MAX_USER_SCHEMA_BYTES} bytes`, [
      { path: field, message: `is larger than ${MAX_USER_SCHEMA_BYTES} bytes` },
    ]);
  const digest = createHash('sha256').update(text).digest('hex');
  const hit = cache.get(digest);
  if (hit) return hit;

  if (!ajv.validateSchema(schema))
    throw new HeraldError(
      'INVALID_SCHEMA',
      `${field} is not a valid JSON Schema`,
      problems(ajv.errors).map((p) => ({ path: `${field}${p.path}`, message: p.message })),
    );
  let fn: ValidateFunction;
  try {
    // Without its $id, no schema is registered globally: each compile stands alone.
    const { $id: _id, ...standalone } = schema as Record<string, unknown>;
    fn = ajv.compile(standalone);
  } catch (err) {
    throw new HeraldError(
      'INVALID_SCHEMA',
      `${field} is not a valid JSON Schema: ${(err as Error).message}`,
      [{ path: field, message: (err as Error).message }],
    );
  }
  const compiled: UserSchema = {
    digest,
    validate(value) {
      return fn(value) ? { ok: true } : { ok: false, errors: problems(fn.errors) };
    },
  };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(digest, compiled);
  return compiled;
}
