/**
 * The Usetrace build API: `POST /api/trace/:traceId/execute` and
 * `POST /api/project/:projectId/execute-all` (also `execute_all`). The answer is 200 with the
 * bare BUILD_ID as a text/plain body: Usetrace's clients read the raw body as the id.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth } from '../../http/request.ts';
import type { AppContext } from '../../context.ts';
import { ExecuteBody } from '../../builds/request.ts';
import { ProjectIdParams, TraceIdParams } from './schemas.ts';

const TEXT = 'text/plain; charset=utf-8';

export async function executeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['builds'];
  const response = { 200: { description: 'The BUILD_ID, as the whole text/plain body.', type: 'string' } };
  const builds = ctx.services.builds;

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
      const build = await builds.executeTrace(auth(req).tenantId, req.params.traceId, req.body);
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
        const build = await builds.executeAll(auth(req).tenantId, req.params.projectId, req.body);
        return reply.status(200).type(TEXT).send(build.id);
      },
    );
  }
}
