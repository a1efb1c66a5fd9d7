import type { BuildId, ProjectRowId, RunId, SiteRowId, TraceId } from './ids.ts';
/**
 * Domain records of the build system: projects, site monitors, traces (browser tests written
 * as JSON steps), builds and their runs (one trace in one browser). Times are unix ms.
 */
import type { Step } from './steps.ts';

export type { Step } from './steps.ts';

export const BROWSERS = ['chrome', 'firefox'] as const;
export type BrowserName = (typeof BROWSERS)[number];

export const WCAG_LEVELS = ['A', 'AA', 'AAA'] as const;
export type WcagLevel = (typeof WCAG_LEVELS)[number];

/** A project, with exactly the Tenon seed's fields plus the base URL builds run against. */
export interface Project {
  /** Internal, time-sortable (`prj_…`): list order and pagination cursor. */
  id: ProjectRowId;
  tenantId: string;
  /** The public identifier, a UUID. */
  projectID: string;
  name: string;
  description: string;
  dateAdded: number;
  lastmod: number;
  /** 1 for the tenant's default project (at most one has it). */
  defaultItem: 0 | 1;
  apiDefaultCertainty: number;
  apiDefaultLevel: WcagLevel;
  apiDefaultPriority: number;
  apiDefaultStore: 0 | 1;
  apiDefaultUAString: string;
  apiDefaultViewportHeight: number;
  apiDefaultViewportWidth: number;
  /** Where builds run when the request names no baseUrl. */
  baseUrl: string | null;
}

export type ProjectPatch = Partial<
  Pick<
    Project,
    | 'name'
    | 'description'
    | 'defaultItem'
    | 'apiDefaultCertainty'
    | 'apiDefaultLevel'
    | 'apiDefaultPriority'
    | 'apiDefaultStore'
    | 'apiDefaultUAString'
    | 'apiDefaultViewportHeight'
    | 'apiDefaultViewportWidth'
    | 'baseUrl'
  >
>;

/** A site monitor. */
export interface Site {
  /** Internal, time-sortable (`site_…`). */
  id: SiteRowId;
  tenantId: string;
  /** The public identifier: 12 random letters and digits. */
  siteKey: string;
  projectID: string;
  name: string;
  siteUrl: string;
  createdAt: number;
  updatedAt: number;
}

export type SitePatch = Partial<Pick<Site, 'name' | 'projectID' | 'siteUrl'>>;

export interface Trace {
  /** `trc_…` */
  id: TraceId;
  tenantId: string;
  projectID: string;
  name: string;
  tags: string[];
  /** The trace shows a known bug: it is expected to fail and does not make a build unstable. */
  taggedBug: boolean;
  /** The trace sometimes fails for no reason of the product: its result does not count either. */
  taggedFlaky: boolean;
  steps: Step[];
  createdAt: number;
  updatedAt: number;
}

export type TracePatch = Partial<Pick<Trace, 'name' | 'tags' | 'taggedBug' | 'taggedFlaky' | 'steps'>>;

export const REPORTER_WHEN = ['always', 'fails', 'changes'] as const;
export type ReporterWhen = (typeof REPORTER_WHEN)[number];

/** A Usetrace webhook reporter, as sent with a build request. */
export interface WebhookReporter {
  url: string;
  when: ReporterWhen;
  secretKey: string | null;
  username: string | null;
  password: string | null;
}

export type BuildStatus = 'RUNNING' | 'FINISHED';

export interface Build {
  /** `bld_…`: the BUILD_ID clients read. */
  id: BuildId;
  tenantId: string;
  projectID: string;
  /** The trace of `trace/:id/execute`; null for `execute-all`. */
  traceId: string | null;
  /**
   * Builds with the same key are compared by the `changes` rule: `trace:<id>` for a single
   * trace, `project:<projectID>:<sorted tags>` for execute-all.
   */
  changeKey: string;
  baseUrl: string;
  tags: string[];
  commit: string | null;
  commitLink: string | null;
  parameters: Record<string, string>;
  browsers: BrowserName[];
  reporters: WebhookReporter[];
  viewport: { width: number; height: number };
  status: BuildStatus;
  requestedAt: number;
  /** After this the build's unfinished test cases fail (HERALD_BUILD_TIMEOUT_MS). */
  deadlineAt: number;
  finishedAt: number | null;
  /** eventID of build.finished, fixed up front so that announcing twice sends once. */
  finishedEventId: string;
  /** eventID of the reporters' deliveries, fixed up front for the same reason. */
  reportEventId: string;
  /** When build.finished and the reports were committed for delivery. */
  reportedAt: number | null;
}

export type RunStatus = 'queued' | 'running' | 'passed' | 'failed';

/** `failure`: an assertion did not hold. `error`: the test could not go on (timeout, no element, no browser). */
export interface RunError {
  type: 'error' | 'failure';
  message: string;
}

/** One test case: one trace (as it was when the build started) in one browser. */
export interface BuildRun {
  /** `run_…` */
  id: RunId;
  buildId: BuildId;
  tenantId: string;
  /** Order in the report: browsers in the requested order, then traces. */
  position: number;
  traceId: TraceId;
  traceName: string;
  taggedBug: boolean;
  taggedFlaky: boolean;
  browser: BrowserName;
  steps: Step[];
  status: RunStatus;
  /** Times a worker claimed it (more than one after a crash or a restart). */
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  /** What failed, without the links (they are added to the report from HERALD_PUBLIC_URL). */
  error: RunError | null;
  /** 0-based index of the step that failed. */
  failedStep: number | null;
  screenshotToken: string | null;
}

/** What a worker records when a run ends. */
export interface RunOutcome {
  status: 'passed' | 'failed';
  durationMs: number;
  error: RunError | null;
  failedStep: number | null;
  screenshot: { token: string; png: Uint8Array } | null;
  finishedAt: number;
}

export interface ClaimedRun {
  run: BuildRun;
  build: Build;
}
