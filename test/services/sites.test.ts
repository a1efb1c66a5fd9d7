import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Project } from '../../src/domain/builds.ts';
import { HeraldError } from '../../src/domain/errors.ts';
import { isId } from '../../src/domain/ids.ts';
import { announcedKeys, serviceFixture, type ServiceFixture } from './builds-fixture.ts';

describe('SiteService', () => {
  let f: ServiceFixture;
  let project: Project;
  beforeEach(async () => {
    f = await serviceFixture();
    project = await f.services.projects.create(f.tenantId, { name: 'P' });
    f.announced.length = 0;
  });
  afterEach(() => f.close());

  test("a new site gets a 12-character siteKey and is announced as site.created with the seed's site object", async () => {
    const site = await f.services.sites.create(f.tenantId, {
      projectID: project.projectID,
      name: ' My Example Site ',
      siteUrl: 'http://www.example.com',
    });
    assert.ok(isId('site', site.id));
    assert.match(site.siteKey, /^[A-Za-z0-9]{12}$/);
    assert.equal(site.name, 'My Example Site');
    assert.deepEqual(f.announced, [
      {
        tenantId: f.tenantId,
        event: 'site.created',
        data: {
          object: 'site',
          name: 'My Example Site',
          siteKey: site.siteKey,
          projectID: project.projectID,
          siteUrl: 'http://www.example.com',
        },
      },
    ]);
    assert.deepEqual(Object.keys(f.announced[0]!.data), [
      'object',
      'name',
      'siteKey',
      'projectID',
      'siteUrl',
    ]);
  });

  test('a site in a project that does not exist is refused naming /projectID, and nothing is stored', async () => {
    await assert.rejects(
      f.services.sites.create(f.tenantId, { projectID: 'nope', name: 'S', siteUrl: 'http://s.example' }),
      (err: HeraldError) =>
        err.code === 'PROJECT_NOT_FOUND' &&
        JSON.stringify(err.details) === '[{"path":"/projectID","message":"no such project"}]',
    );
    assert.deepEqual(await f.services.sites.list(f.tenantId, { limit: 10 }), []);
    assert.deepEqual(f.announced, []);
  });

  test('a blank name or a site URL that is not absolute http(s) is refused and nothing is stored', async () => {
    const base = { projectID: project.projectID, name: 'S', siteUrl: 'http://s.example' };
    await assert.rejects(
      f.services.sites.create(f.tenantId, { ...base, name: ' ' }),
      (err: HeraldError) => err.code === 'VALIDATION_FAILED',
    );
    await assert.rejects(
      f.services.sites.create(f.tenantId, { ...base, siteUrl: 'www.example.com' }),
      (err: HeraldError) =>
        err.code === 'INVALID_URL' && err.message === 'siteUrl must be an absolute http(s) URL',
    );
    assert.deepEqual(await f.services.sites.list(f.tenantId, { limit: 10 }), []);
    assert.deepEqual(f.announced, []);
  });

  test('moving a site to another project is announced as site.updated; to a missing project it is refused', async () => {
    const other = await f.services.projects.create(f.tenantId, { name: 'Other' });
    const site = await f.services.sites.create(f.tenantId, {
      projectID: project.projectID,
      name: 'S',
      siteUrl: 'http://s.example',
    });
    f.announced.length = 0;
    const moved = await f.services.sites.update(f.tenantId, site.siteKey, { projectID: other.projectID });
    assert.equal(moved.projectID, other.projectID);
    assert.deepEqual(announcedKeys(f), [`site.updated ${site.siteKey}`]);
    assert.equal(f.announced[0]!.data['projectID'], other.projectID);

    await assert.rejects(
      f.services.sites.update(f.tenantId, site.siteKey, { projectID: 'gone' }),
      (err: HeraldError) => err.code === 'PROJECT_NOT_FOUND',
    );
    assert.equal((await f.services.sites.get(f.tenantId, site.siteKey)).projectID, other.projectID);
  });

  test('deleting a site announces site.deleted; deleting it again is SITE_NOT_FOUND and announces nothing', async () => {
    const site = await f.services.sites.create(f.tenantId, {
      projectID: project.projectID,
      name: 'S',
      siteUrl: 'http://s.example',
    });
    f.announced.length = 0;
    await f.services.sites.delete(f.tenantId, site.siteKey);
    assert.deepEqual(announcedKeys(f), [`site.deleted ${site.siteKey}`]);
    await assert.rejects(
      f.services.sites.delete(f.tenantId, site.siteKey),
      (err: HeraldError) => err.code === 'SITE_NOT_FOUND',
    );
    assert.equal(f.announced.length, 1);
  });

  test("another tenant's site is not found", async () => {
    const site = await f.services.sites.create(f.tenantId, {
      projectID: project.projectID,
      name: 'S',
      siteUrl: 'http://s.example',
    });
    await assert.rejects(
      f.services.sites.get('ten_other', site.siteKey),
      (err: HeraldError) => err.code === 'SITE_NOT_FOUND',
    );
  });
});
