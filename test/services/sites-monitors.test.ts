import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Project } from '../../src/domain/builds.ts';
import { DEFAULT_MONITOR } from '../../src/domain/monitors.ts';
import type { HeraldError } from '../../src/domain/errors.ts';
import { serviceFixture, type ServiceFixture } from './builds-fixture.ts';

const SEED_SITE_KEYS = ['object', 'name', 'siteKey', 'projectID', 'siteUrl'];

describe('SiteService: monitor settings', () => {
  let f: ServiceFixture;
  let project: Project;
  beforeEach(async () => {
    f = await serviceFixture({ HERALD_MONITOR_MIN_INTERVAL_SEC: '60' });
    project = await f.services.projects.create(f.tenantId, { name: 'P' });
    f.announced.length = 0;
  });
  afterEach(() => f.close());

  const base = () => ({ projectID: project.projectID, name: 'S', siteUrl: 'http://s.example/' });

  test('a site without monitor fields is unscheduled; one with them keeps them, and events keep the seed fields', async () => {
    const plain = await f.services.sites.create(f.tenantId, base());
    assert.deepEqual(plain.monitor, DEFAULT_MONITOR);
    const s = await f.services.sites.create(f.tenantId, {
      ...base(),
      intervalSec: 3600,
      paths: [' /a ', '/b', '/a'],
      level: 'AA',
      certainty: 60,
      priority: 10,
    });
    const want = {
      intervalSec: 3600,
      paths: ['/a', '/b'],
      level: 'AA',
      certainty: 60,
      priority: 10,
      paused: false,
      crawl: null,
      loginTraceId: null,
      loginParameters: {},
    };
    assert.deepEqual(s.monitor, want);
    assert.deepEqual((await f.services.sites.get(f.tenantId, s.siteKey)).monitor, want);
    assert.deepEqual(
      (await f.services.sites.list(f.tenantId, { limit: 10 })).map((x) => x.monitor),
      [want, DEFAULT_MONITOR],
    );
    for (const a of f.announced) assert.deepEqual(Object.keys(a.data), SEED_SITE_KEYS);
  });

  test('pausing and resuming are site.updated events with the seed data, and only change paused', async () => {
    const s = await f.services.sites.create(f.tenantId, { ...base(), intervalSec: 300, paths: ['/x'] });
    f.announced.length = 0;
    const paused = await f.services.sites.pause(f.tenantId, s.siteKey);
    assert.deepEqual(paused.monitor, { ...s.monitor, paused: true });
    const resumed = await f.services.sites.resume(f.tenantId, s.siteKey);
    assert.deepEqual(resumed.monitor, s.monitor);
    assert.deepEqual(
      f.announced.map((a) => [a.event, Object.keys(a.data)]),
      [
        ['site.updated', SEED_SITE_KEYS],
        ['site.updated', SEED_SITE_KEYS],
      ],
    );
  });

  test('bad monitor values are refused with a 400 naming the field, and nothing is stored or announced', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ intervalSec: 59 }, '/intervalSec'],
      [{ intervalSec: 1.5 }, '/intervalSec'],
      [{ intervalSec: 8 * 86_400 }, '/intervalSec'],
      [{ paths: ['relative'] }, '/paths/0'],
      [{ paths: ['/ok', '//evil.example/'] }, '/paths/1'],
      [{ paths: Array.from({ length: 21 }, (_, i) => `/${i}`) }, '/paths'],
      [{ level: 'AAAA' }, '/level'],
      [{ certainty: 101 }, '/certainty'],
      [{ priority: -1 }, '/priority'],
    ];
    for (const [input, path] of cases) {
      await assert.rejects(
        f.services.sites.create(f.tenantId, { ...base(), ...input }),
        (err: HeraldError) =>
          err.code === 'VALIDATION_FAILED' && (err.details as Array<{ path: string }>)[0]?.path === path,
        JSON.stringify(input),
      );
    }
    assert.deepEqual(await f.services.sites.list(f.tenantId, { limit: 10 }), []);
    const s = await f.services.sites.create(f.tenantId, base());
    f.announced.length = 0;
    await assert.rejects(f.services.sites.update(f.tenantId, s.siteKey, { name: 'New', level: 'B' }));
    assert.equal((await f.services.sites.get(f.tenantId, s.siteKey)).name, 'S');
    assert.deepEqual(f.announced, []);
  });

  test('the overview: no runs until the test-run store is wired, and the next run of an unclaimed slot is now', async () => {
    const s = await f.services.sites.create(f.tenantId, { ...base(), intervalSec: 3600 });
    const o = await f.services.sites.overview(f.tenantId, s.siteKey, 5000);
    assert.deepEqual([o.slots, o.runs, o.nextRunAt], [[], [], 5000]);
    const paused = await f.services.sites.pause(f.tenantId, s.siteKey);
    assert.equal((await f.services.sites.overview(f.tenantId, paused.siteKey)).nextRunAt, null);
  });
});
