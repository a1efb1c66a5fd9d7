import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import { type AppContext } from '../../context.ts';
import { newId, newProjectID } from '../../domain/ids.ts';
import type { Project, ProjectPatch } from '../../domain/builds.ts';
import { projectData, projectView, siteData } from '../views.ts';
import { announce, checkHttpUrl, loadProject, notBlank } from './common.ts';
import { ListQuery, ProjectCreateBody, ProjectParams, ProjectPatchBody } from './schemas.ts';

/** The seed's user agent: the default of a new project, as in the Tenon example. */
export const SEED_UA_STRING =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.111 Safari/537.36';

export async function projectRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['projects'];

  r.post(
    '/api/projects',
    { schema: { tags, summary: 'Create a project (announces project.created)', body: ProjectCreateBody } },
    async (req, reply) => {
      const { tenantId } = auth(req);
      const b = req.body;
      const now = Date.now();
      const project: Project = {
        id: newId('project', now),
        tenantId,
        projectID: newProjectID(),
        name: notBlank(b.name, '/name'),
        description: b.description ?? '',
        dateAdded: now,
        lastmod: now,
        // The tenant's first project is its default unless the request says otherwise.
        defaultItem: b.defaultItem ?? ((await ctx.store.builds.hasProjects(tenantId)) ? 0 : 1),
        apiDefaultCertainty: b.apiDefaultCertainty ?? 0,
        apiDefaultLevel: b.apiDefaultLevel ?? 'AAA',
        apiDefaultPriority: b.apiDefaultPriority ?? 0,
        apiDefaultStore: b.apiDefaultStore ?? 1,
        apiDefaultUAString: b.apiDefaultUAString ?? SEED_UA_STRING,
        apiDefaultViewportHeight: b.apiDefaultViewportHeight ?? 768,
        apiDefaultViewportWidth: b.apiDefaultViewportWidth ?? 1024,
        baseUrl: b.baseUrl == null ? null : checkHttpUrl(b.baseUrl, '/baseUrl'),
      };
      const cleared = await ctx.store.builds.createProject(project);
      await announce(ctx, tenantId, [
        ...cleared.map((p) => ({ event: 'project.updated', data: projectData(p) })),
        { event: 'project.created', data: projectData(project) },
      ]);
      return reply.status(201).send(projectView(project));
    },
  );

  r.get(
    '/api/projects',
    { schema: { tags, summary: 'List projects, newest first', querystring: ListQuery } },
    async (req) => {
      const { tenantId } = auth(req);
      const limit = pageLimit(req.query.limit);
      const rows = await ctx.store.builds.listProjects(tenantId, {
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
    async (req) => projectView(await loadProject(ctx, auth(req).tenantId, req.params.projectID)),
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
    async (req) => {
      const { tenantId } = auth(req);
      const b = req.body;
      await loadProject(ctx, tenantId, req.params.projectID);
      const patch: ProjectPatch = {
        ...b,
        ...(b.name !== undefined && { name: notBlank(b.name, '/name') }),
        ...(b.baseUrl != null && { baseUrl: checkHttpUrl(b.baseUrl, '/baseUrl') }),
      };
      const updated = await ctx.store.builds.updateProject(tenantId, req.params.projectID, patch, Date.now());
      const project = updated?.project ?? (await loadProject(ctx, tenantId, req.params.projectID));
      await announce(ctx, tenantId, [
        ...(updated?.cleared ?? []).map((p) => ({ event: 'project.updated', data: projectData(p) })),
        { event: 'project.updated', data: projectData(project) },
      ]);
      return projectView(project);
    },
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
      const { tenantId } = auth(req);
      const deleted = await ctx.store.builds.deleteProject(tenantId, req.params.projectID);
      if (!deleted) await loadProject(ctx, tenantId, req.params.projectID);
      else
        await announce(ctx, tenantId, [
          ...deleted.sites.map((s) => ({ event: 'site.deleted', data: siteData(s) })),
          { event: 'project.deleted', data: projectData(deleted.project) },
        ]);
      return reply.status(204).send();
    },
  );
}
