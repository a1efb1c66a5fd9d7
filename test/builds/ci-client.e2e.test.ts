/**
 * Plays a Usetrace CI client against Herald on PostgreSQL: POST execute-all with the API key in
 * `?key=` and Usetrace's reference request body, read the raw body as the BUILD_ID, poll the
 * status every second until FINISHED, then fetch results/json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { requirePostgres } from '../helpers/pg.ts';
import { createProject, createTrace, FAILING, PASSING, validateResults } from './helpers/builds.ts';
import { FixtureSite } from './helpers/fixture-site.ts';

const reference = JSON.parse(
  readFileSync(new URL('./fixtures/usetrace-execute-all-request.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

describe('a CI client', () => {
  let site: FixtureSite;
  let h: TestHerald;
  let projectID: string;
  let key: string;

  before(async () => {
    await requirePostgres();
    site = await FixtureSite.start();
    h = await startHerald('postgres', { HERALD_BUILD_STEP_TIMEOUT_MS: '1500' });
    projectID = (await createProject(h, {})).projectID;
    await createTrace(h, projectID, PASSING); // tagged smoke
    await createTrace(h, projectID, FAILING); // not smoke: not selected
    // A member key, as a CI system would be given.
    const created = await h.api('POST', '/api/keys', { name: 'ci', role: 'member' });
    assert.equal(created.status, 201, created.text);
    key = created.body.key;
  });
  after(async () => {
    await h?.stop();
    await site?.close();
  });

  test('POST execute-all?key=, raw BUILD_ID, status every second until FINISHED, then results/json', async () => {
    const body = { ...reference, baseUrl: site.url };
    const res = await fetch(`${h.url}/api/project/${projectID}/execute-all?key=${encodeURIComponent(key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const BUILD_ID = await res.text();
    assert.match(BUILD_ID, /^bld_[0-9a-z]{26}$/);

    const statusUrl = `${h.url}/api/build/${BUILD_ID}/status?key=${encodeURIComponent(key)}`;
    const seen: string[] = [];
    let status: { id: string; status: string; summary: Record<string, number> };
    for (let polls = 0; ; polls++) {
      assert.ok(polls < 90, 'the build did not finish within 90 polls');
      const s = await fetch(statusUrl);
      assert.equal(s.status, 200);
      status = (await s.json()) as typeof status;
      seen.push(status.status);
      if (status.status === 'FINISHED') break;
      assert.equal(status.status, 'RUNNING');
      await new Promise((r) => setTimeout(r, 1000)); // as a CI client polls: once a second
    }
    assert.equal(status.id, BUILD_ID);
    assert.deepEqual(status.summary, { request: 2, finish: 2, pass: 2, fail: 0 });
    assert.equal(seen[0], 'RUNNING');

    const results = await fetch(`${h.url}/api/build/${BUILD_ID}/results/json?key=${encodeURIComponent(key)}`);
    assert.equal(results.status, 200);
    assert.match(results.headers.get('content-type') ?? '', /^application\/json/);
    const report = (await results.json()) as {
      name: string;
      buildStable: boolean;
      testCase: Array<{ name: string; error: unknown }>;
    };
    validateResults(report);
    assert.equal(report.name, `Environment: ${site.url}`);
    assert.deepEqual(
      report.testCase.map((t: { name: string; error: unknown }) => [t.name, t.error]),
      [
        ['chrome: Log in', null],
        ['firefox: Log in', null],
      ],
    );
    assert.equal(report.buildStable, true);
    // The parameters of the reference request reached the steps (${username}, ${password}).
    assert.ok(site.paths.includes('/welcome'));
  });
});
