import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth } from '../http/request.ts';
import { type AppContext } from '../context.ts';
import { DeliveryDetail, DeliveryView, IdParams } from './schemas.ts';
import { attemptView, deliveryView } from '../http/views.ts';

export async function deliveryRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['deliveries'];
  const deliveries = ctx.services.deliveries;

  r.get(
    '/api/deliveries/:id',
    {
      schema: {
        tags,
        summary: 'A delivery with every attempt',
        params: IdParams,
        response: { 200: DeliveryDetail },
      },
    },
    async (req) => {
      const entry = await deliveries.withAttempts(auth(req).tenantId, req.params.id);
      return { ...deliveryView(entry), attemptLog: entry.attempts.map(attemptView) };
    },
  );

  r.post(
    '/api/deliveries/:id/redeliver',
    {
      schema: {
        tags,
        summary: 'Send a delivery again, with a fresh retry schedule',
        params: IdParams,
        response: { 202: DeliveryView },
      },
    },
    async (req, reply) => {
      const entry = await deliveries.redeliver(auth(req).tenantId, req.params.id);
      return reply.status(202).send(deliveryView(entry));
    },
  );
}
