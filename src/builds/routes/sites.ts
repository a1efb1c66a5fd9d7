import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import { type AppContext } from '../../context.ts';
import { HeraldError } from '../../domain/errors.ts';
import { newId, newSiteKey } from '../../domain/ids.ts';
import type { Site, SitePatch } from '../../domain/builds.ts';
import { siteData, siteView } from '../views.ts';
import { announce, checkHttpUrl, loadProject, notBlank } from './common.ts';
import { ListByProjectQuery, SiteCreateBody, SiteParams, SitePatchBody } from './schemas.ts';

export async function siteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['sites'];

  const load = async (tenantId: string, siteKey: string): Promise<Site> => {
    const site = await ctx.store.builds.getSite(tenantId, siteKey);
    if (!site) throw new HeraldError('SITE_NOT_FOUND', `No site monitor ${siteKey}`);
    return site;
  };

  r.post(
    '/api/sites',
    { schema: { tags, summary: 'Create a site monitor (announces site.created)', body: SiteCreateBody } },
    async (req, reply) => {
      const { tenantId } = auth(req);
      const b = req.body;
      await loadProject(ctx, tenantId, b.projectID, '/projectID');
      const now = Date.now();
      const site: Site = {
        id: newId('site', now),
        tenantId,
        siteKey: newSiteKey(),
        projectID: b.projectID,
        name: notBlank(b.name, '/name'),
        siteUrl: checkHttpUrl(b.siteUrl, '/siteUrl'),
        createdAt: now,
        updatedAt: now,
      };
      await ctx.store.builds.createSite(site);
      await announce(ctx, tenantId, [{ event: 'site.created', data: siteData(site) }]);
      return reply.status(201).send(siteView(site));
    },
  );

  r.get(
    '/api/sites',
    { schema: { tags, summary: 'List site monitors, newest first', querystring: ListByProjectQuery } },
    async (req) => {
      const { tenantId } = auth(req);
      const limit = pageLimit(req.query.limit);
      const rows = await ctx.store.builds.listSites(tenantId, {
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
    async (req) => siteView(await load(auth(req).tenantId, req.params.siteKey)),
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
    async (req) => {
      const { tenantId } = auth(req);
      const b = req.body;
      await load(tenantId, req.params.siteKey);
      if (b.projectID !== undefined) await loadProject(ctx, tenantId, b.projectID, '/projectID');
      const patch: SitePatch = {
        ...(b.name !== undefined && { name: notBlank(b.name, '/name') }),
        ...(b.projectID !== undefined && { projectID: b.projectID }),
        ...(b.siteUrl !== undefined && { siteUrl: checkHttpUrl(b.siteUrl, '/siteUrl') }),
      };
      const site = await ctx.store.builds.updateSite(tenantId, req.params.siteKey, patch, Date.now());
      if (!site) throw new HeraldError('SITE_NOT_FOUND', `No site monitor ${req.params.siteKey}`);
      await announce(ctx, tenantId, [{ event: 'site.updated', data: siteData(site) }]);
      return siteView(site);
    },
  );

  r.delete(
    '/api/sites/:siteKey',
    { schema: { tags, summary: 'Delete a site monitor (announces site.deleted)', params: SiteParams } },
    async (req, reply) => {
      const { tenantId } = auth(req);
      const site = await ctx.store.builds.deleteSite(tenantId, req.params.siteKey);
      if (!site) throw new HeraldError('SITE_NOT_FOUND', `No site monitor ${req.params.siteKey}`);
      await announce(ctx, tenantId, [{ event: 'site.deleted', data: siteData(site) }]);
      return reply.status(204).send();
    },
  );
}
