import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { executeRoutes } from './execute.ts';
import { projectRoutes } from './projects.ts';
import { publicRoutes } from './public.ts';
import { resultRoutes } from './results.ts';
import { siteRoutes } from './sites.ts';
import { traceRoutes } from './traces.ts';

/** Projects, sites, traces and the Usetrace-compatible build API. */
export async function buildRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await projectRoutes(app, ctx);
  await siteRoutes(app, ctx);
  await traceRoutes(app, ctx);
  await executeRoutes(app, ctx);
  await resultRoutes(app, ctx);
  await publicRoutes(app, ctx);
}
