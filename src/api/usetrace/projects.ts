import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import type { AppContext } from '../../context.ts';
import { projectView } from '../../builds/views.ts';
import { ListQuery, ProjectCreateBody, ProjectParams, ProjectPatchBody } from './schemas.ts';

export async function projectRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['projects'];
  const projects = ctx.services.projects;

  r.post(
    '/api/projects',
    { schema: { tags, summary: 'Create a project (announces project.created)', body: ProjectCreateBody } },
    async (req, reply) =>
      reply.status(201).send(projectView(await projects.create(auth(req).tenantId, req.body))),
  );

  r.get(
    '/api/projects',
    { schema: { tags, summary: 'List projects, newest first', querystring: ListQuery } },
    async (req) => {
      const limit = pageLimit(req.query.limit);
      const rows = await projects.list(auth(req).tenantId, {
        limit: limit + 1,
        after: cursor(req.query.cursor),
      });
      const page = toPage(rows, limit);
      return { data: page.data.map(projectView), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/projects/:projectID',
    { schema: { tags, summary: 'Read a project', params: ProjectParams } },
    async (req) => projectView(await projects.get(auth(req).tenantId, req.params.projectID)),
  );

  r.patch(
    '/api/projects/:projectID',
    {
      schema: {
        tags,
        summary: 'Change a project (announces project.updated)',
        params: ProjectParams,
        body: ProjectPatchBody,
      },
    },
    async (req) => projectView(await projects.update(auth(req).tenantId, req.params.projectID, req.body)),
  );

  r.delete(
    '/api/projects/:projectID',
    {
      schema: {
        tags,
        summary: 'Delete a project with its sites and traces (announces site.deleted and project.deleted)',
        params: ProjectParams,
      },
    },
    async (req, reply) => {
      await projects.delete(auth(req).tenantId, req.params.projectID);
      return reply.status(204).send();
    },
  );
}
