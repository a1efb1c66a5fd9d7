import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { HeraldError } from '../domain/errors.ts';
import { VERSION } from '../version.ts';
import { buildRoutes } from '../api/usetrace/index.ts';
import { webRoutes } from '../web/index.ts';
import { adminRoutes } from '../api/admin.ts';
import type { AppContext } from '../context.ts';
import { deliveryRoutes } from '../api/deliveries.ts';
import { installErrorHandling } from '../api/errors.ts';
import { eventRoutes } from '../api/events.ts';
import { eventTypeRoutes } from '../api/event-types.ts';
import { hookRoutes } from '../api/hooks.ts';
import { opsRoutes } from '../api/ops.ts';
import { hostGuard, normalisePath, serverTimeouts } from './guards.ts';
import { tenonRoutes } from '../api/tenon.ts';
import { issueRoutes } from '../api/issues.ts';
import { reportRoutes } from '../api/reports.ts';

/** Reads the API key from `Authorization: Bearer …` or from `?key=` (what Usetrace CI clients send). */
export function keyFrom(headers: Record<string, unknown>, query: unknown): string | null {
  const header = headers['authorization'];
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m) return m[1]!;
  }
  const q = (query as { key?: unknown } | undefined)?.key;
  return typeof q === 'string' && q !== '' ? q : null;
}

export async function buildServer(ctx: AppContext, state: { draining: boolean }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines only at debug: at thousands of events per second they would be the load.
    logController: new LogController({
      disableRequestLogging: ctx.config.logLevel !== 'debug' && ctx.config.logLevel !== 'trace',
    }),
    bodyLimit: ctx.config.maxBodyBytes,
    // Strict: a string is not silently turned into a number or boolean; unknown fields are errors.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    trustProxy: ctx.config.trustProxy,
    rewriteUrl: (req) => normalisePath(req.url ?? '/'),
    ...serverTimeouts(ctx.config),
  });
  app.decorateRequest('apiKey', null);
  installErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Herald API',
        version: VERSION,
        description:
          'Subscription webhooks and a durable delivery engine. Errors are `{error: {code, message, details}}`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          queryKey: { type: 'apiKey', in: 'query', name: 'key' },
        },
      },
      security: [{ bearer: [] }, { queryKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const checkHost = hostGuard(ctx.config);
  if (checkHost) app.addHook('onRequest', async (req) => checkHost(req));

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/') || req.routeOptions.config.ownAuth) return;
    const raw = keyFrom(req.headers, req.query);
    if (raw === null)
      throw new HeraldError('UNAUTHORIZED', 'Send an API key as "Authorization: Bearer <key>" or ?key=<key>');
    const key = await ctx.keys.lookup(raw);
    if (!key) throw new HeraldError('UNAUTHORIZED', 'The API key is not valid or was revoked');
    req.apiKey = key;
    // The key is not part of any route's query schema.
    if (req.query && typeof req.query === 'object') delete (req.query as { key?: unknown }).key;
  });

  await opsRoutes(app, ctx, state);
  await hookRoutes(app, ctx);
  await eventRoutes(app, ctx);
  await eventTypeRoutes(app, ctx);
  await deliveryRoutes(app, ctx);
  await adminRoutes(app, ctx);
  await tenonRoutes(app, ctx);
  await reportRoutes(app, ctx);
  await issueRoutes(app, ctx);
  await buildRoutes(app, ctx);
  await webRoutes(app, ctx);
  return app;
}
