/**
 * Would a second engine in the same page load help? Runs IBM's accessibility-checker-engine
 * (Apache-2.0; its `ace.js` injected as axe-core is) over the ACT snapshot, alone, and sets its
 * violations beside Herald's outcomes from the last full run (docs/act/herald.earl.json):
 * what it detects, its false alarms, and what Herald would gain and lose by adding it,
 * deduplicated by example and success criterion. Not a dependency: install it for the probe only.
 *
 *   npm install --no-save accessibility-checker-engine@4.0.34
 *   node bench/tenon/act/second-engine.ts
 */
import { loopbackBrowsers } from '../serve.ts';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadSnapshot, serveSnapshot } from './harness.ts';

const require = createRequire(import.meta.url);
const ACE = readFileSync(require.resolve('accessibility-checker-engine/ace.js'), 'utf8');

/** Runs in the page: each failing result's rule id and its WCAG 2.2 criteria. */
const CHECK = `(async () => {
  const checker = new ace.Checker();
  const ruleset = checker.getGuidelines().find((g) => g.id === 'WCAG_2_2');
  const criteria = {};
  for (const cp of ruleset.checkpoints) for (const r of cp.rules || []) (criteria[r.id] ||= []).push(cp.num);
  const report = await checker.check(document, ['WCAG_2_2']);
  return report.results
    .filter((r) => r.value[0] === 'VIOLATION' && r.value[1] === 'FAIL')
    .map((r) => ({ rule: r.ruleId, criteria: criteria[r.ruleId] || [] }));
})()`;

interface Earl {
  '@graph': Array<{ source: string; assertions: Array<{ result: { outcome: string } }> }>;
}
const earl = JSON.parse(
  readFileSync(new URL('../../../docs/act/herald.earl.json', import.meta.url), 'utf8'),
) as Earl;
const heraldFailed = new Set(
  earl['@graph'].filter((s) => s.assertions[0]?.result.outcome === 'earl:failed').map((s) => s.source),
);

const snapshot = await loadSnapshot();
const pool = loopbackBrowsers();
const browser = await pool.acquire('chrome');
const server = await serveSnapshot();
const t = {
  detected: 0,
  falseAlarms: 0,
  gained: [] as string[],
  addedAlarms: [] as string[],
  ms: [] as number[],
};
const alarmRules = new Map<string, number>();
try {
  for (const tc of snapshot.testcases) {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.base}/${tc.relativePath}`, { waitUntil: 'load', timeout: 10_000 });
      const t0 = performance.now();
      await page.evaluate(ACE);
      const found = (await page.evaluate(CHECK)) as Array<{ rule: string; criteria: string[] }>;
      t.ms.push(performance.now() - t0);
      const hits = found.filter((f) => f.criteria.some((c) => tc.successCriteria.includes(c)));
      if (hits.length === 0) continue;
      const name = `${tc.ruleId} ${tc.testcaseTitle} (${[...new Set(hits.map((h) => h.rule))].join(', ')})`;
      if (tc.expected === 'failed') {
        t.detected++;
        if (!heraldFailed.has(tc.url)) t.gained.push(name);
      } else {
        t.falseAlarms++;
        for (const h of new Set(hits.map((x) => x.rule))) alarmRules.set(h, (alarmRules.get(h) ?? 0) + 1);
        if (!heraldFailed.has(tc.url)) t.addedAlarms.push(name);
      }
    } finally {
      await context.close();
    }
  }
} finally {
  await server.close();
  await pool.close();
}
t.ms.sort((a, b) => a - b);
console.log(
  JSON.stringify(
    {
      examples: snapshot.testcases.length,
      ibmAlone: { detected: t.detected, falseAlarms: t.falseAlarms },
      medianCheckMs: Math.round(t.ms[t.ms.length >> 1] ?? 0),
      wouldGain: t.gained,
      wouldAddFalseAlarms: t.addedAlarms.length,
      falseAlarmsByIbmRule: Object.fromEntries(alarmRules),
    },
    null,
    1,
  ),
);
