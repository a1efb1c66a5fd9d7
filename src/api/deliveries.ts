import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HeraldError } from '../domain/errors.ts';
import { auth } from '../http/request.ts';
import { type AppContext } from '../context.ts';
import { redeliver } from './hook-actions.ts';
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
      const delivery = await redeliver(ctx, auth(req).tenantId, req.params.id);
      return reply.status(202).send(deliveryView(delivery));
    },
  );
}
