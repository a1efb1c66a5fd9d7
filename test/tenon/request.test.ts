import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TenonError } from '../../src/tenon/errors.ts';
import { DEFAULT_UA, parseTenonRequest } from '../../src/tenon/request.ts';

const ids = { responseID: 'f10345ce04797917a9d625e696c9bf63', docID: '5A71B1D7-C2AC-ECBB-045F-12140D839494' };

function fails(fields: Record<string, unknown>): {
  status: number;
  code: string;
  message: string;
  moreInfo: string;
} {
  try {
    parseTenonRequest(fields, ids);
  } catch (err) {
    assert.ok(err instanceof TenonError, `a TenonError, got ${String(err)}`);
    return err.body;
  }
  throw new Error(`accepted ${JSON.stringify(fields)}`);
}

describe('Tenon request parsing', () => {
  test('a bare url gets every default, in the reference mirror shape, and no key', () => {
    const req = parseTenonRequest({ key: 'hk_secret', url: 'http://www.example.com' }, ids);
    assert.equal(req.key, 'hk_secret');
    assert.deepEqual(req.mirror, {
      url: 'http://www.example.com/',
      certainty: 0,
      priority: 0,
      level: 'AAA',
      uaString: DEFAULT_UA,
      store: 0,
      ref: '1',
      importance: '1',
      responseID: ids.responseID,
      userID: '1',
      projectID: 'DEFAULT_PROJECT',
      docID: ids.docID,
      waitFor: null,
      fragment: 0,
      viewport: { height: 600, width: 800 },
    });
    assert.ok(!JSON.stringify(req.mirror).includes('hk_secret'));
  });

  // Form bodies carry strings; JSON bodies numbers. Both spellings of every option, same result.
  const OPTIONS: Array<[string, string | number, string, unknown]> = [
    ['level', 'A', 'level', 'A'],
    ['level', 'AA', 'level', 'AA'],
    ['level', 'aa', 'level', 'AA'],
    ['certainty', '60', 'certainty', 60],
    ['certainty', 100, 'certainty', 100],
    ['priority', '0', 'priority', 0],
    ['priority', 85, 'priority', 85],
    ['importance', '3', 'importance', '3'],
    ['importance', 0, 'importance', '0'],
    ['ref', '0', 'ref', '0'],
    ['store', '1', 'store', 1],
    ['store', 0, 'store', 0],
    ['docID', 'my-doc-1', 'docID', 'my-doc-1'],
    ['projectID', 'cc5ec01f-14d6', 'projectID', 'cc5ec01f-14d6'],
    ['uaString', 'HeraldBot/1.0', 'uaString', 'HeraldBot/1.0'],
    ['viewPortHeight', '768', 'viewport', { height: 768, width: 800 }],
    ['viewPortWidth', 1024, 'viewport', { height: 600, width: 1024 }],
    ['fragment', '1', 'fragment', 1],
    ['waitFor', '2000', 'waitFor', 2000],
    ['waitFor', 0, 'waitFor', 0],
  ];
  for (const [field, value, key, want] of OPTIONS) {
    test(`${field}=${JSON.stringify(value)} → ${key} ${JSON.stringify(want)}`, () => {
      const req = parseTenonRequest({ url: 'https://example.com/a', [field]: value }, ids);
      assert.deepEqual((req.mirror as unknown as Record<string, unknown>)[key], want);
    });
  }

  test('src instead of url: the source is kept for the engine and not mirrored', () => {
    const req = parseTenonRequest({ src: '<p>hi</p>', fragment: '1' }, ids);
    assert.equal(req.src, '<p>hi</p>');
    assert.equal(req.mirror.url, undefined);
    assert.equal(req.mirror.fragment, 1);
  });

  test('unknown fields are ignored; empty form fields mean unset', () => {
    const req = parseTenonRequest(
      { url: 'https://example.com/', myClientSetting: 'x', level: '', certainty: '' },
      ids,
    );
    assert.equal(req.mirror.level, 'AAA');
    assert.equal(req.mirror.certainty, 0);
  });

  test('project defaults fill what the request leaves unset', () => {
    const req = parseTenonRequest(
      { url: 'https://example.com/', priority: '20' },
      { ...ids, defaults: { level: 'AA', priority: 40, viewPortWidth: 1024, projectID: 'p1' } },
    );
    assert.equal(req.mirror.level, 'AA');
    assert.equal(req.mirror.priority, 20);
    assert.deepEqual(req.mirror.viewport, { height: 600, width: 1024 });
    assert.equal(req.mirror.projectID, 'p1');
  });

  test('callback as JSON text (form) or object (JSON): method defaults to POST, headers not mirrored', () => {
    const cb = { url: 'http://127.0.0.1:9999/done', headers: { Authorization: 'Bearer t' } };
    for (const callback of [JSON.stringify(cb), cb]) {
      const req = parseTenonRequest({ url: 'https://example.com/', callback }, ids);
      assert.deepEqual(req.callback, {
        url: 'http://127.0.0.1:9999/done',
        method: 'POST',
        headers: cb.headers,
      });
      assert.deepEqual(req.mirror.callback, { url: 'http://127.0.0.1:9999/done', method: 'POST' });
      assert.ok(!JSON.stringify(req.mirror).includes('Bearer'));
    }
    const put = parseTenonRequest({
      url: 'https://example.com/',
      callback: { url: 'https://r.example/x', method: 'put' },
    });
    assert.equal(put.callback?.method, 'PUT');
  });

  test('generated ids have Tenon forms', () => {
    const req = parseTenonRequest({ url: 'https://example.com/' });
    assert.match(req.mirror.responseID, /^[0-9a-f]{32}$/);
    assert.match(req.mirror.docID, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  test('missing url and src is 400 required_param_missing, Tenon-shaped', () => {
    const body = fails({ key: 'k', level: 'AA' });
    assert.equal(body.status, 400);
    assert.equal(body.code, 'required_param_missing');
    assert.equal(body.message, 'Bad Request');
    assert.equal(
      body.moreInfo,
      'https://tenon.io/documentation/understanding-response-codes.php#required_param_missing',
    );
  });

  const BAD: Array<[string, Record<string, unknown>]> = [
    ['both url and src', { url: 'https://e.com/', src: '<p>' }],
    ['url not absolute', { url: 'example.com/page' }],
    ['url not http', { url: 'file:///etc/passwd' }],
    ['url javascript:', { url: 'javascript:alert(1)' }],
    ['url with credentials', { url: 'https://u:p@e.com/' }],
    ['level outside the list', { url: 'https://e.com/', level: 'AAAA' }],
    ['level a number', { url: 'https://e.com/', level: 2 }],
    ['certainty above 100', { url: 'https://e.com/', certainty: '101' }],
    ['certainty negative', { url: 'https://e.com/', certainty: '-1' }],
    ['certainty a fraction', { url: 'https://e.com/', certainty: '20.5' }],
    ['priority not a number', { url: 'https://e.com/', priority: 'high' }],
    ['store 2', { url: 'https://e.com/', store: '2' }],
    ['store true', { url: 'https://e.com/', store: true }],
    ['fragment yes', { url: 'https://e.com/', fragment: 'yes' }],
    ['importance 4', { url: 'https://e.com/', importance: '4' }],
    ['ref 2', { url: 'https://e.com/', ref: '2' }],
    ['waitFor too long', { url: 'https://e.com/', waitFor: '30001' }],
    ['viewPortWidth too small', { url: 'https://e.com/', viewPortWidth: '10' }],
    ['viewPortHeight not a number', { url: 'https://e.com/', viewPortHeight: '768px' }],
    ['docID too long', { url: 'https://e.com/', docID: 'x'.repeat(256) }],
    ['uaString with a newline', { url: 'https://e.com/', uaString: 'a\r\nX-Evil: 1' }],
    ['a repeated field (array)', { url: 'https://e.com/', level: ['A', 'AA'] }],
    ['src too large', { src: 'x'.repeat(2 * 1024 * 1024 + 1) }],
    ['callback not JSON', { url: 'https://e.com/', callback: '{nope' }],
    ['callback without url', { url: 'https://e.com/', callback: { method: 'POST' } }],
    ['callback url not http', { url: 'https://e.com/', callback: { url: 'ftp://x/' } }],
    ['callback method GET', { url: 'https://e.com/', callback: { url: 'https://r/', method: 'GET' } }],
    [
      'callback header injection',
      { url: 'https://e.com/', callback: { url: 'https://r/', headers: { A: 'b\r\nc' } } },
    ],
    [
      'callback header bad name',
      { url: 'https://e.com/', callback: { url: 'https://r/', headers: { 'a b': 'c' } } },
    ],
  ];
  for (const [name, fields] of BAD) {
    test(`${name} is 400 invalid_param`, () => {
      const body = fails(fields);
      assert.deepEqual([body.status, body.code, body.message], [400, 'invalid_param', 'Bad Request']);
      assert.ok(body.moreInfo.endsWith('#invalid_param'));
    });
  }
});
