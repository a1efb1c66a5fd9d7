import type pg from 'pg';
import type { Project, ProjectPatch, Site } from '../../../domain/builds.ts';
import { query, withTx } from '../pool.ts';
import type { Queryable } from '../pool.ts';
import { insertSql, PROJECT_COLUMNS, projectFromRow, projectValues, siteFromRow } from './rows.ts';
import { listPage } from '../page.ts';

const INSERT = insertSql('projects', PROJECT_COLUMNS);

const PATCH_COLUMNS: ReadonlyArray<[keyof ProjectPatch, string]> = [
  ['name', 'name'],
  ['description', 'description'],
  ['defaultItem', 'default_item'],
  ['apiDefaultCertainty', 'api_default_certainty'],
  ['apiDefaultLevel', 'api_default_level'],
  ['apiDefaultPriority', 'api_default_priority'],
  ['apiDefaultStore', 'api_default_store'],
  ['apiDefaultUAString', 'api_default_ua_string'],
  ['apiDefaultViewportHeight', 'api_default_viewport_height'],
  ['apiDefaultViewportWidth', 'api_default_viewport_width'],
  ['baseUrl', 'base_url'],
];

/** The tenant's other default project loses the flag (one default per tenant). */
async function clearDefault(
  db: Queryable,
  tenantId: string,
  except: string,
  now: number,
): Promise<Project[]> {
  const { rows } = await query(
    db,
    `UPDATE projects SET default_item = 0, lastmod = $1
      WHERE tenant_id = $2 AND default_item = 1 AND project_id <> $3 RETURNING *`,
    [now, tenantId, except],
  );
  return rows.map(projectFromRow);
}

export function createProject(pool: pg.Pool, p: Project): Promise<Project[]> {
  return withTx(pool, async (c) => {
    const cleared = p.defaultItem === 1 ? await clearDefault(c, p.tenantId, p.projectID, p.lastmod) : [];
    await query(c, INSERT, projectValues(p));
    return cleared;
  });
}

export async function getProject(
  db: Queryable,
  tenantId: string,
  projectID: string,
): Promise<Project | null> {
  const { rows } = await query(db, 'SELECT * FROM projects WHERE tenant_id = $1 AND project_id = $2', [
    tenantId,
    projectID,
  ]);
  return rows[0] ? projectFromRow(rows[0]) : null;
}

export async function hasProjects(db: Queryable, tenantId: string): Promise<boolean> {
  const { rows } = await query(db, 'SELECT 1 FROM projects WHERE tenant_id = $1 LIMIT 1', [tenantId]);
  return rows.length > 0;
}

export async function listProjects(
  db: Queryable,
  tenantId: string,
  opts: { limit: number; after?: string },
): Promise<Project[]> {
  return (await listPage(db, 'projects', tenantId, {}, opts)).map(projectFromRow);
}

export function updateProject(
  pool: pg.Pool,
  tenantId: string,
  projectID: string,
  patch: ProjectPatch,
  now: number,
): Promise<{ project: Project; cleared: Project[] } | null> {
  return withTx(pool, async (c) => {
    if (!(await getProject(c, tenantId, projectID))) return null;
    const cleared = patch.defaultItem === 1 ? await clearDefault(c, tenantId, projectID, now) : [];
    const values: unknown[] = [now];
    const sets = ['lastmod = $1'];
    for (const [key, column] of PATCH_COLUMNS) {
      const value = patch[key];
      if (value === undefined) continue;
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    values.push(tenantId, projectID);
    const { rows } = await query(
      c,
      `UPDATE projects SET ${sets.join(', ')}
        WHERE tenant_id = $${values.length - 1} AND project_id = $${values.length} RETURNING *`,
      values,
    );
    return rows[0] ? { project: projectFromRow(rows[0]), cleared } : null;
  });
}

export function deleteProject(
  pool: pg.Pool,
  tenantId: string,
  projectID: string,
): Promise<{ project: Project; sites: Site[] } | null> {
  return withTx(pool, async (c) => {
    const { rows } = await query(
      c,
      'SELECT * FROM projects WHERE tenant_id = $1 AND project_id = $2 FOR UPDATE',
      [tenantId, projectID],
    );
    if (!rows[0]) return null;
    const sites = await query(c, 'SELECT * FROM sites WHERE tenant_id = $1 AND project_id = $2 ORDER BY id', [
      tenantId,
      projectID,
    ]);
    // Sites and traces go with it (ON DELETE CASCADE); builds stay.
    await query(c, 'DELETE FROM projects WHERE tenant_id = $1 AND project_id = $2', [tenantId, projectID]);
    return { project: projectFromRow(rows[0]), sites: sites.rows.map(siteFromRow) };
  });
}
