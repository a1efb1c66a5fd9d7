/**
 * The JUnit-like build report of Usetrace (`results/json`, the webhook reporters' body and the
 * `data` of build.finished), built from a build's runs. Pure: the same runs give the same
 * bytes, so a report announced twice is the same report.
 *
 * Counts are per trace, aggregated over browsers, which is what the seed's example shows
 * (one trace failing in two browsers: `errors: 1, failures: 1`):
 *  - `tests`: test cases (traces × browsers); `traces`: distinct traces;
 *  - `tracesPassed`: traces that passed in every browser;
 *  - `failures`: traces that failed in at least one browser (`traces - tracesPassed - skip`);
 *  - `errors`: those of the failed traces where some test case could not complete (error type
 *    "error": a timeout, a missing element, no browser) rather than only failing an assertion;
 *  - `skip`: traces not run; always 0 here (a test case that cannot run is an error);
 *  - `bugs`: traces tagged as a known bug; `bugsPassing`: those that passed (the bug may be fixed);
 *  - `expectedTracesToPass`: traces tagged neither bug nor flaky;
 *  - `buildStable`: every trace expected to pass passed. Bug and flaky traces never make a
 *    build unstable.
 */
import type { Build, BuildRun } from '../domain/builds.ts';

export interface TestCaseReport {
  className: 'Usetrace.trace';
  name: string;
  time: number;
  error: { type: 'error' | 'failure'; message: string } | null;
  browserName: string;
  traceName: string;
  taggedBug: boolean;
  taggedFlaky: boolean;
}

export interface BuildReport {
  name: string;
  tests: number;
  traces: number;
  expectedTracesToPass: number;
  tracesPassed: number;
  errors: number;
  failures: number;
  skip: number;
  bugs: number;
  bugsPassing: number;
  buildStable: boolean;
  testCase: TestCaseReport[];
}

export interface BuildSummary {
  request: number;
  finish: number;
  pass: number;
  fail: number;
}

/** Where reports link to, built from HERALD_PUBLIC_URL. */
export interface ReportLinks {
  details(buildId: string): string;
  screenshot(token: string): string;
}

export function reportLinks(publicUrl: string): ReportLinks {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    details: (buildId) => `${base}/builds/${encodeURIComponent(buildId)}`,
    screenshot: (token) => `${base}/screenshots/${token}.png`,
  };
}

const finished = (r: BuildRun): boolean => r.status === 'passed' || r.status === 'failed';

/** What failed, then `Details:` and (when one was taken) `Screenshot:`, as Usetrace writes it. */
export function errorMessage(run: BuildRun, links: ReportLinks): string {
  const what = run.error?.message ?? 'failed';
  const shot = run.screenshotToken === null ? '' : `\nScreenshot: ${links.screenshot(run.screenshotToken)}`;
  return `${what}\n\nDetails: ${links.details(run.buildId)}${shot}`;
}

/**
 * Usetrace's own reports name a test case `<browser>:<traceName>` with a leading space in
 * traceName (" Trace 3"); clients were written against that, so it is kept.
 */
export function testCaseOf(run: BuildRun, links: ReportLinks): TestCaseReport {
  const traceName = ` ${run.traceName}`;
  return {
    className: 'Usetrace.trace',
    name: `${run.browser}:${traceName}`,
    time: Math.round(run.durationMs ?? 0) / 1000,
    error:
      run.status === 'passed'
        ? null
        : { type: run.error?.type ?? 'error', message: errorMessage(run, links) },
    browserName: run.browser,
    traceName,
    taggedBug: run.taggedBug,
    taggedFlaky: run.taggedFlaky,
  };
}

/**
 * The report of the finished test cases, in run order (browsers as requested, then traces).
 * While a build runs it covers what has finished so far.
 */
export function buildReport(
  build: Pick<Build, 'baseUrl'>,
  runs: BuildRun[],
  links: ReportLinks,
): BuildReport {
  const done = runs.filter(finished).sort((a, b) => a.position - b.position);
  const traces = new Map<string, { passed: boolean; errored: boolean; bug: boolean; flaky: boolean }>();
  for (const r of done) {
    const t = traces.get(r.traceId) ?? {
      passed: true,
      errored: false,
      bug: r.taggedBug,
      flaky: r.taggedFlaky,
    };
    if (r.status !== 'passed') t.passed = false;
    if (r.status !== 'passed' && (r.error?.type ?? 'error') === 'error') t.errored = true;
    traces.set(r.traceId, t);
  }
  const all = [...traces.values()];
  const count = (f: (t: (typeof all)[number]) => boolean) => all.filter(f).length;
  const expected = (t: (typeof all)[number]) => !t.bug && !t.flaky;
  return {
    name: `Environment: ${build.baseUrl}`,
    tests: done.length,
    traces: all.length,
    expectedTracesToPass: count(expected),
    tracesPassed: count((t) => t.passed),
    errors: count((t) => !t.passed && t.errored),
    failures: count((t) => !t.passed),
    skip: 0,
    bugs: count((t) => t.bug),
    bugsPassing: count((t) => t.bug && t.passed),
    buildStable: count((t) => expected(t) && !t.passed) === 0,
    testCase: done.map((r) => testCaseOf(r, links)),
  };
}

export function buildSummary(runs: BuildRun[]): BuildSummary {
  return {
    request: runs.length,
    finish: runs.filter(finished).length,
    pass: runs.filter((r) => r.status === 'passed').length,
    fail: runs.filter((r) => r.status === 'failed').length,
  };
}

/** The data of build.finished: the report plus the build's id, project and commit. */
export function buildFinishedData(build: Build, report: BuildReport) {
  return {
    ...report,
    buildId: build.id,
    projectID: build.projectID,
    commit: build.commit,
    commitLink: build.commitLink,
  };
}
