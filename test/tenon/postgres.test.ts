/** The Tenon test API on PostgreSQL: a sync run stored, answered in full and announced. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serveCorpus, type CorpusServer } from '../../bench/tenon/serve.ts';
import { API_LOG_FIELDS } from '../../src/tenon/api-log.ts';
import { pgSkipReason } from '../helpers/pg.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';
import { REFERENCE, shapeDiff } from './shape.ts';

const skip = await pgSkipReason();

describe('Tenon test API on PostgreSQL', { skip }, () => {
  let h: TestHerald;
  let pages: CorpusServer;
  let rx: Receiver;
  before(async () => {
    pages = await serveCorpus();
    rx = await Receiver.start();
    h = await startHerald('postgres');
    await h.api('POST', '/api/hooks', { name: 'runs', url: `${rx.url}/runs`, objects: ['apiLog'] });
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
    await pages?.close();
  });

  test('a form-encoded test is answered, stored and announced as apiLog.created', async () => {
    const res = await fetch(`${h.url}/api/`, {
      method: 'POST',
      body: new URLSearchParams({ key: h.adminKey, url: `${pages.base}/forms.html`, projectID: 'pg' }),
    });
    const body = (await res.json()) as { request: { responseID: string } };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(shapeDiff(REFERENCE, body), []);
    const [delivery] = await rx.waitFor(1, (r) => r.path === '/runs');
    assertValidWebhook(delivery!.body);
    const data = JSON.parse(delivery!.body).data as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), [...API_LOG_FIELDS].sort());
    assert.deepEqual(data['fullResponse'], body);
    const listed = await h.api('GET', '/api/test-runs?projectID=pg');
    assert.equal(listed.body.data[0].responseID, body.request.responseID);
    assert.equal(listed.body.data[0].status, 'done');
    assert.equal(typeof listed.body.data[0].createdAt, 'number');
  });
});
