/**
 * A site monitor end to end: a real Herald on SQLite (scheduler, Tenon run queue with a warm
 * Chromium behind the network policy, delivery worker), fixture pages and an apiLog hook
 * receiver on loopback. A monitor every 2 s produces real test runs and apiLog.created events
 * with the monitor's projectID; each (slot, page) runs once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serveCorpus, type CorpusServer } from '../../bench/tenon/serve.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';

describe('a site monitor that monitors', () => {
  let h: TestHerald;
  let pages: CorpusServer;
  let rx: Receiver;

  before(async () => {
    pages = await serveCorpus();
    rx = await Receiver.start();
    h = await startHerald('sqlite', { HERALD_MONITOR_MIN_INTERVAL_SEC: '2', HERALD_MONITOR_TICK_MS: '200' });
    const hook = await h.api('POST', '/api/hooks', {
      name: 'runs',
      url: `${rx.url}/runs`,
      objects: ['apiLog'],
    });
    assert.equal(hook.status, 201, hook.text);
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
    await pages?.close();
  });

  test('every 2 s it tests its pages, stores the runs and announces apiLog.created, once per slot and page', async () => {
    const project = await h.api('POST', '/api/projects', { name: 'Monitored' });
    assert.equal(project.status, 201, project.text);
    const { projectID } = project.body as { projectID: string };
    const site = await h.api('POST', '/api/sites', {
      name: 'Corpus',
      projectID,
      siteUrl: `${pages.base}/forms.html`,
      paths: ['/clean-form.html'],
      intervalSec: 2,
      level: 'AA',
    });
    assert.equal(site.status, 201, site.text);
    const { siteKey } = site.body as { siteKey: string };

    // Two slots' worth: 2 pages × 2 slots.
    const events = await rx.waitFor(4, (r) => r.path === '/runs', 90_000);
    for (const e of events) {
      assertValidWebhook(e.body);
      const body = JSON.parse(e.body) as {
        event: string;
        data: { projectID: string; reqLevel: string; url: string };
      };
      assert.equal(body.event, 'apiLog.created');
      assert.equal(body.data.projectID, projectID);
      assert.equal(body.data.reqLevel, 'AA');
      assert.ok(body.data.url.startsWith(pages.base), body.data.url);
    }

    // Pause, so the list below is final, then check the stored runs.
    const paused = await h.api('PATCH', `/api/sites/${siteKey}`, { paused: true });
    assert.equal(paused.status, 200, paused.text);
    const runs = (await h.api('GET', `/api/test-runs?siteKey=${siteKey}&limit=100`)).body.data as Array<{
      responseID: string;
      url: string;
      slot?: number;
      status: string;
    }>;
    assert.ok(runs.length >= 4, `${runs.length} runs stored`);
    const keys = runs.map((r) => `${r.slot}|${r.url}`);
    assert.equal(new Set(keys).size, keys.length, `a (slot, page) ran twice: ${keys.join(', ')}`);
    const urls = new Set(runs.map((r) => r.url));
    assert.deepEqual([...urls].sort(), [`${pages.base}/clean-form.html`, `${pages.base}/forms.html`]);
  });
});
