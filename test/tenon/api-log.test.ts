import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { API_LOG_FIELDS, toApiLog } from '../../src/tenon/api-log.ts';
import { buildResponse } from '../../src/tenon/mapping.ts';
import type { RawRun } from '../../src/tenon/raw.ts';
import { parseTenonRequest } from '../../src/tenon/request.ts';

const RUN = JSON.parse(
  readFileSync(new URL('./fixtures/structure-run.json', import.meta.url), 'utf8'),
) as RawRun;

/** The seed's apiLog example, its `// comment` removed, as the type reference. */
function seedApiLog(): Record<string, unknown> {
  const text = readFileSync('/work/shared/seeds/tenon-web-hooks.txt', 'utf8');
  const start = text.indexOf('{\n  "object": "apiLog"');
  const end = text.indexOf('\n}', start) + 2;
  return JSON.parse(text.slice(start, end).replace(/(?<!:)\/\/.*$/gm, '')) as Record<string, unknown>;
}

describe('apiLog record of a test run', () => {
  test('has exactly the seed fields, in order, each of the seed type', () => {
    const mirror = parseTenonRequest({
      url: 'http://127.0.0.1/structure.html',
      waitFor: '2000',
      store: '1',
    }).mirror;
    const log = toApiLog(buildResponse(RUN, mirror), RUN);
    const seed = seedApiLog();
    assert.deepEqual(Object.keys(log), Object.keys(seed));
    assert.deepEqual(Object.keys(log), [...API_LOG_FIELDS]);
    for (const [k, v] of Object.entries(seed)) {
      const want = Array.isArray(v) ? 'array' : typeof v;
      assert.equal(typeof (log as unknown as Record<string, unknown>)[k], want, k);
    }
  });

  test('its numbers come from the run', () => {
    const mirror = parseTenonRequest({ url: 'http://127.0.0.1/structure.html', level: 'AA' }).mirror;
    const res = buildResponse(RUN, mirror);
    const log = toApiLog(res, RUN);
    assert.equal(log.status, '200');
    assert.equal(log.errors, 4);
    assert.equal(log.warnings, 0);
    assert.equal(log.issuesByLevelA + log.issuesByLevelAA + log.issuesByLevelAAA, 4);
    assert.equal(log.testsFailing, 4);
    assert.equal(log.testsFailing + log.testsPassing, RUN.testsRun);
    assert.equal(log.true_http_code, 200);
    assert.equal(log.pageTitle, 'Team');
    assert.equal(log.reqLevel, 'AA');
    assert.equal(log.delay, 0);
    assert.deepEqual([log.startTime, log.endTime], [RUN.startTime, RUN.endTime]);
    assert.equal(log.fullResponse, res);
  });
});
