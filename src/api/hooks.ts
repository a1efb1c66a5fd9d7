import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { findEventType } from '../domain/event-types.ts';
import { HeraldError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Hook } from '../domain/types.ts';
import { checkTargetUrl } from '../network/policy.ts';
import { generateSecret } from '../delivery/signature.ts';
import { rotateHookSecret, sendTestEvent } from './hook-actions.ts';
import { objectOf } from '../ingest/match.ts';
import { auth, cursor, pageLimit, toPage } from '../http/request.ts';
import { type AppContext } from '../context.ts';
import {
  DeliveryListQuery,
  HookCreateBody,
  HookCreated,
  HookPatchBody,
  HookView,
  IdParams,
  PageQuery,
  PublishAnswer,
  RecoverBody,
} from './schemas.ts';
import { deliveryView } from './views.ts';

export function hookView(h: Hook) {
  return {
    id: h.id,
    name: h.name,
    url: h.url,
    objects: h.objects,
    events: h.events,
    enabled: h.enabled,
    username: h.username,
    hasPassword: h.password !== null,
    disabledReason: h.disabledReason,
    failingSince: h.failingSince,
    lastSuccessAt: h.lastSuccessAt,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}

/** Checks what the schema cannot: the URL's target, events against objects, credentials in pairs. */
function checkHookFields(
  ctx: AppContext,
  h: Pick<Hook, 'url' | 'objects' | 'events' | 'username' | 'password'>,
): void {
  const url = checkTargetUrl(h.url, ctx.config.targetAllowlist);
  if (!url.ok) throw new HeraldError(url.code, url.message, [{ path: '/url', message: url.message }]);
  for (const [i, e] of (h.events ?? []).entries()) {
    // ping is sent to one hook on request, so subscribing to it means nothing.
    if (!findEventType(e) || e === 'ping')
      throw new HeraldError('UNKNOWN_EVENT_TYPE', `unknown event type "${e}"`, [
        { path: `/events/${i}`, message: 'unknown event type' },
      ]);
    if (!h.objects.includes(objectOf(e)))
      throw new HeraldError('VALIDATION_FAILED', `event "${e}" is not of one of the hook's objects`, [
        { path: `/events/${i}`, message: `add "${objectOf(e)}" to objects or remove this event` },
      ]);
  }
  if ((h.username === null) !== (h.password === null))
    throw new HeraldError('VALIDATION_FAILED', 'username and password go together: give both or neither', [
      {
        path: h.username === null ? '/username' : '/password',
        message: 'required with the other credential',
      },
    ]);
}

export async function hookRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['hooks'];

  const load = async (tenantId: string, id: string): Promise<Hook> => {
    const hook = await ctx.store.getHook(tenantId, id);
    if (!hook) throw new HeraldError('HOOK_NOT_FOUND', `No hook ${id}`);
    return hook;
  };

  r.post(
    '/api/hooks',
    { schema: { tags, summary: 'Register a hook', body: HookCreateBody, response: { 201: HookCreated } } },
    async (req, reply) => {
      const { tenantId } = auth(req);
      const b = req.body;
      const now = Date.now();
      const hook: Hook = {
        id: newId('hook', now),
        tenantId,
        name: b.name.trim(),
        url: b.url.trim(),
        objects: b.objects,
        events: b.events && b.events.length > 0 ? b.events : null,
        enabled: b.enabled ?? true,
        username: b.username ?? null,
        password: b.password ?? null,
        secret: generateSecret(),
        oldSecrets: [],
        failingSince: null,
        lastSuccessAt: null,
        disabledReason: null,
        createdAt: now,
        updatedAt: now,
      };
      if (hook.name === '')
        throw new HeraldError('VALIDATION_FAILED', 'name must not be blank', [
          { path: '/name', message: 'must not be blank' },
        ]);
      checkHookFields(ctx, hook);
      await ctx.store.createHook(hook);
      return reply.status(201).send({ ...hookView(hook), secret: hook.secret });
    },
  );

  r.get(
    '/api/hooks',
    { schema: { tags, summary: 'List hooks, newest first', querystring: PageQuery } },
    async (req) => {
      const { tenantId } = auth(req);
      const limit = pageLimit(req.query.limit);
      const rows = await ctx.store.listHooks(tenantId, { limit: limit + 1, after: cursor(req.query.cursor) });
      const page = toPage(rows, limit);
      return { data: page.data.map(hookView), nextCursor: page.nextCursor };
    },
  );

  r.get('/api/hooks/:id', { schema: { tags, params: IdParams, response: { 200: HookView } } }, async (req) =>
    hookView(await load(auth(req).tenantId, req.params.id)),
  );

  r.patch(
    '/api/hooks/:id',
    {
      schema: {
        tags,
        summary: 'Change a hook',
        params: IdParams,
        body: HookPatchBody,
        response: { 200: HookView },
      },
    },
    async (req) => {
      const { tenantId } = auth(req);
      const b = req.body;
      if (Object.keys(b).length === 0)
        throw new HeraldError('VALIDATION_FAILED', 'Send at least one field to change', [
          { path: '', message: 'is empty' },
        ]);
      const hook = await load(tenantId, req.params.id);
      const patch = {
        ...(b.name !== undefined && { name: b.name.trim() }),
        ...(b.url !== undefined && { url: b.url.trim() }),
        ...(b.objects !== undefined && { objects: b.objects }),
        ...(b.events !== undefined && { events: b.events && b.events.length > 0 ? b.events : null }),
        ...(b.username !== undefined && { username: b.username }),
        ...(b.password !== undefined && { password: b.password }),
        ...(b.enabled !== undefined && {
          enabled: b.enabled,
          // Turning a hook back on gives it a fresh start.
          ...(b.enabled && { disabledReason: null, failingSince: null }),
        }),
      };
      if (patch.name === '')
        throw new HeraldError('VALIDATION_FAILED', 'name must not be blank', [
          { path: '/name', message: 'must not be blank' },
        ]);
      checkHookFields(ctx, { ...hook, ...patch });
      const updated = await ctx.store.updateHook(tenantId, hook.id, patch, Date.now());
      if (!updated) throw new HeraldError('HOOK_NOT_FOUND', `No hook ${req.params.id}`);
      if (patch.enabled) ctx.publisher.wake();
      return hookView(updated);
    },
  );

  r.delete('/api/hooks/:id', { schema: { tags, params: IdParams } }, async (req, reply) => {
    const { tenantId } = auth(req);
    if (!(await ctx.store.deleteHook(tenantId, req.params.id, Date.now())))
      throw new HeraldError('HOOK_NOT_FOUND', `No hook ${req.params.id}`);
    return reply.status(204).send();
  });

  r.get('/api/hooks/:id/secret', { schema: { tags, params: IdParams } }, async (req) => {
    const hook = await load(auth(req).tenantId, req.params.id);
    const now = Date.now();
    return {
      secret: hook.secret,
      previous: hook.oldSecrets.filter((s) => s.expiresAt > now).map((s) => ({ expiresAt: s.expiresAt })),
    };
  });

  r.post('/api/hooks/:id/rotate-secret', { schema: { tags, params: IdParams } }, async (req) =>
    rotateHookSecret(ctx, await load(auth(req).tenantId, req.params.id)),
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
      const result = await sendTestEvent(ctx, await load(auth(req).tenantId, req.params.id));
      return reply
        .status(202)
        .send({ eventID: result.eventID, event: result.event, deliveries: result.deliveries });
    },
  );

  r.get(
    '/api/hooks/:id/deliveries',
    { schema: { tags, params: IdParams, querystring: DeliveryListQuery } },
    async (req) => {
      const { tenantId } = auth(req);
      await load(tenantId, req.params.id);
      const limit = pageLimit(req.query.limit);
      const rows = await ctx.store.listDeliveries(tenantId, {
        hookId: req.params.id,
        status: req.query.status,
        limit: limit + 1,
        after: cursor(req.query.cursor),
      });
      const page = toPage(rows, limit);
      return { data: page.data.map(deliveryView), nextCursor: page.nextCursor };
    },
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
      const { tenantId } = auth(req);
      const hook = await load(tenantId, req.params.id);
      const since = typeof req.body.since === 'number' ? req.body.since : Date.parse(req.body.since);
      if (!Number.isFinite(since))
        throw new HeraldError('VALIDATION_FAILED', 'since must be unix ms or an ISO 8601 date-time', [
          { path: '/since', message: 'not a date' },
        ]);
      const requeued = await ctx.store.recoverFailed(tenantId, hook.id, since, Date.now());
      if (requeued > 0) ctx.publisher.wake();
      return reply.status(202).send({ requeued });
    },
  );
}
