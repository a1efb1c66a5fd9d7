import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { ERRORS } from '../../src/domain/errors.ts';

/**
 * Every kind of bad input answers 4xx with a registered code and a message, and stores
 * nothing: after the whole table, there are no hooks and no events.
 */
describe('bad input', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald('sqlite');
  });
  after(async () => h?.stop());

  const hook = { name: 'n', url: 'http://127.0.0.1:9/x', objects: ['site'] };
  const site = { object: 'site', name: 'n', siteKey: 'k', projectID: 'p', siteUrl: 'http://www.example.com' };
  const cases: Array<[string, string, string, unknown, number, string, Record<string, string>?]> = [
    ['no key', 'GET', '/api/hooks', undefined, 401, 'UNAUTHORIZED', { authorization: '' }],
    ['wrong key', 'GET', '/api/hooks', undefined, 401, 'UNAUTHORIZED', { authorization: 'Bearer hk_nope' }],
    ['malformed JSON', 'POST', '/api/hooks', '{"name":', 400, 'INVALID_JSON'],
    ['empty JSON body', 'POST', '/api/hooks', '', 400, 'INVALID_JSON'],
    [
      'not JSON',
      'POST',
      '/api/hooks',
      'name=x',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { 'content-type': 'application/x-www-form-urlencoded' },
    ],
    ['missing name', 'POST', '/api/hooks', { url: hook.url, objects: ['site'] }, 400, 'VALIDATION_FAILED'],
    ['blank name', 'POST', '/api/hooks', { ...hook, name: '   ' }, 400, 'VALIDATION_FAILED'],
    ['name too long', 'POST', '/api/hooks', { ...hook, name: 'x'.repeat(201) }, 400, 'VALIDATION_FAILED'],
    ['relative URL', 'POST', '/api/hooks', { ...hook, url: '/hook' }, 400, 'INVALID_URL'],
    ['ftp URL', 'POST', '/api/hooks', { ...hook, url: 'ftp://example.com/x' }, 400, 'INVALID_URL'],
    [
      'URL over 2048',
      'POST',
      '/api/hooks',
      { ...hook, url: `http://example.com/${'a'.repeat(2048)}` },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'credentials in URL',
      'POST',
      '/api/hooks',
      { ...hook, url: 'http://u:p@example.com/' },
      400,
      'INVALID_URL',
    ],
    ['no objects', 'POST', '/api/hooks', { ...hook, objects: [] }, 400, 'VALIDATION_FAILED'],
    ['unknown object', 'POST', '/api/hooks', { ...hook, objects: ['user'] }, 400, 'VALIDATION_FAILED'],
    ['objects not an array', 'POST', '/api/hooks', { ...hook, objects: 'site' }, 400, 'VALIDATION_FAILED'],
    [
      'event of another object',
      'POST',
      '/api/hooks',
      { ...hook, events: ['project.created'] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'unknown event',
      'POST',
      '/api/hooks',
      { ...hook, events: ['site.exploded'] },
      400,
      'UNKNOWN_EVENT_TYPE',
    ],
    ['username without password', 'POST', '/api/hooks', { ...hook, username: 'u' }, 400, 'VALIDATION_FAILED'],
    ['enabled as a string', 'POST', '/api/hooks', { ...hook, enabled: 'true' }, 400, 'VALIDATION_FAILED'],
    ['unknown field', 'POST', '/api/hooks', { ...hook, colour: 'red' }, 400, 'VALIDATION_FAILED'],
    [
      'loopback target without allowlist entry',
      'POST',
      '/api/hooks',
      { ...hook, url: 'http://[::1]:9/' },
      400,
      'TARGET_BLOCKED',
    ],
    ['empty patch', 'PATCH', '/api/hooks/hook_nope', {}, 400, 'VALIDATION_FAILED'],
    ['unknown hook', 'GET', '/api/hooks/hook_nope', undefined, 404, 'HOOK_NOT_FOUND'],
    ['bad limit', 'GET', '/api/hooks?limit=1000', undefined, 400, 'VALIDATION_FAILED'],
    ['zero limit', 'GET', '/api/hooks?limit=0', undefined, 400, 'VALIDATION_FAILED'],
    ['unknown route', 'GET', '/api/nothing', undefined, 404, 'NOT_FOUND'],
    ['event without data', 'POST', '/api/events', { event: 'site.created' }, 400, 'VALIDATION_FAILED'],
    [
      'event name without dot',
      'POST',
      '/api/events',
      { event: 'site', data: site },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'unknown event type',
      'POST',
      '/api/events',
      { event: 'site.exploded', data: site },
      400,
      'UNKNOWN_EVENT_TYPE',
    ],
    [
      'internal event type',
      'POST',
      '/api/events',
      { event: 'hook.disabled', data: {} },
      400,
      'UNKNOWN_EVENT_TYPE',
    ],
    ['ping is internal', 'POST', '/api/events', { event: 'ping', data: {} }, 400, 'VALIDATION_FAILED'],
    [
      'data not matching its schema',
      'POST',
      '/api/events',
      { event: 'site.created', data: { object: 'site' } },
      400,
      'INVALID_EVENT_DATA',
    ],
    [
      'data as an array',
      'POST',
      '/api/events',
      { event: 'site.created', data: [site] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'empty eventID',
      'POST',
      '/api/events',
      { event: 'site.created', data: site, eventID: '' },
      400,
      'VALIDATION_FAILED',
    ],
    ['empty batch', 'POST', '/api/events/batch', { events: [] }, 400, 'VALIDATION_FAILED'],
    [
      'batch with one bad event stores none',
      'POST',
      '/api/events/batch',
      {
        events: [
          { event: 'site.created', data: site },
          { event: 'site.created', data: { object: 'site' } },
        ],
      },
      400,
      'INVALID_EVENT_DATA',
    ],
    [
      'batch over 1000',
      'POST',
      '/api/events/batch',
      { events: Array.from({ length: 1001 }, () => ({ event: 'site.created', data: site })) },
      400,
      'BATCH_TOO_LARGE',
    ],
    [
      'recover with a bad date',
      'POST',
      '/api/hooks/hook_nope/recover',
      { since: 'yesterday' },
      400,
      'VALIDATION_FAILED',
    ],
    ['unknown delivery', 'GET', '/api/deliveries/dlv_nope', undefined, 404, 'DELIVERY_NOT_FOUND'],
    ['redeliver unknown', 'POST', '/api/deliveries/dlv_nope/redeliver', undefined, 404, 'DELIVERY_NOT_FOUND'],
    ['unknown event', 'GET', '/api/events/evt_nope', undefined, 404, 'EVENT_NOT_FOUND'],
    ['tenant without name', 'POST', '/api/admin/tenants', {}, 400, 'VALIDATION_FAILED'],
    ['key for unknown tenant', 'POST', '/api/admin/tenants/ten_nope/keys', {}, 404, 'TENANT_NOT_FOUND'],
    ['key with bad role', 'POST', '/api/keys', { role: 'root' }, 400, 'VALIDATION_FAILED'],
  ];

  for (const [name, method, path, body, status, code, headers] of cases) {
    test(`${name} → ${status} ${code}`, async () => {
      const extra = headers ? { ...headers } : undefined;
      const key = extra && 'authorization' in extra ? null : undefined;
      if (extra?.authorization === '') delete extra.authorization;
      const res = await h.api(method, path, body, { key, headers: extra });
      assert.equal(res.status, status, res.text);
      assert.equal(res.body.error.code, code, res.text);
      assert.equal(typeof res.body.error.message, 'string');
      assert.ok(res.body.error.message.length > 0);
      assert.ok(code in ERRORS, `${code} is registered`);
      assert.equal(ERRORS[code as keyof typeof ERRORS].status, status);
    });
  }

  test('a body over the size limit is refused with 413', async () => {
    const small = await startHerald('sqlite', { HERALD_MAX_BODY_BYTES: '2048' });
    try {
      const res = await small.api('POST', '/api/events', {
        event: 'site.created',
        data: { ...site, name: 'x'.repeat(4096) },
      });
      assert.equal(res.status, 413);
      assert.equal(res.body.error.code, 'PAYLOAD_TOO_LARGE');
    } finally {
      await small.stop();
    }
  });

  test('nothing was stored by any refused request', async () => {
    const hooks = await h.api('GET', '/api/hooks');
    assert.deepEqual(hooks.body.data, []);
    const events = await h.api('GET', '/api/events');
    assert.deepEqual(events.body.data, []);
  });

  test('a cursor Herald did not give out is refused', async () => {
    const res = await h.api('GET', '/api/hooks?cursor=' + encodeURIComponent("' OR 1=1 --"));
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 'INVALID_CURSOR');
  });
});
