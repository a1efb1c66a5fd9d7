import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { BATCH_MAX } from '../../src/services/events.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { freePort } from '../helpers/herald-process.ts';

/** A GET with a Host header of our choosing (fetch always sends the real one). */
function getWithHost(url: string, path: string, host: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

describe('API edges', () => {
  const operatorKey = `operator-chosen-${'x'.repeat(24)}`;
  const metricsToken = 'metrics-token-for-the-test';
  let h: TestHerald;
  let memberKey: string;

  before(async () => {
    h = await startHerald('sqlite', { HERALD_METRICS_TOKEN: metricsToken });
    const created = await h.api('POST', '/api/keys', { role: 'member', name: 'member' });
    memberKey = created.body.key;
  });
  after(async () => h?.stop());

  describe('paths with repeated slashes', () => {
    test('a double-slash Usetrace execute call works with ?key=', async () => {
      const project = await h.api('POST', '/api/projects', { name: 'P', baseUrl: 'http://127.0.0.1:9' });
      assert.equal(project.status, 201, project.text);
      const trace = await h.app.services.traces.create(
        project.body.tenantId ?? 'ten_default',
        project.body.projectID,
        {
          name: 'T',
          steps: [{ action: 'open', url: '/' }],
        },
      );
      const res = await fetch(
        `${h.url}//api/trace/${trace.id}/execute?key=${encodeURIComponent(h.adminKey)}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ requiredCapabilities: [{ browserName: 'chrome' }] }),
        },
      );
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(text, /^bld_/);
    });

    test('a double-slash call without a key is still refused 401', async () => {
      for (const path of ['//api/trace/trc_x/execute', '//api//hooks', '///api/hooks', '/api//hooks']) {
        const res = await fetch(`${h.url}${path}`, { method: path.includes('execute') ? 'POST' : 'GET' });
        const body = (await res.json()) as { error: { code: string } };
        assert.equal(res.status, 401, path);
        assert.equal(body.error.code, 'UNAUTHORIZED', path);
      }
    });

    test('//api//hooks with a key lists the hooks; slashes in the query are left alone', async () => {
      const res = await h.api('GET', '//api//hooks?limit=5');
      assert.equal(res.status, 200, res.text);
      assert.ok(Array.isArray(res.body.data));
    });
  });

  test(`a batch of more than ${BATCH_MAX} events is refused by the schema before its items are looked at`, async () => {
    // Every item is invalid too: the size is what is reported, so the items were never validated.
    const events = Array.from({ length: BATCH_MAX + 1 }, () => ({ nonsense: true }));
    const res = await h.api('POST', '/api/events/batch', { events });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 'BATCH_TOO_LARGE');
    const schema = await h.api('GET', '/openapi.json');
    const body = schema.body.paths['/api/events/batch'].post.requestBody.content['application/json'].schema;
    assert.equal(body.properties.events.maxItems, BATCH_MAX);
  });

  test('key listings show at most hk_ and 4 characters of a key, and 4 of an operator-chosen one', async () => {
    const other = await startHerald('sqlite', { HERALD_ADMIN_KEY: operatorKey });
    try {
      const member = await other.api('POST', '/api/keys', { role: 'member' }, { key: operatorKey });
      const listed = await other.api('GET', '/api/keys', undefined, { key: member.body.key });
      assert.equal(listed.status, 200);
      const prefixes = (listed.body.data as Array<{ name: string; prefix: string }>).map((k) => k.prefix);
      assert.ok(prefixes.length >= 2);
      for (const p of prefixes) assert.ok(p.length <= 7, `prefix ${p}`);
      const op = (listed.body.data as Array<{ name: string; prefix: string }>).find(
        (k) => k.name === 'HERALD_ADMIN_KEY',
      );
      assert.equal(op?.prefix, 'oper');
      assert.equal(member.body.prefix, member.body.key.slice(0, 7));
      assert.ok(
        !listed.text.includes(operatorKey.slice(0, 5)),
        'no more of the operator key than 4 characters',
      );
    } finally {
      await other.stop();
    }
  });

  describe('/metrics', () => {
    test('needs the bearer token when HERALD_METRICS_TOKEN is set', async () => {
      const none = await fetch(`${h.url}/metrics`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      await none.arrayBuffer();
      const wrong = await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401);
      await wrong.arrayBuffer();
      const apiKey = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${memberKey}` } });
      assert.equal(apiKey.status, 401, 'an API key is not the metrics token');
      await apiKey.arrayBuffer();
      const ok = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /herald_queue_depth/);
    });

    test('two scrapes in a row cause at most one queue-stats query', async () => {
      const fresh = await startHerald('sqlite');
      try {
        const store = fresh.app.store;
        const original = store.queueStats.bind(store);
        let queries = 0;
        store.queueStats = (now: number) => {
          queries++;
          return original(now);
        };
        for (let i = 0; i < 2; i++) {
          const res = await fetch(`${fresh.url}/metrics`);
          assert.equal(res.status, 200);
          assert.match(await res.text(), /herald_queue_depth \d+/);
        }
        assert.ok(queries <= 1, `${queries} queue-stats queries for two scrapes`);
      } finally {
        await fresh.stop();
      }
    });
  });

  describe('Host against HERALD_PUBLIC_URL', () => {
    let pinned: TestHerald;
    let port: number;
    before(async () => {
      port = await freePort();
      pinned = await startHerald('sqlite', {
        PORT: String(port),
        HERALD_PUBLIC_URL: `http://herald.test:${port}`,
      });
    });
    after(async () => pinned?.stop());

    test('a request for another host gets 421, for the API and the console alike', async () => {
      const api = await getWithHost(pinned.url, '/api/hooks', 'evil.example', {
        authorization: `Bearer ${pinned.adminKey}`,
      });
      assert.equal(api.status, 421);
      assert.equal(JSON.parse(api.body).error.code, 'MISDIRECTED_REQUEST');
      const page = await getWithHost(pinned.url, '/login', `evil.example:${port}`);
      assert.equal(page.status, 421);
      assert.match(page.body, /herald\.test/);
      assert.match(page.body, /<html/);
    });

    test('the public host and IP literals are served, and probes are answered on any host', async () => {
      const api = await getWithHost(pinned.url, '/api/hooks', `herald.test:${port}`, {
        authorization: `Bearer ${pinned.adminKey}`,
      });
      assert.equal(api.status, 200);
      assert.equal((await getWithHost(pinned.url, '/login', `HERALD.test:${port}`)).status, 200);
      assert.equal((await getWithHost(pinned.url, '/healthz', 'pod-7.internal:8080')).status, 200);
      // An IP literal cannot be rebound (the attack needs a name), so direct access keeps working.
      const direct = await getWithHost(pinned.url, '/api/hooks', `127.0.0.1:${port}`, {
        authorization: `Bearer ${pinned.adminKey}`,
      });
      assert.equal(direct.status, 200);
      assert.equal((await getWithHost(pinned.url, '/login', `[::1]:${port}`)).status, 200);
    });
  });
});
