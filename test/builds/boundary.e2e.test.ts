/**
 * The browsers' network boundary, end to end in Chromium and Firefox. The allowlist is
 * 127.0.0.1/32 and a listener on 127.0.0.2 holds a secret page (a unique marker, in magenta).
 * Traces on 127.0.0.1 redirect to it, frame it, fetch it by script (fetch, XHR, an image and a
 * WebSocket) and open it directly. The listener must see no connection at all, no step message
 * may carry the marker, and no screenshot may show its colour — while a control trace that
 * renders the same page from 127.0.0.1 does show it, so the colour check is real.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { createProject, createTrace, startBuild, waitFinished } from './helpers/builds.ts';
import { countColour, decodePng } from './helpers/png.ts';

const MARKER = `SECRET-${Math.random().toString(36).slice(2, 12)}`;
const MAGENTA: [number, number, number] = [255, 0, 255];
const secretPage = `<!doctype html><html><head><title>${MARKER}</title></head>
<body style="margin:0;background:#ff00ff"><h1 style="font-size:120px">${MARKER}</h1></body></html>`;

async function listen(host: string, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // WebSocket handshakes arrive here too: answering none still counts the connection.
  server.on('upgrade', (_req, socket: Socket) => socket.destroy());
  server.listen(0, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('browsers behind the network policy (allowlist 127.0.0.1/32)', () => {
  let secret: Awaited<ReturnType<typeof listen>>;
  let site: Awaited<ReturnType<typeof listen>>;
  let h: TestHerald;
  let results: { testCase: Array<{ name: string; error: { type: string; message: string } | null }> };
  let secretUrl = '';

  before(async () => {
    secret = await listen('127.0.0.2', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'access-control-allow-origin': '*' }).end(secretPage);
    });
    secretUrl = `http://127.0.0.2:${secret.port}/secret`;
    const pages: Record<string, string> = {
      '/frame': `<!doctype html><title>Frame page</title><h1 id="ok">frame page</h1>
        <iframe src="${secretUrl}" width="900" height="700" style="border:0"></iframe>`,
      '/fetch': `<!doctype html><title>Fetch page</title><pre id="out">waiting</pre>
        <img src="${secretUrl}?img" width="400" height="300">
        <script>
          const out = document.getElementById('out');
          const seen = [];
          const note = (s) => { seen.push(s); out.textContent = seen.join(' | '); };
          fetch('${secretUrl}?fetch').then((r) => r.text()).then((t) => note('fetch ' + t), (e) => note('fetch failed'));
          const x = new XMLHttpRequest();
          x.onload = () => note('xhr ' + x.responseText);
          x.onerror = () => note('xhr failed');
          x.open('GET', '${secretUrl}?xhr'); x.send();
          const ws = new WebSocket('ws://127.0.0.2:${secret.port}/ws');
          ws.onmessage = (m) => note('ws ' + m.data);
          ws.onerror = () => note('ws failed');
        </script>`,
      '/control': secretPage,
    };
    site = await listen('127.0.0.1', (req, res) => {
      if (req.url === '/redirect') return void res.writeHead(302, { location: secretUrl }).end();
      if (req.url === '/redirect-https')
        return void res.writeHead(302, { location: `https://127.0.0.2:${secret.port}/secret` }).end();
      const body = pages[req.url ?? ''];
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html' }).end(body);
    });
    h = await startHerald('sqlite', {
      HERALD_TARGET_ALLOWLIST: '127.0.0.1/32',
      // Long enough for a page to load on a loaded machine; failing assertions wait this long.
      HERALD_BUILD_STEP_TIMEOUT_MS: '8000',
      HERALD_BUILD_CONCURRENCY: '2',
    });
    const { projectID } = await createProject(h, { baseUrl: `http://127.0.0.1:${site.port}` });
    const traces = [
      { name: 'redirect', steps: [{ action: 'open', url: '/redirect' }] },
      { name: 'to https', steps: [{ action: 'open', url: '/redirect-https' }] },
      { name: 'direct', steps: [{ action: 'open', url: secretUrl }] },
      {
        name: 'frame',
        steps: [
          { action: 'open', url: '/frame' },
          { action: 'assertTitle', text: 'not the title' },
        ],
      },
      {
        name: 'fetch',
        steps: [
          { action: 'open', url: '/fetch' },
          { action: 'assertText', selector: '#out', text: 'ws failed' },
          { action: 'assertText', selector: '#out', text: MARKER.slice(0, 6) + 'nope' },
        ],
      },
      {
        name: 'control',
        steps: [
          { action: 'open', url: '/control' },
          { action: 'assertTitle', text: 'not the title' },
        ],
      },
    ];
    for (const t of traces) await createTrace(h, projectID, t);
    const buildId = await startBuild(h, `/api/project/${projectID}/execute-all`, {
      requiredCapabilities: [{ browserName: 'chrome' }, { browserName: 'firefox' }],
    });
    await waitFinished(h, buildId, 120_000);
    results = (await h.api('GET', `/api/build/${buildId}/results/json`)).body;
  });

  after(async () => {
    await h?.stop();
    await secret?.close();
    await site?.close();
  });

  const cases = (name: string) => results.testCase.filter((t) => t.name.includes(name));
  /** The failure screenshot, or null when the run has none (a screenshot that could not be
   * taken in time, on a loaded machine, shows nothing either). */
  const shot = async (message: string) => {
    const link = /Screenshot: (\S+)/.exec(message)?.[1];
    if (link === undefined) return null;
    const url = new URL(link);
    const res = await fetch(`${h.url}${url.pathname}`);
    assert.equal(res.status, 200);
    return decodePng(Buffer.from(await res.arrayBuffer()));
  };

  test('the listener on 127.0.0.2 receives nothing, in either browser', () => {
    assert.equal(results.testCase.length, 12);
    assert.equal(secret.connections(), 0);
  });

  test('a redirect to it (http, or https through CONNECT) and opening it directly fail with "blocked by the network policy"', () => {
    for (const t of [...cases('redirect'), ...cases('direct'), ...cases('to https')]) {
      assert.equal(t.error?.type, 'error', t.name);
      assert.match(
        t.error!.message,
        /^Step 1 \(open [^)]*\): cannot open \S+: blocked by the network policy/,
        t.name,
      );
    }
    assert.equal(cases('redirect').length, 2);
  });

  test('framed, fetched, XHR, image and WebSocket requests fail; the page goes on without them', () => {
    for (const t of cases('frame')) {
      assert.equal(t.error?.type, 'failure', t.name);
      assert.match(t.error!.message, /but it is "Frame page"/, t.name);
    }
    for (const t of cases('fetch')) {
      assert.equal(t.error?.type, 'failure', `${t.name}: ${t.error?.message}`);
      assert.match(t.error!.message, /^Step 3 .*fetch failed/, t.name);
      assert.match(t.error!.message, /xhr failed/, t.name);
    }
  });

  test('no step message, title or URL carries the marker', () => {
    for (const t of results.testCase.filter((x) => !x.name.includes('control')))
      assert.doesNotMatch(t.error?.message ?? '', new RegExp(MARKER), t.name);
    for (const t of cases('control')) assert.match(t.error!.message, new RegExp(`but it is "${MARKER}"`));
  });

  test("no screenshot shows the secret page's colour; the control render of it does", async () => {
    for (const t of cases('control')) {
      const p = await shot(t.error!.message);
      assert.ok(p, `${t.name}: the control has no screenshot: ${t.error!.message}`);
      assert.ok(countColour(p, MAGENTA) > (p.width * p.height) / 2, `${t.name}: the control is not magenta`);
    }
    for (const t of results.testCase.filter((x) => x.error && !x.name.includes('control'))) {
      const p = await shot(t.error!.message);
      if (p) assert.equal(countColour(p, MAGENTA), 0, `${t.name} shows the secret page`);
    }
  });
});
