import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createApiKey, DEFAULT_TENANT_ID } from '../auth/keys.ts';
import { HeraldError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { ApiKey } from '../domain/types.ts';
import { auth, requireAdmin } from '../http/request.ts';
import { type AppContext } from '../context.ts';
import { IdParams, KeyCreateBody, TenantCreateBody, TenantParams } from './schemas.ts';

const keyView = (k: ApiKey) => ({
  id: k.id,
  tenantId: k.tenantId,
  name: k.name,
  role: k.role,
  prefix: k.prefix,
  createdAt: k.createdAt,
  revokedAt: k.revokedAt,
});

/** Tenants are managed by admin keys of the default tenant: the operator's keys. */
function requireOperator(req: FastifyRequest): ApiKey {
  const key = requireAdmin(req);
  if (key.tenantId !== DEFAULT_TENANT_ID)
    throw new HeraldError('FORBIDDEN', 'Managing tenants needs an admin key of the default tenant');
  return key;
}

export async function adminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin'];

  r.post('/api/admin/tenants', { schema: { tags, body: TenantCreateBody } }, async (req, reply) => {
    requireOperator(req);
    const tenant = { id: newId('tenant'), name: req.body.name.trim(), createdAt: Date.now() };
    await ctx.store.createTenant(tenant);
    return reply.status(201).send(tenant);
  });

  r.get('/api/admin/tenants', { schema: { tags } }, async (req) => {
    requireOperator(req);
    return { data: await ctx.store.listTenants() };
  });

  r.post(
    '/api/admin/tenants/:tenantId/keys',
    {
      schema: {
        tags,
        summary: 'Create an API key for a tenant; the key is shown once',
        params: TenantParams,
        body: KeyCreateBody,
      },
    },
    async (req, reply) => {
      requireOperator(req);
      if (!(await ctx.store.getTenant(req.params.tenantId)))
        throw new HeraldError('TENANT_NOT_FOUND', `No tenant ${req.params.tenantId}`);
      const { key, record } = await createApiKey(ctx.store, req.params.tenantId, {
        role: req.body.role ?? 'member',
        name: req.body.name ?? 'api',
      });
      return reply.status(201).send({ ...keyView(record), key });
    },
  );

  r.get('/api/admin/tenants/:tenantId/keys', { schema: { tags, params: TenantParams } }, async (req) => {
    requireOperator(req);
    if (!(await ctx.store.getTenant(req.params.tenantId)))
      throw new HeraldError('TENANT_NOT_FOUND', `No tenant ${req.params.tenantId}`);
    return { data: (await ctx.store.listApiKeys(req.params.tenantId)).map(keyView) };
  });

  // A tenant's own keys.
  r.get('/api/keys', { schema: { tags: ['keys'] } }, async (req) => ({
    data: (await ctx.store.listApiKeys(auth(req).tenantId)).map(keyView),
  }));

  r.post('/api/keys', { schema: { tags: ['keys'], body: KeyCreateBody } }, async (req, reply) => {
    const me = requireAdmin(req);
    const { key, record } = await createApiKey(ctx.store, me.tenantId, {
      role: req.body.role ?? 'member',
      name: req.body.name ?? 'api',
    });
    return reply.status(201).send({ ...keyView(record), key });
  });

  r.delete('/api/keys/:id', { schema: { tags: ['keys'], params: IdParams } }, async (req, reply) => {
    const me = requireAdmin(req);
    if (!(await ctx.store.revokeApiKey(me.tenantId, req.params.id, Date.now())))
      throw new HeraldError('KEY_NOT_FOUND', `No key ${req.params.id}`);
    ctx.keys.forget();
    return reply.status(204).send();
  });
}
