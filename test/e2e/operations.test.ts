import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Receiver } from '../helpers/receiver.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';

const site = { object: 'site', name: 'n', siteKey: 'k', projectID: 'p', siteUrl: 'http://www.example.com' };

describe('operations', () => {
  let h: TestHerald;
  let rx: Receiver;
  before(async () => {
    h = await startHerald('sqlite', {
      HERALD_HOOK_DISABLE_AFTER_SEC: '1',
      HERALD_HOUSEKEEPING_INTERVAL_MS: '100',
    });
    rx = await Receiver.start();
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
  });

  test('the served JSON Schema is the committed file, byte for byte', async () => {
    const res = await fetch(`${h.url}/schemas/webhook.json`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^application\/schema\+json/);
    assert.equal(
      await res.text(),
      readFileSync(new URL('../../schemas/webhook.json', import.meta.url), 'utf8'),
    );
  });

  test('OpenAPI, docs, health and readiness answer', async () => {
    const openapi = (await (await fetch(`${h.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    assert.equal(openapi.openapi, '3.1.0');
    for (const path of ['/api/hooks', '/api/events', '/api/events/batch', '/api/deliveries/{id}/redeliver'])
      assert.ok(path in openapi.paths, `${path} is in the OpenAPI document`);
    assert.equal((await fetch(`${h.url}/docs`)).status, 200);
    assert.deepEqual(await (await fetch(`${h.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${h.url}/readyz`)).json(), { status: 'ready', database: 'sqlite' });
  });

  test('a hook that only fails is disabled and hook.disabled is announced', async () => {
    const failing = await h.api('POST', '/api/hooks', {
      name: 'down',
      url: `${rx.url}/down`,
      objects: ['site'],
    });
    const watcher = await h.api('POST', '/api/hooks', {
      name: 'ops',
      url: `${rx.url}/ops`,
      objects: ['hook'],
    });
    assert.equal(failing.status, 201);
    assert.equal(watcher.status, 201);
    rx.respondOn('/down', ...Array.from({ length: 4 }, () => ({ status: 500 })));
    await h.api('POST', '/api/events', { event: 'site.created', data: site });
    const [announcement] = await rx.waitFor(1, (r) => r.path === '/ops');
    const body = JSON.parse(announcement!.body);
    assertValidWebhook(body);
    assert.equal(body.event, 'hook.disabled');
    assert.equal(body.data.hookId, failing.body.id);
    const hook = await h.api('GET', `/api/hooks/${failing.body.id}`);
    assert.equal(hook.body.enabled, false);
    assert.match(hook.body.disabledReason, /failed without a success/);
    // Re-enabling gives the hook a fresh start.
    const on = await h.api('PATCH', `/api/hooks/${failing.body.id}`, { enabled: true });
    assert.equal(on.body.enabled, true);
    assert.equal(on.body.disabledReason, null);
    assert.equal(on.body.failingSince, null);
  });

  test('metrics expose outcomes, attempt latency, queue depth and the oldest due age', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    for (const name of [
      'herald_delivery_attempts_total{outcome="delivered"}',
      'herald_delivery_attempts_total{outcome="retry"}',
      'herald_attempt_duration_seconds_bucket',
      'herald_queue_depth',
      'herald_oldest_due_delivery_age_seconds',
      'herald_events_accepted_total',
    ])
      assert.ok(text.includes(name), `${name} is exposed`);
  });

  test('API keys never reach the log as ?key=', async () => {
    const { redactKeyParam } = await import('../../src/log.ts');
    assert.equal(
      redactKeyParam('/api/build/1/status?key=hk_secret&x=1'),
      '/api/build/1/status?key=[redacted]&x=1',
    );
  });
});
