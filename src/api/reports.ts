/**
 * Reports in the formats CI systems read: `GET /api/test-runs/:responseID/report.{format}` for
 * one finished run and `GET /api/sites/:siteKey/report.{format}` for a site monitor's latest
 * complete slot. Answered as a download (Content-Disposition) with the format's media type.
 */
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';
import { auth } from '../http/request.ts';
import type { RenderedReport } from '../reports/index.ts';

const Format = Type.Union(
  [Type.Literal('sarif'), Type.Literal('junit'), Type.Literal('csv'), Type.Literal('html')],
  {
    description: 'sarif (SARIF 2.1.0), junit (JUnit XML), csv (the tenon-reporters columns) or html.',
  },
);
const RunParams = Type.Object({ responseID: Type.String({ pattern: '^[0-9a-fA-F]{32}$' }), format: Format });
const SiteParams = Type.Object({ siteKey: Type.String({ minLength: 1, maxLength: 100 }), format: Format });

const send = (reply: FastifyReply, r: RenderedReport) =>
  reply
    .header('content-type', r.contentType)
    .header('content-disposition', `attachment; filename="${r.filename}"`)
    .header('x-content-type-options', 'nosniff')
    .send(r.body);

export async function reportRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const reports = ctx.services.reports;

  r.get(
    '/api/test-runs/:responseID/report.:format',
    {
      schema: {
        tags: ['test runs'],
        summary: 'A finished test run as a SARIF, JUnit, CSV or HTML report',
        params: RunParams,
      },
    },
    async (req, reply) =>
      send(
        reply,
        await reports.forRun(auth(req).tenantId, req.params.responseID.toLowerCase(), req.params.format),
      ),
  );

  r.get(
    '/api/sites/:siteKey/report.:format',
    {
      schema: {
        tags: ['sites'],
        summary:
          "The site monitor's latest complete slot, all its pages, as a SARIF, JUnit, CSV or HTML report",
        params: SiteParams,
      },
    },
    async (req, reply) =>
      send(reply, await reports.forSite(auth(req).tenantId, req.params.siteKey, req.params.format)),
  );
}
