import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import { isId } from '../../src/domain/ids.ts';
import { SEED_UA_STRING } from '../../src/services/projects.ts';
import { announcedKeys, serviceFixture, type ServiceFixture } from './builds-fixture.ts';

/** The seed's project object, key for key, in the seed's order. */
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

describe('ProjectService', () => {
  let f: ServiceFixture;
  beforeEach(async () => {
    f = await serviceFixture();
  });
  afterEach(() => f.close());

  test("a new project has the seed's defaults and is announced as project.created with the seed's object", async () => {
    const p = await f.services.projects.create(f.tenantId, { name: '  Awesome Project ' });
    assert.ok(isId('project', p.id));
    assert.match(p.projectID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(p.name, 'Awesome Project');
    assert.deepEqual(
      {
        description: p.description,
        apiDefaultCertainty: p.apiDefaultCertainty,
        apiDefaultLevel: p.apiDefaultLevel,
        apiDefaultPriority: p.apiDefaultPriority,
        apiDefaultStore: p.apiDefaultStore,
        apiDefaultUAString: p.apiDefaultUAString,
        apiDefaultViewportHeight: p.apiDefaultViewportHeight,
        apiDefaultViewportWidth: p.apiDefaultViewportWidth,
        baseUrl: p.baseUrl,
      },
      {
        description: '',
        apiDefaultCertainty: 0,
        apiDefaultLevel: 'AAA',
        apiDefaultPriority: 0,
        apiDefaultStore: 1,
        apiDefaultUAString: SEED_UA_STRING,
        apiDefaultViewportHeight: 768,
        apiDefaultViewportWidth: 1024,
        baseUrl: null,
      },
    );
    assert.deepEqual(await f.services.projects.get(f.tenantId, p.projectID), p);
    assert.equal(f.announced.length, 1);
    assert.equal(f.announced[0]!.event, 'project.created');
    assert.deepEqual(Object.keys(f.announced[0]!.data), SEED_PROJECT_KEYS);
    assert.equal(f.announced[0]!.data['object'], 'project');
    // The publisher committed it: a hook subscribing later can be replayed it.
    const events = await f.deps.store.listEvents(f.tenantId, { limit: 10 });
    assert.deepEqual(
      events.map((e) => e.type),
      ['project.created'],
    );
  });

  test('a project with a base URL announces it after the seed fields', async () => {
    await f.services.projects.create(f.tenantId, { name: 'Staging', baseUrl: 'https://staging.example.com' });
    assert.deepEqual(Object.keys(f.announced[0]!.data), [...SEED_PROJECT_KEYS, 'baseUrl']);
  });

  test('the first project becomes the default and a new default clears the old one (announced as project.updated)', async () => {
    const first = await f.services.projects.create(f.tenantId, { name: 'First' });
    const second = await f.services.projects.create(f.tenantId, { name: 'Second' });
    assert.equal(first.defaultItem, 1);
    assert.equal(second.defaultItem, 0, 'only the first is the default by itself');
    f.announced.length = 0;

    const third = await f.services.projects.create(f.tenantId, { name: 'Third', defaultItem: 1 });
    assert.deepEqual(announcedKeys(f), [
      `project.updated ${first.projectID}`,
      `project.created ${third.projectID}`,
    ]);
    assert.equal(f.announced[0]!.data['defaultItem'], 0);
    assert.equal((await f.services.projects.get(f.tenantId, first.projectID)).defaultItem, 0);

    f.announced.length = 0;
    await f.services.projects.update(f.tenantId, second.projectID, { defaultItem: 1 });
    assert.deepEqual(announcedKeys(f), [
      `project.updated ${third.projectID}`,
      `project.updated ${second.projectID}`,
    ]);
  });

  test('a blank name or a base URL that is not absolute http(s) is refused and nothing is stored', async () => {
    await assert.rejects(
      f.services.projects.create(f.tenantId, { name: '   ' }),
      (err: HeraldError) => err.code === 'VALIDATION_FAILED' && err.message === 'name must not be blank',
    );
    await assert.rejects(
      f.services.projects.create(f.tenantId, { name: 'X', baseUrl: 'ftp://example.com' }),
      (err: HeraldError) =>
        err.code === 'INVALID_URL' &&
        JSON.stringify(err.details) === '[{"path":"/baseUrl","message":"must be an absolute http(s) URL"}]',
    );
    assert.deepEqual(await f.services.projects.list(f.tenantId, { limit: 10 }), []);
    assert.deepEqual(f.announced, []);
  });

  test('a change sets lastmod, keeps what it does not name, and is announced as project.updated', async () => {
    const p = await f.services.projects.create(f.tenantId, { name: 'Before', description: 'kept' });
    f.announced.length = 0;
    const changed = await f.services.projects.update(f.tenantId, p.projectID, {
      name: 'After',
      baseUrl: null,
    });
    assert.equal(changed.name, 'After');
    assert.equal(changed.description, 'kept');
    assert.ok(changed.lastmod >= p.lastmod);
    assert.deepEqual(announcedKeys(f), [`project.updated ${p.projectID}`]);
    assert.equal(f.announced[0]!.data['name'], 'After');
  });

  test('reading, changing or deleting a project of another tenant is PROJECT_NOT_FOUND', async () => {
    const p = await f.services.projects.create(f.tenantId, { name: 'Mine' });
    const other = 'ten_other';
    for (const attempt of [
      f.services.projects.get(other, p.projectID),
      f.services.projects.update(other, p.projectID, { name: 'Theirs' }),
      f.services.projects.delete(other, p.projectID),
    ])
      await assert.rejects(attempt, (err: HeraldError) => err.code === 'PROJECT_NOT_FOUND');
    assert.equal((await f.services.projects.get(f.tenantId, p.projectID)).name, 'Mine');
  });

  test("deleting a project announces its sites' site.deleted then project.deleted", async () => {
    const p = await f.services.projects.create(f.tenantId, { name: 'Doomed' });
    const a = await f.services.sites.create(f.tenantId, {
      projectID: p.projectID,
      name: 'A',
      siteUrl: 'http://a.example',
    });
    const b = await f.services.sites.create(f.tenantId, {
      projectID: p.projectID,
      name: 'B',
      siteUrl: 'http://b.example',
    });
    await f.services.traces.create(f.tenantId, p.projectID, {
      name: 'T',
      steps: [{ action: 'open', url: '/' }],
    });
    f.announced.length = 0;

    const deleted = await f.services.projects.delete(f.tenantId, p.projectID);
    assert.deepEqual(deleted.sites.map((s) => s.siteKey).sort(), [a.siteKey, b.siteKey].sort());
    const keys = announcedKeys(f);
    assert.deepEqual(
      keys.slice(0, 2).sort(),
      [`site.deleted ${a.siteKey}`, `site.deleted ${b.siteKey}`].sort(),
    );
    assert.deepEqual(keys.slice(2), [`project.deleted ${p.projectID}`]);
    assert.equal(await f.services.projects.find(f.tenantId, p.projectID), null);
    assert.deepEqual(await f.services.sites.list(f.tenantId, { limit: 10 }), []);
    assert.deepEqual(await f.services.traces.listAll(f.tenantId, p.projectID), []);
  });

  test('a change whose announcement fails is still made, and the failure is logged', async () => {
    f.failPublish = true;
    const p = await f.services.projects.create(f.tenantId, { name: 'Saved anyway' });
    assert.equal((await f.services.projects.get(f.tenantId, p.projectID)).name, 'Saved anyway');
    assert.equal(f.announced.length, 1, 'it was attempted');
    assert.ok(f.logged.some((l) => l.msg === 'announcing a change failed'));
  });
});
