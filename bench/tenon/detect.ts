/**
 * Detection benchmark for the Tenon engine: serves bench/tenon/corpus on loopback, tests every
 * page with axe-core alone and with axe + Herald's rules, and prints the share of marked
 * barriers found and the errors raised on clean pages. Then measures warm test runs per minute.
 *
 *   node bench/tenon/detect.ts [--runs 30]
 *
 * A barrier is the element carrying `data-barrier="name"`; it counts as found when any issue
 * (error or warning) is reported on that element. Clean pages are `clean-*.html`: every error
 * (certainty ≥ 60) on them is a false error; warnings ("needs review") are listed apart.
 */
import { readdir, readFile } from 'node:fs/promises';
import { testPage } from '../../src/tenon/engine.ts';
import { isWarning } from '../../src/tenon/mapping.ts';
import { parseTenonRequest } from '../../src/tenon/request.ts';
import { CORPUS_DIR, barriersOf, foundBarriers, serveCorpus, loopbackBrowsers } from './serve.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;

// Chromium behind Herald's filtering proxy, as builds and test runs use it, opened to loopback.
const pool = loopbackBrowsers();
const browser = await pool.acquire('chrome');
const server = await serveCorpus();
try {
  const files = (await readdir(CORPUS_DIR)).filter((f) => f.endsWith('.html')).sort();
  const totals = {
    axe: { found: 0, falseErrors: 0, warnings: 0 },
    herald: { found: 0, falseErrors: 0, warnings: 0 },
  };
  let barrierCount = 0;
  for (const file of files) {
    const html = await readFile(new URL(file, CORPUS_DIR), 'utf8');
    const barriers = barriersOf(html);
    barrierCount += barriers.length;
    for (const mode of ['axe', 'herald'] as const) {
      const req = parseTenonRequest({ url: `${server.base}/${file}` });
      const res = await testPage(browser, req, mode === 'axe' ? { axeAlone: true } : {});
      if (!('resultSet' in res)) throw new Error(`${file}: ${res.code} ${res.message}`);
      const found = foundBarriers(res);
      const hit = barriers.filter((b) => found.has(b));
      const t = totals[mode];
      t.found += hit.length;
      if (file.startsWith('clean-')) {
        const errors = res.resultSet.filter((i) => !isWarning(i));
        t.falseErrors += errors.length;
        t.warnings += res.resultSet.length - errors.length;
        for (const e of errors)
          console.log(`  false error [${mode}] ${file}: tID ${e.tID} ${e.errorTitle} at ${e.xpath}`);
        for (const w of res.resultSet.filter((x) => isWarning(x))) {
          console.log(`  warning [${mode}] ${file}: tID ${w.tID} ${w.errorTitle} at ${w.xpath}`);
        }
      }
      const missed = barriers.filter((b) => !found.has(b));
      console.log(
        `${mode.padEnd(6)} ${file.padEnd(20)} found ${hit.length}/${barriers.length}` +
          (missed.length ? `  missed: ${missed.join(', ')}` : ''),
      );
    }
  }
  console.log('');
  for (const mode of ['axe', 'herald'] as const) {
    const t = totals[mode];
    const label = mode === 'axe' ? 'axe-core alone' : 'axe + Herald rules';
    console.log(
      `${label.padEnd(20)} barriers found ${t.found}/${barrierCount} (${((t.found * 100) / barrierCount).toFixed(1)}%), ` +
        `false errors on clean pages ${t.falseErrors}, warnings on clean pages ${t.warnings}`,
    );
  }

  // Throughput: the same mid-sized page, browser warm, runs one after another.
  const req = parseTenonRequest({ url: `${server.base}/clean-article.html` });
  await testPage(browser, req);
  const t0 = performance.now();
  for (let i = 0; i < RUNS; i++)
    await testPage(browser, parseTenonRequest({ url: `${server.base}/clean-article.html` }));
  const perRun = (performance.now() - t0) / RUNS;
  console.log(
    `throughput: ${RUNS} sequential runs, ${perRun.toFixed(0)} ms each, ${(60_000 / perRun).toFixed(0)} runs/minute (browser warm)`,
  );
  // Two at a time, one browser: what a worker with concurrency 2 gets on this machine.
  const t1 = performance.now();
  const lanes = [0, 1].map(async () => {
    for (let i = 0; i < RUNS / 2; i++)
      await testPage(browser, parseTenonRequest({ url: `${server.base}/clean-article.html` }));
  });
  await Promise.all(lanes);
  const perRun2 = (performance.now() - t1) / (2 * Math.floor(RUNS / 2));
  console.log(`throughput: 2 runs at a time, ${(60_000 / perRun2).toFixed(0)} runs/minute (browser warm)`);
} finally {
  await server.close();
  await pool.close();
}
