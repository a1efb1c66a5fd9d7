import type { BuildId, RunId, TraceId } from '../../src/domain/ids.ts';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  buildReport,
  buildSummary,
  errorMessage,
  reportLinks,
  type BuildReport,
} from '../../src/builds/report.ts';
import type { BrowserName, BuildRun, RunError } from '../../src/domain/builds.ts';
import { toXunit } from '../../src/builds/xunit.ts';
import { validateResults } from './helpers/builds.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const links = reportLinks('https://herald.example.test/');

let position = 0;
function run(
  trace: string,
  browser: BrowserName,
  status: BuildRun['status'],
  over: Partial<BuildRun> & { error?: RunError | null } = {},
): BuildRun {
  return {
    id: `run_${position}` as RunId,
    buildId: 'bld_1' as BuildId,
    tenantId: 'ten_1',
    position: position++,
    traceId: `trc_${trace}` as TraceId,
    traceName: trace,
    taggedBug: false,
    taggedFlaky: false,
    browser,
    steps: [{ action: 'open', url: '/' }],
    status,
    attempts: 1,
    leaseOwner: null,
    leaseUntil: null,
    startedAt: 1,
    finishedAt: status === 'passed' || status === 'failed' ? 2 : null,
    durationMs: 1234.4,
    error: status === 'failed' ? { type: 'error', message: 'Timeout opening the email client' } : null,
    failedStep: null,
    screenshotToken: null,
    ...over,
  };
}

const counts = (r: BuildReport) => {
  const { name: _n, testCase: _t, ...rest } = r;
  return rest;
};

describe('build report', () => {
  test("the seed's example: one trace failing in two browsers counts once in errors and failures", () => {
    const seed = fixture('usetrace-seed-report.json');
    const runs = [
      run('Trace 1', 'chrome', 'failed'),
      run('Trace 2', 'chrome', 'passed'),
      run('Trace 1', 'firefox', 'failed'),
      run('Trace 2', 'firefox', 'passed'),
    ];
    const report = buildReport({ baseUrl: 'http://testsite.usetrace.com/' }, runs, links);
    assert.deepEqual(counts(report), counts(seed));
    assert.equal(report.name, seed.name);
    assert.deepEqual(
      report.testCase.map((t) => [t.name, t.error?.type ?? null]),
      seed.testCase.map((t: { name: string; error: { type: string } | null }) => [
        t.name,
        t.error?.type ?? null,
      ]),
    );
  });

  test('the reference reports: a flaky trace is not expected to pass, and passing it keeps the build stable', () => {
    for (const [file, browsers] of [
      ['usetrace-build-results-one-browser.json', ['chrome']],
      ['usetrace-build-results-two-browsers.json', ['chrome', 'firefox']],
    ] as const) {
      const ref = fixture(file);
      const first = ref.testCase[0];
      const runs = browsers.map((b) =>
        run(first.traceName.trim(), b, 'passed', {
          taggedBug: first.taggedBug,
          taggedFlaky: first.taggedFlaky,
        }),
      );
      const report = buildReport({ baseUrl: ref.name.replace('Environment: ', '') }, runs, links);
      assert.deepEqual(counts(report), counts(ref), file);
      assert.deepEqual(
        report.testCase.map(({ time: _t, ...rest }) => rest),
        ref.testCase.map(({ time: _t, ...rest }: { time: number }) => rest),
        file,
      );
    }
  });

  const table: Array<[string, BuildRun[], Partial<BuildReport>]> = [
    [
      'everything passes',
      [run('A', 'chrome', 'passed'), run('B', 'chrome', 'passed')],
      {
        tests: 2,
        traces: 2,
        expectedTracesToPass: 2,
        tracesPassed: 2,
        errors: 0,
        failures: 0,
        bugs: 0,
        bugsPassing: 0,
        buildStable: true,
      },
    ],
    [
      'an assertion fails in one browser only: a failure, not an error',
      [
        run('A', 'chrome', 'passed'),
        run('A', 'firefox', 'failed', { error: { type: 'failure', message: 'expected' } }),
      ],
      { tests: 2, traces: 1, tracesPassed: 0, errors: 0, failures: 1, buildStable: false },
    ],
    [
      'a known bug fails: counted, but the build stays stable',
      [run('A', 'chrome', 'passed'), run('Bug', 'chrome', 'failed', { taggedBug: true })],
      {
        traces: 2,
        expectedTracesToPass: 1,
        tracesPassed: 1,
        failures: 1,
        errors: 1,
        bugs: 1,
        bugsPassing: 0,
        buildStable: true,
      },
    ],
    [
      'a known bug passes: bugsPassing says it may be fixed',
      [
        run('Bug', 'chrome', 'passed', { taggedBug: true }),
        run('Bug', 'firefox', 'passed', { taggedBug: true }),
      ],
      { traces: 1, expectedTracesToPass: 0, tracesPassed: 1, bugs: 1, bugsPassing: 1, buildStable: true },
    ],
    [
      'a known bug that passes in one browser only is not passing',
      [
        run('Bug', 'chrome', 'passed', { taggedBug: true }),
        run('Bug', 'firefox', 'failed', { taggedBug: true }),
      ],
      { bugs: 1, bugsPassing: 0, tracesPassed: 0, buildStable: true },
    ],
    [
      'a flaky trace fails: the build stays stable',
      [run('A', 'chrome', 'passed'), run('Flaky', 'chrome', 'failed', { taggedFlaky: true })],
      { expectedTracesToPass: 1, tracesPassed: 1, failures: 1, buildStable: true },
    ],
    [
      'a trace tagged both bug and flaky is expected to pass neither way',
      [run('Both', 'chrome', 'failed', { taggedBug: true, taggedFlaky: true })],
      { expectedTracesToPass: 0, bugs: 1, failures: 1, buildStable: true },
    ],
    [
      'unfinished test cases are not in the report yet',
      [run('A', 'chrome', 'passed'), run('A', 'firefox', 'running'), run('B', 'chrome', 'queued')],
      { tests: 1, traces: 1, tracesPassed: 1, buildStable: true },
    ],
    ['no test cases', [], { tests: 0, traces: 0, tracesPassed: 0, buildStable: true }],
  ];
  for (const [what, runs, expected] of table)
    test(`counts: ${what}`, () => {
      const report = buildReport({ baseUrl: 'http://x.example/' }, runs, links);
      for (const [k, v] of Object.entries(expected)) assert.equal(report[k as keyof BuildReport], v, k);
      // The counts always agree with one another and with the list.
      assert.equal(report.tests, report.testCase.length);
      assert.equal(report.failures + report.tracesPassed + report.skip, report.traces);
      assert.ok(report.errors <= report.failures);
      assert.ok(report.bugsPassing <= report.bugs && report.bugsPassing <= report.tracesPassed);
      assert.ok(report.expectedTracesToPass <= report.traces);
      validateResults(report);
    });

  test('a test case is "<browser>:<traceName>" with Usetrace\'s leading space, time in seconds', () => {
    const [tc] = buildReport(
      { baseUrl: 'http://x/' },
      [run('Trace 3', 'chrome', 'passed', { durationMs: 2644.4 })],
      links,
    ).testCase;
    assert.deepEqual(tc, {
      className: 'Usetrace.trace',
      name: 'chrome: Trace 3',
      time: 2.644,
      error: null,
      browserName: 'chrome',
      traceName: ' Trace 3',
      taggedBug: false,
      taggedFlaky: false,
    });
  });

  test('an error message says what failed, then Details and Screenshot built from HERALD_PUBLIC_URL', () => {
    const r = run('A', 'chrome', 'failed', {
      buildId: 'bld_01abc' as BuildId,
      error: {
        type: 'failure',
        message: 'Step 2 (assertTitle "Home"): expected the title to be "Home", but it is "Log in"',
      },
      screenshotToken: 'tok',
    });
    assert.equal(
      errorMessage(r, links),
      'Step 2 (assertTitle "Home"): expected the title to be "Home", but it is "Log in"' +
        '\n\nDetails: https://herald.example.test/builds/bld_01abc\nScreenshot: https://herald.example.test/screenshots/tok.png',
    );
    // No screenshot (the browser never started): no Screenshot line.
    assert.equal(
      errorMessage({ ...r, screenshotToken: null, error: { type: 'error', message: 'no browser' } }, links),
      'no browser\n\nDetails: https://herald.example.test/builds/bld_01abc',
    );
  });

  test('status summary counts requested, finished, passed and failed test cases', () => {
    const runs = [
      run('A', 'chrome', 'passed'),
      run('B', 'chrome', 'failed'),
      run('C', 'chrome', 'running'),
      run('D', 'chrome', 'queued'),
    ];
    assert.deepEqual(buildSummary(runs), { request: 4, finish: 2, pass: 1, fail: 1 });
  });

  test("the reference reports and the seed's example match schemas/build-results.json", () => {
    for (const f of [
      'usetrace-build-results-one-browser.json',
      'usetrace-build-results-two-browsers.json',
      'usetrace-seed-report.json',
    ])
      validateResults(fixture(f));
    assert.throws(() => validateResults({ ...fixture('usetrace-seed-report.json'), extra: 1 }));
  });

  test('the xunit form counts test cases the JUnit way and escapes everything', () => {
    const runs = [
      run('A & <B>', 'chrome', 'passed'),
      run('A & <B>', 'firefox', 'failed', { error: { type: 'failure', message: 'expected "x" <y>\u0007' } }),
      run('C', 'chrome', 'failed'),
    ];
    const report = buildReport({ baseUrl: 'http://x.example/?a=1&b=2' }, runs, links);
    const xml = toXunit(report, { buildId: 'bld_1', timestamp: Date.UTC(2026, 0, 2, 3, 4, 5) });
    assert.match(
      xml,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="Environment: http:\/\/x.example\/\?a=1&amp;b=2" tests="3" failures="1" errors="1" skipped="0"/,
    );
    assert.match(xml, /timestamp="2026-01-02T03:04:05"/);
    assert.match(
      xml,
      /<testcase classname="Usetrace.trace" name="chrome: A &amp; &lt;B&gt;" time="1.234"\/>/,
    );
    assert.match(
      xml,
      /<failure type="failure" message="expected &quot;x&quot; &lt;y&gt;\uFFFD">expected &quot;x&quot; &lt;y&gt;\uFFFD\n\nDetails: /,
    );
    assert.match(xml, /<error type="error" message="Timeout opening the email client">/);
    assert.match(xml, /<property name="buildStable" value="false"\/>/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 3);
  });
});
