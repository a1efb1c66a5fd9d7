/**
 * What Herald serves without an API key: failure screenshots, whose URLs (in reports, chat
 * messages, CI logs) carry an unguessable 256-bit token instead, and the trace format's schema.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { HeraldError } from '../../domain/errors.ts';

export const TRACE_SCHEMA_FILE = new URL('../../../schemas/trace.json', import.meta.url);

export async function publicRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = readFileSync(TRACE_SCHEMA_FILE, 'utf8');
  const hidden = { schema: { hide: true } };

  app.get('/schemas/trace.json', hidden, async (_req, reply) =>
    reply.type('application/schema+json; charset=utf-8').send(schema),
  );

  app.get<{ Params: { file: string } }>('/screenshots/:file', hidden, async (req, reply) => {
    const png = await ctx.services.builds.screenshot(req.params.file.replace(/\.png$/, ''));
    if (!png) throw new HeraldError('NOT_FOUND', 'No such screenshot');
    return reply
      .type('image/png')
      .header('cache-control', 'private, max-age=86400, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(png);
  });
}
