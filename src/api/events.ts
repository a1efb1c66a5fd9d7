import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PublishResult } from '../ingest/publish.ts';
import { auth, cursor, pageLimit } from '../http/request.ts';
import { type AppContext } from '../context.ts';
import { BATCH_MAX } from '../services/events.ts';
import {
  EventDetail,
  EventListQuery,
  IdParams,
  PublishAnswer,
  PublishBatchBody,
  PublishBody,
} from './schemas.ts';
import { deliveryView, eventView } from '../http/views.ts';

const answer = (r: PublishResult) => ({ eventID: r.eventID, event: r.event, deliveries: r.deliveries });

/** The header as sent; the service checks its length. */
function idempotencyKey(raw: string | string[] | undefined): string | null {
  if (raw === undefined) return null;
  return (Array.isArray(raw) ? raw[0] : raw) ?? '';
}

/**
 * The parsed body, which the request then no longer holds: 1,000 Tenon-sized events parse into
 * several MB of objects, needed only until they are validated and fanned out. Held by the request
 * until the answer, they lived through the commit, and every scavenge in that time copied them.
 */
function takeBody<T>(req: { body: T }): T {
  const body = req.body;
  req.body = undefined as T;
  return body;
}

/**
 * The publish routes' JSON parser: Fastify's own, less its scan of the whole text for
 * `__proto__` and `constructor` keys (two regular expressions over up to MBs of text, a fifth of
 * the parse of a Tenon batch). A walk of the parsed value, at a third of the cost, looks for
 * them instead; a body with either key, or one it cannot judge (empty, a BOM, not JSON, nested
 * too deep to walk), goes to Fastify's parser, which answers it as it always did.
 */
function publishJson(app: FastifyInstance): FastifyBodyParser<string> {
  // The server's settings, Fastify's defaults: refuse both keys.
  const fastifyJson = app.getDefaultJsonParser('error', 'error');
  return (req, body, done) => {
    let value: unknown;
    try {
      value = body.length === 0 || body.charCodeAt(0) === 0xfeff ? undefined : JSON.parse(body);
    } catch {
      value = undefined;
    }
    if (value === undefined || mayBePoisoned(value, 128)) return fastifyJson(req, body, done);
    done(null, value);
  };
}

/**
 * Whether an object in `v` has an own `__proto__` or `constructor` key (which Fastify's parser
 * looks at), or `v` nests deeper than `levels` (left to it, as it walks without recursion).
 */
function mayBePoisoned(v: unknown, levels: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (levels === 0) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (mayBePoisoned(v[i], levels - 1)) return true;
    return false;
  }
  if (Object.hasOwn(v, '__proto__') || Object.hasOwn(v, 'constructor')) return true;
  for (const k in v) if (mayBePoisoned((v as Record<string, unknown>)[k], levels - 1)) return true;
  return false;
}

/** W3C trace context of the publisher; an invalid one is ignored, as the spec says. */
const traceparent = (raw: string | string[] | undefined): string | null =>
  typeof raw === 'string' ? raw : null;

export async function eventRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['events'];
  const events = ctx.services.events;
  // In a scope of their own, so their JSON parser is theirs alone.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, publishJson(scope));
    publishRoutes(scope, ctx);
  });

  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/api/events', { schema: { tags, querystring: EventListQuery } }, async (req) => {
    const page = await events.list(auth(req).tenantId, {
      limit: pageLimit(req.query.limit),
      after: cursor(req.query.cursor),
      type: req.query.event,
    });
    return { data: page.data.map(eventView), nextCursor: page.nextCursor };
  });

  r.get(
    '/api/events/:id',
    {
      schema: {
        tags,
        summary: 'An event with its deliveries',
        description: 'By the eventID of its envelope or by its Herald id (`evt_…`).',
        params: IdParams,
        response: { 200: EventDetail },
      },
    },
    async (req) => {
      const { event, deliveries } = await events.withDeliveries(auth(req).tenantId, req.params.id);
      const summary = { id: event.id, eventID: event.eventID, type: event.type };
      return {
        ...eventView(event),
        deliveries: deliveries.map((delivery) => deliveryView({ delivery, event: summary })),
      };
    },
  );
}

function publishRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['events'];
  const events = ctx.services.events;

  r.post(
    '/api/events',
    {
      schema: {
        tags,
        summary: 'Publish an event; answers once it and its fan-out are committed',
        body: PublishBody,
        response: { 202: PublishAnswer },
      },
    },
    async (req, reply) => {
      const result = await events.publish(
        auth(req).tenantId,
        req.body,
        idempotencyKey(req.headers['idempotency-key']),
        traceparent(req.headers['traceparent']),
      );
      return reply.status(202).send(answer(result));
    },
  );

  r.post(
    '/api/events/batch',
    {
      schema: {
        tags,
        summary: `Publish up to ${BATCH_MAX} events in one transaction`,
        body: PublishBatchBody,
      },
    },
    async (req, reply) => {
      const results = await events.publishBatch(
        auth(req).tenantId,
        takeBody(req).events,
        traceparent(req.headers['traceparent']),
      );
      return reply.status(202).send({ data: results.map(answer) });
    },
  );
}
