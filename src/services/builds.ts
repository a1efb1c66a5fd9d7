/**
 * Builds: starting one (Usetrace's execute and execute-all, and the console's run forms),
 * and reading its status, report, screenshots and the reporters' deliveries. Running and
 * announcing a build is the worker's (src/builds/queue.ts and announce.ts).
 */
import type { Build, BuildRun, Project, Trace } from '../domain/builds.ts';
import { HeraldError } from '../domain/errors.ts';
import { SCREENSHOT_TOKEN_RE } from '../domain/ids.ts';
import type { Delivery, StoredEvent } from '../domain/types.ts';
import { buildReport, reportLinks, type BuildReport, type ReportLinks } from '../builds/report.ts';
import { parseBuildRequest, type ExecuteBody } from '../builds/request.ts';
import { changeKeyOf } from '../builds/rules.ts';
import { planBuild, type BuildPlan } from '../builds/start.ts';
import type { PageOpts } from '../store/builds.ts';
import { withEvents, type DeliveryEntry } from './deliveries.ts';
import type { ServiceDeps } from './deps.ts';
import { ProjectService } from './projects.ts';
import { TraceService } from './traces.ts';

/** The detail message of a request refused because it selects no trace (the console words it its own way). */
export const SELECTS_NO_TRACE = 'selects no trace';

/** Everything the console shows of one build. */
export interface BuildDetail {
  build: Build;
  runs: BuildRun[];
  project: Project | null;
  /** The trace of a single-trace build, while it exists. */
  trace: Trace | null;
  report: BuildReport;
  /** build.finished, once announced. */
  finishedEvent: StoredEvent | null;
  /** The webhook reporters' deliveries, oldest first. */
  deliveries: Delivery[];
}

export class BuildService {
  protected readonly deps: ServiceDeps;
  readonly links: ReportLinks;
  readonly #projects: ProjectService;
  readonly #traces: TraceService;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
    this.links = reportLinks(deps.config.publicUrl);
    this.#projects = new ProjectService(deps);
    this.#traces = new TraceService(deps);
  }

  /** `trace/:traceId/execute`: the trace in each required browser. */
  async executeTrace(
    tenantId: string,
    traceId: string,
    body: ExecuteBody | null | undefined,
  ): Promise<Build> {
    const trace = await this.#traces.get(tenantId, traceId);
    const project = await this.#projects.get(tenantId, trace.projectID);
    const request = parseBuildRequest(body, this.deps.config.targetAllowlist);
    return this.#start({
      tenantId,
      project,
      traces: [trace],
      traceId: trace.id,
      changeKey: changeKeyOf({ traceId: trace.id }),
      request,
    });
  }

  /**
   * `project/:projectId/execute-all`: the project's traces (those with any of the request's
   * tags, if it names some) in each required browser. A request that selects no trace is
   * refused, with `/tags` as the path when its tags did it.
   */
  async executeAll(
    tenantId: string,
    projectID: string,
    body: ExecuteBody | null | undefined,
  ): Promise<Build> {
    const project = await this.#projects.get(tenantId, projectID);
    const request = parseBuildRequest(body, this.deps.config.targetAllowlist);
    const all = await this.#traces.listAll(tenantId, project.projectID);
    const traces =
      request.tags.length === 0 ? all : all.filter((t) => t.tags.some((tag) => request.tags.includes(tag)));
    if (traces.length === 0)
      throw new HeraldError(
        'VALIDATION_FAILED',
        request.tags.length === 0
          ? 'The project has no traces to run'
          : `No trace of the project has any of the tags ${request.tags.map((t) => JSON.stringify(t)).join(', ')}`,
        [{ path: request.tags.length === 0 ? '' : '/tags', message: SELECTS_NO_TRACE }],
      );
    return this.#start({
      tenantId,
      project,
      traces,
      traceId: null,
      changeKey: changeKeyOf({ projectID: project.projectID, tags: request.tags }),
      request,
    });
  }

  /** Commits the build with all its runs, then wakes this process's build queue, if any. */
  async #start(plan: BuildPlan): Promise<Build> {
    const { build, runs } = planBuild(this.deps.config, plan, Date.now());
    await this.deps.store.builds.createBuild(build, runs);
    this.deps.engine.runs.builds.wake();
    this.deps.log.info(
      { buildId: build.id, tenantId: build.tenantId, projectID: build.projectID, testCases: runs.length },
      'build queued',
    );
    return build;
  }

  async get(tenantId: string, id: string): Promise<Build> {
    const build = await this.deps.store.builds.getBuild(tenantId, id);
    if (!build) throw new HeraldError('BUILD_NOT_FOUND', `No build ${id}`);
    return build;
  }

  /** The build with its test cases in report order. */
  async withRuns(tenantId: string, id: string): Promise<{ build: Build; runs: BuildRun[] }> {
    const build = await this.get(tenantId, id);
    return { build, runs: await this.deps.store.builds.listRuns(tenantId, build.id) };
  }

  /** The JUnit-like report (while the build runs: the test cases finished so far). */
  async report(tenantId: string, id: string): Promise<{ build: Build; report: BuildReport }> {
    const { build, runs } = await this.withRuns(tenantId, id);
    return { build, report: buildReport(build, runs, this.links) };
  }

  /** Newest first, optionally only one project's. */
  async list(tenantId: string, page: PageOpts & { projectID?: string }): Promise<Build[]> {
    return this.deps.store.builds.listBuilds(tenantId, page);
  }

  /** The latest builds of the trace alone (among its project's 50 latest builds). */
  async listOfTrace(trace: Trace, limit: number): Promise<Build[]> {
    const builds = await this.list(trace.tenantId, { limit: 50, projectID: trace.projectID });
    return builds.filter((b) => b.traceId === trace.id).slice(0, limit);
  }

  /** Each build's runs, in the order of `builds`. */
  async runsOf(builds: Build[]): Promise<BuildRun[][]> {
    return Promise.all(builds.map((b) => this.deps.store.builds.listRuns(b.tenantId, b.id)));
  }

  /** The webhook reporters' deliveries of the build, oldest first. */
  /** The build's reporter deliveries, oldest first, each with its event (as the JSON API shows them). */
  async reporterDeliveries(tenantId: string, id: string): Promise<DeliveryEntry[]> {
    return withEvents(this.deps.store, tenantId, await this.#deliveriesOf(await this.get(tenantId, id)));
  }

  async #deliveriesOf(build: Build): Promise<Delivery[]> {
    const event = await this.deps.store.getEvent(build.tenantId, build.reportEventId);
    if (!event) return [];
    const rows = await this.deps.store.listDeliveries(build.tenantId, { eventId: event.id, limit: 100 });
    return rows.reverse();
  }

  async detail(tenantId: string, id: string): Promise<BuildDetail> {
    const build = await this.get(tenantId, id);
    const { store } = this.deps;
    const [runs, project, trace, finishedEvent, deliveries] = await Promise.all([
      store.builds.listRuns(tenantId, build.id),
      store.builds.getProject(tenantId, build.projectID),
      build.traceId ? store.builds.getTrace(tenantId, build.traceId) : Promise.resolve(null),
      store.getEvent(tenantId, build.finishedEventId),
      this.#deliveriesOf(build),
    ]);
    const report = buildReport(build, runs, this.links);
    return { build, runs, project, trace, report, finishedEvent, deliveries };
  }

  /**
   * A failure screenshot by its unguessable token (no API key: the token is the secret).
   * Null for anything that is not a screenshot token or names none.
   */
  async screenshot(token: string): Promise<Buffer | null> {
    if (!SCREENSHOT_TOKEN_RE.test(token)) return null;
    return (await this.deps.store.builds.getScreenshot(token))?.png ?? null;
  }
}
