/** Build status and results, for CI clients (Usetrace's paths) and the console. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import { type AppContext } from '../../context.ts';
import { deliveryView } from '../../api/views.ts';
import { HeraldError } from '../../domain/errors.ts';
import { buildReport, buildSummary, reportLinks } from '../report.ts';
import type { Build } from '../../domain/builds.ts';
import { buildView } from '../views.ts';
import { toXunit } from '../xunit.ts';
import { IdParams, ListByProjectQuery } from './schemas.ts';

export async function resultRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['builds'];
  const links = reportLinks(ctx.config.publicUrl);

  const load = async (tenantId: string, id: string): Promise<Build> => {
    const build = await ctx.store.builds.getBuild(tenantId, id);
    if (!build) throw new HeraldError('BUILD_NOT_FOUND', `No build ${id}`);
    return build;
  };

  r.get(
    '/api/build/:id/status',
    { schema: { tags, summary: 'RUNNING or FINISHED, with counts of test cases', params: IdParams } },
    async (req) => {
      const { tenantId } = auth(req);
      const build = await load(tenantId, req.params.id);
      const runs = await ctx.store.builds.listRuns(tenantId, build.id);
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
    async (req) => {
      const { tenantId } = auth(req);
      const build = await load(tenantId, req.params.id);
      return buildReport(build, await ctx.store.builds.listRuns(tenantId, build.id), links);
    },
  );

  r.get(
    '/api/build/:id/results/xunit',
    { schema: { tags, summary: 'The report as JUnit XML', params: IdParams } },
    async (req, reply) => {
      const { tenantId } = auth(req);
      const build = await load(tenantId, req.params.id);
      const report = buildReport(build, await ctx.store.builds.listRuns(tenantId, build.id), links);
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
    async (req) => {
      const { tenantId } = auth(req);
      const build = await load(tenantId, req.params.id);
      const event = await ctx.store.getEvent(tenantId, build.reportEventId);
      if (!event) return { data: [] };
      const rows = await ctx.store.listDeliveries(tenantId, { eventId: event.id, limit: 100 });
      return { data: rows.reverse().map(deliveryView) };
    },
  );

  r.get(
    '/api/builds',
    { schema: { tags, summary: 'List builds, newest first', querystring: ListByProjectQuery } },
    async (req) => {
      const { tenantId } = auth(req);
      const limit = pageLimit(req.query.limit);
      const rows = await ctx.store.builds.listBuilds(tenantId, {
        limit: limit + 1,
        after: cursor(req.query.cursor),
        ...(req.query.projectID !== undefined && { projectID: req.query.projectID }),
      });
      const page = toPage(rows, limit);
      return { data: page.data.map((b) => buildView(b, null, links)), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/builds/:id',
    { schema: { tags, summary: 'A build with each test case', params: IdParams } },
    async (req) => {
      const { tenantId } = auth(req);
      const build = await load(tenantId, req.params.id);
      return buildView(build, await ctx.store.builds.listRuns(tenantId, build.id), links);
    },
  );
}
