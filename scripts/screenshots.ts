/**
 * Takes the console screenshots committed under docs/ (`node scripts/screenshots.ts`).
 *
 * Starts a throw-away Herald (SQLite in a temp dir) and a receiver on loopback, fills them
 * with demo data — hooks, a day of delivery history, a failure, events — and photographs the
 * main pages in Debian's Chromium. Nothing leaves loopback.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { newId } from '../src/domain/ids.ts';
import type { Delivery, StoredEvent } from '../src/domain/types.ts';
import type { AttemptResult } from '../src/store/store.ts';
import { startHerald, type TestHerald } from '../test/helpers/herald.ts';
import { Receiver } from '../test/helpers/receiver.ts';
import { launchBrowser } from '../test/web/helpers/browser.ts';
import { projectData, signIn, waitForDelivery, WEB_ENV } from '../test/web/helpers/herald-web.ts';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const HOUR = 3_600_000;

async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  // The page script rewrites times in the reader's zone; pin it so the pictures are stable.
  await page.screenshot({ path: `${DOCS}${name}.png`, fullPage });
  process.stdout.write(`docs/${name}.png\n`);
}

/** A day of history for the chart: attempts spread over the last 24 hours, a few failures. */
async function seedHistory(h: TestHerald, hookId: string, url: string): Promise<void> {
  const store = h.app.store;
  const now = Date.now();
  const tenantId = 'ten_default';
  for (let hour = 23; hour >= 0; hour--) {
    const at = now - hour * HOUR - 60_000;
    const count = 2 + ((hour * 7) % 5);
    const batch: Array<{ event: StoredEvent; deliveries: Delivery[] }> = [];
    const results: AttemptResult[] = [];
    for (let i = 0; i < count; i++) {
      const eventId = crypto.randomUUID();
      const event: StoredEvent = {
        id: newId('event', at),
        tenantId,
        eventID: eventId,
        type: i % 3 === 0 ? 'site.updated' : 'project.updated',
        dateAdded: at,
        payload: JSON.stringify({ eventID: eventId, event: 'project.updated', dateAdded: at, data: {} }),
        idempotencyKey: null,
        createdAt: at,
        typeVersion: null,
        traceparent: null,
      };
      const failed = (hour === 15 && i < 3) || (hour === 4 && i === 0);
      const delivery: Delivery = {
        id: newId('delivery', at),
        tenantId,
        eventRowId: event.id,
        hookId,
        target: null,
        status: failed ? 'failed' : 'delivered',
        attempts: 1,
        schedulePos: 0,
        nextAttemptAt: null,
        leaseOwner: null,
        leaseUntil: null,
        lastStatus: failed ? 503 : 200,
        lastError: failed ? 'HTTP 503' : null,
        createdAt: at,
        updatedAt: at,
        deliveredAt: failed ? null : at,
      };
      batch.push({ event, deliveries: [delivery] });
      results.push({
        attempt: {
          id: newId('attempt', at),
          deliveryId: delivery.id,
          tenantId,
          attemptNo: 1,
          startedAt: at + i * 1000,
          durationMs: 40 + ((hour * 13 + i * 29) % 90) + (hour === 15 ? 400 : 0),
          requestUrl: url,
          requestHeaders: { 'content-type': 'application/json' },
          responseStatus: failed ? 503 : 200,
          responseHeaders: {},
          responseBody: '',
          error: failed ? 'HTTP 503' : null,
        },
        outcome: failed ? 'failed' : 'delivered',
        nextAttemptAt: null,
        schedulePos: 0,
        hookId: null,
      });
    }
    await store.insertEvents(batch);
    await store.recordAttempts('screenshots', results);
  }
}

/** A project with a passing and a failing trace, built once in Chromium against a loopback site. */
async function seedBuild(
  h: TestHerald,
  siteUrl: string,
  reportUrl: string,
): Promise<{ projectID: string; buildId: string }> {
  const project = await h.api('POST', '/api/projects', {
    name: 'Awesome Project',
    description: 'Project to do testing of my awesome website',
    baseUrl: siteUrl,
  });
  const projectID = project.body.projectID as string;
  await h.api('POST', `/api/projects/${projectID}/traces`, {
    name: 'Home page',
    steps: [
      { action: 'open', url: '/' },
      { action: 'assertTitle', text: 'Example Domain' },
    ],
  });
  await h.api('POST', `/api/projects/${projectID}/traces`, {
    name: 'Sign-up greeting',
    tags: ['signup'],
    steps: [
      { action: 'open', url: '/' },
      { action: 'assertText', selector: 'h1', text: 'Welcome aboard' },
    ],
  });
  await h.api('POST', '/api/sites', {
    name: 'My Example Site',
    projectID,
    siteUrl: 'http://www.example.com',
  });
  const started = await h.api('POST', `/api/project/${projectID}/execute-all`, {
    requiredCapabilities: [{ browserName: 'chrome' }],
    commit: '3f2c1ab',
    reporters: [{ webhook: { url: reportUrl, when: 'always' } }],
  });
  const buildId = started.text;
  for (let i = 0; i < 600; i++) {
    const status = await h.api('GET', `/api/build/${buildId}/status`);
    const deliveries = await h.api('GET', `/api/build/${buildId}/deliveries`);
    if (status.body.status === 'FINISHED' && deliveries.body.data[0]?.status === 'delivered') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { projectID, buildId };
}

const receiver = await Receiver.start();
const site = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    '<!doctype html><html lang="en"><title>Example Domain</title><h1>Hello</h1><p>An example site.</p></html>',
  );
});
site.listen(0, '127.0.0.1');
await once(site, 'listening');
const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
const h = await startHerald('sqlite', { ...WEB_ENV, HERALD_RETRY_SCHEDULE: '0' });
const browser = await launchBrowser();
try {
  const { page } = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.emulateTimezone('UTC');

  await page.goto(`${h.url}/login`);
  await shoot(page, 'console-sign-in', false);
  await signIn(page, h.url, '/settings/hooks');
  await shoot(page, 'console-hooks-empty', false);

  await page.goto(`${h.url}/settings/hooks/new`);
  await page.click('button.button[type=submit]');
  await page.waitForSelector('.error-summary');
  await page.type('#hook-name', 'Project log');
  await shoot(page, 'console-add-hook');

  const site = await h.api('POST', '/api/hooks', {
    name: 'Site monitor log',
    url: `${receiver.url}/sites`,
    objects: ['site', 'project'],
  });
  await seedHistory(h, site.body.id, `${receiver.url}/sites`);
  await h.api('POST', '/api/hooks', {
    name: 'Build results',
    url: `${receiver.url}/builds`,
    objects: ['build', 'apiLog'],
  });
  const published = await h.api('POST', '/api/events', {
    event: 'project.created',
    data: projectData('Awesome Project'),
  });
  await waitForDelivery(h, published.body.deliveries[0].id, 'delivered');
  receiver.respondOn('/sites', { status: 503, body: '{"error":"maintenance"}' });
  const failing = await h.api('POST', '/api/events', {
    event: 'site.created',
    data: {
      object: 'site',
      name: 'My Example Site',
      siteKey: '11jyv9d1NEnY',
      projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
      siteUrl: 'http://www.example.com',
    },
  });
  const failed = failing.body.deliveries[0].id as string;
  await waitForDelivery(h, failed, 'failed');

  await page.goto(`${h.url}/settings/hooks`);
  await shoot(page, 'console-hooks');
  await page.goto(`${h.url}/settings/hooks/${site.body.id}`);
  await page.click('details.secret summary');
  await shoot(page, 'console-hook');
  await page.goto(`${h.url}/settings/hooks/${site.body.id}/deliveries`);
  await shoot(page, 'console-deliveries');
  await page.goto(`${h.url}/deliveries/${failed}`);
  await shoot(page, 'console-delivery');
  await page.goto(`${h.url}/events/${failing.body.eventID}`);
  await shoot(page, 'console-event');
  await page.goto(`${h.url}/settings/keys`);
  await shoot(page, 'console-keys', false);

  const { projectID, buildId } = await seedBuild(h, siteUrl, `${receiver.url}/report`);
  await page.goto(`${h.url}/projects/${projectID}`);
  await shoot(page, 'console-project');
  await page.goto(`${h.url}/builds/${buildId}`);
  await page.waitForFunction('[...document.images].every((i) => i.complete)');
  await shoot(page, 'console-build');
} finally {
  await browser.close();
  await h.stop();
  await receiver.close();
  site.close();
}
