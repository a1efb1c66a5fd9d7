/**
 * Herald's own API over Tenon test runs: `GET /api/test-runs` (newest first, filtered by
 * project, site monitor and URL) and `GET /api/test-runs/:responseID`, which is also how an
 * async (Tenon v2) client polls: `status` goes queued → running → done | failed, and
 * `response` is then the full Tenon response (or the Tenon error body of a failed run).
 */
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { auth, cursor, pageLimit, toPage } from '../http/request.ts';
import type { TestRun } from '../domain/testruns.ts';

const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    projectID: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    siteKey: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ responseID: Type.String({ pattern: '^[0-9a-fA-F]{32}$' }) });

function summary(run: TestRun) {
  return {
    id: run.id,
    responseID: run.responseID,
    status: run.status,
    projectID: run.projectID,
    siteKey: run.siteKey,
    slot: run.slot,
    url: run.url,
    async: run.async,
    httpStatus: run.httpStatus,
    errors: run.errors,
    warnings: run.warnings,
    attempts: run.attempts,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    apiLog: run.apiLog,
  };
}

export async function testRunRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['test runs'];
  const testRuns = ctx.services.testRuns;

  r.get(
    '/api/test-runs',
    { schema: { tags, summary: 'Tenon test runs, newest first', querystring: ListQuery } },
    async (req) => {
      const limit = pageLimit(req.query.limit);
      const runs = await testRuns.list(auth(req).tenantId, {
        limit: limit + 1,
        after: cursor(req.query.cursor),
        projectID: req.query.projectID,
        siteKey: req.query.siteKey,
        url: req.query.url,
      });
      return toPage(runs.map(summary), limit);
    },
  );

  r.get(
    '/api/test-runs/:responseID',
    { schema: { tags, summary: 'A test run with its full Tenon response', params: Params } },
    async (req) => {
      const run = await testRuns.get(auth(req).tenantId, req.params.responseID.toLowerCase());
      return { ...summary(run), response: run.response };
    },
  );
}
