import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { AppContext } from '../context.ts';
import { HeraldError } from '../domain/errors.ts';
import { assetRoutes } from './assets.ts';
import { html } from './html.ts';
import { page } from './layout.ts';
import { accountPages } from './pages/account.ts';
import { buildPages } from './pages/builds.ts';
import { projectPages } from './pages/projects.ts';
import { sitePages } from './pages/sites.ts';
import { testRunPages } from './pages/test-runs.ts';
import { tracePages } from './pages/traces.ts';
import { deliveryPages } from './pages/deliveries.ts';
import { eventPages } from './pages/events.ts';
import { eventTypePages } from './pages/event-types.ts';
import { hookPages } from './pages/hooks.ts';
import { keyPages } from './pages/keys.ts';
import { loginPages } from './pages/login.ts';
import { settingsPages } from './pages/settings.ts';
import { setupPages } from './pages/setup.ts';
import { userPages } from './pages/users.ts';
import { securityHeaders, sendPage, viewOf } from './render.ts';
import { checkCsrf } from './csrf.ts';
import { loadSession } from './session.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without signing in (the sign-in page, assets). */
    public?: boolean;
  }
}

/**
 * The web console: server-rendered pages on the same origin as the API, signed in with a
 * session cookie instead of an API key. Cookies, form bodies and CSRF protection are
 * registered inside this plugin only, so the JSON API under /api is untouched by them.
 */
export async function webRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  if (ctx.config.adminEmail && ctx.config.adminPassword)
    await ctx.services.users.ensureAdmin(ctx.config.adminEmail, ctx.config.adminPassword);
  await app.register(async (web) => consolePlugin(web, ctx));
}

async function consolePlugin(web: FastifyInstance, ctx: AppContext): Promise<void> {
  await web.register(cookie);
  await web.register(formbody, { bodyLimit: 256 * 1024 });
  web.decorateRequest('consoleUser', null);
  web.decorateRequest('consoleSession', null);

  web.addHook('onRequest', async (req, reply) => {
    securityHeaders(reply);
    if (req.routeOptions.config.public && req.url.startsWith('/assets/')) return;
    await loadSession(ctx, req);
    if (req.routeOptions.config.public || req.consoleUser) return;
    const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
    return reply.redirect(`/login${next}`, 303);
  });

  // Every state-changing request carries the form's token (checked after the body is parsed).
  // The token is bound to the session, so it is checked after loadSession (onRequest).
  web.addHook('preHandler', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    checkCsrf(ctx, req);
  });

  web.setErrorHandler((err: FastifyError, req, reply) => errorPage(ctx, err, req, reply));

  assetRoutes(web);
  loginPages(web, ctx);
  setupPages(web, ctx);
  settingsPages(web, ctx);
  hookPages(web, ctx);
  deliveryPages(web, ctx);
  eventTypePages(web, ctx);
  eventPages(web, ctx);
  keyPages(web, ctx);
  userPages(web, ctx);
  accountPages(web, ctx);
  projectPages(web, ctx);
  sitePages(web, ctx);
  testRunPages(web, ctx);
  tracePages(web, ctx);
  buildPages(web, ctx);

  web.get('/', async (_req, reply) => reply.redirect('/settings/hooks', 303));
  // Unknown pages under the console's own prefixes answer with a page, not the API's JSON.
  for (const prefix of [
    '/settings/*',
    '/events/*',
    '/deliveries/*',
    '/projects/*',
    '/sites/*',
    '/test-runs/*',
    '/traces/*',
    '/builds/*',
  ])
    web.get(prefix, async () => {
      throw new HeraldError('NOT_FOUND', 'There is no such page.');
    });
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Not possible now',
  413: 'Too large',
  421: 'Wrong address',
  415: 'Unsupported form',
  429: 'Too many attempts',
};

function errorPage(ctx: AppContext, err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  let status = 500;
  let message = 'Something went wrong on our side. It has been logged; please try again.';
  if (err instanceof HeraldError) {
    status = err.status;
    message = err.message;
  } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    status = err.statusCode;
    message = err.message;
  }
  if (status >= 500) req.log.error({ err }, 'console error');
  else req.log.info({ code: err.code, status }, 'console request refused');
  // A request refused before the cookie plugin ran (the Host check) has no parsed cookies.
  req.cookies ??= {};
  const v = viewOf(ctx, req, reply);
  const title = TITLES[status] ?? 'Something went wrong';
  return sendPage(
    reply,
    page(v, {
      title,
      section: null,
      body: html`<h1>${title}</h1>
        <p>${message}</p>
        <p><a href="/">Go to the console's start page</a></p>`,
    }),
    status,
  );
}
