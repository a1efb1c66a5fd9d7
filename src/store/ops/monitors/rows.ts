import type { CrawlSettings } from '../../../domain/crawl.ts';
import type { MonitorSettings, MonitorSlot, TenonLevel } from '../../../domain/monitors.ts';
import type { AnyRow, Dialect } from '../../shared/rows.ts';
import { siteFromRow } from '../../shared/builds-rows.ts';
import type { DueMonitor, MonitorState } from '../../monitors.ts';

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function stateFromRow(r: AnyRow, d: Dialect): MonitorState {
  const settings: MonitorSettings = {
    intervalSec: numOrNull(r['monitor_interval_sec']),
    paths: JSON.parse(String(r['monitor_paths'])) as string[],
    level: String(r['monitor_level']) as TenonLevel,
    certainty: Number(r['monitor_certainty']),
    priority: Number(r['monitor_priority']),
    paused: d.bool(r['monitor_paused']),
    crawl: r['monitor_crawl'] == null ? null : (JSON.parse(String(r['monitor_crawl'])) as CrawlSettings),
    loginTraceId: r['monitor_login_trace_id'] == null ? null : String(r['monitor_login_trace_id']),
    // Sign-in parameters hold passwords: sealed at rest like hook credentials.
    loginParameters: JSON.parse(d.open(String(r['monitor_login_parameters'] ?? '{}'))) as Record<
      string,
      string
    >,
  };
  return { settings, lastSlot: numOrNull(r['monitor_last_slot']) };
}

export const dueFromRow = (r: AnyRow, d: Dialect): DueMonitor => ({
  site: siteFromRow(r),
  ...stateFromRow(r, d),
});

export function slotFromRow(r: AnyRow): MonitorSlot {
  return {
    id: String(r['id']),
    siteId: String(r['site_id']),
    status: String(r['status']) as MonitorSlot['status'],
    attempts: Number(r['attempts']),
    slot: Number(r['slot']),
    intervalSec: Number(r['interval_sec']),
    claimedBy: String(r['claimed_by']),
    claimedAt: Number(r['claimed_at']),
    finishedAt: numOrNull(r['finished_at']),
    responseIDs: JSON.parse(String(r['response_ids'])) as string[],
    error: r['error'] === null || r['error'] === undefined ? null : String(r['error']),
    issuesAppliedAt: numOrNull(r['issues_applied_at']),
    openIssues: numOrNull(r['open_issues']),
  };
}
