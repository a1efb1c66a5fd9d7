import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalisePage, parseCrawl, scopeOf } from '../../src/domain/crawl.ts';
import { HeraldError } from '../../src/domain/errors.ts';

describe('crawl settings', () => {
  test('defaults: 50 pages, depth 3; null is no crawl', () => {
    assert.deepEqual(parseCrawl({}), { maxPages: 50, maxDepth: 3 });
    assert.equal(parseCrawl(null), null);
    assert.deepEqual(parseCrawl({ maxPages: 500, maxDepth: 0, include: ['/docs/'], exclude: [] }), {
      maxPages: 500,
      maxDepth: 0,
      include: ['/docs/'],
      exclude: [],
    });
  });

  const bad: Array<[unknown, string]> = [
    [{ maxPages: 0 }, '/crawl/maxPages'],
    [{ maxPages: 501 }, '/crawl/maxPages'],
    [{ maxPages: 2.5 }, '/crawl/maxPages'],
    [{ maxDepth: 11 }, '/crawl/maxDepth'],
    [{ maxDepth: -1 }, '/crawl/maxDepth'],
    [{ include: 'docs' }, '/crawl/include'],
    [{ exclude: ['docs/'] }, '/crawl/exclude/0'],
    [{ depth: 2 }, '/crawl/depth'],
    [[], '/crawl'],
    ['all', '/crawl'],
  ];
  for (const [input, path] of bad)
    test(`refuses ${JSON.stringify(input)} at ${path}`, () => {
      assert.throws(
        () => parseCrawl(input),
        (e: unknown) =>
          e instanceof HeraldError &&
          e.code === 'VALIDATION_FAILED' &&
          (e.details as Array<{ path: string }>)[0]?.path === path,
      );
    });
});

describe('crawl scope', () => {
  const O = 'http://127.0.0.1:8080';
  const cases: Array<[string, object, string]> = [
    [`${O}/a`, {}, 'in'],
    ['http://127.0.0.1:8081/a', {}, 'offsite'],
    ['https://127.0.0.1:8080/a', {}, 'offsite'],
    [`${O}/archive/x`, { exclude: ['/archive/'] }, 'excluded'],
    [`${O}/docs/x`, { include: ['/docs/'] }, 'in'],
    [`${O}/blog/x`, { include: ['/docs/'] }, 'excluded'],
    [`${O}/docs/old/x`, { include: ['/docs/'], exclude: ['/docs/old/'] }, 'excluded'],
  ];
  for (const [url, over, want] of cases)
    test(`${url} ${JSON.stringify(over)}: ${want}`, () => {
      assert.equal(scopeOf(url, O, { maxPages: 50, maxDepth: 3, ...over }), want);
    });

  test('pages are http(s) without their fragment', () => {
    assert.equal(normalisePage('/a#top', `${O}/x`), `${O}/a`);
    assert.equal(normalisePage('?q=1', `${O}/x`), `${O}/x?q=1`);
    assert.equal(normalisePage('mailto:a@b.c'), null);
    assert.equal(normalisePage('javascript:void(0)'), null);
  });
});
