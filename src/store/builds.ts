/**
 * Storage of projects, site monitors, traces and builds (the Usetrace-compatible build API).
 * Implemented in sqlite/builds/ and postgres/builds/; its tables come from migration 002, and
 * test/builds/store-conformance.ts runs one suite against both.
 *
 * As everywhere in the Store, a method that takes a tenantId sees only that tenant's rows.
 * Lists are newest first; `after` is the last internal id (`prj_…`, `site_…`, …) of the
 * previous page.
 */
import type {
  Build,
  BuildRun,
  ClaimedRun,
  Project,
  ProjectPatch,
  RunOutcome,
  Site,
  SitePatch,
  Trace,
  TracePatch,
} from '../domain/builds.ts';

export interface PageOpts {
  limit: number;
  after?: string;
}

export interface BuildStore {
  // Projects
  /**
   * Inserts the project. When it is the default (`defaultItem: 1`) the tenant's previous
   * default loses the flag in the same transaction; those projects are returned (changed).
   */
  createProject(project: Project): Promise<Project[]>;
  getProject(tenantId: string, projectID: string): Promise<Project | null>;
  listProjects(tenantId: string, opts: PageOpts): Promise<Project[]>;
  /** Whether the tenant has any project (the first one becomes the default). */
  hasProjects(tenantId: string): Promise<boolean>;
  /** Sets `lastmod` to now; like createProject, moves the default flag. Null when not found. */
  updateProject(
    tenantId: string,
    projectID: string,
    patch: ProjectPatch,
    now: number,
  ): Promise<{ project: Project; cleared: Project[] } | null>;
  /** Deletes the project with its sites and traces (returned); its builds stay readable. */
  deleteProject(tenantId: string, projectID: string): Promise<{ project: Project; sites: Site[] } | null>;

  // Site monitors
  createSite(site: Site): Promise<void>;
  getSite(tenantId: string, siteKey: string): Promise<Site | null>;
  listSites(tenantId: string, opts: PageOpts & { projectID?: string }): Promise<Site[]>;
  updateSite(tenantId: string, siteKey: string, patch: SitePatch, now: number): Promise<Site | null>;
  deleteSite(tenantId: string, siteKey: string): Promise<Site | null>;

  // Traces
  createTrace(trace: Trace): Promise<void>;
  getTrace(tenantId: string, id: string): Promise<Trace | null>;
  listTraces(tenantId: string, projectID: string, opts: PageOpts): Promise<Trace[]>;
  /** Every trace of the project, oldest first (the order of a build's test cases). */
  listAllTraces(tenantId: string, projectID: string): Promise<Trace[]>;
  updateTrace(tenantId: string, id: string, patch: TracePatch, now: number): Promise<Trace | null>;
  deleteTrace(tenantId: string, id: string): Promise<boolean>;

  // Builds
  /** The build and all its runs (queued), in one transaction. */
  createBuild(build: Build, runs: BuildRun[]): Promise<void>;
  getBuild(tenantId: string, id: string): Promise<Build | null>;
  listBuilds(tenantId: string, opts: PageOpts & { projectID?: string }): Promise<Build[]>;
  /** The build's runs in report order. */
  listRuns(tenantId: string, buildId: string): Promise<BuildRun[]>;
  /**
   * The finished build with the same tenant and change key that finished last before this one
   * (by finishedAt, then id), for the `changes` rule. Deterministic once `build` is finished.
   */
  previousFinishedBuild(build: Build): Promise<Build | null>;

  // The build queue
  /**
   * Leases up to `limit` open runs with their builds (see ops/leased.ts `claimLeased`: fair
   * across tenants, a dead owner's taken early). Extended and released through Store.leases.
   */
  claimRuns(opts: { owner: string; now: number; limit: number; leaseMs: number }): Promise<ClaimedRun[]>;
  /**
   * Records how a run ended, with its screenshot, if `owner` still holds it (else nothing
   * changes: `recorded: false`). When it was the build's last open run, the build becomes
   * FINISHED in the same transaction (`buildFinished: true`, for exactly one caller).
   */
  finishRun(
    owner: string,
    runId: string,
    outcome: RunOutcome,
  ): Promise<{ recorded: boolean; buildFinished: boolean }>;
  /**
   * Builds past their deadline: their queued runs, and running runs whose lease ran out, fail
   * with `message`; builds left without open runs become FINISHED and are returned.
   */
  expireRuns(now: number, message: string): Promise<Array<{ tenantId: string; buildId: string }>>;
  /** FINISHED builds not yet announced that finished at or before `finishedBefore`, oldest first. */
  listUnreportedBuilds(finishedBefore: number, limit: number): Promise<Build[]>;
  markReported(tenantId: string, buildId: string, now: number): Promise<void>;
  /**
   * Retention (HERALD_RETENTION_DAYS): deletes FINISHED builds that finished before `before`,
   * with their runs and screenshots. Running builds stay, however old.
   */
  purgeBuilds(before: number): Promise<{ builds: number; runs: number; screenshots: number }>;
  /** A failure screenshot by its unguessable token. */
  getScreenshot(token: string): Promise<{ tenantId: string; buildId: string; png: Buffer } | null>;
}
