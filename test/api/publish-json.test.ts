import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';

const site = {
  object: 'site',
  name: 'My Example Site',
  siteKey: '11jyv9d1NEnY',
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  siteUrl: 'http://www.example.com',
};
const siteJson = JSON.stringify(site).slice(1, -1);
const batch = (dataJson: string) => `{"events":[{"event":"site.created","data":${dataJson}}]}`;
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/**
 * The publish routes parse JSON their own way (a walk for prototype keys instead of a scan of
 * the text), and answer every body as Fastify's parser does on any other route.
 */
describe('API: the publish routes parse JSON as every other route does', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald();
  });
  after(async () => h?.stop());

  const refused: Array<[string, string]> = [
    ['a __proto__ key', batch(`{${siteJson},"__proto__":{"admin":true}}`)],
    ['a __proto__ key spelt with escapes', batch(`{${siteJson},"\\u005f_proto__":{"admin":true}}`)],
    ['a constructor with a prototype', batch(`{${siteJson},"constructor":{"prototype":{"admin":true}}}`)],
    [
      'a __proto__ key at the top',
      `{"__proto__":{},"events":[{"event":"site.created","data":{${siteJson}}}]}`,
    ],
    ['malformed JSON', '{"events":['],
    ['an empty body', ''],
  ];
  for (const [name, body] of refused)
    test(`${name}: refused with the answer of Fastify's own parser`, async () => {
      const publish = await h.api('POST', '/api/events/batch', body);
      const other = await h.api('POST', '/api/hooks', body);
      assert.equal(publish.status, 400);
      assert.equal(publish.body.error.code, 'INVALID_JSON');
      assert.deepEqual(
        { status: publish.status, error: publish.body.error },
        { status: other.status, error: other.body.error },
      );
      const single = await h.api('POST', '/api/events', body);
      assert.deepEqual(single.body.error, other.body.error);
    });

  const accepted: Array<[string, string]> = [
    ['a constructor key without a prototype', batch(`{${siteJson},"constructor":{"name":"x"}}`)],
    ['"__proto__" only inside a string', batch(`{${siteJson},"note":"\\"__proto__\\": {}"}`)],
    ['a byte order mark', `\ufeff${batch(`{${siteJson}}`)}`],
  ];
  for (const [name, body] of accepted)
    test(`${name}: accepted`, async () => {
      const res = await h.api('POST', '/api/events/batch', body);
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.data.length, 1);
    });

  test('a body nested past the walk is still parsed, and its data judged by the depth limit', async () => {
    const res = await h.api('POST', '/api/events/batch', batch(`{${siteJson},"deep":${nested(200)}}`));
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'INVALID_EVENT_DATA');
    assert.match(res.body.error.message, /nested deeper than 64/);
    const ok = await h.api('POST', '/api/events/batch', batch(`{${siteJson},"deep":${nested(60)}}`));
    assert.equal(ok.status, 202, ok.text);
  });
});
