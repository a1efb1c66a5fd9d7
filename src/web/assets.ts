import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The console's stylesheet and script, served from the same origin and cached by content hash. */
const FILES = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
} as const;

type AssetName = keyof typeof FILES;

const assets = new Map<string, { body: string; type: string; hash: string }>(
  (Object.keys(FILES) as AssetName[]).map((name) => {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
    return [name, { body, type: FILES[name], hash }];
  }),
);

export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${assets.get(name)!.hash}`;
}

export function assetRoutes(app: FastifyInstance): void {
  app.get<{ Params: { name: string }; Querystring: { v?: string } }>(
    '/assets/:name',
    { schema: { hide: true }, config: { public: true } },
    async (req, reply) => {
      const asset = assets.get(req.params.name);
      if (!asset) return reply.status(404).type('text/plain; charset=utf-8').send('Not found');
      reply.header(
        'cache-control',
        req.query.v === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      reply.header('etag', `"${asset.hash}"`);
      return reply.type(asset.type).send(asset.body);
    },
  );
}
