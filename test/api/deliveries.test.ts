import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';

const site = {
  object: 'site',
  name: 'My Example Site',
  siteKey: '11jyv9d1NEnY',
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  siteUrl: 'http://www.example.com',
};

describe('API: deliveries name their event as the receiver knows it', () => {
  let h: TestHerald;
  let rx: Receiver;
  before(async () => {
    h = await startHerald();
    rx = await Receiver.start();
  });
  after(async () => {
    await h.stop();
    await rx.close();
  });

  test('every delivery view carries the envelope eventID, and the row id only as eventRef', async () => {
    const hook = await h.api('POST', '/api/hooks', { name: 'ids', url: `${rx.url}/ids`, objects: ['site'] });
    assert.equal(hook.status, 201);
    const pub = await h.api('POST', '/api/events', { event: 'site.created', data: site });
    assert.equal(pub.status, 202);
    const [received] = await rx.waitFor(1, (r) => r.path === '/ids');
    const envelope = JSON.parse(received!.body) as { eventID: string };
    assert.equal(envelope.eventID, pub.body.eventID);

    const list = await h.api('GET', `/api/hooks/${hook.body.id}/deliveries`);
    const [view] = list.body.data as Array<Record<string, unknown>>;
    assert.equal(view!.eventID, envelope.eventID);
    assert.equal(view!.event, 'site.created');
    assert.match(String(view!.eventRef), /^evt_/);
    assert.ok(!('eventId' in view!), 'the old, confusable name is gone');

    const detail = await h.api('GET', `/api/deliveries/${String(view!.id)}`);
    assert.equal(detail.body.eventID, envelope.eventID);
    assert.ok(Array.isArray(detail.body.attemptLog));

    const event = await h.api('GET', `/api/events/${envelope.eventID}`);
    assert.equal(event.body.deliveries[0].eventID, envelope.eventID);
    assert.equal(event.body.deliveries[0].eventRef, event.body.id, 'eventRef is the event row id');
    assert.equal(
      (await h.api('GET', `/api/events/${String(view!.eventRef)}`)).body.eventID,
      envelope.eventID,
    );

    const again = await h.api('POST', `/api/deliveries/${String(view!.id)}/redeliver`);
    assert.equal(again.status, 202);
    assert.equal(again.body.eventID, envelope.eventID);
  });

  test('the OpenAPI document describes eventID and eventRef of a delivery', async () => {
    const doc = await h.api('GET', '/openapi.json');
    const text = JSON.stringify(doc.body.paths['/api/deliveries/{id}']);
    assert.match(text, /"eventID"/);
    assert.match(text, /"eventRef"/);
    assert.doesNotMatch(text, /"eventId"/);
  });
});

describe('API: credentials follow their host', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald();
  });
  after(async () => h.stop());

  const create = () =>
    h.api('POST', '/api/hooks', {
      name: 'basic',
      url: 'http://127.0.0.1:9000/hook',
      objects: ['site'],
      username: 'u',
      password: 'p',
    });

  test('a URL on another origin drops the stored credentials', async () => {
    const hook = await create();
    const moved = await h.api('PATCH', `/api/hooks/${hook.body.id}`, { url: 'http://127.0.0.2:9000/hook' });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.username, null);
    assert.equal(moved.body.hasPassword, false);
  });

  test('a URL on the same origin keeps them, and new ones sent along are kept', async () => {
    const hook = await create();
    const same = await h.api('PATCH', `/api/hooks/${hook.body.id}`, { url: 'http://127.0.0.1:9000/other' });
    assert.equal(same.body.username, 'u');
    assert.equal(same.body.hasPassword, true);
    const moved = await h.api('PATCH', `/api/hooks/${hook.body.id}`, {
      url: 'http://127.0.0.2:9000/hook',
      username: 'v',
      password: 'w',
    });
    assert.equal(moved.body.username, 'v');
    assert.equal(moved.body.hasPassword, true);
  });

  test('a username alone with a new origin is refused and the hook is unchanged', async () => {
    const hook = await create();
    const res = await h.api('PATCH', `/api/hooks/${hook.body.id}`, {
      url: 'http://127.0.0.2:9000/hook',
      username: 'u',
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.error.details, [{ path: '/password', message: res.body.error.message }]);
    const now = await h.api('GET', `/api/hooks/${hook.body.id}`);
    assert.equal(now.body.url, 'http://127.0.0.1:9000/hook');
    assert.equal(now.body.hasPassword, true);
  });
});
