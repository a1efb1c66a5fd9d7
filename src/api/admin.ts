import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HeraldError } from '../domain/errors.ts';
import type { ApiKey } from '../domain/types.ts';
import { auth, requireAdmin } from '../http/request.ts';
import { keyPrefix } from '../services/keys.ts';
import { DEFAULT_TENANT_ID } from '../services/tenants.ts';
import { type AppContext } from '../context.ts';
import { IdParams, KeyCreateBody, TenantCreateBody, TenantParams } from './schemas.ts';

const keyView = (k: ApiKey) => ({
  id: k.id,
  tenantId: k.tenantId,
  name: k.name,
  role: k.role,
  prefix: keyPrefix(k.prefix),
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
  const { tenants, keys } = ctx.services;

  r.post('/api/admin/tenants', { schema: { tags, body: TenantCreateBody } }, async (req, reply) => {
    requireOperator(req);
    return reply.status(201).send(await tenants.create(req.body.name));
  });

  r.get('/api/admin/tenants', { schema: { tags } }, async (req) => {
    requireOperator(req);
    return { data: await tenants.list() };
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
      const { key, record } = await keys.create(req.params.tenantId, req.body);
      return reply.status(201).send({ ...keyView(record), key });
    },
  );

  r.get('/api/admin/tenants/:tenantId/keys', { schema: { tags, params: TenantParams } }, async (req) => {
    requireOperator(req);
    return { data: (await keys.listOf(req.params.tenantId)).map(keyView) };
  });

  // A tenant's own keys.
  r.get('/api/keys', { schema: { tags: ['keys'] } }, async (req) => ({
    data: (await keys.list(auth(req).tenantId)).map(keyView),
  }));

  r.post('/api/keys', { schema: { tags: ['keys'], body: KeyCreateBody } }, async (req, reply) => {
    const { key, record } = await keys.create(requireAdmin(req).tenantId, req.body);
    return reply.status(201).send({ ...keyView(record), key });
  });

  r.delete('/api/keys/:id', { schema: { tags: ['keys'], params: IdParams } }, async (req, reply) => {
    await keys.revoke(requireAdmin(req).tenantId, req.params.id);
    // Revocation takes effect now, not when the cache entry ages out.
    ctx.keys.forget();
    return reply.status(204).send();
  });
}
