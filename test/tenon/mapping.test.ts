import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  buildResponse,
  certaintyOf,
  density,
  normaliseSnippet,
  signatureOf,
  tenonTime,
} from '../../src/tenon/mapping.ts';
import { SourceIndex, offsetToPosition } from '../../src/tenon/position.ts';
import type { RawRun, RuleOutcome } from '../../src/tenon/raw.ts';
import { parseTenonRequest } from '../../src/tenon/request.ts';
import { AXE_TIDS, HERALD_TIDS, tidFor } from '../../src/tenon/rule-table.ts';
import { standardsFor } from '../../src/tenon/standards.ts';
import { REFERENCE, shapeDiff } from './shape.ts';

/** A real engine run of bench/tenon/corpus/structure.html (axe-core 4.14), recorded. */
const RUN = JSON.parse(
  readFileSync(new URL('./fixtures/structure-run.json', import.meta.url), 'utf8'),
) as RawRun;
const mirror = (fields: Record<string, unknown> = {}) =>
  parseTenonRequest({ url: 'http://127.0.0.1/structure.html', ...fields }, { responseID: 'a'.repeat(32) })
    .mirror;

describe('Tenon mapping of axe results', () => {
  test('one issue per violating node, with stable tIDs, and the reference shape and types', () => {
    const res = buildResponse(RUN, mirror());
    assert.deepEqual(shapeDiff(REFERENCE, res), []);
    assert.equal(res.resultSet.length, 6);
    const byRule = Object.fromEntries(res.resultSet.map((i) => [i.tID, i]));
    const lang = byRule[AXE_TIDS['html-has-lang'] ?? -1];
    assert.ok(lang);
    assert.equal(lang.xpath, '/html');
    assert.deepEqual(lang.standards, ['WCAG 2.1 Level A: 3.1.1 Language of Page']);
    assert.deepEqual(lang.position, { line: 2, column: 1 });
    assert.equal(lang.certainty, 100);
    assert.equal(lang.priority, 85);
    assert.equal(lang.bpID, lang.tID + 100);
    assert.match(lang.ref, /^https:\/\/dequeuniversity\.com\//);
    assert.deepEqual(res.resultSummary.tests, { failing: 6, passing: 22, total: 28 });
    assert.equal(res.status, 200);
    assert.equal(res.code, 'success');
    assert.equal(res.responseTime, '2016-12-05T22:33:19+0000');
    assert.equal(res.responseExecTime, '0.23');
  });

  // [request options, issues kept]: thresholds are minimums, level is the highest level reported.
  const FILTERS: Array<[Record<string, unknown>, number]> = [
    [{}, 6],
    [{ level: 'AA' }, 4],
    [{ level: 'A' }, 3],
    [{ priority: '85' }, 4],
    [{ priority: '100' }, 1],
    // The two best-practice issues (no WCAG criterion) are warnings at certainty 20 (issue 16).
    [{ certainty: '20' }, 6],
    [{ certainty: '21' }, 4],
    [{ certainty: '100' }, 4],
    [{ level: 'A', priority: '100' }, 1],
  ];
  for (const [opts, kept] of FILTERS) {
    test(`filter ${JSON.stringify(opts)} keeps ${kept}`, () => {
      const res = buildResponse(RUN, mirror(opts));
      assert.equal(res.resultSet.length, kept);
      assert.equal(res.resultSummary.issues.totalIssues, kept);
      const levels = res.resultSummary.issuesByLevel;
      assert.equal(levels.A.count + levels.AA.count + levels.AAA.count, kept);
    });
  }

  test('summary: densities per KB×100 as in the reference, pct per level', () => {
    assert.equal(density(1, 1256), 82);
    assert.equal(density(0, 1256), 0);
    assert.equal(density(3, 0), 0);
    const s = buildResponse(RUN, mirror()).resultSummary;
    assert.equal(s.issuesByLevel.A.count, 3);
    assert.equal(s.issuesByLevel.A.pct, 50);
    assert.equal(s.issues.totalErrors, 4);
    assert.equal(s.issues.totalWarnings, 2, 'best practice is a warning, never an error');
  });

  test('needs review is a warning: certainty 40, counted apart', () => {
    const rule = { ...(RUN.rules[0] as RuleOutcome), kind: 'incomplete' as const };
    assert.equal(certaintyOf(rule), 40);
    const res = buildResponse({ ...RUN, rules: [rule] }, mirror());
    assert.deepEqual(res.resultSummary.issues, { totalErrors: 0, totalIssues: 1, totalWarnings: 1 });
    assert.equal(buildResponse({ ...RUN, rules: [rule] }, mirror({ certainty: '60' })).resultSet.length, 0);
  });

  test('signature: same rule, element and markup across runs; issueID differs per run', () => {
    const a = buildResponse(RUN, mirror()).resultSet;
    const b = buildResponse(RUN, { ...mirror(), responseID: 'b'.repeat(32) }).resultSet;
    assert.deepEqual(
      a.map((i) => i.signature),
      b.map((i) => i.signature),
    );
    assert.notEqual(a[0]?.issueID, b[0]?.issueID);
    assert.equal(
      signatureOf('list', '/html/body/ul', '<ul>\n  <li>a</li>\n</ul>'),
      signatureOf('list', '/html/body/ul', '<UL><li>a</li></UL>'),
    );
    assert.notEqual(
      signatureOf('list', '/html/body/ul', '<ul>'),
      signatureOf('list', '/html/body/ul[2]', '<ul>'),
    );
    assert.equal(normaliseSnippet('  <p>\n a  b </p> '), '<p> a b </p>');
  });

  test('ref=0 leaves the help URL out', () => {
    assert.ok(buildResponse(RUN, mirror({ ref: '0' })).resultSet.every((i) => i.ref === ''));
  });

  const STANDARDS: Array<[string[], string[], string]> = [
    [['wcag2a', 'wcag111'], ['WCAG 2.1 Level A: 1.1.1 Non-text Content'], 'A'],
    [['wcag2aa', 'wcag143'], ['WCAG 2.1 Level AA: 1.4.3 Contrast (Minimum)'], 'AA'],
    [['wcag1412', 'wcag21aa'], ['WCAG 2.1 Level AA: 1.4.12 Text Spacing'], 'AA'],
    [['wcag22aa', 'wcag258'], ['WCAG 2.2 Level AA: 2.5.8 Target Size (Minimum)'], 'AA'],
    [
      ['wcag249', 'wcag244'],
      [
        'WCAG 2.1 Level A: 2.4.4 Link Purpose (In Context)',
        'WCAG 2.1 Level AAA: 2.4.9 Link Purpose (Link Only)',
      ],
      'A',
    ],
    [['best-practice', 'cat.semantics'], [], 'AAA'],
  ];
  for (const [tags, standards, level] of STANDARDS) {
    test(`standards for ${tags.join(',')}`, () => assert.deepEqual(standardsFor(tags), { standards, level }));
  }

  test('tIDs are unique across axe and Herald rules, and every axe-core rule has one', async () => {
    const all = [...Object.values(AXE_TIDS), ...Object.values(HERALD_TIDS)];
    assert.equal(new Set(all).size, all.length);
    const axe = (await import('axe-core')).default;
    for (const r of axe.getRules()) assert.notEqual(tidFor(r.ruleId), 9999, r.ruleId);
  });

  test('tenonTime is UTC without milliseconds', () =>
    assert.equal(tenonTime(1476242227000), '2016-10-12T03:17:07+0000'));
});

describe('source positions', () => {
  const SRC =
    '<!doctype html>\n<html>\n<!-- <img src=x> -->\n<body>\n  <img src="a.png">\n<script>"<img>"</script>\n  <img alt="x" src=b>\n</body></html>';
  const index = new SourceIndex(SRC);
  const CASES: Array<
    [string, { tag: string; ordinal: number; tagCount: number; snippet: string }, [number, number]]
  > = [
    ['a unique start tag', { tag: 'img', ordinal: 0, tagCount: 2, snippet: '<img src="a.png">' }, [5, 3]],
    [
      'the n-th tag when the counts agree',
      { tag: 'img', ordinal: 1, tagCount: 2, snippet: '<img alt="x" src="b">' },
      [7, 3],
    ],
    [
      'unknown when a script added elements',
      { tag: 'img', ordinal: 2, tagCount: 3, snippet: '<img src="c">' },
      [0, 0],
    ],
    ['the html element', { tag: 'html', ordinal: 0, tagCount: 1, snippet: '<html><head></head>' }, [2, 1]],
    [
      'unknown for a parser-made body tag',
      { tag: 'tbody', ordinal: 0, tagCount: 1, snippet: '<tbody>' },
      [0, 0],
    ],
  ];
  for (const [name, node, [line, column]] of CASES) {
    test(name, () => assert.deepEqual(index.find(node), { line, column }));
  }
});

describe('docs/tenon.md', () => {
  test('its tID table lists every rule of rule-table.ts with the same numbers', () => {
    const doc = readFileSync(new URL('../../docs/tenon.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| *(\d+) *\| *(\d+) *\| *`([a-z0-9-]+)` *\|/gm)].map((m) => [
        m[3],
        [Number(m[1]), Number(m[2])],
      ]),
    );
    for (const [id, tID] of Object.entries({ ...AXE_TIDS, ...HERALD_TIDS })) {
      assert.deepEqual(rows.get(id), [tID, tID + 100], id);
    }
  });
});

describe('source index', () => {
  const POSITIONS: Array<[string, number, [number, number]]> = [
    ['ab', 0, [1, 1]],
    ['ab', 1, [1, 2]],
    ['a\nb', 2, [2, 1]],
    ['a\n\nbc', 4, [3, 2]],
  ];
  for (const [src, offset, [line, column]] of POSITIONS) {
    test(`offset ${offset} in ${JSON.stringify(src)} is ${line}:${column}`, () =>
      assert.deepEqual(offsetToPosition(src, offset), { line, column }));
  }

  test('hundreds of look-ups in a megabyte of source stay fast', () => {
    const src = '<html>\n<body>\n' + '<div class="x">text</div>\n'.repeat(40_000) + '</body></html>';
    const t0 = performance.now();
    const index = new SourceIndex(src);
    for (let i = 0; i < 500; i++) {
      const p = index.find({
        tag: 'div',
        ordinal: i * 80,
        tagCount: 40_000,
        snippet: '<div class="x">text</div>',
      });
      assert.equal(p.line, i * 80 + 3);
    }
    assert.ok(performance.now() - t0 < 2000, `${performance.now() - t0} ms`);
  });
});
