import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auth, cursor, pageLimit, toPage } from '../../http/request.ts';
import type { AppContext } from '../../context.ts';
import type { MonitoredSite, MonitorSlot } from '../../domain/monitors.ts';
import { siteView } from '../../builds/views.ts';
import { ListByProjectQuery, SiteCreateBody, SiteParams, SitePatchBody } from './schemas.ts';

/**
 * Herald's monitor fields, optional on create and patch. Ranges beyond the schema's (the
 * shortest interval comes from config) are the SiteService's, with the same 400 shape.
 */
const MonitorFields = {
  intervalSec: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description:
        'Seconds between runs (3600 hourly, 86400 daily); at least HERALD_MONITOR_MIN_INTERVAL_SEC. null: not scheduled.',
    }),
  ),
  paths: Type.Optional(
    Type.Array(Type.String({ maxLength: 2000 }), {
      description: 'Paths tested besides siteUrl, each starting with "/".',
    }),
  ),
  level: Type.Optional(Type.String({ description: 'Tenon level: A, AA or AAA (default AAA).' })),
  certainty: Type.Optional(Type.Integer({ description: 'Minimum Tenon certainty, 0–100 (default 0).' })),
  priority: Type.Optional(Type.Integer({ description: 'Minimum Tenon priority, 0–100 (default 0).' })),
  paused: Type.Optional(Type.Boolean({ description: 'A paused monitor is not run (default false).' })),
  crawl: Type.Optional(
    Type.Union(
      [
        Type.Object(
          {
            maxPages: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'Default 50.' })),
            maxDepth: Type.Optional(
              Type.Integer({ minimum: 0, maximum: 10, description: 'Links away from siteUrl; default 3.' }),
            ),
            include: Type.Optional(
              Type.Array(Type.String({ pattern: '^/', maxLength: 2000 }), {
                maxItems: 50,
                description: 'Only paths starting with one of these prefixes.',
              }),
            ),
            exclude: Type.Optional(
              Type.Array(Type.String({ pattern: '^/', maxLength: 2000 }), {
                maxItems: 50,
                description: 'Never paths starting with one of these prefixes.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      {
        description:
          "Discover the site's same-origin pages from links, sitemap.xml and robots.txt (honouring Disallow) instead of siteUrl + paths. null (default): siteUrl + paths.",
      },
    ),
  ),
  loginTraceId: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], {
      description: 'A trace of the same project that signs in before the pages are tested; null: none.',
    }),
  ),
  loginParameters: Type.Optional(
    Type.Union([Type.Record(Type.String(), Type.String({ maxLength: 1000 })), Type.Null()], {
      description:
        "Values of the login trace's ${name} placeholders (e.g. username, password). Replaces all of them; write-only: reads show loginParameterNames.",
    }),
  ),
};
const CreateBody = Type.Object(
  { ...SiteCreateBody.properties, ...MonitorFields },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  { ...SitePatchBody.properties, ...MonitorFields },
  { additionalProperties: false, minProperties: 1 },
);

/**
 * The site as before, plus its monitor's settings (event data keeps the seed's five fields).
 * Login parameters are write-only, like hook passwords: only their names are shown.
 */
const monitoredSiteView = (s: MonitoredSite) => {
  const { loginParameters, ...monitor } = s.monitor;
  return {
    ...siteView(s),
    ...monitor,
    loginParameterNames: Object.keys(loginParameters),
    ...(s.lastSlot !== undefined && { lastSlot: s.lastSlot === null ? null : slotView(s.lastSlot) }),
  };
};

/** A slot as the API shows it: a failed one says why (a sign-in or crawl that failed). */
const slotView = (s: MonitorSlot) => ({
  slot: s.slot,
  status: s.status,
  claimedAt: s.claimedAt,
  finishedAt: s.finishedAt,
  pages: s.responseIDs.length,
  error: s.error,
  issuesAppliedAt: s.issuesAppliedAt,
  openIssues: s.openIssues,
});

export async function siteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['sites'];
  const sites = ctx.services.sites;

  r.post(
    '/api/sites',
    { schema: { tags, summary: 'Create a site monitor (announces site.created)', body: CreateBody } },
    async (req, reply) =>
      reply.status(201).send(monitoredSiteView(await sites.create(auth(req).tenantId, req.body))),
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
      return { data: page.data.map(monitoredSiteView), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/sites/:siteKey',
    {
      schema: {
        tags,
        summary: 'Read a site monitor',
        description:
          'The site, its monitor settings and `lastSlot`, its newest slot: `slot`, `status` (queued, running, done, failed), `claimedAt`, `finishedAt`, `pages` (test runs queued), `error` (why a slot failed, e.g. its sign-in), `issuesAppliedAt` (when its findings were applied to the tracked issues) and `openIssues` (issues open then); null before the first slot.',
        params: SiteParams,
      },
    },
    async (req) => monitoredSiteView(await sites.get(auth(req).tenantId, req.params.siteKey)),
  );

  r.patch(
    '/api/sites/:siteKey',
    {
      schema: {
        tags,
        summary: 'Change a site monitor (announces site.updated)',
        params: SiteParams,
        body: PatchBody,
      },
    },
    async (req) => monitoredSiteView(await sites.update(auth(req).tenantId, req.params.siteKey, req.body)),
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
