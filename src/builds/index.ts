/**
 * The build system: projects, site monitors and traces that announce themselves through
 * subscription hooks, and Usetrace-compatible builds run in real browsers that report to
 * webhook reporters. See README "Builds and webhook reporters".
 *
 *   routes/      the API (resources, execute, status and results) and public screenshots
 *   request.ts   the execute body: capabilities and reporters, checked before anything is stored
 *   start.ts     a build and its runs, planned (BuildService commits them together)
 *   queue.ts     the worker's durable queue: claim, run, record, announce
 *   runner/      puppeteer-core: Chromium over CDP, Firefox over WebDriver BiDi
 *   report.ts    the JUnit-like report, xunit.ts its XML form
 *   rules.ts     when a reporter sends (always, fails, changes)
 *   announce.ts  build.finished and the reporters' deliveries
 */
import type { ServiceDeps } from '../services/deps.ts';
import { BuildQueue, registerQueue } from './queue.ts';

export { buildReport, buildSummary, reportLinks, type BuildReport } from './report.ts';
export type { Build, BuildRun, Project, Site, Trace } from '../domain/builds.ts';

/** Background services of the build system (the durable build queue and its runner). */
export interface BuildServices {
  queue: BuildQueue;
  stop(): Promise<void>;
}

/** Starts the build runner in a worker process. */
export async function startBuildServices(deps: ServiceDeps): Promise<BuildServices> {
  const queue = new BuildQueue(deps);
  queue.start();
  registerQueue(deps.store, queue);
  return {
    queue,
    async stop() {
      registerQueue(deps.store, null);
      await queue.stop();
    },
  };
}
