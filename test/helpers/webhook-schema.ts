/**
 * Validates payloads against the committed schemas/webhook.json with ajv, i.e. with the schema
 * receivers get rather than Herald's own TypeBox validators. Use it on every body a test
 * receiver gets.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';

export const WEBHOOK_SCHEMA_FILE = new URL('../../schemas/webhook.json', import.meta.url);

interface WebhookSchema {
  $id: string;
  type: string;
  required: string[];
  properties: Record<string, object>;
  additionalProperties: boolean;
  oneOf: Array<{ properties: { event: { const: string }; data: { $ref: string } } }>;
}

export interface WebhookValidator {
  schema: WebhookSchema;
  /** The whole schema. */
  validate: ValidateFunction;
  /** The envelope alone, without the oneOf: its errors are not buried under every branch's. */
  validateEnvelope: ValidateFunction;
  /** The `$defs` data schema of each event type. */
  dataValidators: Map<string, ValidateFunction>;
}

let compiled: WebhookValidator | undefined;

/** A strict ajv (2020-12 + formats) with schemas/webhook.json compiled, built once per process. */
export function webhookValidator(): WebhookValidator {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(WEBHOOK_SCHEMA_FILE, 'utf8')) as WebhookSchema;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  formats.default(ajv);
  const validate = ajv.compile(schema);
  const { type, required, properties, additionalProperties } = schema;
  const validateEnvelope = ajv.compile({ type, required, properties, additionalProperties });
  const dataValidators = new Map<string, ValidateFunction>();
  for (const branch of schema.oneOf) {
    const ref = `${schema.$id}${branch.properties.data.$ref}`;
    const fn = ajv.getSchema(ref);
    if (!fn) throw new Error(`webhook.json: cannot resolve ${ref}`);
    dataValidators.set(branch.properties.event.const, fn);
  }
  compiled = { schema, validate, validateEnvelope, dataValidators };
  return compiled;
}

function describe(errors: ErrorObject[] | null | undefined, prefix = ''): string {
  return (errors ?? [])
    .map((e) => `  ${prefix + e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`)
    .join('\n');
}

/**
 * Throws, listing ajv's errors, unless `body` is a payload Herald may POST. A string or Buffer
 * is taken as the raw request body and parsed first.
 */
export function assertValidWebhook(body: unknown): void {
  const value: unknown =
    typeof body === 'string' || Buffer.isBuffer(body) ? JSON.parse(body.toString()) : body;
  const { validate, validateEnvelope, dataValidators } = webhookValidator();
  if (validate(value)) return;
  let detail: string;
  if (!validateEnvelope(value)) detail = describe(validateEnvelope.errors);
  else {
    // The envelope is valid, so event is a known type and data an object: only data can be wrong.
    const { event, data } = value as { event: string; data: unknown };
    const dataCheck = dataValidators.get(event);
    detail = dataCheck && !dataCheck(data) ? describe(dataCheck.errors, '/data') : describe(validate.errors);
  }
  throw new Error(`invalid webhook payload:\n${detail}`);
}
