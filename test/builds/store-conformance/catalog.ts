import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ConformanceTarget } from './fixtures.ts';
import { makeProject, makeSite, makeTrace, seedTenant, storeTest, T0 } from './fixtures.ts';

export function projectTests(target: ConformanceTarget): void {
  describe('projects', () => {
    storeTest(target, 'a project round-trips and lists newest first, page by page', async ({ store }) => {
      const tenantId = await seedTenant(store);
      const a = makeProject(tenantId, { name: 'a', baseUrl: null });
      const b = makeProject(tenantId, { name: 'b' });
      const c = makeProject(tenantId, { name: 'c' });
      for (const p of [a, b, c]) await store.builds.createProject(p);
      assert.deepEqual(await store.builds.getProject(tenantId, a.projectID), a);
      assert.equal(await store.builds.hasProjects(tenantId), true);
      const first = await store.builds.listProjects(tenantId, { limit: 2 });
      assert.deepEqual(
        first.map((p) => p.name),
        ['c', 'b'],
      );
      const next = await store.builds.listProjects(tenantId, { limit: 2, after: first[1]!.id });
      assert.deepEqual(
        next.map((p) => p.name),
        ['a'],
      );
    });

    storeTest(target, "another tenant's projects are invisible", async ({ store }) => {
      const mine = await seedTenant(store, 'mine');
      const theirs = await seedTenant(store, 'theirs');
      const p = makeProject(theirs);
      await store.builds.createProject(p);
      assert.equal(await store.builds.getProject(mine, p.projectID), null);
      assert.equal(await store.builds.hasProjects(mine), false);
      assert.deepEqual(await store.builds.listProjects(mine, { limit: 10 }), []);
      assert.equal(await store.builds.updateProject(mine, p.projectID, { name: 'x' }, T0), null);
      assert.equal(await store.builds.deleteProject(mine, p.projectID), null);
      assert.ok(await store.builds.getProject(theirs, p.projectID));
    });

    storeTest(target, 'updating sets lastmod and only the given fields', async ({ store }) => {
      const tenantId = await seedTenant(store);
      const p = makeProject(tenantId);
      await store.builds.createProject(p);
      const r = await store.builds.updateProject(
        tenantId,
        p.projectID,
        { name: 'Renamed', apiDefaultLevel: 'AA', baseUrl: null },
        T0 + 5,
      );
      assert.deepEqual(r, {
        project: { ...p, name: 'Renamed', apiDefaultLevel: 'AA', baseUrl: null, lastmod: T0 + 5 },
        cleared: [],
      });
    });

    storeTest(
      target,
      'one default project per tenant: a new default takes the flag from the old',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const other = await seedTenant(store, 'other');
        const a = makeProject(tenantId, { defaultItem: 1 });
        const elsewhere = makeProject(other, { defaultItem: 1 });
        assert.deepEqual(await store.builds.createProject(a), []);
        assert.deepEqual(await store.builds.createProject(elsewhere), []);
        const b = makeProject(tenantId, { defaultItem: 1, lastmod: T0 + 1 });
        const cleared = await store.builds.createProject(b);
        assert.deepEqual(cleared, [{ ...a, defaultItem: 0, lastmod: T0 + 1 }]);
        const moved = await store.builds.updateProject(tenantId, a.projectID, { defaultItem: 1 }, T0 + 2);
        assert.equal(moved?.project.defaultItem, 1);
        assert.deepEqual(
          moved?.cleared.map((p) => [p.projectID, p.defaultItem, p.lastmod]),
          [[b.projectID, 0, T0 + 2]],
        );
        assert.equal((await store.builds.getProject(other, elsewhere.projectID))?.defaultItem, 1);
      },
    );

    storeTest(
      target,
      'deleting a project deletes its sites and traces and returns the sites',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const p = makeProject(tenantId);
        const keep = makeProject(tenantId);
        await store.builds.createProject(p);
        await store.builds.createProject(keep);
        const s1 = makeSite(tenantId, p.projectID);
        const s2 = makeSite(tenantId, keep.projectID);
        const t1 = makeTrace(tenantId, p.projectID);
        for (const s of [s1, s2]) await store.builds.createSite(s);
        await store.builds.createTrace(t1);
        assert.deepEqual(await store.builds.deleteProject(tenantId, p.projectID), {
          project: p,
          sites: [s1],
        });
        assert.equal(await store.builds.getProject(tenantId, p.projectID), null);
        assert.equal(await store.builds.getSite(tenantId, s1.siteKey), null);
        assert.equal(await store.builds.getTrace(tenantId, t1.id), null);
        assert.deepEqual(await store.builds.getSite(tenantId, s2.siteKey), s2);
        assert.equal(await store.builds.deleteProject(tenantId, p.projectID), null);
      },
    );
  });
}

export function siteTests(target: ConformanceTarget): void {
  describe('site monitors', () => {
    storeTest(
      target,
      'sites round-trip by siteKey, list newest first and by project, update and delete',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const p = makeProject(tenantId);
        const q = makeProject(tenantId);
        await store.builds.createProject(p);
        await store.builds.createProject(q);
        const a = makeSite(tenantId, p.projectID, { name: 'a' });
        const b = makeSite(tenantId, q.projectID, { name: 'b' });
        const c = makeSite(tenantId, p.projectID, { name: 'c' });
        for (const s of [a, b, c]) await store.builds.createSite(s);
        assert.deepEqual(await store.builds.getSite(tenantId, a.siteKey), a);
        assert.deepEqual(
          (await store.builds.listSites(tenantId, { limit: 10 })).map((s) => s.name),
          ['c', 'b', 'a'],
        );
        assert.deepEqual(
          (await store.builds.listSites(tenantId, { limit: 1, projectID: p.projectID, after: c.id })).map(
            (s) => s.name,
          ),
          ['a'],
        );
        const moved = await store.builds.updateSite(
          tenantId,
          a.siteKey,
          { projectID: q.projectID, name: 'A' },
          T0 + 9,
        );
        assert.deepEqual(moved, { ...a, projectID: q.projectID, name: 'A', updatedAt: T0 + 9 });
        assert.deepEqual(await store.builds.deleteSite(tenantId, a.siteKey), moved);
        assert.equal(await store.builds.deleteSite(tenantId, a.siteKey), null);
        assert.equal(await store.builds.updateSite(tenantId, a.siteKey, { name: 'x' }, T0), null);
      },
    );

    storeTest(target, "another tenant's sites are invisible", async ({ store }) => {
      const mine = await seedTenant(store, 'mine');
      const theirs = await seedTenant(store, 'theirs');
      const p = makeProject(theirs);
      await store.builds.createProject(p);
      const s = makeSite(theirs, p.projectID);
      await store.builds.createSite(s);
      assert.equal(await store.builds.getSite(mine, s.siteKey), null);
      assert.deepEqual(await store.builds.listSites(mine, { limit: 10 }), []);
      assert.equal(await store.builds.deleteSite(mine, s.siteKey), null);
    });
  });
}

export function traceTests(target: ConformanceTarget): void {
  describe('traces', () => {
    storeTest(
      target,
      'traces round-trip with their steps and flags, and list per project',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const p = makeProject(tenantId);
        const q = makeProject(tenantId);
        await store.builds.createProject(p);
        await store.builds.createProject(q);
        const t1 = makeTrace(tenantId, p.projectID, { name: 'one', taggedBug: true, taggedFlaky: false });
        const t2 = makeTrace(tenantId, p.projectID, { name: 'two', tags: [] });
        const other = makeTrace(tenantId, q.projectID, { name: 'other' });
        for (const t of [t1, t2, other]) await store.builds.createTrace(t);
        assert.deepEqual(await store.builds.getTrace(tenantId, t1.id), t1);
        assert.deepEqual(
          (await store.builds.listTraces(tenantId, p.projectID, { limit: 1 })).map((t) => t.name),
          ['two'],
        );
        assert.deepEqual(
          (await store.builds.listTraces(tenantId, p.projectID, { limit: 5, after: t2.id })).map(
            (t) => t.name,
          ),
          ['one'],
        );
        assert.deepEqual(
          (await store.builds.listAllTraces(tenantId, p.projectID)).map((t) => t.name),
          ['one', 'two'],
        );
        const steps = [{ action: 'open' as const, url: '/x' }];
        const updated = await store.builds.updateTrace(
          tenantId,
          t1.id,
          { steps, taggedBug: false, tags: ['a'] },
          T0 + 3,
        );
        assert.deepEqual(updated, { ...t1, steps, taggedBug: false, tags: ['a'], updatedAt: T0 + 3 });
        assert.equal(await store.builds.deleteTrace(tenantId, t1.id), true);
        assert.equal(await store.builds.deleteTrace(tenantId, t1.id), false);
        assert.equal(await store.builds.getTrace(tenantId, t1.id), null);
      },
    );

    storeTest(target, "another tenant's traces are invisible", async ({ store }) => {
      const mine = await seedTenant(store, 'mine');
      const theirs = await seedTenant(store, 'theirs');
      const p = makeProject(theirs);
      await store.builds.createProject(p);
      const t = makeTrace(theirs, p.projectID);
      await store.builds.createTrace(t);
      assert.equal(await store.builds.getTrace(mine, t.id), null);
      assert.deepEqual(await store.builds.listAllTraces(mine, p.projectID), []);
      assert.equal(await store.builds.updateTrace(mine, t.id, { name: 'x' }, T0), null);
      assert.equal(await store.builds.deleteTrace(mine, t.id), false);
    });
  });
}
