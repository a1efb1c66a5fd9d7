/**
 * The Tenon test API end to end: a real Herald (HTTP server, worker, run queue with a warm
 * Chromium) on SQLite, fixture pages and hook receivers on loopback.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serveCorpus, type CorpusServer } from '../../bench/tenon/serve.ts';
import { API_LOG_FIELDS } from '../../src/tenon/api-log.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';
import { REFERENCE, shapeDiff } from './shape.ts';

// Response bodies are JSON the tests inspect freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let h: TestHerald;
let pages: CorpusServer;
let rx: Receiver;

before(async () => {
  pages = await serveCorpus();
  rx = await Receiver.start();
  h = await startHerald('sqlite', { HERALD_TENON_SYNC_WAIT_MS: '60000' });
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

/** POSTs to the API root as a Tenon client does: form fields, the key among them. */
async function tenonForm(
  fields: Record<string, string>,
  path = '/api/',
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: h.adminKey, ...fields }).toString(),
  });
  return { status: res.status, body: await res.json() };
}

async function tenonJson(fields: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/api/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(fields),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const countRuns = async (): Promise<number> =>
  (await h.api('GET', '/api/test-runs?limit=100')).body.data.length;
const countEvents = async (): Promise<number> =>
  (await h.api('GET', '/api/events?limit=100')).body.data.length;

describe('Tenon test API at the API root', () => {
  test('a form-encoded url test answers the reference shape, stores the run and announces apiLog.created', async () => {
    const res = await tenonForm({ url: `${pages.base}/structure.html`, projectID: 'p-form', docID: 'doc-1' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(shapeDiff(REFERENCE, res.body), []);
    assert.equal(res.body.status, 200);
    assert.equal(res.body.code, 'success');
    assert.ok(res.body.resultSet.length > 0);
    assert.equal(res.body.request.projectID, 'p-form');
    assert.equal(res.body.request.docID, 'doc-1');
    assert.ok(!JSON.stringify(res.body).includes(h.adminKey), 'the key is never echoed');

    const id = res.body.request.responseID as string;
    const [delivery] = await rx.waitFor(1, (r) => JSON.parse(r.body).data?.responseID === id);
    const envelope = JSON.parse(delivery!.body);
    assertValidWebhook(envelope);
    assert.equal(envelope.event, 'apiLog.created');
    assert.deepEqual(Object.keys(envelope.data).sort(), [...API_LOG_FIELDS].sort());
    assert.deepEqual(envelope.data.fullResponse, res.body);
    assert.equal(envelope.data.errors, res.body.resultSummary.issues.totalErrors);
    assert.equal(envelope.data.true_http_code, 200);
    assert.equal(envelope.data.projectID, 'p-form');
    assert.equal(envelope.data.url, `${pages.base}/structure.html`);

    const stored = await h.api('GET', `/api/test-runs/${id}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.body.status, 'done');
    assert.deepEqual(stored.body.response, res.body);
    const listed = await h.api('GET', `/api/test-runs?projectID=p-form`);
    assert.deepEqual(
      listed.body.data.map((r: { responseID: string }) => r.responseID),
      [id],
    );
    const byUrl = await h.api(
      'GET',
      `/api/test-runs?url=${encodeURIComponent(`${pages.base}/structure.html`)}`,
    );
    assert.equal(byUrl.body.data.length, 1);
  });

  test('a JSON src test with every option, the key as Bearer', async () => {
    const src =
      '<!doctype html><html><head><title>T</title></head><body><img src="a.png"><p>Hi</p></body></html>';
    const res = await tenonJson(
      {
        src,
        level: 'AA',
        certainty: 40,
        priority: 0,
        importance: 2,
        ref: 0,
        store: 1,
        docID: 'D',
        projectID: 'p-json',
        uaString: 'HeraldTest/1',
        viewPortHeight: 700,
        viewPortWidth: 1000,
        fragment: 0,
        waitFor: 10,
        someClientSetting: 'ignored',
      },
      { authorization: `Bearer ${h.adminKey}` },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(shapeDiff(REFERENCE, res.body), []);
    const m = res.body.request;
    assert.equal(m.url, undefined);
    assert.deepEqual(
      [m.level, m.certainty, m.importance, m.ref, m.store, m.uaString, m.waitFor, m.viewport],
      ['AA', 40, '2', '0', 1, 'HeraldTest/1', 10, { height: 700, width: 1000 }],
    );
    assert.ok(res.body.resultSet.some((i: { errorSnippet: string }) => i.errorSnippet.startsWith('<img')));
    assert.ok(res.body.resultSet.every((i: { certainty: number }) => i.certainty >= 40));
  });

  test('the requested user agent and viewport reach the page; a fragment skips page-level rules', async () => {
    const ua = await tenonForm({
      url: `${pages.base}/echo-ua`,
      uaString: 'HeraldTenonClient/2.0',
      viewPortWidth: '640',
      viewPortHeight: '480',
    });
    assert.equal(ua.status, 200, JSON.stringify(ua.body));
    const run = await h.api('GET', `/api/test-runs/${ua.body.request.responseID}`);
    assert.equal(run.body.apiLog.pageTitle, 'HeraldTenonClient/2.0');
    assert.equal(run.body.apiLog.viewPortWidth, 640);
    const fragment = await tenonForm({ src: '<img src="a.png">', fragment: '1' });
    assert.equal(fragment.status, 200, JSON.stringify(fragment.body));
    assert.equal(fragment.body.request.fragment, 1);
    assert.ok(!fragment.body.resultSet.some((i: { xpath: string }) => i.xpath === '/html'));
    assert.ok(
      fragment.body.resultSet.some((i: { errorSnippet: string }) => i.errorSnippet.startsWith('<img')),
    );
  });

  test('every kind of bad input is a Tenon-shaped error with nothing stored or announced', async () => {
    const runs = await countRuns();
    const events = await countEvents();
    const cases: Array<[string, () => Promise<{ status: number; body: Json }>, number, string]> = [
      ['no url or src', () => tenonForm({}), 400, 'required_param_missing'],
      ['bad level', () => tenonForm({ url: `${pages.base}/a.html`, level: 'B' }), 400, 'invalid_param'],
      ['certainty out of range', () => tenonForm({ src: '<p>x', certainty: '101' }), 400, 'invalid_param'],
      ['priority not a number', () => tenonForm({ src: '<p>x', priority: 'high' }), 400, 'invalid_param'],
      ['bad store', () => tenonForm({ src: '<p>x', store: '2' }), 400, 'invalid_param'],
      ['bad fragment', () => tenonForm({ src: '<p>x', fragment: 'yes' }), 400, 'invalid_param'],
      ['bad viewport', () => tenonForm({ src: '<p>x', viewPortWidth: '5' }), 400, 'invalid_param'],
      ['waitFor too long', () => tenonForm({ src: '<p>x', waitFor: '999999' }), 400, 'invalid_param'],
      ['not a URL', () => tenonForm({ url: 'not a url' }), 400, 'invalid_param'],
      ['a blocked URL', () => tenonForm({ url: 'http://169.254.169.254/' }), 400, 'invalid_param'],
      ['bad async', () => tenonForm({ src: '<p>x', async: 'maybe' }), 400, 'invalid_param'],
      [
        'a blocked callback',
        () => tenonForm({ src: '<p>x', callback: '{"url":"http://10.0.0.1/cb"}' }),
        400,
        'invalid_param',
      ],
      [
        'a callback that is not JSON',
        () => tenonForm({ src: '<p>x', callback: '{nope' }),
        400,
        'invalid_param',
      ],
      [
        'a bad key',
        () => tenonForm({ src: '<p>x', key: 'hk_nope_000000000000' }),
        401,
        'api_credentials_invalid',
      ],
      [
        'no key',
        async () => {
          const res = await fetch(`${h.url}/api/`, {
            method: 'POST',
            body: new URLSearchParams({ src: '<p>' }),
          });
          return { status: res.status, body: await res.json() };
        },
        401,
        'api_credentials_invalid',
      ],
      [
        'malformed JSON',
        async () => {
          const res = await fetch(`${h.url}/api/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminKey}` },
            body: '{"src": ',
          });
          return { status: res.status, body: await res.json() };
        },
        400,
        'invalid_param',
      ],
      [
        'GET on the root',
        async () => {
          const res = await fetch(`${h.url}/api/?key=${h.adminKey}`);
          return { status: res.status, body: await res.json() };
        },
        405,
        'method_not_allowed',
      ],
    ];
    for (const [name, call, status, code] of cases) {
      const res = await call();
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.status, status, name);
      assert.equal(res.body.code, code, name);
      assert.equal(typeof res.body.message, 'string', name);
      assert.match(res.body.moreInfo, new RegExp(`#${code}$`), name);
    }
    assert.equal(await countRuns(), runs);
    assert.equal(await countEvents(), events);
  });

  test('a page that never finishes loading ends as a 522, stored as failed', async () => {
    const res = await tenonForm({ url: `${pages.base}/never-loads` }, '/api');
    assert.equal(res.status, 522, JSON.stringify(res.body));
    assert.equal(res.body.code, 'doc_source_unavailable');
    const list = await h.api('GET', `/api/test-runs?url=${encodeURIComponent(`${pages.base}/never-loads`)}`);
    assert.equal(list.body.data[0].status, 'failed');
    assert.equal(list.body.data[0].httpStatus, 522);
  });
});
