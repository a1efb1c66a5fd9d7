/**
 * ACT Rules conformance of the Tenon engine: runs Herald and axe-core alone over every test case
 * of the snapshot (bench/tenon/act/snapshot), in the same Chromium, one page load per engine and
 * example, and writes
 *   - docs/act/herald.earl.json: Herald's implementation report in EARL JSON-LD, as submitted to
 *     the W3C (earl:failed / earl:cantTell / earl:passed per test case);
 *   - docs/act/report.md: the figures and the per-rule table beside axe-core;
 *   - bench/tenon/act/expected.json: each rule's consistency for Herald, which the CI test
 *     (test/tenon/act.test.ts) holds the engine to.
 *
 *   node bench/tenon/act-report.ts [--lanes 2] [--rule id,id] [--dry]
 */
import { loopbackBrowsers } from './serve.ts';
import { writeFileSync } from 'node:fs';
import { format } from 'prettier';
import { loadSnapshot, runCases, serveSnapshot, summariseRules, totals } from './act/harness.ts';
import { earlReport, markdownReport } from './act/report.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const lanes = Number(arg('lanes') ?? 2);
const only = arg('rule')?.split(',');
const dry = process.argv.includes('--dry');

const snapshot = await loadSnapshot();
const testcases = snapshot.testcases.filter((t) => !only || only.includes(t.ruleId));
const pool = loopbackBrowsers();
const browser = await pool.acquire('chrome');
const server = await serveSnapshot();
const started = performance.now();
try {
  let done = 0;
  const results = await runCases(browser, server.base, testcases, lanes, {
    onCase: (r) => {
      done++;
      const bad =
        (r.testcase.expected === 'failed') !== (r.outcomes.herald === 'failed') ? '  <-- herald' : '';
      if (bad || process.argv.includes('--verbose'))
        console.log(
          `${String(done).padStart(4)}/${testcases.length} ${r.testcase.ruleId} ${r.testcase.testcaseTitle.padEnd(24)} ` +
            `herald ${r.outcomes.herald.padEnd(8)} axe ${r.outcomes.axe.padEnd(8)} ${r.evidence.herald.join('; ')}${bad}`,
        );
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const rules = summariseRules(results);
  const t = totals(rules);
  console.log(JSON.stringify({ seconds: Math.round(seconds), ...t }, null, 1));
  if (!dry && !only) {
    const command = 'node bench/tenon/act-report.ts';
    // Written as the repository's format check wants them.
    const write = async (path: string, text: string, parser: 'markdown' | 'json') =>
      writeFileSync(new URL(path, import.meta.url), await format(text, { parser, printWidth: 110 }));
    await write(
      '../../docs/act/report.md',
      markdownReport(snapshot, rules, t, { command, seconds }),
      'markdown',
    );
    await write('../../docs/act/herald.earl.json', JSON.stringify(earlReport(snapshot, results)), 'json');
    const expected = Object.fromEntries(rules.map((r) => [r.ruleId, r.engines.herald.consistency]));
    await write('./act/expected.json', JSON.stringify(expected), 'json');
  }
} finally {
  await server.close();
  await pool.close();
}
