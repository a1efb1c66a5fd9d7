import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../api/context.ts';

/** The web console: server-rendered pages on the same origin as the API. */
export async function webRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
