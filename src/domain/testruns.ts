/**
 * Tenon test runs (issue 10): the run records the test API and site monitors make, which are
 * also the durable run queue (store/testruns.ts, the run engine's `test_runs` table).
 */

export type TestRunStatus = 'queued' | 'running' | 'done' | 'failed';

export interface TestRun {
  /** Internal, time-sortable (`run_…`): the list cursor. */
  id: string;
  tenantId: string;
  /** Tenon's public id (32 hex characters), what clients poll and fetch by. */
  responseID: string;
  projectID: string;
  /** Set when a site monitor's scheduled slot made the run. */
  siteKey: string | null;
  slot: number | null;
  /** Null for a `src` test, which has no address. */
  url: string | null;
  status: TestRunStatus;
  /** Answered at once (Tenon v2) rather than waited for. */
  async: boolean;
  /** The validated request (with `src` and callback, never the key), to run and re-run from. */
  request: unknown;
  /** The full Tenon response when done, the Tenon error body when failed. */
  response: unknown;
  /** Tenon `status` of the answer (200, 522, 500, …) once finished. */
  httpStatus: number | null;
  /** The seed's apiLog fields without fullResponse (that is `response`), once done. */
  apiLog: unknown;
  errors: number | null;
  warnings: number | null;
  /** Fixed when the run is made: announcing twice commits nothing new. */
  eventId: string;
  callbackEventId: string;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  announcedAt: number | null;
}

export interface NewTestRun {
  id: string;
  tenantId: string;
  responseID: string;
  projectID: string;
  siteKey: string | null;
  slot: number | null;
  url: string | null;
  async: boolean;
  request: unknown;
  eventId: string;
  callbackEventId: string;
  createdAt: number;
}

export interface TestRunOutcome {
  status: 'done' | 'failed';
  response: unknown;
  httpStatus: number;
  apiLog: unknown;
  errors: number | null;
  warnings: number | null;
  finishedAt: number;
}

export interface TestRunFilter {
  limit: number;
  after?: string | undefined;
  projectID?: string | undefined;
  siteKey?: string | undefined;
  url?: string | undefined;
}

/**
 * Contract between the Tenon test API and the site monitors: implemented by the test-run
 * service, called by a monitor slot (src/monitors/slots.ts) for each page.
 */
export interface StartTestRun {
  tenantId: string;
  /** The Tenon request fields as received (form fields or JSON), before validation. */
  fields: Record<string, unknown>;
  /** Where the run comes from: the test API, or a site monitor's scheduled slot. */
  source: { kind: 'api' } | { kind: 'monitor'; siteKey: string; slot: number };
  /**
   * A signed-in slot's session (src/monitors/sign-in.ts Session), stored sealed with the run
   * and restored into its browser context. Opaque here.
   */
  session?: unknown;
}

/** The one thing a monitor slot needs of the test-run service. */
export interface RunEnqueuer {
  enqueue(input: StartTestRun): Promise<{ responseID: string }>;
}
