import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../domain/errors.ts';
import type { AppContext } from '../context.ts';

/** The committed schema file, served byte for byte. */
export const WEBHOOK_SCHEMA_FILE = new URL('../../schemas/webhook.json', import.meta.url);

export async function opsRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  state: { draining: boolean },
): Promise<void> {
  const schema = readFileSync(WEBHOOK_SCHEMA_FILE, 'utf8');
  const hidden = { schema: { hide: true } };

  app.get('/schemas/webhook.json', hidden, async (_req, reply) =>
    reply.type('application/schema+json; charset=utf-8').send(schema),
  );

  app.get('/healthz', hidden, async () => ({ status: 'ok' }));

  app.get('/readyz', hidden, async () => {
    if (state.draining) throw new HeraldError('SERVICE_UNAVAILABLE', 'Shutting down');
    return ctx.services.ops.ready();
  });

  app.get('/metrics', hidden, async (_req, reply) => {
    const { contentType, text } = await ctx.services.ops.metrics();
    return reply.type(contentType).send(text);
  });
}
