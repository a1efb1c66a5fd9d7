import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { EventType } from '../domain/event-types.ts';
import { MAX_EVENT_TYPE_DESCRIPTION, MAX_EVENT_TYPE_NAME } from '../domain/tenant-event-types.ts';
import type { TenantEventType } from '../domain/tenant-event-types.ts';
import { auth } from '../http/request.ts';
import { type AppContext } from '../context.ts';

const Name = Type.String({
  minLength: 1,
  maxLength: MAX_EVENT_TYPE_NAME,
  description: 'object.action, e.g. invoice.paid',
});
const Description = Type.Union([Type.String({ maxLength: MAX_EVENT_TYPE_DESCRIPTION }), Type.Null()]);
const Schema = Type.Unknown({ description: "A JSON Schema (draft 2020-12) for the event's `data`." });

const CreateBody = Type.Object(
  { name: Name, description: Type.Optional(Description), schema: Schema },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  { description: Type.Optional(Description), schema: Type.Optional(Schema) },
  { additionalProperties: false, minProperties: 1 },
);
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

const EventTypeView = Type.Object({
  event: Type.String(),
  object: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  builtIn: Type.Boolean({ description: "Herald's own type (true) or one of your tenant's (false)." }),
  publishable: Type.Boolean({ description: 'Whether POST /api/events takes it.' }),
  version: Type.Union([Type.Integer(), Type.Null()], {
    description: "Your type's current schema version (each schema change adds one); null for built-in types.",
  }),
  schema: Type.Unknown(),
  createdAt: Type.Union([Type.Integer(), Type.Null()]),
  updatedAt: Type.Union([Type.Integer(), Type.Null()]),
});
const EventTypeDetail = Type.Intersect([
  EventTypeView,
  Type.Object({
    versions: Type.Array(
      Type.Object({ version: Type.Integer(), schema: Type.Unknown(), createdAt: Type.Integer() }),
      { description: 'Every schema of your type, oldest first; empty for built-in types.' },
    ),
  }),
]);

function builtInView(t: EventType) {
  const { type, object, description, publishable, schema } = t;
  return {
    event: type,
    object,
    description,
    builtIn: true,
    publishable,
    version: null,
    schema,
    createdAt: null,
    updatedAt: null,
  };
}

function ownView(t: TenantEventType) {
  return {
    event: t.name,
    object: t.name.slice(0, t.name.indexOf('.')),
    description: t.description,
    builtIn: false,
    publishable: true,
    version: t.version,
    schema: JSON.parse(t.schema) as unknown,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export async function eventTypeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['event types'];
  const types = ctx.services.eventTypes;

  r.get(
    '/api/event-types',
    { schema: { tags, summary: "The built-in event types and your tenant's own, with their JSON Schemas" } },
    async (req) => ({
      data: (await types.list(auth(req).tenantId)).map((e) =>
        'builtIn' in e ? builtInView(e.builtIn) : ownView(e.own),
      ),
    }),
  );

  r.post(
    '/api/event-types',
    {
      schema: {
        tags,
        summary: 'Create an event type of your own',
        description:
          'The name has the object.action shape, of an object that is not one of the built-in catalogue. Publishing it validates `data` against `schema`.',
        body: CreateBody,
        response: { 201: EventTypeView },
      },
    },
    async (req, reply) => reply.status(201).send(ownView(await types.create(auth(req).tenantId, req.body))),
  );

  r.get(
    '/api/event-types/:name',
    {
      schema: {
        tags,
        summary: 'One event type, with every schema version',
        params: NameParams,
        response: { 200: EventTypeDetail },
      },
    },
    async (req) => {
      const found = await types.get(auth(req).tenantId, req.params.name);
      if ('builtIn' in found) return { ...builtInView(found.builtIn), versions: [] };
      return {
        ...ownView(found.own),
        versions: found.versions.map((v) => ({ ...v, schema: JSON.parse(v.schema) as unknown })),
      };
    },
  );

  r.patch(
    '/api/event-types/:name',
    {
      schema: {
        tags,
        summary: 'Change the description or the schema; a new schema makes a new version',
        params: NameParams,
        body: PatchBody,
        response: { 200: EventTypeView },
      },
    },
    async (req) => ownView(await types.update(auth(req).tenantId, req.params.name, req.body)),
  );

  r.delete(
    '/api/event-types/:name',
    {
      schema: {
        tags,
        summary: 'Delete an event type of your own',
        description:
          'Refused (409 EVENT_TYPE_IN_USE) while a hook names it in `events`. Stored events of the type stay, and their pending deliveries still go out.',
        params: NameParams,
      },
    },
    async (req, reply) => {
      await types.delete(auth(req).tenantId, req.params.name);
      return reply.status(204).send();
    },
  );
}
