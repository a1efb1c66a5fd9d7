/**
 * Serves the corpus on loopback (127.0.0.1, a free port), plus two fixtures for the engine's
 * edges: /never-loads (answers headers, then never ends the body), /status/404 and /echo-ua.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { BrowserPool } from '../../src/browsers/pool.ts';
import { parseAllowlist } from '../../src/network/policy.ts';
import type { TenonResponse } from '../../src/tenon/types.ts';

/**
 * The pool builds and test runs use: Debian Chromium behind Herald's filtering proxy, here
 * opened to loopback, where the pages under test are served.
 */
export function loopbackBrowsers(): BrowserPool {
  return new BrowserPool({
    paths: {
      chrome: process.env['HERALD_CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      firefox: '/usr/bin/firefox-esr',
    },
    launchTimeoutMs: 30_000,
    allowlist: parseAllowlist('127.0.0.0/8'),
  });
}

/** Listens on 127.0.0.1 (a free port); `close` also ends open connections (and `hanging` ones). */
export async function listenOnLoopback(
  server: Server,
  hanging: Set<ServerResponse> = new Set(),
): Promise<CorpusServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const CORPUS_DIR = new URL('./corpus/', import.meta.url);

export interface CorpusServer {
  base: string;
  close(): Promise<void>;
}

export async function serveCorpus(): Promise<CorpusServer> {
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/never-loads') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<!doctype html><html lang="en"><title>Slow</title><p>Loading');
      hanging.add(res);
      return;
    }
    if (path === '/echo-ua') {
      // The title is the User-Agent the browser sent, so a test can see the requested one arrived.
      const ua = String(req.headers['user-agent'] ?? '').replace(/[<&]/g, '');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><html lang="en"><head><title>${ua}</title></head><body><main><h1>UA</h1></main></body></html>`,
      );
      return;
    }
    if (path === '/status/404') {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end(
        '<!doctype html><html lang="en"><head><title>Not found</title></head><body><main><h1>Gone</h1></main></body></html>',
      );
      return;
    }
    const name = path.replace(/^\/+/, '');
    if (!/^[a-z0-9-]+\.html$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    readFile(new URL(name, CORPUS_DIR)).then(
      (body) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  return listenOnLoopback(server, hanging);
}

/** The barriers a corpus page declares: each element marked `data-barrier="name"`. */
export function barriersOf(html: string): string[] {
  return [...html.matchAll(/data-barrier="([^"]+)"/g)].map((m) => m[1] ?? '');
}

/** The declared barriers some issue points at (the issue's element carries the mark). */
export function foundBarriers(res: TenonResponse): Set<string> {
  const found = new Set<string>();
  for (const issue of res.resultSet) {
    const open = /^<[^>]*>/.exec(issue.errorSnippet)?.[0] ?? '';
    const m = /data-barrier="([^"]+)"/.exec(open);
    if (m?.[1]) found.add(m[1]);
  }
  return found;
}
