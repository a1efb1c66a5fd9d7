import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';

/** The monitor fields through the Usetrace-compatible site routes. */
describe('site monitor fields over HTTP', () => {
  let h: TestHerald;
  let projectID = '';
  before(async () => {
    h = await startHerald('sqlite', { HERALD_MONITOR_MIN_INTERVAL_SEC: '60' });
    projectID = (await h.api('POST', '/api/projects', { name: 'P' })).body.projectID;
  });
  after(() => h?.stop());

  test('a site is created with a schedule and shown with its monitor fields and the next run', async () => {
    const res = await h.api('POST', '/api/sites', {
      name: 'S',
      projectID,
      siteUrl: 'http://127.0.0.1:9/',
      intervalSec: 3600,
      paths: ['/a'],
      level: 'AA',
      certainty: 50,
      priority: 25,
      paused: true,
    });
    assert.equal(res.status, 201, res.text);
    const want = { intervalSec: 3600, paths: ['/a'], level: 'AA', certainty: 50, priority: 25, paused: true };
    for (const [k, v] of Object.entries(want)) assert.deepEqual(res.body[k], v, k);
    const plain = await h.api('POST', '/api/sites', { name: 'T', projectID, siteUrl: 'http://127.0.0.1:9/' });
    assert.equal(plain.body.intervalSec, null);
    assert.equal(plain.body.paused, false);
    const read = await h.api('GET', `/api/sites/${res.body.siteKey}`);
    assert.deepEqual(read.body.paths, ['/a']);
    const resumed = await h.api('PATCH', `/api/sites/${res.body.siteKey}`, { paused: false });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.paused, false);
    assert.equal(resumed.body.name, 'S');
  });

  test('bad monitor values are a 400 naming the field, and nothing is stored', async () => {
    const before = (await h.api('GET', '/api/sites')).body.data.length;
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ intervalSec: 30 }, 'VALIDATION_FAILED', '/intervalSec'],
      [{ paths: ['nope'] }, 'VALIDATION_FAILED', '/paths/0'],
      [{ level: 'B' }, 'VALIDATION_FAILED', '/level'],
      [{ certainty: 300 }, 'VALIDATION_FAILED', '/certainty'],
      [{ intervalSec: 'often' }, 'VALIDATION_FAILED', ''],
      [{ schedule: 'hourly' }, 'VALIDATION_FAILED', ''],
    ];
    for (const [extra, code, path] of cases) {
      const res = await h.api('POST', '/api/sites', {
        name: 'x',
        projectID,
        siteUrl: 'http://x.test/',
        ...extra,
      });
      assert.equal(res.status, 400, JSON.stringify(extra));
      assert.equal(res.body.error.code, code, res.text);
      if (path) assert.equal(res.body.error.details[0].path, path, res.text);
    }
    assert.equal((await h.api('GET', '/api/sites')).body.data.length, before);
  });
});
