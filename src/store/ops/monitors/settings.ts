import type { Site, SitePatch } from '../../../domain/builds.ts';
import type { MonitorSettings } from '../../../domain/monitors.ts';
import * as catalog from '../builds/catalog.ts';
import type { MonitorState } from '../../monitors.ts';
import type { Sql } from '../../sql.ts';
import { stateFromRow } from './rows.ts';

// A site monitor's settings live on its `sites` row (migration 006).

export async function statesOf(
  sql: Sql,
  tenantId: string,
  siteIds: readonly string[],
): Promise<Map<string, MonitorState>> {
  if (siteIds.length === 0) return new Map();
  const rows = await sql.query(`SELECT * FROM sites WHERE tenant_id = $1 AND id ${sql.inList(2)}`, [
    tenantId,
    sql.list(siteIds),
  ]);
  return new Map(rows.map((r) => [String(r['id']), stateFromRow(r, sql.d)]));
}

export async function setSettings(
  sql: Sql,
  tenantId: string,
  siteKey: string,
  s: MonitorSettings,
  now: number,
): Promise<boolean> {
  // The last slot is only comparable under the interval it was computed with.
  const changed = await sql.exec(
    `UPDATE sites SET
       monitor_last_slot = CASE WHEN monitor_interval_sec = $3 THEN monitor_last_slot ELSE NULL END,
       monitor_interval_sec = $3, monitor_paths = $4, monitor_level = $5,
       monitor_certainty = $6, monitor_priority = $7, monitor_paused = $8, updated_at = $9,
       monitor_crawl = $10, monitor_login_trace_id = $11, monitor_login_parameters = $12
     WHERE tenant_id = $1 AND site_key = $2`,
    [
      tenantId,
      siteKey,
      s.intervalSec,
      JSON.stringify(s.paths),
      s.level,
      s.certainty,
      s.priority,
      sql.d.boolParam(s.paused),
      now,
      s.crawl === null ? null : JSON.stringify(s.crawl),
      s.loginTraceId,
      sql.d.seal(JSON.stringify(s.loginParameters)),
    ],
  );
  return changed > 0;
}

/** The site and its monitor settings, in one transaction. */
export function createSiteWithSettings(sql: Sql, site: Site, s: MonitorSettings): Promise<void> {
  return sql.tx(async (tx) => {
    await catalog.createSite(tx, site);
    await setSettings(tx, site.tenantId, site.siteKey, s, site.updatedAt);
  });
}

/** The site's fields and its monitor settings, in one transaction; null when not found. */
export function updateSiteWithSettings(
  sql: Sql,
  tenantId: string,
  siteKey: string,
  patch: SitePatch,
  s: MonitorSettings,
  now: number,
): Promise<Site | null> {
  return sql.tx(async (tx) => {
    const site = await catalog.updateSite(tx, tenantId, siteKey, patch, now);
    if (site) await setSettings(tx, tenantId, siteKey, s, now);
    return site;
  });
}
