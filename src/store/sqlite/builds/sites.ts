import type { Site, SitePatch } from '../../../domain/builds.ts';
import type { Param, SqliteDb } from '../db.ts';
import { insertSql, SITE_COLUMNS, siteFromRow, siteParams } from './rows.ts';
import { listPage } from '../page.ts';

const INSERT = insertSql('sites', SITE_COLUMNS);

const PATCH_COLUMNS: ReadonlyArray<[keyof SitePatch, string]> = [
  ['name', 'name'],
  ['projectID', 'project_id'],
  ['siteUrl', 'site_url'],
];

export function createSite(db: SqliteDb, s: Site): void {
  db.run(INSERT, ...siteParams(s));
}

export function getSite(db: SqliteDb, tenantId: string, siteKey: string): Site | null {
  const row = db.get('SELECT * FROM sites WHERE tenant_id = ? AND site_key = ?', tenantId, siteKey);
  return row ? siteFromRow(row) : null;
}

export function listSites(
  db: SqliteDb,
  tenantId: string,
  opts: { limit: number; after?: string; projectID?: string },
): Site[] {
  return listPage(db, 'sites', tenantId, { project_id: opts.projectID }, opts).map(siteFromRow);
}

export function updateSite(
  db: SqliteDb,
  tenantId: string,
  siteKey: string,
  patch: SitePatch,
  now: number,
): Site | null {
  const sets: string[] = ['updated_at = ?'];
  const params: Param[] = [now];
  for (const [key, column] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    sets.push(`${column} = ?`);
    params.push(value);
  }
  const row = db.get(
    `UPDATE sites SET ${sets.join(', ')} WHERE tenant_id = ? AND site_key = ? RETURNING *`,
    ...params,
    tenantId,
    siteKey,
  );
  return row ? siteFromRow(row) : null;
}

export function deleteSite(db: SqliteDb, tenantId: string, siteKey: string): Site | null {
  const row = db.get('DELETE FROM sites WHERE tenant_id = ? AND site_key = ? RETURNING *', tenantId, siteKey);
  return row ? siteFromRow(row) : null;
}
