/**
 * The crawl and sign-in fields of a site monitor over HTTP: defaults, validation with the field's
 * path, a login trace of the same project whose placeholders are all defined, and login
 * parameters that are stored but never shown again (not in reads, lists or events).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';

const SECRET = 'correct-horse-battery-staple';

describe('site monitor crawl and sign-in fields over HTTP', () => {
  let h: TestHerald;
  let projectID = '';
  let otherProjectID = '';
  let traceId = '';
  let otherTraceId = '';
  const trace = async (project: string) => {
    const res = await h.api('POST', `/api/projects/${project}/traces`, {
      name: 'Sign in',
      steps: [
        { action: 'open', url: '/login' },
        { action: 'type', selector: '#user', text: '${username}' },
        { action: 'type', selector: '#password', text: '${password}' },
        { action: 'click', selector: '#submit' },
      ],
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  before(async () => {
    h = await startHerald('sqlite');
    projectID = (await h.api('POST', '/api/projects', { name: 'P' })).body.projectID;
    otherProjectID = (await h.api('POST', '/api/projects', { name: 'Q' })).body.projectID;
    traceId = await trace(projectID);
    otherTraceId = await trace(otherProjectID);
  });
  after(() => h?.stop());

  const site = (extra: object) =>
    h.api('POST', '/api/sites', { name: 'S', projectID, siteUrl: 'http://127.0.0.1:9/', ...extra });

  test('crawl is null by default; {} takes the defaults; settings round-trip and can be removed', async () => {
    const plain = await site({});
    assert.deepEqual(
      [plain.body.crawl, plain.body.loginTraceId, plain.body.loginParameterNames],
      [null, null, []],
    );
    const crawled = await site({ crawl: {} });
    assert.deepEqual(crawled.body.crawl, { maxPages: 50, maxDepth: 3 });
    const key = crawled.body.siteKey as string;
    const crawl = { maxPages: 500, maxDepth: 0, include: ['/docs/'], exclude: ['/docs/old/'] };
    const changed = await h.api('PATCH', `/api/sites/${key}`, { crawl });
    assert.deepEqual(changed.body.crawl, crawl);
    assert.deepEqual((await h.api('GET', `/api/sites/${key}`)).body.crawl, crawl);
    assert.equal((await h.api('PATCH', `/api/sites/${key}`, { crawl: null })).body.crawl, null);
  });

  const refusals: Array<[string, object, string]> = [
    ['maxPages above 500', { crawl: { maxPages: 501 } }, '/crawl/maxPages'],
    ['maxPages of 0', { crawl: { maxPages: 0 } }, '/crawl/maxPages'],
    ['maxDepth above 10', { crawl: { maxDepth: 11 } }, '/crawl/maxDepth'],
    ['a prefix that is not a path', { crawl: { exclude: ['docs'] } }, '/crawl/exclude/0'],
    ['an unknown crawl field', { crawl: { depth: 1 } }, '/crawl'],
    ['a login trace of another project', { loginTraceId: 'OTHER' }, '/loginTraceId'],
    ['a login trace that does not exist', { loginTraceId: 'trc_nope' }, '/loginTraceId'],
    [
      'a placeholder without its parameter',
      { loginTraceId: 'MINE', loginParameters: { username: 'a' } },
      '/loginParameters/password',
    ],
    [
      'a parameter named unlike a placeholder',
      { loginParameters: { 'no spaces': 'x' } },
      '/loginParameters/no spaces',
    ],
  ];
  for (const [name, body, path] of refusals)
    test(`refuses ${name} with the field's path, and changes nothing`, async () => {
      const real = JSON.parse(
        JSON.stringify(body)
          .replace('"OTHER"', JSON.stringify(otherTraceId))
          .replace('"MINE"', JSON.stringify(traceId)),
      ) as object;
      const created = await site(real);
      assert.equal(created.status, 400, created.text);
      assert.equal(created.body.error.code, 'VALIDATION_FAILED');
      const paths = (created.body.error.details as Array<{ path: string }>).map((d) => d.path);
      assert.ok(paths.includes(path), `${JSON.stringify(paths)} lacks ${path}`);
      const existing = await site({ crawl: { maxPages: 7 } });
      const before = await h.api('GET', `/api/sites/${existing.body.siteKey}`);
      const patched = await h.api('PATCH', `/api/sites/${existing.body.siteKey}`, {
        ...real,
        name: 'Renamed',
      });
      assert.equal(patched.status, 400);
      assert.deepEqual((await h.api('GET', `/api/sites/${existing.body.siteKey}`)).body, before.body);
    });

  test('login parameters are stored, never shown again, and replaced or removed whole', async () => {
    const created = await site({
      loginTraceId: traceId,
      loginParameters: { username: 'alice', password: SECRET },
    });
    assert.equal(created.status, 201, created.text);
    const key = created.body.siteKey as string;
    assert.deepEqual(
      [created.body.loginTraceId, created.body.loginParameterNames],
      [traceId, ['username', 'password']],
    );
    const texts = [
      created.text,
      (await h.api('GET', `/api/sites/${key}`)).text,
      (await h.api('GET', '/api/sites?limit=100')).text,
      (await h.api('GET', '/api/events?limit=100')).text,
    ];
    for (const t of texts)
      assert.ok(!t.includes(SECRET) && !t.includes('"loginParameters"'), t.slice(0, 200));
    // Stored as given, for the sign-in to use.
    const tenantId = (await h.app.store.listTenants())[0]!.id;
    const stored = await h.app.services.sites.get(tenantId, key);
    assert.deepEqual(stored.monitor.loginParameters, { username: 'alice', password: SECRET });

    const dropped = await h.api('PATCH', `/api/sites/${key}`, { loginTraceId: null, loginParameters: null });
    assert.deepEqual([dropped.body.loginTraceId, dropped.body.loginParameterNames], [null, []]);
  });
});
