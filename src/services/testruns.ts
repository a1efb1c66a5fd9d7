import { randomUUID } from 'node:crypto';
import { HeraldError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkTargetUrl } from '../network/policy.ts';
import type { MonitorRun } from '../domain/monitors.ts';
import type { Store } from '../store/store.ts';
import type { StartTestRun, TestRun, TestRunFilter } from '../domain/testruns.ts';
import { TenonError } from '../tenon/errors.ts';
import { parseTenonRequest, type RequestDefaults } from '../tenon/request.ts';
import { toStored } from '../tenon/stored.ts';
import type { TenonRequest } from '../tenon/types.ts';
import type { ServiceDeps } from './deps.ts';
import type { SiteRunReader } from './sites.ts';

export type { StartTestRun } from '../domain/testruns.ts';

/** A sync waiter also looks in the store this often: the run may finish in another process. */
const POLL_MS = 500;

/**
 * Async mode (Tenon v2): `async=1`, or any `callback`. The answer is immediate and the client
 * polls GET /api/test-runs/:responseID (or waits for the callback).
 */
function asyncFlag(fields: Record<string, unknown>): boolean {
  const v = fields['async'];
  if (v === undefined || v === null || v === '') return fields['callback'] !== undefined;
  const s = String(v).trim().toLowerCase();
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return fields['callback'] !== undefined && fields['callback'] !== '';
  throw new TenonError('invalid_param', 'async: must be 0 or 1');
}

export class TestRunService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  /** Validates the request, stores the run queued, and answers its responseID. */
  async enqueue(input: StartTestRun): Promise<{ responseID: string }> {
    const { run } = await this.start(input);
    return { responseID: run.responseID };
  }

  /**
   * Validates (TenonError 400 for any bad input, before anything is stored), stores the run
   * queued and wakes the local queue. A monitor slot's page that already has its run answers that run.
   */
  async start(input: StartTestRun): Promise<{ run: TestRun; request: TenonRequest }> {
    const isAsync = input.source.kind === 'monitor' ? true : asyncFlag(input.fields);
    const request = parseTenonRequest(input.fields, {
      defaults: await this.#projectDefaults(input.tenantId, input.fields),
    });
    this.#checkPolicy(request);
    const now = Date.now();
    const monitor = input.source.kind === 'monitor' ? input.source : null;
    const { run } = await this.deps.store.testRuns.createRun({
      id: newId('run', now),
      tenantId: input.tenantId,
      responseID: request.mirror.responseID,
      projectID: request.mirror.projectID,
      siteKey: monitor?.siteKey ?? null,
      slot: monitor?.slot ?? null,
      url: request.mirror.url ?? null,
      async: isAsync,
      request: toStored(request, input.session as Parameters<typeof toStored>[1]),
      eventId: randomUUID(),
      callbackEventId: randomUUID(),
      createdAt: now,
    });
    this.deps.engine.runs.testRuns.wake();
    return { run, request };
  }

  /** Waits up to `waitMs` for the run to finish; answers it as it then is. */
  async wait(tenantId: string, responseID: string, waitMs: number): Promise<TestRun> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const run = await this.get(tenantId, responseID);
      const left = deadline - Date.now();
      if (run.status === 'done' || run.status === 'failed' || left <= 0) return run;
      await this.deps.engine.runs.testRunFinished.finishedOrAfter(responseID, Math.min(POLL_MS, left));
    }
  }

  async get(tenantId: string, responseID: string): Promise<TestRun> {
    const run = await this.deps.store.testRuns.getRun(tenantId, responseID);
    if (!run) throw new HeraldError('NOT_FOUND', 'Test run not found');
    return run;
  }

  list(tenantId: string, filter: TestRunFilter): Promise<TestRun[]> {
    return this.deps.store.testRuns.listRuns(tenantId, filter);
  }

  /**
   * Tenon fills unset options from the project's API defaults: the named project's, or the
   * tenant's default project when none is named. A projectID Herald does not know is kept as
   * given (clients label runs with their own ids), with Tenon's defaults.
   */
  async #projectDefaults(
    tenantId: string,
    fields: Record<string, unknown>,
  ): Promise<Partial<RequestDefaults>> {
    const named = fields['projectID'];
    const projects = this.deps.store.builds;
    const project =
      typeof named === 'string' && named !== ''
        ? await projects.getProject(tenantId, named)
        : ((await projects.listProjects(tenantId, { limit: 100 })).find((p) => p.defaultItem === 1) ?? null);
    if (!project) return {};
    return {
      level: project.apiDefaultLevel,
      certainty: project.apiDefaultCertainty,
      priority: project.apiDefaultPriority,
      store: project.apiDefaultStore,
      ...(project.apiDefaultUAString ? { uaString: project.apiDefaultUAString } : {}),
      viewPortHeight: project.apiDefaultViewportHeight,
      viewPortWidth: project.apiDefaultViewportWidth,
      projectID: project.projectID,
    };
  }

  /**
   * The network policy, when the request comes in: the callback must be a target Herald may
   * deliver to, and the page a URL it may open. Hostnames are checked again at connect time.
   */
  #checkPolicy(request: TenonRequest): void {
    const allow = this.deps.config.targetAllowlist;
    const checks: Array<[string, string | undefined]> = [
      ['url', request.mirror.url],
      ['callback.url', request.callback?.url],
    ];
    for (const [name, url] of checks) {
      if (url === undefined) continue;
      const check = checkTargetUrl(url, allow);
      if (!check.ok) throw new TenonError('invalid_param', `${name}: ${check.message}`);
    }
  }
}

/** A monitor's runs as its console page shows them, read from the test-run store. */
export function monitorRunReader(store: Store): SiteRunReader {
  return {
    async recentRuns(tenantId, siteKey, limit) {
      const runs = await store.testRuns.listRuns(tenantId, { siteKey, limit });
      return runs.filter((r) => r.slot !== null).map(monitorRunOf);
    },
  };
}

function monitorRunOf(run: TestRun): MonitorRun {
  const resultSet =
    run.status === 'done' ? ((run.response as { resultSet?: unknown } | null)?.resultSet ?? []) : [];
  const issues = (Array.isArray(resultSet) ? resultSet : []).map((i: Record<string, unknown>) => ({
    signature: String(i['signature'] ?? ''),
    errorTitle: String(i['errorTitle'] ?? ''),
    xpath: String(i['xpath'] ?? ''),
  }));
  return {
    responseID: run.responseID,
    url: run.url ?? '',
    slot: run.slot ?? 0,
    startedAt: run.startedAt ?? run.createdAt,
    status: run.status,
    errors: run.status === 'done' ? run.errors : null,
    warnings: run.status === 'done' ? run.warnings : null,
    issues,
  };
}
