/**
 * Build runs per minute end to end through the API, in the style of bench/tenon/throughput.ts:
 * a real Herald (in this process, on SQLite in a temp dir, its worker's build runs in a warm
 * Chromium) and a small site on loopback. Clients start a one-trace build (POST
 * /api/trace/:id/execute, as a CI does) and poll its status until FINISHED; every build is
 * stored, run in the browser, announced and reported to a webhook reporter on loopback.
 *
 *   node bench/builds/throughput.ts [--seconds 60] [--clients 4] [--concurrency 2]
 *
 * BENCH_HERALD_ROOT: run the Herald of another checkout (say, the commit before a change) with
 * this harness, so before and after are measured the same way (see bench/herald.ts).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arg, measure, startInProcess } from '../throughput.ts';

const SECONDS = arg('seconds', 60);
const CLIENTS = arg('clients', 4);
const CONCURRENCY = arg('concurrency', 2);
const POLL_MS = 50;

/** The site under test: a form page and its answer; the reporter's endpoint answers 204. */
async function serveSite(): Promise<{ base: string; close(): Promise<void> }> {
  const html = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://site.invalid');
    if (url.pathname === '/report') {
      req.resume();
      return void res.writeHead(204).end();
    }
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 200, { 'content-type': 'text/html' });
    if (url.pathname === '/welcome')
      return void res.end(
        html('Dashboard', `<p class="welcome">Hello, ${url.searchParams.get('user') ?? ''}</p>`),
      );
    res.end(
      html(
        'Log in',
        '<form action="/welcome"><input id="user" name="user"><button id="go" type="submit">Go</button></form>',
      ),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const herald = await startInProcess('builds', { HERALD_BUILD_CONCURRENCY: String(CONCURRENCY) });
const { app, headers } = herald;
const site = await serveSite();

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

const project = JSON.parse(
  (await api('POST', '/api/projects', { name: 'Bench', baseUrl: site.base })).text,
) as { projectID: string };
const trace = JSON.parse(
  (
    await api('POST', `/api/projects/${project.projectID}/traces`, {
      name: 'Log in',
      steps: [
        { action: 'open', url: '/' },
        { action: 'type', selector: '#user', text: 'Arto' },
        { action: 'click', selector: '#go' },
        { action: 'assertText', selector: '.welcome', text: 'Hello, Arto' },
      ],
    })
  ).text,
) as { id: string };

/** One build, start to FINISHED; its status ("passed" when every test case passed). */
async function buildOnce(): Promise<boolean> {
  const started = await api('POST', `/api/trace/${trace.id}/execute`, {
    requiredCapabilities: [{ browserName: 'chrome' }],
    reporters: [{ webhook: { url: `${site.base}/report`, when: 'always' } }],
  });
  if (started.status !== 200) return false;
  for (;;) {
    const status = JSON.parse((await api('GET', `/api/build/${started.text}/status`)).text) as {
      status: string;
      summary?: { pass: number; request: number };
    };
    if (status.status === 'FINISHED') return status.summary?.pass === status.summary?.request;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

try {
  // Warm: the browser is launched by the first build, not counted.
  await buildOnce();
  await measure({ seconds: SECONDS, clients: CLIENTS, concurrency: CONCURRENCY, unit: 'builds' }, () =>
    buildOnce(),
  );
} finally {
  await herald.close();
  await site.close();
}
