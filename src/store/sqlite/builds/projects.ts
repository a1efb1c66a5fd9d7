import type { Project, ProjectPatch, Site } from '../../../domain/builds.ts';
import type { Param, SqliteDb } from '../db.ts';
import { insertSql, PROJECT_COLUMNS, projectFromRow, projectParams, siteFromRow } from './rows.ts';
import { listPage } from '../page.ts';

const INSERT = insertSql('projects', PROJECT_COLUMNS);

/** Patchable fields, in a fixed order so each combination maps to one cached statement. */
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
function clearDefault(db: SqliteDb, tenantId: string, except: string, now: number): Project[] {
  return db
    .all(
      `UPDATE projects SET default_item = 0, lastmod = ?
        WHERE tenant_id = ? AND default_item = 1 AND project_id <> ? RETURNING *`,
      now,
      tenantId,
      except,
    )
    .map(projectFromRow);
}

export function createProject(db: SqliteDb, p: Project): Project[] {
  return db.tx(() => {
    const cleared = p.defaultItem === 1 ? clearDefault(db, p.tenantId, p.projectID, p.lastmod) : [];
    db.run(INSERT, ...projectParams(p));
    return cleared;
  });
}

export function getProject(db: SqliteDb, tenantId: string, projectID: string): Project | null {
  const row = db.get('SELECT * FROM projects WHERE tenant_id = ? AND project_id = ?', tenantId, projectID);
  return row ? projectFromRow(row) : null;
}

export function hasProjects(db: SqliteDb, tenantId: string): boolean {
  return db.get('SELECT 1 AS x FROM projects WHERE tenant_id = ? LIMIT 1', tenantId) !== undefined;
}

export function listProjects(
  db: SqliteDb,
  tenantId: string,
  opts: { limit: number; after?: string },
): Project[] {
  return listPage(db, 'projects', tenantId, {}, opts).map(projectFromRow);
}

export function updateProject(
  db: SqliteDb,
  tenantId: string,
  projectID: string,
  patch: ProjectPatch,
  now: number,
): { project: Project; cleared: Project[] } | null {
  return db.tx(() => {
    if (!getProject(db, tenantId, projectID)) return null;
    const cleared = patch.defaultItem === 1 ? clearDefault(db, tenantId, projectID, now) : [];
    const sets: string[] = ['lastmod = ?'];
    const params: Param[] = [now];
    for (const [key, column] of PATCH_COLUMNS) {
      const value = patch[key];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(value);
    }
    const row = db.get(
      `UPDATE projects SET ${sets.join(', ')} WHERE tenant_id = ? AND project_id = ? RETURNING *`,
      ...params,
      tenantId,
      projectID,
    );
    return row ? { project: projectFromRow(row), cleared } : null;
  });
}

export function deleteProject(
  db: SqliteDb,
  tenantId: string,
  projectID: string,
): { project: Project; sites: Site[] } | null {
  return db.tx(() => {
    const project = getProject(db, tenantId, projectID);
    if (!project) return null;
    const sites = db
      .all('SELECT * FROM sites WHERE tenant_id = ? AND project_id = ? ORDER BY id', tenantId, projectID)
      .map(siteFromRow);
    // Sites and traces go with it (ON DELETE CASCADE); builds stay.
    db.run('DELETE FROM projects WHERE tenant_id = ? AND project_id = ?', tenantId, projectID);
    return { project, sites };
  });
}
