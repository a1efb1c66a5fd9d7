import type { Site, SitePatch } from '../../../domain/builds.ts';
import { query } from '../pool.ts';
import type { Queryable } from '../pool.ts';
import { insertSql, SITE_COLUMNS, siteFromRow, siteValues } from './rows.ts';
import { listPage } from '../page.ts';

const INSERT = insertSql('sites', SITE_COLUMNS);

const PATCH_COLUMNS: ReadonlyArray<[keyof SitePatch, string]> = [
  ['name', 'name'],
  ['projectID', 'project_id'],
  ['siteUrl', 'site_url'],
];

export async function createSite(db: Queryable, s: Site): Promise<void> {
  await query(db, INSERT, siteValues(s));
}

export async function getSite(db: Queryable, tenantId: string, siteKey: string): Promise<Site | null> {
  const { rows } = await query(db, 'SELECT * FROM sites WHERE tenant_id = $1 AND site_key = $2', [
    tenantId,
    siteKey,
  ]);
  return rows[0] ? siteFromRow(rows[0]) : null;
}

export async function listSites(
  db: Queryable,
  tenantId: string,
  opts: { limit: number; after?: string; projectID?: string },
): Promise<Site[]> {
  return (await listPage(db, 'sites', tenantId, { project_id: opts.projectID }, opts)).map(siteFromRow);
}

export async function updateSite(
  db: Queryable,
  tenantId: string,
  siteKey: string,
  patch: SitePatch,
  now: number,
): Promise<Site | null> {
  const values: unknown[] = [now];
  const sets = ['updated_at = $1'];
  for (const [key, column] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  }
  values.push(tenantId, siteKey);
  const { rows } = await query(
    db,
    `UPDATE sites SET ${sets.join(', ')}
      WHERE tenant_id = $${values.length - 1} AND site_key = $${values.length} RETURNING *`,
    values,
  );
  return rows[0] ? siteFromRow(rows[0]) : null;
}

export async function deleteSite(db: Queryable, tenantId: string, siteKey: string): Promise<Site | null> {
  const { rows } = await query(db, 'DELETE FROM sites WHERE tenant_id = $1 AND site_key = $2 RETURNING *', [
    tenantId,
    siteKey,
  ]);
  return rows[0] ? siteFromRow(rows[0]) : null;
}
