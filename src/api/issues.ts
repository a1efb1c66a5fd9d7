/**
 * Issues a site monitor tracks across slots: list them by status, accept or reopen one, or
 * accept every open one at once (the baseline), so that what is open afterwards is new.
 */
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { auth, pageLimit } from '../http/request.ts';
import { issueView } from '../services/issues.ts';

const SiteParams = Type.Object({ siteKey: Type.String({ minLength: 1, maxLength: 100 }) });
const IssueParams = Type.Object({
  siteKey: Type.String({ minLength: 1, maxLength: 100 }),
  issueID: Type.String({ pattern: '^[0-9a-f]{32}$' }),
});
const ListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('fixed'), Type.Literal('accepted')], {
        description: 'Only issues in this status (default: all).',
      }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1–100, default 100' })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{32}$', description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);

export async function issueRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['sites'];
  const issues = ctx.services.issues;

  r.get(
    '/api/sites/:siteKey/issues',
    {
      schema: {
        tags,
        summary: 'Issues the site monitor tracks across slots, by status',
        params: SiteParams,
        querystring: ListQuery,
      },
    },
    async (req) => {
      const limit = pageLimit(req.query.limit, 100);
      const rows = await issues.list(auth(req).tenantId, req.params.siteKey, {
        status: req.query.status,
        limit: limit + 1,
        after: req.query.cursor,
      });
      const data = rows.slice(0, limit).map(issueView);
      return { data, nextCursor: rows.length > limit ? (data[data.length - 1]?.issueID ?? null) : null };
    },
  );

  r.post(
    '/api/sites/:siteKey/baseline',
    {
      schema: {
        tags,
        summary: 'Accept every open issue (announces issue.updated for each)',
        params: SiteParams,
      },
    },
    async (req) => issues.baseline(auth(req).tenantId, req.params.siteKey),
  );

  for (const action of ['accept', 'reopen'] as const)
    r.post(
      `/api/sites/:siteKey/issues/:issueID/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'accept'
              ? 'Accept an open issue (announces issue.updated)'
              : 'Reopen an accepted issue (announces issue.updated)',
          params: IssueParams,
        },
      },
      async (req) =>
        issueView(await issues.change(auth(req).tenantId, req.params.siteKey, req.params.issueID, action)),
    );
}
