/**
 * The build system: projects, site monitors and traces that announce themselves through
 * subscription hooks, and Usetrace-compatible builds run in real browsers that report to
 * webhook reporters. See README "Builds and webhook reporters".
 *
 *   request.ts   the execute body: capabilities and reporters, checked before anything is stored
 *   start.ts     a build and its runs, planned (BuildService commits them together)
 *   kind.ts      a test case as run-engine work (src/runs/): run, record, announce, sweep
 *   runner/      puppeteer-core: Chromium over CDP, Firefox over WebDriver BiDi (browsers from
 *                src/browsers/pool.ts, shared with the Tenon test runs)
 *   report.ts    the JUnit-like report, xunit.ts its XML form
 *   rules.ts     when a reporter sends (always, fails, changes)
 *   announce.ts  build.finished and the reporters' deliveries
 *
 * Its HTTP routes (the Usetrace-compatible API) are an adapter: src/api/usetrace/.
 */
export { buildReport, buildSummary, reportLinks, type BuildReport } from './report.ts';
export type { Build, BuildRun, Project, Site, Trace } from '../domain/builds.ts';
