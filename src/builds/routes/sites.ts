import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import type { AppContext } from '../../context.ts';
import { siteView } from '../views.ts';
import { ListByProjectQuery, SiteCreateBody, SiteParams, SitePatchBody } from './schemas.ts';

export async function siteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['sites'];
  const sites = ctx.services.sites;

  r.post(
    '/api/sites',
    { schema: { tags, summary: 'Create a site monitor (announces site.created)', body: SiteCreateBody } },
    async (req, reply) => reply.status(201).send(siteView(await sites.create(auth(req).tenantId, req.body))),
  );

  r.get(
    '/api/sites',
    { schema: { tags, summary: 'List site monitors, newest first', querystring: ListByProjectQuery } },
    async (req) => {
      const limit = pageLimit(req.query.limit);
      const rows = await sites.list(auth(req).tenantId, {
        limit: limit + 1,
        after: cursor(req.query.cursor),
        ...(req.query.projectID !== undefined && { projectID: req.query.projectID }),
      });
      const page = toPage(rows, limit);
      return { data: page.data.map(siteView), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/sites/:siteKey',
    { schema: { tags, summary: 'Read a site monitor', params: SiteParams } },
    async (req) => siteView(await sites.get(auth(req).tenantId, req.params.siteKey)),
  );

  r.patch(
    '/api/sites/:siteKey',
    {
      schema: {
        tags,
        summary: 'Change a site monitor (announces site.updated)',
        params: SiteParams,
        body: SitePatchBody,
      },
    },
    async (req) => siteView(await sites.update(auth(req).tenantId, req.params.siteKey, req.body)),
  );

  r.delete(
    '/api/sites/:siteKey',
    { schema: { tags, summary: 'Delete a site monitor (announces site.deleted)', params: SiteParams } },
    async (req, reply) => {
      await sites.delete(auth(req).tenantId, req.params.siteKey);
      return reply.status(204).send();
    },
  );
}
