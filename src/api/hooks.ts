import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Hook } from '../domain/types.ts';
import { auth, cursor, pageLimit } from '../http/request.ts';
import { type AppContext } from '../context.ts';
import {
  DeliveryListQuery,
  DeliveryPage,
  FifoQueueView,
  HookCreateBody,
  HookCreated,
  HookPatchBody,
  HookSecretView,
  HookView,
  IdParams,
  PageQuery,
  PublishAnswer,
  RecoverBody,
} from './schemas.ts';
import { deliveryView } from '../http/views.ts';

export function hookView(h: Hook) {
  return {
    id: h.id,
    name: h.name,
    url: h.url,
    objects: h.objects,
    events: h.events,
    enabled: h.enabled,
    signatureScheme: h.signatureScheme,
    publicKey: h.publicKey,
    username: h.username,
    hasPassword: h.password !== null,
    disabledReason: h.disabledReason,
    failingSince: h.failingSince,
    lastSuccessAt: h.lastSuccessAt,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    headers: h.headers,
    filter: h.filter,
    rateLimit: h.rateLimit,
    ordering: h.ordering,
    orderingKey: h.orderingKey,
  };
}

/** unix ms, or NaN for a string that is not a date (the service refuses it). */
const sinceOf = (since: number | string) => (typeof since === 'number' ? since : Date.parse(since));

export async function hookRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['hooks'];
  const hooks = ctx.services.hooks;

  r.post(
    '/api/hooks',
    { schema: { tags, summary: 'Register a hook', body: HookCreateBody, response: { 201: HookCreated } } },
    async (req, reply) => {
      const hook = await hooks.create(auth(req).tenantId, req.body);
      // An ed25519 hook's private key is never shown: its answer carries the public key.
      const secret = hook.signatureScheme === 'hmac-sha256' ? { secret: hook.secret } : {};
      return reply.status(201).send({ ...hookView(hook), ...secret });
    },
  );

  r.get(
    '/api/hooks',
    { schema: { tags, summary: 'List hooks, newest first', querystring: PageQuery } },
    async (req) => {
      const page = await hooks.list(auth(req).tenantId, {
        limit: pageLimit(req.query.limit),
        after: cursor(req.query.cursor),
      });
      return { data: page.data.map(hookView), nextCursor: page.nextCursor };
    },
  );

  r.get('/api/hooks/:id', { schema: { tags, params: IdParams, response: { 200: HookView } } }, async (req) =>
    hookView(await hooks.get(auth(req).tenantId, req.params.id)),
  );

  r.patch(
    '/api/hooks/:id',
    {
      schema: {
        tags,
        summary: 'Change a hook',
        description:
          'A URL on another origin drops the stored Basic-auth credentials unless new ones come in the same request.',
        params: IdParams,
        body: HookPatchBody,
        response: { 200: HookView },
      },
    },
    async (req) => hookView(await hooks.update(auth(req).tenantId, req.params.id, req.body)),
  );

  r.delete('/api/hooks/:id', { schema: { tags, params: IdParams } }, async (req, reply) => {
    await hooks.delete(auth(req).tenantId, req.params.id);
    return reply.status(204).send();
  });

  r.get(
    '/api/hooks/:id/secret',
    { schema: { tags, params: IdParams, response: { 200: HookSecretView } } },
    async (req) => hooks.secret(auth(req).tenantId, req.params.id),
  );

  r.post(
    '/api/hooks/:id/rotate-secret',
    { schema: { tags, params: IdParams, response: { 200: HookSecretView } } },
    async (req) => hooks.rotateSecret(auth(req).tenantId, req.params.id),
  );

  r.post(
    '/api/hooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Send a ping event to this hook only',
        params: IdParams,
        response: { 202: PublishAnswer },
      },
    },
    async (req, reply) => {
      const result = await hooks.sendTest(auth(req).tenantId, req.params.id);
      return reply
        .status(202)
        .send({ eventID: result.eventID, event: result.event, deliveries: result.deliveries });
    },
  );

  r.get(
    '/api/hooks/:id/deliveries',
    {
      schema: {
        tags,
        params: IdParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryPage },
      },
    },
    async (req) => {
      const page = await hooks.deliveries(auth(req).tenantId, req.params.id, {
        status: req.query.status,
        limit: pageLimit(req.query.limit),
        after: cursor(req.query.cursor),
      });
      return { data: page.data.map(deliveryView), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/hooks/:id/queues',
    {
      schema: {
        tags,
        summary: "A FIFO hook's queues that hold work, each with the delivery the others wait on",
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(FifoQueueView) }) },
      },
    },
    async (req) => ({ data: await hooks.fifoQueues(auth(req).tenantId, req.params.id) }),
  );

  r.post(
    '/api/hooks/:id/recover',
    {
      schema: {
        tags,
        summary: "Re-queue the hook's failed deliveries since a time",
        params: IdParams,
        body: RecoverBody,
      },
    },
    async (req, reply) => {
      const requeued = await hooks.recover(auth(req).tenantId, req.params.id, sinceOf(req.body.since));
      return reply.status(202).send({ requeued });
    },
  );
}
