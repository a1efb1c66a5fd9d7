/** Build status and results, for CI clients (Usetrace's paths) and the console. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import type { AppContext } from '../../context.ts';
import { buildSummary } from '../../builds/report.ts';
import { deliveryView } from '../../http/views.ts';
import { buildView } from '../../builds/views.ts';
import { toXunit } from '../../builds/xunit.ts';
import { IdParams, ListByProjectQuery } from './schemas.ts';

export async function resultRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['builds'];
  const builds = ctx.services.builds;

  r.get(
    '/api/build/:id/status',
    { schema: { tags, summary: 'RUNNING or FINISHED, with counts of test cases', params: IdParams } },
    async (req) => {
      const { build, runs } = await builds.withRuns(auth(req).tenantId, req.params.id);
      return { id: build.id, status: build.status, summary: buildSummary(runs) };
    },
  );

  r.get(
    '/api/build/:id/results/json',
    {
      schema: {
        tags,
        summary: 'The JUnit-like report (while the build runs: the test cases finished so far)',
        params: IdParams,
      },
    },
    async (req) => (await builds.report(auth(req).tenantId, req.params.id)).report,
  );

  r.get(
    '/api/build/:id/results/xunit',
    { schema: { tags, summary: 'The report as JUnit XML', params: IdParams } },
    async (req, reply) => {
      const { build, report } = await builds.report(auth(req).tenantId, req.params.id);
      return reply
        .type('application/xml; charset=utf-8')
        .send(toXunit(report, { buildId: build.id, timestamp: build.requestedAt }));
    },
  );

  r.get(
    '/api/build/:id/deliveries',
    {
      schema: {
        tags,
        summary: "The webhook reporters' deliveries (details and redelivery at /api/deliveries/:id)",
        params: IdParams,
      },
    },
    async (req) => ({
      data: (await builds.reporterDeliveries(auth(req).tenantId, req.params.id)).map(deliveryView),
    }),
  );

  r.get(
    '/api/builds',
    { schema: { tags, summary: 'List builds, newest first', querystring: ListByProjectQuery } },
    async (req) => {
      const limit = pageLimit(req.query.limit);
      const rows = await builds.list(auth(req).tenantId, {
        limit: limit + 1,
        after: cursor(req.query.cursor),
        ...(req.query.projectID !== undefined && { projectID: req.query.projectID }),
      });
      const page = toPage(rows, limit);
      return { data: page.data.map((b) => buildView(b, null, builds.links)), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/builds/:id',
    { schema: { tags, summary: 'A build with each test case', params: IdParams } },
    async (req) => {
      const { build, runs } = await builds.withRuns(auth(req).tenantId, req.params.id);
      return buildView(build, runs, builds.links);
    },
  );
}
