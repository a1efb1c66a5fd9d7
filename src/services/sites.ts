/**
 * Site monitors: a named URL in a project, tested on a schedule. Every change is announced
 * (site.created, site.updated, site.deleted) with the seed's site object as `data`, exactly
 * its five fields: the schedule, pages and thresholds are Herald's own and stay out of events.
 * Pausing and resuming are changes like any other, so they are site.updated events.
 */
import { HeraldError } from '../domain/errors.ts';
import { newId, newSiteKey } from '../domain/ids.ts';
import type { Site, SitePatch } from '../domain/builds.ts';
import {
  DEFAULT_MONITOR,
  nextRunAt,
  type MonitoredSite,
  type MonitorSettings,
  type MonitorRun,
  type MonitorSlot,
} from '../domain/monitors.ts';
import { siteData } from '../builds/views.ts';
import { placeholdersOf } from '../domain/steps.ts';
import type { PageOpts } from '../store/builds.ts';
import { announce } from './announce.ts';
import type { ServiceDeps } from './deps.ts';
import { checkHttpUrl, notBlank } from './fields.ts';
import { applyMonitorInput, hasMonitorInput, type MonitorInput } from './monitor-rules.ts';
import { ProjectService } from './projects.ts';

export type { MonitorInput } from './monitor-rules.ts';

export interface SiteInput extends MonitorInput {
  projectID: string;
  name: string;
  siteUrl: string;
}

/**
 * Where the monitor page reads the test runs a site's slots produced. The test-run store
 * (issue 10, the Tenon API half) implements it; until it is wired, sites have no runs.
 */
export interface SiteRunReader {
  /** The runs the site's monitor enqueued, newest first, at most `limit`. */
  recentRuns(tenantId: string, siteKey: string, limit: number): Promise<MonitorRun[]>;
}

/** No runs: for a SiteService without a test-run store behind it (tests). */
export const NO_RUNS: SiteRunReader = { recentRuns: async () => [] };

/** Everything the console's monitor page shows. */
export interface MonitorOverview {
  site: MonitoredSite;
  slots: MonitorSlot[];
  runs: MonitorRun[];
  nextRunAt: number | null;
}

export class SiteService {
  protected readonly deps: ServiceDeps;
  readonly #projects: ProjectService;
  readonly #runs: SiteRunReader;

  constructor(deps: ServiceDeps, runs: SiteRunReader = NO_RUNS) {
    this.deps = deps;
    this.#runs = runs;
    // Services hold no state of their own, so a private instance is the same as a shared one.
    this.#projects = new ProjectService(deps);
  }

  async create(tenantId: string, input: SiteInput): Promise<MonitoredSite> {
    await this.#projects.get(tenantId, input.projectID, '/projectID');
    const now = Date.now();
    const site: Site = {
      id: newId('site', now),
      tenantId,
      siteKey: newSiteKey(),
      projectID: input.projectID,
      name: notBlank(input.name, '/name'),
      siteUrl: checkHttpUrl(input.siteUrl, '/siteUrl'),
      createdAt: now,
      updatedAt: now,
    };
    const monitor = applyMonitorInput(DEFAULT_MONITOR, input, this.#minIntervalSec());
    await this.#checkLogin(tenantId, site.projectID, monitor);
    await this.deps.store.monitors.createSiteWithSettings(site, monitor);
    await announce(this.deps, tenantId, [{ event: 'site.created', data: siteData(site) }]);
    return { ...site, monitor };
  }

  async get(tenantId: string, siteKey: string): Promise<MonitoredSite> {
    const site = await this.deps.store.builds.getSite(tenantId, siteKey);
    if (!site) throw notFound(siteKey);
    const [monitored, slots] = await Promise.all([
      this.#withMonitors(tenantId, [site]),
      this.deps.store.monitors.listSlots(tenantId, site.id, 1),
    ]);
    return { ...(monitored[0] ?? { ...site, monitor: DEFAULT_MONITOR }), lastSlot: slots[0] ?? null };
  }

  /** Newest first, optionally only one project's. */
  async list(tenantId: string, page: PageOpts & { projectID?: string }): Promise<MonitoredSite[]> {
    return this.#withMonitors(tenantId, await this.deps.store.builds.listSites(tenantId, page));
  }

  async update(tenantId: string, siteKey: string, input: Partial<SiteInput>): Promise<MonitoredSite> {
    const current = await this.get(tenantId, siteKey);
    if (input.projectID !== undefined) await this.#projects.get(tenantId, input.projectID, '/projectID');
    const patch: SitePatch = {
      ...(input.name !== undefined && { name: notBlank(input.name, '/name') }),
      ...(input.projectID !== undefined && { projectID: input.projectID }),
      ...(input.siteUrl !== undefined && { siteUrl: checkHttpUrl(input.siteUrl, '/siteUrl') }),
    };
    const monitor = applyMonitorInput(current.monitor, input, this.#minIntervalSec());
    await this.#checkLogin(tenantId, input.projectID ?? current.projectID, monitor);
    const now = Date.now();
    const site = hasMonitorInput(input)
      ? await this.deps.store.monitors.updateSiteWithSettings(tenantId, siteKey, patch, monitor, now)
      : await this.deps.store.builds.updateSite(tenantId, siteKey, patch, now);
    if (!site) throw notFound(siteKey);
    await announce(this.deps, tenantId, [{ event: 'site.updated', data: siteData(site) }]);
    return { ...site, monitor };
  }

  /** Stops scheduling the site's runs (announced as site.updated). */
  pause(tenantId: string, siteKey: string): Promise<MonitoredSite> {
    return this.update(tenantId, siteKey, { paused: true });
  }

  /** Schedules the site again; the current slot runs at the next tick (site.updated). */
  resume(tenantId: string, siteKey: string): Promise<MonitoredSite> {
    return this.update(tenantId, siteKey, { paused: false });
  }

  async delete(tenantId: string, siteKey: string): Promise<Site> {
    const site = await this.deps.store.builds.deleteSite(tenantId, siteKey);
    if (!site) throw notFound(siteKey);
    await announce(this.deps, tenantId, [{ event: 'site.deleted', data: siteData(site) }]);
    return site;
  }

  /** The schedule, the newest slots and their runs, and when the next run starts. */
  async overview(tenantId: string, siteKey: string, now = Date.now()): Promise<MonitorOverview> {
    const site = await this.get(tenantId, siteKey);
    const [slots, runs, states] = await Promise.all([
      this.deps.store.monitors.listSlots(tenantId, site.id, 30),
      this.#runs.recentRuns(tenantId, siteKey, 200),
      this.deps.store.monitors.statesOf(tenantId, [site.id]),
    ]);
    const lastSlot = states.get(site.id)?.lastSlot ?? null;
    return { site, slots, runs, nextRunAt: nextRunAt(now, site.monitor, lastSlot) };
  }

  /**
   * The login trace must be one of the site's project, and every `${name}` its steps use must
   * be a login parameter: a sign-in that could only fail is refused now, not at the next slot.
   */
  async #checkLogin(tenantId: string, projectID: string, m: MonitorSettings): Promise<void> {
    if (m.loginTraceId === null) return;
    const trace = await this.deps.store.builds.getTrace(tenantId, m.loginTraceId);
    if (!trace || trace.projectID !== projectID)
      throw new HeraldError(
        'VALIDATION_FAILED',
        `loginTraceId: no trace ${m.loginTraceId} in project ${projectID}`,
        [{ path: '/loginTraceId', message: `must be a trace of project ${projectID}` }],
      );
    const missing = trace.steps.flatMap(placeholdersOf).find((n) => !Object.hasOwn(m.loginParameters, n));
    if (missing !== undefined)
      throw new HeraldError(
        'VALIDATION_FAILED',
        `loginParameters: the login trace uses \${${missing}}, which is not defined`,
        [{ path: `/loginParameters/${missing}`, message: 'is used by the login trace and must be defined' }],
      );
  }

  #minIntervalSec(): number {
    return this.deps.config.monitorMinIntervalSec;
  }

  async #withMonitors(tenantId: string, sites: Site[]): Promise<MonitoredSite[]> {
    const states = await this.deps.store.monitors.statesOf(
      tenantId,
      sites.map((s) => s.id),
    );
    return sites.map((s) => ({ ...s, monitor: states.get(s.id)?.settings ?? DEFAULT_MONITOR }));
  }
}

const notFound = (siteKey: string) => new HeraldError('SITE_NOT_FOUND', `No site monitor ${siteKey}`);
