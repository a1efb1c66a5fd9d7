import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MAX_EVENT_BYTES,
  MAX_DATA_DEPTH,
  dataBytesOver,
  envelopeJson,
  nestedDeeperThan,
} from '../../src/ingest/limits.ts';
import { loadConfig } from '../../src/config.ts';

const nest = (depth: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { a: v } : [v];
  return v;
};

test('nesting depth counts objects and arrays, data itself being level 1', () => {
  const cases: Array<[unknown, number, boolean]> = [
    [{}, 1, false],
    [{}, 0, true],
    [{ a: 1, b: 'x', c: null }, 1, false],
    [{ a: {} }, 1, true],
    [{ a: [] }, 2, false],
    [nest(64), 64, false],
    [nest(65), 64, true],
    [{ wide: Array.from({ length: 1000 }, () => ({ x: 1 })) }, 3, false],
    [{ a: 1, b: { c: { d: {} } } }, 3, true],
  ];
  for (const [value, max, deeper] of cases)
    assert.equal(nestedDeeperThan(value, max), deeper, `${JSON.stringify(value).slice(0, 40)} > ${max}`);
});

test('nesting 100,000 deep is measured without overflowing the stack', () => {
  assert.equal(nestedDeeperThan(nest(100_000), MAX_DATA_DEPTH), true);
});

test('the envelope is its four keys in order, data last and as JSON.stringify writes it', () => {
  const data = { object: 'site', name: 'ñ "quoted" \u2028', list: [1, 2.5, null, true] };
  assert.equal(
    envelopeJson('e"1', 'site.created', 1700000000123, data),
    `{"eventID":"e\\"1","event":"site.created","dateAdded":1700000000123,"data":${JSON.stringify(data)}}`,
  );
});

test("data's size is its UTF-8 bytes, counted only when it may be over the limit", () => {
  const cases: Array<[string, unknown, number, number | null]> = [
    ['plain', { a: 'x'.repeat(100) }, 100, 108],
    ['at the limit', { a: 'x'.repeat(92) }, 100, null],
    ['small enough to skip the count', { a: 'x' }, 100, null],
    ['multi-byte', { a: 'é'.repeat(50) }, 100, 108],
    ['4-byte characters', { a: '😀'.repeat(25) }, 100, 108],
    ['multi-byte, under', { a: 'é'.repeat(40) }, 100, null],
    // The head's strings may hold `,"data":` only escaped: the count starts at the real key.
    ['data key in the eventID', { a: 'x'.repeat(100) }, 100, 108],
  ];
  for (const [name, data, limit, over] of cases) {
    const id = name === 'data key in the eventID' ? ',"data":{"a":"é' : 'evt-1';
    const envelope = envelopeJson(id, 'site.created', 1, data);
    assert.equal(dataBytesOver(envelope, limit), over, name);
    const bytes = Buffer.byteLength(JSON.stringify(data));
    assert.equal(bytes > limit ? bytes : null, over, `${name}: the case itself`);
  }
});

/** The one issue of shared/reference/tenon-test-api-response-2016.json (about 1 KB). */
const TENON_ISSUE = {
  bpID: 118,
  certainty: 100,
  errorDescription:
    "The language of the document has not been set. Set the document's language by adding the `lang` attribute to the `<html>` element using a ISO 639-1 language code.",
  errorSnippet:
    '<html><head>\n <title>Example Domain</title>\n\n <meta charset="utf-8">\n <meta http-equiv="Content-type" content="text/html; charset=utf-8">\n <meta name="viewport" content="width=device-width, initial-scale',
  errorTitle: 'The language of this page is not set.',
  issueID: 'b74639723cf4dd0361cf5b34ceba43bb',
  position: { column: 1, line: 1 },
  priority: 77,
  ref: 'https://tenon.io/bestpractice.php?bpID=118&tID=3',
  resultTitle: "Identify the page's language.",
  signature: '3cc1161591cd0a1f606898e98ddeb0d6',
  standards: ['Web Content Accessibility Guidelines (WCAG) 2.0, Level A: 3.1.1 Language of Page'],
  tID: 3,
  viewPortLocation: {
    'bottom-right': { x: 800, y: 449 },
    height: 449,
    'top-left': { x: 0, y: 0 },
    width: 800,
  },
  xpath: '/html',
};

test('the default cap holds a Tenon apiLog carrying a full API response of 500 issues', () => {
  const fullResponse = {
    status: 200,
    code: 'success',
    message: 'success',
    documentSize: 1256,
    resultSet: Array.from({ length: 500 }, () => TENON_ISSUE),
    resultSummary: { issues: { totalErrors: 500, totalIssues: 500, totalWarnings: 0 } },
  };
  const data = {
    object: 'apiLog',
    issuesByLevelA: 300,
    issuesByLevelAA: 150,
    issuesByLevelAAA: 50,
    testsFailing: 40,
    testsPassing: 60,
    pageTitle: 'A heavy page',
    fullResponse,
  };
  const bytes = Buffer.byteLength(JSON.stringify(data));
  assert.ok(bytes > 400_000 && bytes < DEFAULT_MAX_EVENT_BYTES, `${bytes} bytes`);
  assert.equal(loadConfig({}).maxEventBytes, DEFAULT_MAX_EVENT_BYTES);
});
