import assert from 'node:assert/strict';
import { loopbackBrowsers } from '../../bench/tenon/serve.ts';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { actRulesOf, loadSnapshot, runCases, serveSnapshot } from '../../bench/tenon/act/harness.ts';
import type { Consistency } from '../../bench/tenon/act/harness.ts';
import type { ActTestcase } from '../../bench/tenon/act/rules.ts';
import { AXE_TIDS, HERALD_TIDS } from '../../src/tenon/rule-table.ts';

/**
 * The ACT Rules subset CI re-checks on every change (issue 16): every rule Herald handled
 * consistently in the last full run (bench/tenon/act/expected.json, written by
 * `node bench/tenon/act-report.ts`) must still fail its failed examples and raise no error on its
 * passed and inapplicable ones. To fit CI (≲ 2 minutes on 2 cores), each rule is checked on its
 * first FAILED failed example(s) and first OTHER passed or inapplicable ones (what turns a rule
 * inconsistent is a false alarm, so those weigh more); the full run covers
 * the rest. Herald only: the axe-core baseline is the full run's business.
 */
const FAILED = 1;
const OTHER = 2;

const expected = JSON.parse(
  readFileSync(new URL('../../bench/tenon/act/expected.json', import.meta.url), 'utf8'),
) as Record<string, Consistency>;
const snapshot = await loadSnapshot();

function subset(testcases: ActTestcase[], ruleId: string): ActTestcase[] {
  const mine = testcases.filter((t) => t.ruleId === ruleId);
  return [
    ...mine.filter((t) => t.expected === 'failed').slice(0, FAILED),
    ...mine.filter((t) => t.expected !== 'failed').slice(0, OTHER),
  ];
}

let browser: Browser;
let server: Awaited<ReturnType<typeof serveSnapshot>>;
const pool = loopbackBrowsers();
before(async () => {
  browser = await pool.acquire('chrome');
  server = await serveSnapshot();
});
after(async () => {
  await server?.close();
  await pool.close();
});

const consistent = Object.entries(expected)
  .filter(([, c]) => c === 'consistent')
  .map(([id]) => id);

describe('ACT Rules: the rules Herald handled consistently stay consistent', () => {
  test('the subset is not empty (a check over nothing proves nothing)', () => {
    assert.ok(consistent.length >= 20, `only ${consistent.length} consistent rules in expected.json`);
  });

  for (const ruleId of consistent) {
    const cases = subset(snapshot.testcases, ruleId);
    test(`${ruleId} ${cases[0]?.ruleName ?? ''}`, async () => {
      const results = await runCases(browser, server.base, cases, 2, { engines: ['herald'] });
      const wrong = results
        .filter((r) => (r.testcase.expected === 'failed') !== (r.outcomes.herald === 'failed'))
        .map((r) => `${r.testcase.testcaseTitle}: ${r.outcomes.herald} (${r.evidence.herald.join('; ')})`);
      assert.deepEqual(wrong, []);
    });
  }
});

describe('ACT Rules: the rule mapping the second measure counts by', () => {
  test("axe-core rules by the ACT ids they declare, Herald's by its own table, the rest by none", () => {
    assert.deepEqual(actRulesOf(AXE_TIDS['label']!), ['e086e5']);
    assert.deepEqual(actRulesOf(AXE_TIDS['aria-required-attr']!), ['4e8ab6']);
    assert.deepEqual(actRulesOf(HERALD_TIDS['herald-label-not-in-name']!), ['2ee8b8']);
    assert.deepEqual(actRulesOf(HERALD_TIDS['herald-role-not-focusable']!), []);
    assert.deepEqual(actRulesOf(AXE_TIDS['region']!), []);
  });
});
