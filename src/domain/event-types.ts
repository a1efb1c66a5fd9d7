import Type from 'typebox';
import type { Static, TSchema } from 'typebox';
import Compile from 'typebox/compile';
import type { Validator } from 'typebox/compile';
import {
  ApiLogData,
  ProjectData,
  SiteData,
  IssueData,
  BuildData,
  HookDisabledData,
  PingData,
  UnixMs,
} from './event-schemas.ts';

export * from './event-schemas.ts';

/**
 * The event catalogue: every event type Herald knows, the envelope, and validation of what is
 * published. Payload schemas are in event-schemas.ts; the published JSON Schema is generated from
 * both by scripts/webhook-schema.ts.
 */

// --- the catalogue ---------------------------------------------------------------------------------

export interface EventType {
  /** `object.action`, or `ping`. */
  type: string;
  /** The object the event is about; also the name of its data schema in webhook.json `$defs`. */
  object: string;
  description: string;
  /** Schema of the envelope's `data`. */
  schema: TSchema;
  /** Whether API users may publish it through POST /api/events; false for events only Herald emits. */
  publishable: boolean;
}

const crud = (object: string, noun: string, schema: TSchema): EventType[] =>
  (['created', 'updated', 'deleted'] as const).map((action) => ({
    type: `${object}.${action}`,
    object,
    description: `A ${noun} was ${action}.`,
    schema,
    publishable: true,
  }));

export const EVENT_TYPES: EventType[] = [
  {
    type: 'apiLog.created',
    object: 'apiLog',
    description: 'A new test run occurred. Includes the full API response.',
    schema: ApiLogData,
    publishable: true,
  },
  ...crud('project', 'project', ProjectData),
  ...crud('site', 'site monitor', SiteData),
  ...(
    [
      ['created', 'A site monitor found a new issue (or found a fixed one again). Only Herald emits it.'],
      ['updated', 'An issue was accepted or reopened. Only Herald emits it.'],
      [
        'deleted',
        'A complete slot of the site monitor no longer finds the issue: fixed. Only Herald emits it.',
      ],
    ] as const
  ).map(([action, description]) => ({
    type: `issue.${action}`,
    object: 'issue',
    description,
    schema: IssueData,
    publishable: false,
  })),
  {
    type: 'build.finished',
    object: 'build',
    description: 'A Usetrace build finished.',
    schema: BuildData,
    publishable: true,
  },
  {
    type: 'hook.disabled',
    object: 'hook',
    description: 'Herald disabled a hook because its deliveries kept failing. Only Herald emits it.',
    schema: HookDisabledData,
    publishable: false,
  },
  {
    type: 'ping',
    object: 'ping',
    description: 'A test event sent to one hook by "Send test event". Only Herald emits it.',
    schema: PingData,
    publishable: false,
  },
];

const byType = new Map(EVENT_TYPES.map((e) => [e.type, e]));

export function findEventType(type: string): EventType | undefined {
  return byType.get(type);
}

// --- envelope and API schemas -------------------------------------------------------------------

const EventID = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Globally unique identifier for the event instance.',
});
const EventDateAdded = UnixMs('Unix time in milliseconds (GMT) when the event occurred.');

/** The envelope with `event` fixed to one type and `data` to its schema. */
export function buildEnvelopeSchema(eventType: EventType) {
  return Type.Object(
    {
      eventID: EventID,
      event: Type.Literal(eventType.type),
      dateAdded: EventDateAdded,
      data: eventType.schema,
    },
    { additionalProperties: false, description: eventType.description },
  );
}

/** Any envelope; `data` is only known to be an object. */
export const WebhookEnvelope = Type.Object(
  {
    eventID: EventID,
    event: Type.String({
      description:
        'Type of event: object.action (e.g. site.created), or "ping" for a test event. It decides the shape of data.',
    }),
    dateAdded: EventDateAdded,
    data: Type.Object(
      {},
      { description: 'Details of the object the event applies to; shape depends on event.' },
    ),
  },
  { additionalProperties: false },
);
export type WebhookEnvelope = Static<typeof WebhookEnvelope>;

export const EVENT_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9]*\\.[A-Za-z][A-Za-z0-9_]*$';

/** Body of POST /api/events. */
export const PublishEventBody = Type.Object(
  {
    event: Type.String({ pattern: EVENT_NAME_PATTERN, description: 'Event type, object.action.' }),
    data: Type.Object({}, { description: "The event's data; validated against the event type's schema." }),
    eventID: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Your unique id for the event; a UUID if omitted.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PublishEventBody = Static<typeof PublishEventBody>;

// --- validation ----------------------------------------------------------------------------------

export interface DataProblem {
  /** JSON pointer into the validated value ("" is the value itself). */
  path: string;
  message: string;
}
export type ValidationResult = { ok: true } | { ok: false; errors: DataProblem[] };

const validators = new Map<string, Validator>();

/** Compiled on first use, so importing the catalogue costs nothing. */
function validatorFor(key: string, schema: TSchema): Validator {
  let v = validators.get(key);
  if (!v) {
    v = Compile(schema);
    validators.set(key, v);
  }
  return v;
}

function run(v: Validator, value: unknown): ValidationResult {
  if (v.Check(value)) return { ok: true };
  const errors: DataProblem[] = [];
  for (const e of v.Errors(value)) {
    // Missing and unexpected properties are reported at the property, where a caller has to look.
    if (e.keyword === 'required') {
      for (const p of e.params.requiredProperties)
        errors.push({ path: `${e.instancePath}/${escapePointer(p)}`, message: 'is required' });
    } else if (e.keyword === 'additionalProperties') {
      for (const p of e.params.additionalProperties)
        errors.push({ path: `${e.instancePath}/${escapePointer(p)}`, message: 'is not allowed' });
    } else if (e.keyword !== 'boolean') {
      // `boolean` is the `false` schema behind additionalProperties, already reported above.
      errors.push({ path: e.instancePath, message: e.message });
    }
  }
  return { ok: false, errors };
}

const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Validates an event's `data` with TypeBox; paths are relative to `data`. */
export function validateEventData(type: string, data: unknown): ValidationResult {
  const eventType = findEventType(type);
  if (!eventType) return { ok: false, errors: [{ path: '', message: `unknown event type "${type}"` }] };
  return run(validatorFor(type, eventType.schema), data);
}

/** Validates a whole payload as Herald would POST it; paths are relative to the envelope. */
export function validateEnvelope(body: unknown): ValidationResult {
  const base = run(validatorFor('envelope', WebhookEnvelope), body);
  if (!base.ok) return base;
  const { event, data } = body as WebhookEnvelope;
  const eventType = findEventType(event);
  if (!eventType)
    return { ok: false, errors: [{ path: '/event', message: `unknown event type "${event}"` }] };
  const result = validateEventData(event, data);
  if (result.ok) return result;
  return { ok: false, errors: result.errors.map((e) => ({ path: `/data${e.path}`, message: e.message })) };
}
