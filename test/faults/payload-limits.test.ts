import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';

const site = { object: 'site', name: 'n', siteKey: 'k', projectID: 'p', siteUrl: 'http://www.example.com' };
const CAP = 64 * 1024;

/** `data` whose JSON is exactly `bytes` long. */
function siteOfSize(bytes: number): Record<string, unknown> {
  const base = JSON.stringify({ ...site, blob: '' }).length;
  return { ...site, blob: 'x'.repeat(bytes - base) };
}

/** JSON of objects nested `depth` deep, written as text: JSON.stringify itself overflows on it. */
const nestedJson = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

/** A publish body whose `data` carries `deep`, nested `depth` levels below `data`. */
const deepEvent = (depth: number) =>
  `{"event":"site.created","data":${JSON.stringify(site).slice(0, -1)},"deep":${nestedJson(depth)}}}`;

describe('event size and nesting limits', () => {
  let h: TestHerald;
  let rx: Receiver;
  before(async () => {
    rx = await Receiver.start();
    h = await startHerald('sqlite', { HERALD_MAX_EVENT_BYTES: String(CAP) });
    const hook = await h.api('POST', '/api/hooks', {
      name: 'limits',
      url: `${rx.url}/limits`,
      objects: ['site'],
    });
    assert.equal(hook.status, 201);
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
  });

  const events = async () => (await h.api('GET', '/api/events?limit=100')).body.data as unknown[];

  test('an event at the cap is accepted and delivered byte for byte', async () => {
    const data = siteOfSize(CAP);
    const res = await h.api('POST', '/api/events', { event: 'site.created', data });
    assert.equal(res.status, 202);
    const [got] = await rx.waitFor(1, (r) => r.path === '/limits');
    assert.deepEqual((JSON.parse(got!.body) as { data: unknown }).data, data);
  });

  test('an event over the cap is refused with 413 EVENT_TOO_LARGE and nothing is stored', async () => {
    const before = (await events()).length;
    const res = await h.api('POST', '/api/events', { event: 'site.created', data: siteOfSize(CAP + 1) });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'EVENT_TOO_LARGE');
    assert.match(res.body.error.message, new RegExp(`${CAP + 1} bytes serialised; at most ${CAP}`));
    assert.deepEqual(res.body.error.details, { bytes: CAP + 1, limit: CAP });
    assert.equal((await events()).length, before);
  });

  test('one event over the cap refuses its whole batch', async () => {
    const before = (await events()).length;
    const res = await h.api('POST', '/api/events/batch', {
      events: [
        { event: 'site.created', data: site },
        { event: 'site.created', data: siteOfSize(CAP * 2) },
      ],
    });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'EVENT_TOO_LARGE');
    assert.equal(res.body.error.details[0].index, 1);
    assert.equal((await events()).length, before);
  });

  test('data nested 5,000 deep is 400 INVALID_EVENT_DATA, not a 500', async () => {
    const res = await h.api('POST', '/api/events', deepEvent(5000));
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'INVALID_EVENT_DATA');
    assert.match(res.body.error.message, /nested deeper than 64 levels/);
    assert.deepEqual(res.body.error.details, [{ path: '/data', message: res.body.error.message }]);
  });

  test('deep nesting in a batch names the event', async () => {
    const ok = JSON.stringify({ event: 'site.created', data: site });
    const res = await h.api('POST', '/api/events/batch', `{"events":[${ok},${deepEvent(5000)}]}`);
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'INVALID_EVENT_DATA');
    assert.equal(res.body.error.details[0].index, 1);
  });

  test('nesting up to 64 levels is accepted', async () => {
    // `data` is level 1, so `deep` may nest 63 more.
    const res = await h.api('POST', '/api/events', deepEvent(63));
    assert.equal(res.status, 202);
    const over = await h.api('POST', '/api/events', deepEvent(64));
    assert.equal(over.status, 400);
  });
});
