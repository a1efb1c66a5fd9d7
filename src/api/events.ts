import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { EVENT_TYPES } from '../domain/event-types.ts';
import { HeraldError } from '../domain/errors.ts';
import type { PublishResult } from '../ingest/publish.ts';
import { auth, cursor, pageLimit, toPage } from '../http/request.ts';
import { type AppContext } from '../context.ts';
import {
  BATCH_MAX,
  EventListQuery,
  IdParams,
  PublishAnswer,
  PublishBatchBody,
  PublishBody,
} from './schemas.ts';
import { deliveryView, eventView } from './views.ts';

const answer = (r: PublishResult) => ({ eventID: r.eventID, event: r.event, deliveries: r.deliveries });

function idempotencyKey(raw: string | string[] | undefined): string | null {
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || key.length > 200)
    throw new HeraldError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 characters', [
      { path: 'headers/idempotency-key', message: 'must be 1 to 200 characters' },
    ]);
  return key;
}

export async function eventRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['events'];

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
      const { tenantId } = auth(req);
      const [result] = await ctx.publisher.publish(tenantId, [
        { ...req.body, idempotencyKey: idempotencyKey(req.headers['idempotency-key']) },
      ]);
      return reply.status(202).send(answer(result!));
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
      const { tenantId } = auth(req);
      if (req.body.events.length > BATCH_MAX)
        throw new HeraldError(
          'BATCH_TOO_LARGE',
          `At most ${BATCH_MAX} events per batch, got ${req.body.events.length}`,
        );
      const results = await ctx.publisher.publish(tenantId, req.body.events);
      return reply.status(202).send({ data: results.map(answer) });
    },
  );

  r.get('/api/events', { schema: { tags, querystring: EventListQuery } }, async (req) => {
    const { tenantId } = auth(req);
    const limit = pageLimit(req.query.limit);
    const rows = await ctx.store.listEvents(tenantId, {
      limit: limit + 1,
      after: cursor(req.query.cursor),
      type: req.query.event,
    });
    const page = toPage(rows, limit);
    return { data: page.data.map(eventView), nextCursor: page.nextCursor };
  });

  r.get(
    '/api/events/:id',
    { schema: { tags, summary: 'An event with its deliveries', params: IdParams } },
    async (req) => {
      const { tenantId } = auth(req);
      const event = await ctx.store.getEvent(tenantId, req.params.id);
      if (!event) throw new HeraldError('EVENT_NOT_FOUND', `No event ${req.params.id}`);
      const deliveries = await ctx.store.listDeliveries(tenantId, { eventId: event.id, limit: 1000 });
      return { ...eventView(event), deliveries: deliveries.map(deliveryView) };
    },
  );

  r.get(
    '/api/event-types',
    { schema: { tags, summary: 'The catalogue of event types with their JSON Schemas' } },
    async () => ({
      data: EVENT_TYPES.map((t) => ({
        event: t.type,
        object: t.object,
        description: t.description,
        publishable: t.publishable,
        schema: t.schema,
      })),
    }),
  );
}
