import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import type { AppContext } from '../../context.ts';
import { traceView } from '../../builds/views.ts';
import { IdParams, ListQuery, ProjectParams, TraceCreateBody, TracePatchBody } from './schemas.ts';

export async function traceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['traces'];
  const traces = ctx.services.traces;

  r.post(
    '/api/projects/:projectID/traces',
    {
      schema: {
        tags,
        summary: 'Create a trace (a browser test; see /schemas/trace.json)',
        params: ProjectParams,
        body: TraceCreateBody,
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(traceView(await traces.create(auth(req).tenantId, req.params.projectID, req.body))),
  );

  r.get(
    '/api/projects/:projectID/traces',
    {
      schema: {
        tags,
        summary: "List a project's traces, newest first",
        params: ProjectParams,
        querystring: ListQuery,
      },
    },
    async (req) => {
      const limit = pageLimit(req.query.limit);
      const rows = await traces.list(auth(req).tenantId, req.params.projectID, {
        limit: limit + 1,
        after: cursor(req.query.cursor),
      });
      const page = toPage(rows, limit);
      return { data: page.data.map(traceView), nextCursor: page.nextCursor };
    },
  );

  r.get('/api/traces/:id', { schema: { tags, summary: 'Read a trace', params: IdParams } }, async (req) =>
    traceView(await traces.get(auth(req).tenantId, req.params.id)),
  );

  r.patch(
    '/api/traces/:id',
    { schema: { tags, summary: 'Change a trace', params: IdParams, body: TracePatchBody } },
    async (req) => traceView(await traces.update(auth(req).tenantId, req.params.id, req.body)),
  );

  r.delete(
    '/api/traces/:id',
    { schema: { tags, summary: 'Delete a trace', params: IdParams } },
    async (req, reply) => {
      await traces.delete(auth(req).tenantId, req.params.id);
      return reply.status(204).send();
    },
  );
}
