/**
 * The build system's API on both backends, without real browsers (their paths point nowhere,
 * so test cases fail at once with a clear error): resources and the events they announce,
 * every refusal of the build API, and build.finished reaching subscription hooks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type Backend, type TestHerald } from '../helpers/herald.ts';
import { requirePostgres } from '../helpers/pg.ts';
import { Receiver, type Received } from '../helpers/receiver.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';
import { createProject, createTrace, FAILING, startBuild, waitFinished } from './helpers/builds.ts';

const SEED_PROJECT_KEYS = [
  'object',
  'projectID',
  'name',
  'description',
  'dateAdded',
  'lastmod',
  'defaultItem',
  'apiDefaultCertainty',
  'apiDefaultLevel',
  'apiDefaultPriority',
  'apiDefaultStore',
  'apiDefaultUAString',
  'apiDefaultViewportHeight',
  'apiDefaultViewportWidth',
];
const SEED_SITE_KEYS = ['object', 'name', 'siteKey', 'projectID', 'siteUrl'];
const SEED_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.111 Safari/537.36';

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`build system API on ${backend}`, () => {
    let h: TestHerald;
    let rx: Receiver;

    before(async () => {
      if (backend === 'postgres') await requirePostgres();
      rx = await Receiver.start();
      h = await startHerald(backend, {
        // Not a browser: it exits at once, so launching fails (rather than finding nothing).
        HERALD_CHROMIUM_PATH: '/bin/false',
        HERALD_FIREFOX_PATH: '/nonexistent/firefox-esr',
        HERALD_PUBLIC_URL: 'https://herald.example.test',
      });
      const hook = await h.api('POST', '/api/hooks', {
        name: 'everything',
        url: `${rx.url}/hooks`,
        objects: ['project', 'site', 'build'],
      });
      assert.equal(hook.status, 201, hook.text);
    });
    after(async () => {
      await h?.stop();
      await rx?.close();
    });

    /** The next hook payload of this event type about this id, validated against schemas/webhook.json. */
    const eventFor = async (event: string, match: (data: Record<string, unknown>) => boolean) => {
      const pred = (r: Received) => {
        const body = JSON.parse(r.body);
        return r.path === '/hooks' && body.event === event && match(body.data);
      };
      const [got] = await rx.waitFor(1, pred);
      assertValidWebhook(got!.body);
      return JSON.parse(got!.body) as {
        eventID: string;
        event: string;
        dateAdded: number;
        data: Record<string, unknown>;
      };
    };

    test('a project is created with the seed defaults and announced as the seed object', async () => {
      const res = await h.api('POST', '/api/projects', { name: 'Awesome Project' });
      assert.equal(res.status, 201, res.text);
      const p = res.body;
      assert.match(p.projectID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual(
        { ...p, dateAdded: 0, lastmod: 0 },
        {
          projectID: p.projectID,
          name: 'Awesome Project',
          description: '',
          dateAdded: 0,
          lastmod: 0,
          defaultItem: 1,
          apiDefaultCertainty: 0,
          apiDefaultLevel: 'AAA',
          apiDefaultPriority: 0,
          apiDefaultStore: 1,
          apiDefaultUAString: SEED_UA,
          apiDefaultViewportHeight: 768,
          apiDefaultViewportWidth: 1024,
          baseUrl: null,
        },
      );
      const event = await eventFor('project.created', (d) => d.projectID === p.projectID);
      assert.deepEqual(Object.keys(event.data), SEED_PROJECT_KEYS);
      const { baseUrl: _none, ...seedFields } = p;
      assert.deepEqual(event.data, { object: 'project', ...seedFields });
      assert.deepEqual((await h.api('GET', `/api/projects/${p.projectID}`)).body, p);
    });

    test('the default flag moves between projects and both changes are announced', async () => {
      const first = (await h.api('GET', '/api/projects')).body.data.find(
        (p: { defaultItem: number }) => p.defaultItem === 1,
      );
      const second = await h.api('POST', '/api/projects', {
        name: 'Second',
        baseUrl: 'https://www.example.com/',
      });
      assert.equal(second.body.defaultItem, 0);
      const created = await eventFor('project.created', (d) => d.projectID === second.body.projectID);
      assert.equal(created.data.baseUrl, 'https://www.example.com/');
      const patched = await h.api('PATCH', `/api/projects/${second.body.projectID}`, {
        defaultItem: 1,
        description: 'now the default',
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.defaultItem, 1);
      assert.ok(patched.body.lastmod >= patched.body.dateAdded);
      await eventFor('project.updated', (d) => d.projectID === second.body.projectID && d.defaultItem === 1);
      await eventFor('project.updated', (d) => d.projectID === first.projectID && d.defaultItem === 0);
      assert.equal((await h.api('GET', `/api/projects/${first.projectID}`)).body.defaultItem, 0);
    });

    test('projects refuse bad input and unknown ids', async () => {
      const cases: Array<[string, string, unknown, number, string]> = [
        ['POST', '/api/projects', {}, 400, 'VALIDATION_FAILED'],
        ['POST', '/api/projects', { name: '  ' }, 400, 'VALIDATION_FAILED'],
        ['POST', '/api/projects', { name: 'x', apiDefaultLevel: 'B' }, 400, 'VALIDATION_FAILED'],
        ['POST', '/api/projects', { name: 'x', apiDefaultCertainty: 101 }, 400, 'VALIDATION_FAILED'],
        ['POST', '/api/projects', { name: 'x', baseUrl: 'ftp://x.example/' }, 400, 'INVALID_URL'],
        ['POST', '/api/projects', { name: 'x', color: 'red' }, 400, 'VALIDATION_FAILED'],
        ['GET', '/api/projects/0b8e2f6a-0000-4000-8000-000000000000', undefined, 404, 'PROJECT_NOT_FOUND'],
        [
          'PATCH',
          '/api/projects/0b8e2f6a-0000-4000-8000-000000000000',
          { name: 'x' },
          404,
          'PROJECT_NOT_FOUND',
        ],
        ['DELETE', '/api/projects/0b8e2f6a-0000-4000-8000-000000000000', undefined, 404, 'PROJECT_NOT_FOUND'],
        ['GET', '/api/projects?cursor=nope', undefined, 400, 'INVALID_CURSOR'],
      ];
      for (const [method, path, body, status, code] of cases) {
        const res = await h.api(method, path, body);
        assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.body.error.code, code);
      }
      assert.equal((await h.api('GET', '/api/projects', undefined, { key: null })).status, 401);
    });

    test('site monitors are created, changed and deleted, each announced with the seed data', async () => {
      const project = await createProject(h, {});
      const res = await h.api('POST', '/api/sites', {
        name: 'My Example Site',
        projectID: project.projectID,
        siteUrl: 'http://www.example.com',
      });
      assert.equal(res.status, 201, res.text);
      const site = res.body;
      assert.match(site.siteKey, /^[0-9A-Za-z]{12}$/);
      const created = await eventFor('site.created', (d) => d.siteKey === site.siteKey);
      assert.deepEqual(Object.keys(created.data), SEED_SITE_KEYS);
      assert.deepEqual(created.data, {
        object: 'site',
        name: 'My Example Site',
        siteKey: site.siteKey,
        projectID: project.projectID,
        siteUrl: 'http://www.example.com',
      });
      const patched = await h.api('PATCH', `/api/sites/${site.siteKey}`, {
        siteUrl: 'https://www.example.com/new',
      });
      assert.equal(patched.body.siteUrl, 'https://www.example.com/new');
      await eventFor(
        'site.updated',
        (d) => d.siteKey === site.siteKey && d.siteUrl === 'https://www.example.com/new',
      );
      const listed = await h.api('GET', `/api/sites?projectID=${project.projectID}`);
      assert.deepEqual(
        listed.body.data.map((s: { siteKey: string }) => s.siteKey),
        [site.siteKey],
      );
      assert.equal((await h.api('DELETE', `/api/sites/${site.siteKey}`)).status, 204);
      await eventFor('site.deleted', (d) => d.siteKey === site.siteKey);
      assert.equal((await h.api('GET', `/api/sites/${site.siteKey}`)).body.error.code, 'SITE_NOT_FOUND');
      const unknown = await h.api('POST', '/api/sites', {
        name: 'x',
        projectID: 'nope',
        siteUrl: 'http://x.example',
      });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'PROJECT_NOT_FOUND');
      const badUrl = await h.api('POST', '/api/sites', {
        name: 'x',
        projectID: project.projectID,
        siteUrl: 'example',
      });
      assert.equal(badUrl.body.error.code, 'INVALID_URL');
    });

    test('deleting a project announces its sites as deleted, then the project', async () => {
      const project = await createProject(h, { name: 'Doomed' });
      const site = (
        await h.api('POST', '/api/sites', {
          name: 's',
          projectID: project.projectID,
          siteUrl: 'http://s.example',
        })
      ).body;
      const trace = await createTrace(h, project.projectID, FAILING);
      assert.equal((await h.api('DELETE', `/api/projects/${project.projectID}`)).status, 204);
      const siteDeleted = await eventFor('site.deleted', (d) => d.siteKey === site.siteKey);
      const projectDeleted = await eventFor('project.deleted', (d) => d.projectID === project.projectID);
      assert.ok(siteDeleted.dateAdded <= projectDeleted.dateAdded);
      assert.equal(projectDeleted.data.name, 'Doomed');
      assert.equal((await h.api('GET', `/api/traces/${trace.id}`)).status, 404);
    });

    test('traces are checked when saved: a bad step is refused with 400 naming it', async () => {
      const project = await createProject(h, {});
      const bad = await h.api('POST', `/api/projects/${project.projectID}/traces`, {
        name: 'broken',
        steps: [
          { action: 'open', url: '/' },
          { action: 'click', selector: '#a' },
          { action: 'clik', selector: '#b' },
        ],
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'INVALID_TRACE');
      assert.match(bad.body.error.message, /^step 3 \(clik "#b"\): unknown action "clik"/);
      assert.deepEqual(
        bad.body.error.details.map((d: { path: string }) => d.path),
        ['/steps/2/action'],
      );

      const trace = await createTrace(h, project.projectID, { ...FAILING, taggedBug: true });
      const read = await h.api('GET', `/api/traces/${trace.id}`);
      assert.deepEqual(read.body.steps, FAILING.steps);
      assert.equal(read.body.taggedBug, true);
      const patchBad = await h.api('PATCH', `/api/traces/${trace.id}`, { steps: [{ action: 'open' }] });
      assert.equal(patchBad.body.error.code, 'INVALID_TRACE');
      assert.match(patchBad.body.error.message, /^step 1 \(open\): url is required/);
      const patched = await h.api('PATCH', `/api/traces/${trace.id}`, { name: 'renamed', tags: ['x'] });
      assert.deepEqual(
        [patched.body.name, patched.body.tags, patched.body.steps],
        ['renamed', ['x'], FAILING.steps],
      );
      const listed = await h.api('GET', `/api/projects/${project.projectID}/traces`);
      assert.deepEqual(
        listed.body.data.map((t: { id: string }) => t.id),
        [trace.id],
      );
      assert.equal((await h.api('DELETE', `/api/traces/${trace.id}`)).status, 204);
      assert.equal((await h.api('DELETE', `/api/traces/${trace.id}`)).body.error.code, 'TRACE_NOT_FOUND');
      const schema = await fetch(`${h.url}/schemas/trace.json`);
      assert.match(schema.headers.get('content-type') ?? '', /^application\/schema\+json/);
      assert.equal(((await schema.json()) as { $id: string }).$id, 'https://herald.dev/schemas/trace.json');
    });

    test('a build request that cannot run is refused before anything is stored', async () => {
      const project = await createProject(h, { baseUrl: 'http://127.0.0.1:9/' });
      const bare = await createProject(h, { name: 'No base URL' });
      const trace = await createTrace(h, project.projectID, FAILING);
      const bareTrace = await createTrace(h, bare.projectID, FAILING);
      const chrome = [{ browserName: 'chrome' }];
      const hook = (over: object) => ({ webhook: { url: `${rx.url}/r`, when: 'always', ...over } });
      const before = (await h.api('GET', '/api/builds?limit=100')).body.data.length;
      const cases: Array<[string, string, unknown, number, string]> = [
        [
          'unknown trace',
          '/api/trace/trc_nope/execute',
          { requiredCapabilities: chrome },
          404,
          'TRACE_NOT_FOUND',
        ],
        [
          'unknown project',
          '/api/project/nope/execute-all',
          { requiredCapabilities: chrome },
          404,
          'PROJECT_NOT_FOUND',
        ],
        [
          'unknown project (alias)',
          '/api/project/nope/execute_all',
          { requiredCapabilities: chrome },
          404,
          'PROJECT_NOT_FOUND',
        ],
        ['no capabilities', `/api/trace/${trace.id}/execute`, {}, 400, 'VALIDATION_FAILED'],
        [
          'empty capabilities',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: [] },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'an unknown browser',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: [{ browserName: 'safari' }] },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a reporter without url',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: chrome, reporters: [{ webhook: { when: 'always' } }] },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a reporter with a bad url',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: chrome, reporters: [hook({ url: 'nope' })] },
          400,
          'INVALID_URL',
        ],
        [
          'a reporter on a blocked network',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: chrome, reporters: [hook({ url: 'http://10.1.2.3/' })] },
          400,
          'TARGET_BLOCKED',
        ],
        [
          'a reporter without when',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: chrome, reporters: [{ webhook: { url: `${rx.url}/r` } }] },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a reporter with a bad when',
          `/api/project/${project.projectID}/execute-all`,
          { requiredCapabilities: chrome, reporters: { reporters: [hook({ when: 'never' })] } },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a reporter with only a username',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: chrome, reporters: [hook({ username: 'ci' })] },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a reporter with only a password',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: chrome, reporters: [hook({ password: 'pw' })] },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'no baseUrl anywhere',
          `/api/trace/${bareTrace.id}/execute`,
          { requiredCapabilities: chrome },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a blocked baseUrl',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: chrome, baseUrl: 'http://192.168.1.1/' },
          400,
          'TARGET_BLOCKED',
        ],
        [
          'tags that select nothing',
          `/api/project/${project.projectID}/execute-all`,
          { requiredCapabilities: chrome, tags: ['nothing'] },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'an unknown field',
          `/api/trace/${trace.id}/execute`,
          { requiredCapabilities: chrome, browsers: ['chrome'] },
          400,
          'VALIDATION_FAILED',
        ],
      ];
      for (const [what, path, body, status, code] of cases) {
        const res = await h.api('POST', path, body);
        assert.equal(res.status, status, `${what}: ${res.text}`);
        assert.equal(res.body.error.code, code, what);
      }
      const after = (await h.api('GET', '/api/builds?limit=100')).body.data.length;
      assert.equal(after, before, 'a refused request stored a build');
      for (const path of ['status', 'results/json', 'results/xunit', 'deliveries']) {
        const res = await h.api('GET', `/api/build/bld_01jzzzzzzzzzzzzzzzzzzzzzzz/${path}`);
        assert.equal(res.status, 404, path);
        assert.equal(res.body.error.code, 'BUILD_NOT_FOUND');
      }
      assert.equal((await fetch(`${h.url}/screenshots/${'x'.repeat(43)}.png`)).status, 404);
      assert.equal((await fetch(`${h.url}/screenshots/nope.png`)).status, 404);
    });

    test('a browser that is not installed or does not start fails its test cases with a clear error, and build.finished reaches hooks', async () => {
      const project = await createProject(h, { baseUrl: 'http://127.0.0.1:9/' });
      const trace = await createTrace(h, project.projectID, FAILING);
      const started = Date.now();
      const buildId = await startBuild(h, `/api/trace/${trace.id}/execute`, {
        requiredCapabilities: [{ browserName: 'chrome' }, { browserName: 'firefox' }],
        commit: 'abc123',
        commitLink: 'https://git.example/abc123',
      });
      const status = await waitFinished(h, buildId, 20_000);
      assert.ok(Date.now() - started < 20_000);
      assert.deepEqual(status, {
        id: buildId,
        status: 'FINISHED',
        summary: { request: 2, finish: 2, pass: 0, fail: 2 },
      });
      const results = (await h.api('GET', `/api/build/${buildId}/results/json`)).body;
      assert.deepEqual(
        results.testCase.map((t: { name: string; error: { type: string; message: string } }) => [
          t.name,
          t.error.type,
        ]),
        [
          ['chrome: Greeting says goodbye', 'error'],
          ['firefox: Greeting says goodbye', 'error'],
        ],
      );
      assert.match(
        results.testCase[0].error.message,
        /^Browser "chrome" \(\/bin\/false\) could not be started: /,
      );
      assert.match(
        results.testCase[1].error.message,
        /^Browser "firefox" is not installed .*HERALD_FIREFOX_PATH/,
      );
      assert.match(
        results.testCase[1].error.message,
        new RegExp(`\\n\\nDetails: https://herald.example.test/builds/${buildId}$`),
      );
      const finished = await eventFor('build.finished', (d) => d.buildId === buildId);
      const { buildId: _b, projectID, commit, commitLink, ...report } = finished.data;
      assert.deepEqual(report, results);
      assert.deepEqual(
        [projectID, commit, commitLink],
        [project.projectID, 'abc123', 'https://git.example/abc123'],
      );
      // No reporters were asked for: nothing to list.
      assert.deepEqual((await h.api('GET', `/api/build/${buildId}/deliveries`)).body, { data: [] });
      const detail = await h.api('GET', `/api/builds/${buildId}`);
      assert.equal(detail.body.runs.length, 2);
      assert.equal(detail.body.runs[0].status, 'failed');
    });
  });
}
