/**
 * The published JSON Schema of Herald's webhook payloads (`schemas/webhook.json`), generated from
 * the event catalogue by scripts/write-schema.ts and checked against the committed file by the tests.
 */
import type { TSchema } from 'typebox';
import {
  TenonIssue,
  TenonApiResponse,
  TestCase,
  EVENT_TYPES,
  WebhookEnvelope,
} from '../src/domain/event-types.ts';

// --- the published JSON Schema ----------------------------------------------------------------

export const WEBHOOK_SCHEMA_ID = 'https://herald.dev/schemas/webhook.json';

/** Schemas that get a `$defs` entry, by name; nested copies of them become `$ref`s. */
const DEFS: Array<[string, TSchema]> = [
  ...EVENT_TYPES.filter((e, i, all) => all.findIndex((o) => o.object === e.object) === i).map(
    (e): [string, TSchema] => [e.object, e.schema],
  ),
  ['testCase', TestCase],
  ['tenonApiResponse', TenonApiResponse],
  ['tenonIssue', TenonIssue],
];

const KEY_ORDER = ['$schema', '$id', '$ref', 'title', 'description', 'type', 'const', 'enum', 'format'];
const VALUE_KEYWORDS = new Set(['const', 'enum', 'examples', 'default']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Plain JSON (TypeBox markers are non-enumerable), keys in reading order, empty `required`/`properties` dropped. */
function toJson(schema: unknown, refs: Map<string, string>): Json {
  return tidy(JSON.parse(JSON.stringify(schema)) as Json, refs, true);
}

function tidy(node: Json, refs: Map<string, string>, isRoot: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => tidy(n, refs, false));
  if (node === null || typeof node !== 'object') return node;
  const ref = isRoot ? undefined : refs.get(JSON.stringify(node));
  if (ref) return { $ref: ref };
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b));
  const out: { [key: string]: Json } = {};
  for (const k of keys) {
    const v = node[k]!;
    if (k === 'required' && Array.isArray(v) && v.length === 0) continue;
    if (k === 'properties' && typeof v === 'object' && v !== null && Object.keys(v).length === 0) continue;
    if (VALUE_KEYWORDS.has(k)) out[k] = v;
    else if (k === 'properties' || k === '$defs') out[k] = mapValues(v, (s) => tidy(s, refs, false));
    else out[k] = tidy(v, refs, false);
  }
  return out;
}

function rank(key: string): number {
  const i = KEY_ORDER.indexOf(key);
  return i === -1 ? KEY_ORDER.length : i;
}

function mapValues(v: Json, f: (s: Json) => Json): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, s]) => [k, f(s)]));
}

const SEED_EXAMPLE = {
  eventID: 'eb14b5be-2520-43e1-8398-0c40a7caeca9',
  event: 'site.created',
  dateAdded: 1480977198796,
  data: {
    object: 'site',
    name: 'My Example Site',
    siteKey: '11jyv9d1NEnY',
    projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
    siteUrl: 'http://www.example.com',
  },
};

/**
 * One JSON Schema (2020-12) for every payload Herald POSTs: the closed envelope, and a `oneOf`
 * with one branch per event type that ties `event` (a const) to its `data` schema in `$defs`.
 */
export function buildWebhookJsonSchema(): Record<string, Json> {
  // Keyed by the raw JSON of each def, which is what tidy() compares nested nodes against.
  const refs = new Map(DEFS.map(([name, s]) => [JSON.stringify(s), `#/$defs/${name}`]));
  const envelope = toJson(WebhookEnvelope, refs) as { [key: string]: Json };
  const eventProperty = (envelope.properties as { [key: string]: { [key: string]: Json } }).event!;
  eventProperty.enum = EVENT_TYPES.map((e) => e.type);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: WEBHOOK_SCHEMA_ID,
    title: 'Herald webhook payload',
    description:
      'The JSON body Herald POSTs to a hook. eventID identifies the event instance, event says what ' +
      'happened as object.action (site.created), dateAdded is when, and data holds the object the ' +
      'event applies to; its shape depends on event. Receivers should ignore fields they do not know.',
    ...envelope,
    oneOf: EVENT_TYPES.map((e) => ({
      title: e.type,
      description: e.description,
      type: 'object',
      properties: { event: { const: e.type }, data: { $ref: `#/$defs/${e.object}` } },
    })),
    examples: [SEED_EXAMPLE],
    $defs: Object.fromEntries(DEFS.map(([name, s]) => [name, toJson(s, refs)])),
  };
}
