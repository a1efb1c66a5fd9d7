/**
 * Issues and reports of a site monitor, end to end on a real Herald (SQLite, the scheduler, the
 * Tenon run queue with Chromium, the delivery worker) against a loopback site whose pages change
 * between slots. The first slot is the scheduler's; the later ones are claimed and enqueued by
 * the test exactly as the scheduler does. The slot engine's sweep applies each slot once its
 * pages have all finished (IssueService.applySlot); the test calls the entry point too, and
 * either way each slot is applied, and each change announced, once.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { sarifValidator } from '../helpers/sarif.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';

const WEEK = 604_800;

/** The site: `/` has an image without alt text until `fixHome`, `/about` gains an unnamed button. */
const state = { fixHome: false, aboutButton: false, homeInput: false };
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
function serveSite(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const html =
      path === '/'
        ? page(
            'Home',
            `${state.fixHome ? '<img src="/pixel.png" alt="A pixel">' : '<img src="/pixel.png">'}${state.homeInput ? '<input type="text">' : ''}<a href="/about">About</a>`,
          )
        : path === '/about'
          ? page('About', state.aboutButton ? '<button></button>' : '<p>About us.</p>')
          : null;
    if (path === '/pixel.png') return void res.writeHead(204).end();
    if (html === null) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

type Issue = {
  issueID: string;
  url: string;
  tID: number;
  errorTitle: string;
  status: string;
  firstSeen: number;
};

describe('issues tracked across slots, and reports', () => {
  let h: TestHerald;
  let rx: Receiver;
  let site: { server: Server; base: string };
  let tenantId: string;
  let siteKey: string;
  let siteId: string;
  let projectID: string;
  let firstSlot: number;

  const issues = async (status?: string): Promise<Issue[]> => {
    const res = await h.api('GET', `/api/sites/${siteKey}/issues${status ? `?status=${status}` : ''}`);
    assert.equal(res.status, 200, res.text);
    return res.body.data as Issue[];
  };
  const storedEvents = async (event: string): Promise<Issue[]> => {
    const res = await h.api('GET', `/api/events?event=${event}&limit=100`);
    return (res.body.data as Array<{ payload: { data: Issue } }>).map((e) => e.payload.data);
  };
  /**
   * The slot engine's sweep applies a slot once its pages are done; calling the entry point
   * here as well races it. Either way the slot is applied exactly once.
   */
  const applied = async (slot: number) => {
    const outcome = await h.app.services.issues.applySlot(tenantId, siteKey, slot);
    assert.ok(outcome.applied || outcome.reason === 'already-applied', JSON.stringify(outcome));
  };
  let runsSeen = 0;
  /**
   * Claims `slot` as the scheduler does; the run engine's slot kind then queues its pages. Waits
   * until they are tested.
   */
  async function runSlot(slot: number): Promise<void> {
    const claimed = await h.app.store.monitors.claimSlot({
      siteId,
      slot,
      intervalSec: WEEK,
      owner: 'test',
      now: Date.now(),
    });
    assert.ok(claimed, `slot ${slot} claimed`);
    runsSeen += 2;
    await rx.waitFor(runsSeen, (r) => r.path === '/runs', 60_000);
  }

  before(async () => {
    site = await serveSite();
    rx = await Receiver.start();
    h = await startHerald('sqlite', { HERALD_MONITOR_TICK_MS: '100' });
    for (const [name, objects, path] of [
      ['runs', ['apiLog'], '/runs'],
      ['issues', ['issue'], '/issues'],
    ] as const) {
      const hook = await h.api('POST', '/api/hooks', { name, url: `${rx.url}${path}`, objects });
      assert.equal(hook.status, 201, hook.text);
    }
    const project = await h.api('POST', '/api/projects', { name: 'Tracked' });
    projectID = project.body.projectID as string;
    // Scheduled weekly: the scheduler runs the current slot at once, and no other during the test.
    const created = await h.api('POST', '/api/sites', {
      name: 'Tracked site',
      projectID,
      siteUrl: `${site.base}/`,
      paths: ['/about'],
      intervalSec: WEEK,
    });
    assert.equal(created.status, 201, created.text);
    siteKey = created.body.siteKey as string;
    tenantId = (await h.app.store.listTenants())[0]!.id;
    siteId = (await h.app.store.builds.getSite(tenantId, siteKey))!.id;
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
    site?.server.closeAllConnections();
    await new Promise((r) => site?.server.close(r));
  });

  test('a site without a complete slot has no report; an unknown site is not found', async () => {
    const unscheduled = await h.api('POST', '/api/sites', {
      name: 'Idle',
      projectID,
      siteUrl: `${site.base}/`,
    });
    const idle = await h.api('GET', `/api/sites/${unscheduled.body.siteKey as string}/report.sarif`);
    assert.deepEqual([idle.status, idle.body.error.code], [409, 'REPORT_NOT_READY']);
    const res = await h.api('GET', `/api/sites/site_unknown/report.sarif`);
    assert.deepEqual([res.status, res.body.error.code], [404, 'SITE_NOT_FOUND']);
  });

  test("the scheduler's first slot creates its issues, announced once each", async () => {
    runsSeen = 2;
    await rx.waitFor(2, (r) => r.path === '/runs', 60_000);
    const runs = (await h.api('GET', `/api/test-runs?siteKey=${siteKey}`)).body.data as Array<{
      slot: number;
    }>;
    firstSlot = runs[0]!.slot;
    await applied(firstSlot);
    const open = await issues('open');
    assert.ok(
      open.some((i) => i.url === `${site.base}/` && /alt/i.test(i.errorTitle)),
      JSON.stringify(open),
    );
    assert.ok(!open.some((i) => i.url === `${site.base}/about` && /button/i.test(i.errorTitle)));
    // Applying the same slot again changes and announces nothing.
    assert.deepEqual(await h.app.services.issues.applySlot(tenantId, siteKey, firstSlot), {
      applied: false,
      reason: 'already-applied',
    });
    const created = await storedEvents('issue.created');
    assert.deepEqual(created.map((e) => e.issueID).sort(), open.map((i) => i.issueID).sort());
    const delivered = await rx.waitFor(open.length, (r) => r.path === '/issues');
    for (const d of delivered) assertValidWebhook(d.body);
    const data = JSON.parse(delivered[0]!.body).data as Issue & { siteKey: string; projectID: string };
    assert.deepEqual([data.siteKey, data.projectID, data.status], [siteKey, projectID, 'open']);
  });

  test('a page changed between slots: the fixed issue is deleted and the new one created, once each', async () => {
    const before = await issues('open');
    const image = before.filter((i) => i.url === `${site.base}/` && /alt/i.test(i.errorTitle));
    state.fixHome = true;
    state.aboutButton = true;
    await runSlot(firstSlot + 1);
    await applied(firstSlot + 1);
    assert.deepEqual(await h.app.services.issues.applySlot(tenantId, siteKey, firstSlot + 1), {
      applied: false,
      reason: 'already-applied',
    });
    const deleted = await storedEvents('issue.deleted');
    assert.deepEqual(deleted.map((e) => e.issueID).sort(), image.map((i) => i.issueID).sort());
    assert.deepEqual(
      (await issues('fixed')).map((i) => i.issueID).sort(),
      image.map((i) => i.issueID).sort(),
    );
    const open = await issues('open');
    const fresh = open.filter((i) => !before.some((b) => b.issueID === i.issueID));
    assert.ok(fresh.length > 0 && fresh.every((i) => i.url === `${site.base}/about`), JSON.stringify(fresh));
    const created = await storedEvents('issue.created');
    assert.equal(created.length, new Set(created.map((e) => e.issueID)).size, 'an issue was created twice');
    assert.deepEqual(
      created.map((e) => e.issueID).sort(),
      [...before, ...fresh].map((i) => i.issueID).sort(),
    );
  });

  test('after a baseline, ?status=open lists only what is new', async () => {
    const open = await issues('open');
    const res = await h.api('POST', `/api/sites/${siteKey}/baseline`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { accepted: open.length });
    assert.deepEqual(await issues('open'), []);
    assert.equal((await storedEvents('issue.updated')).length, open.length);
    state.homeInput = true;
    await runSlot(firstSlot + 2);
    await applied(firstSlot + 2);
    const now = await issues('open');
    assert.ok(now.length > 0, 'the new input is an issue');
    assert.ok(now.every((i) => i.url === `${site.base}/` && !open.some((o) => o.issueID === i.issueID)));
    assert.equal((await issues('accepted')).length, open.length);
  });

  test('single issues are accepted and reopened (issue.updated); a fixed one cannot be', async () => {
    const [one] = await issues('open');
    const updatedBefore = (await storedEvents('issue.updated')).length;
    const accepted = await h.api('POST', `/api/sites/${siteKey}/issues/${one!.issueID}/accept`);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.body.status, 'accepted');
    const twice = await h.api('POST', `/api/sites/${siteKey}/issues/${one!.issueID}/accept`);
    assert.equal(twice.body.status, 'accepted');
    const reopened = await h.api('POST', `/api/sites/${siteKey}/issues/${one!.issueID}/reopen`);
    assert.equal(reopened.body.status, 'open');
    assert.equal((await storedEvents('issue.updated')).length, updatedBefore + 2);
    const [fixed] = await issues('fixed');
    const refused = await h.api('POST', `/api/sites/${siteKey}/issues/${fixed!.issueID}/accept`);
    assert.deepEqual([refused.status, refused.body.error.code], [409, 'ISSUE_FIXED']);
    const missing = await h.api('POST', `/api/sites/${siteKey}/issues/${'0'.repeat(32)}/reopen`);
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'ISSUE_NOT_FOUND']);
    const bad = await h.api('GET', `/api/sites/${siteKey}/issues?status=new`);
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'VALIDATION_FAILED']);
  });

  test('the site reports its latest complete slot in every format, as downloads', async () => {
    const validate = sarifValidator();
    const get = (format: string) =>
      fetch(`${h.url}/api/sites/${siteKey}/report.${format}`, {
        headers: { authorization: `Bearer ${h.adminKey}` },
      });

    const sarif = await get('sarif');
    assert.equal(sarif.status, 200);
    assert.equal(sarif.headers.get('content-type'), 'application/sarif+json; charset=utf-8');
    assert.equal(
      sarif.headers.get('content-disposition'),
      `attachment; filename="herald-${siteKey}-slot-${firstSlot + 2}.sarif"`,
    );
    const log = (await sarif.json()) as { runs: Array<{ artifacts: unknown[]; results: unknown[] }> };
    assert.equal(validate(log), true, JSON.stringify(validate.errors));
    assert.equal(log.runs[0]!.artifacts.length, 2, 'both pages of the slot');

    const junit = await get('junit');
    assert.equal(junit.headers.get('content-type'), 'application/xml; charset=utf-8');
    assert.equal(XMLValidator.validate(await junit.text()), true);
    const csv = await get('csv');
    assert.match(
      await csv.text(),
      /^resultTitle,errorTitle,errorDescription,certainty,priority,signature\r\n/,
    );
    const html = await get('html');
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await html.text(), /<h2 id="page-1">/);
    const bad = await get('pdf');
    assert.equal(bad.status, 400);
  });

  test('a finished test run reports itself; an unknown one is not found', async () => {
    const runs = (await h.api('GET', `/api/test-runs?siteKey=${siteKey}`)).body.data as Array<{
      responseID: string;
    }>;
    const res = await fetch(`${h.url}/api/test-runs/${runs[0]!.responseID}/report.junit`, {
      headers: { authorization: `Bearer ${h.adminKey}` },
    });
    assert.equal(res.status, 200);
    assert.equal(
      res.headers.get('content-disposition'),
      `attachment; filename="herald-test-run-${runs[0]!.responseID}.xml"`,
    );
    assert.equal(XMLValidator.validate(await res.text()), true);
    const missing = await h.api('GET', `/api/test-runs/${'f'.repeat(32)}/report.csv`);
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'NOT_FOUND']);
  });

  test('events a crash left in the outbox are published by the next pass, once', async () => {
    // What a process killed between committing a change and publishing it leaves behind.
    const [one] = await issues('open');
    await h.app.store.issues.saveChanges(tenantId, siteId, () => ({
      issues: [],
      events: [
        {
          eventId: 'crash-left-this',
          tenantId,
          event: 'issue.updated',
          data: { ...one!, siteKey, projectID },
          createdAt: Date.now(),
        },
      ],
    }));
    const before = (await storedEvents('issue.updated')).length;
    assert.equal(await h.app.services.issues.announcePending(), 1);
    assert.equal(await h.app.services.issues.announcePending(), 0);
    assert.equal((await storedEvents('issue.updated')).length, before + 1);
  });

  test('every issue event was delivered, valid, and none twice', async () => {
    const stored = (await h.api('GET', '/api/events?limit=100')).body.data as Array<{
      eventID: string;
      event: string;
    }>;
    const issueEvents = stored.filter((e) => e.event.startsWith('issue.'));
    const delivered = await rx.waitFor(issueEvents.length, (r) => r.path === '/issues');
    const ids = delivered.map((d) => (JSON.parse(d.body) as { eventID: string }).eventID);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), issueEvents.map((e) => e.eventID).sort());
    assert.deepEqual(await h.app.store.issues.pendingEvents(10), []);
  });
});
