/**
 * Reports of test runs in the formats CI systems read (src/reports): one finished run, or the
 * latest complete slot of a site monitor with all its pages.
 */
import { HeraldError } from '../domain/errors.ts';
import { renderReport, reportPageOf, type RenderedReport, type ReportFormat } from '../reports/index.ts';
import type { TestRun } from '../store/testruns.ts';
import type { ServiceDeps } from './deps.ts';

/** How many of a site's newest slots are looked at for a complete one. */
const SLOTS_LOOKED_AT = 30;

const finished = (r: TestRun) => r.status === 'done' || r.status === 'failed';

export class ReportService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  async forRun(tenantId: string, responseID: string, format: ReportFormat): Promise<RenderedReport> {
    const run = await this.deps.store.testRuns.getRun(tenantId, responseID);
    if (!run) throw new HeraldError('NOT_FOUND', 'Test run not found');
    if (!finished(run)) throw new HeraldError('REPORT_NOT_READY', `Test run ${responseID} is ${run.status}`);
    return renderReport(
      {
        title: `Test run ${run.responseID}${run.url ? ` of ${run.url}` : ''}`,
        name: `herald-test-run-${run.responseID}`,
        generatedAt: run.finishedAt ?? Date.now(),
        pages: [reportPageOf(run)],
      },
      format,
    );
  }

  /**
   * The newest slot whose pages were all handed to the queue and have all finished: the
   * slot's row is finished and every run it made is done or failed.
   */
  async forSite(tenantId: string, siteKey: string, format: ReportFormat): Promise<RenderedReport> {
    const site = await this.deps.store.builds.getSite(tenantId, siteKey);
    if (!site) throw new HeraldError('SITE_NOT_FOUND', `No site monitor ${siteKey}`);
    const slots = await this.deps.store.monitors.listSlots(tenantId, site.id, SLOTS_LOOKED_AT);
    for (const slot of slots) {
      if (slot.finishedAt === null) continue;
      const runs = await this.deps.store.issues.slotRuns(tenantId, siteKey, slot.slot);
      if (runs.length === 0 || !runs.every(finished)) continue;
      return renderReport(
        {
          title: `${site.name} (slot ${slot.slot})`,
          name: `herald-${site.siteKey}-slot-${slot.slot}`,
          generatedAt: Math.max(...runs.map((r) => r.finishedAt ?? 0)),
          pages: runs.map(reportPageOf),
        },
        format,
      );
    }
    throw new HeraldError('REPORT_NOT_READY', `Site monitor ${siteKey} has no complete slot yet`);
  }
}
