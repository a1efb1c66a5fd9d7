import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { TrackedIssue } from '../../src/domain/issues.ts';
import type { IssueChanges, IssueOutboxEvent } from '../../src/store/issues.ts';
import type { Store } from '../../src/store/store.ts';
import {
  makeProject,
  makeSite,
  seedTenant,
  storeTest,
  T0,
  type ConformanceTarget,
} from '../builds/store-conformance/fixtures.ts';

/** The IssueStore contract, run against SQLite and PostgreSQL on real databases. */
async function seedSite(store: Store, tenantName = 'acme') {
  const tenantId = await seedTenant(store, tenantName);
  const project = makeProject(tenantId);
  await store.builds.createProject(project);
  const site = makeSite(tenantId, project.projectID);
  await store.builds.createSite(site);
  return { tenantId, site };
}

const issue = (id: string, status: TrackedIssue['status'] = 'open'): TrackedIssue => ({
  issueID: id.padEnd(32, '0'),
  url: 'http://127.0.0.1:8080/',
  tID: 47,
  errorTitle: 'Images must have alternate text',
  standards: ['1.1.1 Non-text Content'],
  xpath: '/html/body/img',
  status,
  firstSeen: T0,
  lastSeen: T0,
  updatedAt: T0,
});

let seq = 0;
const event = (
  tenantId: string,
  i: TrackedIssue,
  e: IssueOutboxEvent['event'] = 'issue.created',
): IssueOutboxEvent => ({
  eventId: `evt-${++seq}`,
  tenantId,
  event: e,
  data: { issueID: i.issueID },
  createdAt: T0 + seq,
});
const changes = (tenantId: string, issues: TrackedIssue[]): IssueChanges => ({
  issues,
  events: issues.map((i) => event(tenantId, i)),
});

export function runIssueStoreConformance(target: ConformanceTarget): void {
  describe('applying slots', () => {
    storeTest(target, 'a slot writes its issues and their events together, once', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      let seen: TrackedIssue[] | null = null;
      const first = await f.store.issues.applySlot(tenantId, site.id, 7, T0, (current) => {
        seen = current;
        return changes(tenantId, [issue('a'), issue('b')]);
      });
      assert.deepEqual(seen, []);
      assert.equal(first?.issues.length, 2);
      assert.deepEqual(
        (await f.store.issues.listIssues(tenantId, site.id, { limit: 10 })).map((i) => i.issueID),
        [issue('a').issueID, issue('b').issueID],
      );
      assert.equal((await f.store.issues.pendingEvents(10)).length, 2);

      // The same slot again, and an older one: nothing is computed or written.
      for (const slot of [7, 6]) {
        const again = await f.store.issues.applySlot(tenantId, site.id, slot, T0, () => {
          throw new Error('must not be computed');
        });
        assert.equal(again, null);
      }
      assert.equal((await f.store.issues.pendingEvents(10)).length, 2);

      // The next slot sees what the first stored.
      await f.store.issues.applySlot(tenantId, site.id, 8, T0, (current) => {
        assert.deepEqual(
          current.map((i) => i.issueID),
          [issue('a').issueID, issue('b').issueID],
        );
        return changes(tenantId, [{ ...issue('a'), status: 'fixed', updatedAt: T0 + 1 }]);
      });
      assert.deepEqual(
        (await f.store.issues.getIssue(tenantId, site.id, issue('a').issueID))?.status,
        'fixed',
      );
    });

    storeTest(
      target,
      'a slot whose computation fails leaves nothing behind and can be applied again',
      async (f) => {
        const { tenantId, site } = await seedSite(f.store);
        await assert.rejects(
          f.store.issues.applySlot(tenantId, site.id, 3, T0, () => {
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await f.store.issues.listIssues(tenantId, site.id, { limit: 10 }), []);
        const ok = await f.store.issues.applySlot(tenantId, site.id, 3, T0, () =>
          changes(tenantId, [issue('a')]),
        );
        assert.equal(ok?.issues.length, 1);
      },
    );

    storeTest(target, 'two stores applying the same slot at once: one applies it', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      const other = await f.openAnother();
      const results = await Promise.all(
        [f.store, other].map((s) =>
          s.issues.applySlot(tenantId, site.id, 9, T0, (current) =>
            changes(tenantId, current.length === 0 ? [issue('a')] : []),
          ),
        ),
      );
      assert.equal(results.filter((r) => r !== null).length, 1);
      assert.equal((await f.store.issues.pendingEvents(10)).length, 1);
    });

    storeTest(target, 'another tenant sees nothing and applies nothing to the site', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      await f.store.issues.applySlot(tenantId, site.id, 1, T0, () => changes(tenantId, [issue('a')]));
      const other = await seedTenant(f.store, 'other');
      assert.deepEqual(await f.store.issues.listIssues(other, site.id, { limit: 10 }), []);
      assert.equal(await f.store.issues.getIssue(other, site.id, issue('a').issueID), null);
      assert.equal(
        await f.store.issues.applySlot(other, site.id, 2, T0, () => changes(other, [issue('x')])),
        null,
      );
    });
  });

  describe('reading and changing issues', () => {
    storeTest(target, 'lists by status, in pages', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      await f.store.issues.saveChanges(tenantId, site.id, () =>
        changes(tenantId, [issue('a'), issue('b', 'accepted'), issue('c'), issue('d', 'fixed')]),
      );
      const ids = (rows: TrackedIssue[]) => rows.map((i) => i.issueID[0]);
      assert.deepEqual(
        ids(await f.store.issues.listIssues(tenantId, site.id, { status: 'open', limit: 10 })),
        ['a', 'c'],
      );
      assert.deepEqual(
        ids(await f.store.issues.listIssues(tenantId, site.id, { status: 'accepted', limit: 10 })),
        ['b'],
      );
      assert.deepEqual(
        ids(await f.store.issues.listIssues(tenantId, site.id, { status: 'fixed', limit: 10 })),
        ['d'],
      );
      const page1 = await f.store.issues.listIssues(tenantId, site.id, { limit: 2 });
      const page2 = await f.store.issues.listIssues(tenantId, site.id, {
        limit: 2,
        after: page1[1]!.issueID,
      });
      assert.deepEqual([...ids(page1), ...ids(page2)], ['a', 'b', 'c', 'd']);
      assert.deepEqual(
        await f.store.issues.getIssue(tenantId, site.id, issue('b').issueID),
        issue('b', 'accepted'),
      );
    });

    storeTest(target, 'a change that throws writes nothing', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      await assert.rejects(
        f.store.issues.saveChanges(tenantId, site.id, () => {
          throw new Error('nope');
        }),
      );
      assert.deepEqual(await f.store.issues.pendingEvents(10), []);
    });

    storeTest(target, 'the outbox hands out events until they are marked announced', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      await f.store.issues.saveChanges(tenantId, site.id, () => changes(tenantId, [issue('a'), issue('b')]));
      const pending = await f.store.issues.pendingEvents(10);
      assert.deepEqual(
        pending.map((e) => [e.event, e.data['issueID']]),
        [
          ['issue.created', issue('a').issueID],
          ['issue.created', issue('b').issueID],
        ],
      );
      await f.store.issues.markAnnounced([pending[0]!.eventId]);
      assert.deepEqual(
        (await f.store.issues.pendingEvents(10)).map((e) => e.eventId),
        [pending[1]!.eventId],
      );
      await f.store.issues.markAnnounced([]);
    });

    storeTest(target, 'deleting the site deletes its issues and applied slots', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      await f.store.issues.applySlot(tenantId, site.id, 1, T0, () => changes(tenantId, [issue('a')]));
      assert.ok(await f.store.builds.deleteSite(tenantId, site.siteKey));
      assert.deepEqual(await f.store.issues.listIssues(tenantId, site.id, { limit: 10 }), []);
    });
  });

  describe('slot runs', () => {
    storeTest(target, "a slot's runs are the test runs made for that site and slot", async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      const make = (n: number, slot: number, url: string) =>
        f.store.testRuns.createRun({
          id: `run_${String(n).padStart(26, '0')}`,
          tenantId,
          responseID: String(n).padStart(32, '0'),
          projectID: site.projectID,
          siteKey: site.siteKey,
          slot,
          url,
          async: true,
          request: {},
          eventId: `e${n}`,
          callbackEventId: `c${n}`,
          createdAt: T0 + n,
        });
      await make(1, 5, 'http://127.0.0.1/b');
      await make(2, 5, 'http://127.0.0.1/a');
      await make(3, 6, 'http://127.0.0.1/a');
      assert.deepEqual(
        (await f.store.issues.slotRuns(tenantId, site.siteKey, 5)).map((r) => r.url),
        ['http://127.0.0.1/a', 'http://127.0.0.1/b'],
      );
      assert.deepEqual(await f.store.issues.slotRuns('other', site.siteKey, 5), []);
    });
  });
}
