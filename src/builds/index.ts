import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../api/context.ts';

/** Background services of the build system (the durable build queue and its runner). */
export interface BuildServices {
  stop(): Promise<void>;
}

/** Starts the build runner in a worker process. */
export async function startBuildServices(_ctx: AppContext): Promise<BuildServices> {
  return { stop: async () => undefined };
}

/** Projects, sites, traces and the Usetrace-compatible build API. */
export async function buildRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
