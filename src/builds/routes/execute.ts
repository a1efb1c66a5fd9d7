/**
 * The Usetrace build API: `POST /api/trace/:traceId/execute` and
 * `POST /api/project/:projectId/execute-all` (also `execute_all`). The answer is 200 with the
 * bare BUILD_ID as a text/plain body: Usetrace's clients read the raw body as the id.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth } from '../../http/request.ts';
import { type AppContext } from '../../context.ts';
import { HeraldError } from '../../domain/errors.ts';
import { ExecuteBody, parseBuildRequest } from '../request.ts';
import { changeKeyOf } from '../rules.ts';
import { startBuild } from '../start.ts';
import { loadProject } from './common.ts';
import { ProjectIdParams, TraceIdParams } from './schemas.ts';

const TEXT = 'text/plain; charset=utf-8';

export async function executeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['builds'];
  const response = { 200: { description: 'The BUILD_ID, as the whole text/plain body.', type: 'string' } };

  r.post(
    '/api/trace/:traceId/execute',
    {
      schema: {
        tags,
        summary: 'Run one trace in the required browsers; answers the BUILD_ID as plain text',
        params: TraceIdParams,
        body: ExecuteBody,
        response,
      },
    },
    async (req, reply) => {
      const { tenantId } = auth(req);
      const trace = await ctx.store.builds.getTrace(tenantId, req.params.traceId);
      if (!trace) throw new HeraldError('TRACE_NOT_FOUND', `No trace ${req.params.traceId}`);
      const project = await loadProject(ctx, tenantId, trace.projectID);
      const request = parseBuildRequest(req.body, ctx.config.targetAllowlist);
      const build = await startBuild(ctx, {
        tenantId,
        project,
        traces: [trace],
        traceId: trace.id,
        changeKey: changeKeyOf({ traceId: trace.id }),
        request,
      });
      return reply.status(200).type(TEXT).send(build.id);
    },
  );

  for (const path of ['/api/project/:projectId/execute-all', '/api/project/:projectId/execute_all']) {
    r.post(
      path,
      {
        schema: {
          tags,
          summary:
            "Run the project's traces (those with any of `tags`, if given); answers the BUILD_ID as plain text",
          params: ProjectIdParams,
          body: ExecuteBody,
          response,
          ...(path.endsWith('execute_all') && { hide: true }),
        },
      },
      async (req, reply) => {
        const { tenantId } = auth(req);
        const project = await loadProject(ctx, tenantId, req.params.projectId);
        const request = parseBuildRequest(req.body, ctx.config.targetAllowlist);
        const all = await ctx.store.builds.listAllTraces(tenantId, project.projectID);
        const traces =
          request.tags.length === 0
            ? all
            : all.filter((t) => t.tags.some((tag) => request.tags.includes(tag)));
        if (traces.length === 0)
          throw new HeraldError(
            'VALIDATION_FAILED',
            request.tags.length === 0
              ? 'The project has no traces to run'
              : `No trace of the project has any of the tags ${request.tags.map((t) => JSON.stringify(t)).join(', ')}`,
            [{ path: request.tags.length === 0 ? '' : '/tags', message: 'selects no trace' }],
          );
        const build = await startBuild(ctx, {
          tenantId,
          project,
          traces,
          traceId: null,
          changeKey: changeKeyOf({ projectID: project.projectID, tags: request.tags }),
          request,
        });
        return reply.status(200).type(TEXT).send(build.id);
      },
    );
  }
}
