import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import { type AppContext } from '../../context.ts';
import { HeraldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { parseSteps, type Step } from '../steps.ts';
import type { Trace, TracePatch } from '../../domain/builds.ts';
import { traceView } from '../views.ts';
import { loadProject, notBlank } from './common.ts';
import { IdParams, ListQuery, ProjectParams, TraceCreateBody, TracePatchBody } from './schemas.ts';

/** Steps are checked when a trace is saved, not when it runs: 400 naming the first bad step. */
function stepsOf(input: unknown): Step[] {
  const parsed = parseSteps(input);
  if (!parsed.ok) throw new HeraldError('INVALID_TRACE', parsed.message, parsed.errors);
  return parsed.steps;
}

export async function traceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['traces'];

  const load = async (tenantId: string, id: string): Promise<Trace> => {
    const trace = await ctx.store.builds.getTrace(tenantId, id);
    if (!trace) throw new HeraldError('TRACE_NOT_FOUND', `No trace ${id}`);
    return trace;
  };

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
    async (req, reply) => {
      const { tenantId } = auth(req);
      await loadProject(ctx, tenantId, req.params.projectID);
      const b = req.body;
      const now = Date.now();
      const trace: Trace = {
        id: newId('trace', now),
        tenantId,
        projectID: req.params.projectID,
        name: notBlank(b.name, '/name'),
        tags: b.tags ?? [],
        taggedBug: b.taggedBug ?? false,
        taggedFlaky: b.taggedFlaky ?? false,
        steps: stepsOf(b.steps),
        createdAt: now,
        updatedAt: now,
      };
      await ctx.store.builds.createTrace(trace);
      return reply.status(201).send(traceView(trace));
    },
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
      const { tenantId } = auth(req);
      await loadProject(ctx, tenantId, req.params.projectID);
      const limit = pageLimit(req.query.limit);
      const rows = await ctx.store.builds.listTraces(tenantId, req.params.projectID, {
        limit: limit + 1,
        after: cursor(req.query.cursor),
      });
      const page = toPage(rows, limit);
      return { data: page.data.map(traceView), nextCursor: page.nextCursor };
    },
  );

  r.get('/api/traces/:id', { schema: { tags, summary: 'Read a trace', params: IdParams } }, async (req) =>
    traceView(await load(auth(req).tenantId, req.params.id)),
  );

  r.patch(
    '/api/traces/:id',
    { schema: { tags, summary: 'Change a trace', params: IdParams, body: TracePatchBody } },
    async (req) => {
      const { tenantId } = auth(req);
      const b = req.body;
      await load(tenantId, req.params.id);
      const patch: TracePatch = {
        ...(b.name !== undefined && { name: notBlank(b.name, '/name') }),
        ...(b.tags !== undefined && { tags: b.tags }),
        ...(b.taggedBug !== undefined && { taggedBug: b.taggedBug }),
        ...(b.taggedFlaky !== undefined && { taggedFlaky: b.taggedFlaky }),
        ...(b.steps !== undefined && { steps: stepsOf(b.steps) }),
      };
      const trace = await ctx.store.builds.updateTrace(tenantId, req.params.id, patch, Date.now());
      if (!trace) throw new HeraldError('TRACE_NOT_FOUND', `No trace ${req.params.id}`);
      return traceView(trace);
    },
  );

  r.delete(
    '/api/traces/:id',
    { schema: { tags, summary: 'Delete a trace', params: IdParams } },
    async (req, reply) => {
      const { tenantId } = auth(req);
      if (!(await ctx.store.builds.deleteTrace(tenantId, req.params.id)))
        throw new HeraldError('TRACE_NOT_FOUND', `No trace ${req.params.id}`);
      return reply.status(204).send();
    },
  );
}
