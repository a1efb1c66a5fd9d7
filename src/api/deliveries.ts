import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HeraldError } from '../domain/errors.ts';
import { auth, type AppContext } from './context.ts';
import { IdParams } from './schemas.ts';
import { attemptView, deliveryView } from './views.ts';

export async function deliveryRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['deliveries'];

  r.get(
    '/api/deliveries/:id',
    { schema: { tags, summary: 'A delivery with every attempt', params: IdParams } },
    async (req) => {
      const { tenantId } = auth(req);
      const delivery = await ctx.store.getDelivery(tenantId, req.params.id);
      if (!delivery) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${req.params.id}`);
      const attempts = await ctx.store.listAttempts(tenantId, delivery.id);
      return { ...deliveryView(delivery), attemptLog: attempts.map(attemptView) };
    },
  );

  r.post(
    '/api/deliveries/:id/redeliver',
    { schema: { tags, summary: 'Send a delivery again, with a fresh retry schedule', params: IdParams } },
    async (req, reply) => {
      const { tenantId } = auth(req);
      const existing = await ctx.store.getDelivery(tenantId, req.params.id);
      if (!existing) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${req.params.id}`);
      if (existing.hookId !== null && !(await ctx.store.getHook(tenantId, existing.hookId)))
        throw new HeraldError('HOOK_NOT_FOUND', 'The hook of this delivery was deleted');
      const delivery = await ctx.store.requeueDelivery(tenantId, req.params.id, Date.now());
      if (!delivery) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${req.params.id}`);
      ctx.publisher.wake();
      return reply.status(202).send(deliveryView(delivery));
    },
  );
}
