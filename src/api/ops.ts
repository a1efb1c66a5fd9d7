import { createHash, timingSafeEqual } from 'node:crypto';
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

  const checkToken = metricsTokenCheck(ctx.config.metricsToken);
  app.get('/metrics', hidden, async (req, reply) => {
    if (!checkToken(req.headers.authorization)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new HeraldError('UNAUTHORIZED', 'Send the metrics token as "Authorization: Bearer <token>"');
    }
    const { contentType, text } = await ctx.services.ops.metrics();
    return reply.type(contentType).send(text);
  });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** HERALD_METRICS_TOKEN, compared in constant time (digests, so lengths do not leak either). */
function metricsTokenCheck(token: string | null): (header: string | undefined) => boolean {
  if (token === null) return () => true;
  const expected = digest(token);
  return (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!), expected);
  };
}
