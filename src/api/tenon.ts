/**
 * Tenon's test API at the API root (`POST /api/`, and `/api`), so Tenon clients work given only
 * Herald's base URL: form-encoded (the usual) or JSON fields, the key as `key` (body or query)
 * or `Authorization: Bearer`. Every answer on the root is Tenon-shaped — the response JSON, or
 * `{status, message, code, moreInfo}` with the HTTP status equal to `status` — so the route
 * skips the global `/api/` key hook (which runs before the body is parsed and answers Herald's
 * error shape) and authenticates itself.
 *
 * Sync (Tenon v1, the default): the POST waits for the run, up to HERALD_TENON_SYNC_WAIT_MS.
 * Async (Tenon v2): `async=1` or a `callback` answers at once with the `responseID`; poll
 * `GET /api/test-runs/:responseID` (Herald's own API, below) or wait for the callback.
 */
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { TenonError, tenonStatus, type TenonErrorBody } from '../tenon/errors.ts';
import { testRunRoutes } from './test-runs.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route authenticates itself; the global `/api/` key hook lets it through. */
    ownAuth?: boolean;
  }
}

/** `src` may be 2 MB of HTML; form encoding can triple it. */
const BODY_LIMIT = 8 * 1024 * 1024;
const ROOTS = ['/api/', '/api'];

function send<T extends { status: number }>(reply: FastifyReply, body: T): FastifyReply {
  return reply.status(body.status).type('application/json; charset=utf-8').send(body);
}

/** Fastify's own errors (body parsing, limits) become Tenon's 400; anything else a bare 500. */
function tenonErrorOf(err: FastifyError): TenonErrorBody | null {
  if (err instanceof TenonError) return err.body;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return tenonStatus('invalid_param', 'the body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return tenonStatus('invalid_param', `the body is larger than ${BODY_LIMIT} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return tenonStatus('invalid_param', 'send application/x-www-form-urlencoded or application/json');
  }
  if (err.statusCode === 400) return tenonStatus('invalid_param', err.message);
  return null;
}

function fieldsOf(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new TenonError('invalid_param', 'the body must be an object of fields');
  return body as Record<string, unknown>;
}

/** `key` in the body, then `Authorization: Bearer`, then `?key=`. */
function rawKey(req: FastifyRequest, fields: Record<string, unknown>): string | null {
  const k = fields['key'];
  if (typeof k === 'string' && k !== '') return k;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (m) return m[1]!;
  const q = (req.query as { key?: unknown } | undefined)?.key;
  return typeof q === 'string' && q !== '' ? q : null;
}

/** The Tenon API root and Herald's own test-run resources. */
export async function tenonRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await testRunRoutes(app, ctx);
  const testRuns = ctx.services.testRuns;
  await app.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: BODY_LIMIT });
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      const known = tenonErrorOf(err);
      if (known) return send(reply, known);
      req.log.error({ err }, 'Tenon test request failed');
      return send(reply, tenonStatus('internal_server_error'));
    });

    const test = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const fields = fieldsOf(req.body);
      const raw = rawKey(req, fields);
      if (raw === null)
        return send(reply, tenonStatus('api_credentials_invalid', 'send the API key as key or Bearer'));
      const key = await ctx.keys.lookup(raw);
      if (!key) return send(reply, tenonStatus('api_credentials_invalid', 'the API key is not valid'));
      const { run, request } = await testRuns.start({
        tenantId: key.tenantId,
        fields,
        source: { kind: 'api' },
      });
      if (run.async)
        return send(reply, {
          ...tenonStatus('success'),
          responseID: run.responseID,
          testRunStatus: run.status,
          request: request.mirror,
        });
      const done = await testRuns.wait(key.tenantId, run.responseID, ctx.config.tenonSyncWaitMs);
      if (done.status === 'done' || done.status === 'failed')
        return send(reply, done.response as TenonErrorBody);
      return send(reply, {
        ...tenonStatus(
          'doc_source_unavailable',
          `the test did not finish within ${ctx.config.tenonSyncWaitMs} ms; it goes on: poll GET /api/test-runs/${run.responseID}`,
        ),
        responseID: run.responseID,
      });
    };
    const notAllowed = async (_req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      send(reply, tenonStatus('method_not_allowed', 'POST the test request to the API root')).header(
        'allow',
        'POST',
      );

    for (const url of ROOTS) {
      scope.route({
        method: 'POST',
        url,
        bodyLimit: BODY_LIMIT,
        config: { ownAuth: true },
        schema: { tags: ['tenon'], summary: 'Tenon test API: test a page (url) or its source (src)' },
        handler: test,
      });
      scope.route({
        method: ['GET', 'PUT', 'PATCH', 'DELETE'],
        url,
        config: { ownAuth: true },
        schema: { hide: true },
        handler: notAllowed,
      });
    }
  });
}
