import { Type, type Static } from 'typebox';
import { EVENT_NAME_PATTERN, PublishEventBody } from '../domain/event-types.ts';
import { HOOK_OBJECTS } from '../domain/types.ts';
import { BATCH_MAX } from '../services/events.ts';

/** Request and response schemas of the JSON API. One schema drives validation and OpenAPI. */

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. HOOK_NOT_FOUND.' }),
      message: Type.String(),
      details: Type.Unknown(),
    }),
  },
  { $id: 'Error' },
);

export const EventTypeName = Type.String({
  pattern: EVENT_NAME_PATTERN,
  maxLength: 100,
  description: 'object.action, e.g. project.created',
});

const HookObject = Type.Union(
  HOOK_OBJECTS.map((o) => Type.Literal(o)),
  { description: 'An object whose events the hook receives.' },
);

const Credential = Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()]);
const SignatureSchemeField = Type.Union([Type.Literal('hmac-sha256'), Type.Literal('ed25519')], {
  description:
    '`hmac-sha256` (default): Standard Webhooks `v1,` signatures with the secret. `ed25519`: `v1a,` signatures checked with `publicKey`. A change rotates to a new key; the old one keeps signing during the grace period.',
});

/** Delivery options (issue 17). Names and schemas are checked by the service (hook-option-rules). */
const HookOptionFields = {
  headers: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description:
        'Sent with every request to the hook, `{name: value}`. Names must be HTTP tokens; content-type, content-length, host, user-agent, authorization, signature, traceparent and webhook-* are reserved.',
    }),
  ),
  filter: Type.Optional(
    Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
      description:
        'A JSON Schema (draft 2020-12) the envelope `{eventID, event, dateAdded, data}` must satisfy for the hook to get the event; null for every event.',
    }),
  ),
  rateLimit: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1, maximum: 10_000 }), Type.Null()], {
      description: 'Requests per second to this hook, across every worker; null for no limit.',
    }),
  ),
  ordering: Type.Optional(
    Type.Union([Type.Literal('none'), Type.Literal('fifo')], {
      description:
        '"fifo": one delivery at a time, in the order the events were accepted; a failing one holds those behind it until it succeeds or fails for good.',
    }),
  ),
  orderingKey: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], {
      description:
        'With "fifo": a JSON Pointer into the envelope (e.g. /data/projectID); order is kept per value.',
    }),
  ),
};

export const HookCreateBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'So you can remember what the hook is about.',
    }),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Absolute http(s) URL the events are POSTed to.',
    }),
    objects: Type.Array(HookObject, {
      uniqueItems: true,
      description:
        "Built-in objects whose events the hook receives. May be empty when `events` names only the tenant's own event types.",
    }),
    events: Type.Optional(
      Type.Union([Type.Array(EventTypeName, { uniqueItems: true, maxItems: 100 }), Type.Null()], {
        description:
          "Only these events of the chosen objects, plus any of the tenant's own event types named here; omit or null for all events of the objects.",
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'Default true.' })),
    username: Type.Optional(Credential),
    password: Type.Optional(Credential),
    ...HookOptionFields,
    signatureScheme: Type.Optional(SignatureSchemeField),
  },
  { additionalProperties: false },
);
export type HookCreateBody = Static<typeof HookCreateBody>;

export const HookPatchBody = Type.Object(Type.Partial(HookCreateBody).properties, {
  additionalProperties: false,
  minProperties: 1,
});
export type HookPatchBody = Static<typeof HookPatchBody>;

export const HookView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  objects: Type.Array(Type.String()),
  events: Type.Union([Type.Array(Type.String()), Type.Null()]),
  enabled: Type.Boolean(),
  signatureScheme: SignatureSchemeField,
  publicKey: Type.Union([Type.String(), Type.Null()], {
    description:
      'ed25519: the `whpk_…` key (base64 of the raw 32 bytes) that verifies `v1a,` signatures; null for HMAC.',
  }),
  username: Type.Union([Type.String(), Type.Null()]),
  hasPassword: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  failingSince: Type.Union([Type.Integer(), Type.Null()]),
  lastSuccessAt: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.Integer({ description: 'unix ms' }),
  updatedAt: Type.Integer({ description: 'unix ms' }),
  headers: Type.Record(Type.String(), Type.String()),
  filter: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  rateLimit: Type.Union([Type.Integer(), Type.Null()]),
  ordering: Type.Union([Type.Literal('none'), Type.Literal('fifo')]),
  orderingKey: Type.Union([Type.String(), Type.Null()]),
});

/** A FIFO hook's queue that holds work (GET /api/hooks/:id/queues). */
export const FifoQueueView = Type.Object({
  key: Type.String({ description: "'' for the whole hook, else the orderingKey's value" }),
  pending: Type.Integer({ description: 'Pending deliveries in the queue, the head included' }),
  headId: Type.String({ description: 'The delivery the others wait on' }),
  headAttempts: Type.Integer(),
  headLastError: Type.Union([Type.String(), Type.Null()]),
  headNextAttemptAt: Type.Union([Type.Integer(), Type.Null()]),
});

export const HookCreated = Type.Intersect([
  HookView,
  Type.Object({
    secret: Type.Optional(
      Type.String({ description: 'HMAC hooks only; an ed25519 private key is never shown.' }),
    ),
  }),
]);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1–100, default 20' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const DeliveryListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    ),
  },
  { additionalProperties: false },
);

export const EventListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    event: Type.Optional(EventTypeName),
  },
  { additionalProperties: false },
);

/** The body of POST /api/events, defined with the event catalogue. */
export const PublishBody = PublishEventBody;
export type PublishBody = Static<typeof PublishBody>;

export { BATCH_MAX };

/** maxItems is checked before the items (Ajv runs size keywords first), so an oversized batch costs no validation work. */
export const PublishBatchBody = Type.Object(
  { events: Type.Array(PublishBody, { minItems: 1, maxItems: BATCH_MAX }) },
  { additionalProperties: false },
);

export const PublishAnswer = Type.Object({
  eventID: Type.String(),
  event: Type.String(),
  deliveries: Type.Array(
    Type.Object({ id: Type.String(), hookId: Type.Union([Type.String(), Type.Null()]) }),
  ),
});

export const RecoverBody = Type.Object(
  {
    since: Type.Union([
      Type.Integer({ minimum: 0, description: 'unix ms' }),
      Type.String({ format: 'date-time' }),
    ]),
  },
  { additionalProperties: false },
);

export const TenantCreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const KeyCreateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')])),
  },
  { additionalProperties: false },
);

export const TenantParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 200 }) });

export const HookSecretView = Type.Object({
  secret: Type.Optional(
    Type.String({ description: 'Standard Webhooks secret, `whsec_…` (hmac-sha256 hooks).' }),
  ),
  publicKey: Type.Optional(
    Type.String({ description: 'ed25519 hooks: `whpk_…`; the private key is never shown.' }),
  ),
  previous: Type.Array(
    Type.Object({
      expiresAt: Type.Integer({ description: 'unix ms' }),
      publicKey: Type.Optional(Type.String({ description: 'The rotated-out ed25519 public key.' })),
    }),
    { description: 'Rotated-out secrets or keys that still sign, until they expire.' },
  ),
});

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const DeliveryView = Type.Object({
  id: Type.String(),
  eventID: Type.Union([Type.String(), Type.Null()], {
    description: "The event's envelope eventID, as the receiver sees it; null once the event was purged.",
  }),
  event: Type.Union([Type.String(), Type.Null()], { description: 'The event type; null once purged.' }),
  eventRef: Type.String({
    description: "Herald's internal id of the event row (`evt_…`); GET /api/events/{id} takes it too.",
  }),
  hookId: NullableString,
  url: Type.Union([Type.String(), Type.Null()], { description: 'Reporter deliveries only.' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: NullableInt,
  lastStatus: NullableInt,
  lastError: NullableString,
  createdAt: Type.Integer({ description: 'unix ms' }),
  updatedAt: Type.Integer({ description: 'unix ms' }),
  deliveredAt: NullableInt,
});

const Headers = Type.Record(Type.String(), Type.String());

export const AttemptView = Type.Object({
  id: Type.String(),
  attemptNo: Type.Integer(),
  startedAt: Type.Integer(),
  durationMs: Type.Number(),
  request: Type.Object({ url: Type.String(), headers: Headers }),
  response: Type.Union([
    Type.Object({ status: Type.Integer(), headers: Headers, body: Type.String() }),
    Type.Null(),
  ]),
  error: NullableString,
});

export const DeliveryDetail = Type.Intersect([
  DeliveryView,
  Type.Object({ attemptLog: Type.Array(AttemptView, { description: 'Oldest first.' }) }),
]);

export const DeliveryPage = Type.Object({ data: Type.Array(DeliveryView), nextCursor: NullableString });

export const EventView = Type.Object({
  id: Type.String({ description: "Herald's id of the event row (`evt_…`)." }),
  eventID: Type.String(),
  event: Type.String(),
  dateAdded: Type.Integer(),
  typeVersion: Type.Union([Type.Integer(), Type.Null()], {
    description:
      "The version of the tenant's own event type `data` was validated against; null for built-in types.",
  }),
  payload: Type.Unknown({ description: 'The exact body POSTed to receivers.' }),
});

export const EventDetail = Type.Intersect([EventView, Type.Object({ deliveries: Type.Array(DeliveryView) })]);
