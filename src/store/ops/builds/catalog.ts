import type { Project, ProjectPatch, Site, SitePatch, Trace, TracePatch } from '../../../domain/builds.ts';
import * as rows from '../../shared/builds-rows.ts';
import {
  insertSql,
  listPage,
  one,
  patchUpdate,
  type PageOpts,
  type PatchColumn,
  type Sql,
} from '../../sql.ts';

// Projects, site monitors and traces: the Usetrace-compatible catalogue a build is made from.

const INSERT_PROJECT = insertSql('projects', rows.PROJECT_COLUMNS);
const INSERT_SITE = insertSql('sites', rows.SITE_COLUMNS);
const INSERT_TRACE = insertSql('traces', rows.TRACE_COLUMNS);

const PROJECT_PATCH: readonly PatchColumn<ProjectPatch>[] = [
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

const SITE_PATCH: readonly PatchColumn<SitePatch>[] = [
  ['name', 'name'],
  ['projectID', 'project_id'],
  ['siteUrl', 'site_url'],
];

const TRACE_PATCH: readonly PatchColumn<TracePatch>[] = [
  ['name', 'name'],
  ['tags', 'tags', (v: string[]) => JSON.stringify(v)],
  ['taggedBug', 'tagged_bug', (v: boolean, d) => d.boolParam(v)],
  ['taggedFlaky', 'tagged_flaky', (v: boolean, d) => d.boolParam(v)],
  ['steps', 'steps', (v: unknown[]) => JSON.stringify(v)],
];

/** The tenant's other default project loses the flag (one default per tenant). */
async function clearDefault(sql: Sql, tenantId: string, except: string, now: number): Promise<Project[]> {
  const cleared = await sql.query(
    `UPDATE projects SET default_item = 0, lastmod = $1
      WHERE tenant_id = $2 AND default_item = 1 AND project_id <> $3 RETURNING *`,
    [now, tenantId, except],
  );
  return cleared.map(rows.projectFromRow);
}

export function createProject(sql: Sql, p: Project): Promise<Project[]> {
  return sql.tx(async (tx) => {
    const cleared = p.defaultItem === 1 ? await clearDefault(tx, p.tenantId, p.projectID, p.lastmod) : [];
    await tx.exec(INSERT_PROJECT, rows.projectValues(p));
    return cleared;
  });
}

export async function getProject(
  sql: Sql,
  tenantId: string,
  projectID: string,
  lock = '',
): Promise<Project | null> {
  const row = await one(sql, `SELECT * FROM projects WHERE tenant_id = $1 AND project_id = $2${lock}`, [
    tenantId,
    projectID,
  ]);
  return row ? rows.projectFromRow(row) : null;
}

export async function hasProjects(sql: Sql, tenantId: string): Promise<boolean> {
  return (await sql.query('SELECT 1 AS x FROM projects WHERE tenant_id = $1 LIMIT 1', [tenantId])).length > 0;
}

export async function listProjects(sql: Sql, tenantId: string, opts: PageOpts): Promise<Project[]> {
  return (await listPage(sql, 'projects', tenantId, {}, opts)).map(rows.projectFromRow);
}

export function updateProject(
  sql: Sql,
  tenantId: string,
  projectID: string,
  patch: ProjectPatch,
  now: number,
): Promise<{ project: Project; cleared: Project[] } | null> {
  return sql.tx(async (tx) => {
    if (!(await getProject(tx, tenantId, projectID))) return null;
    const cleared = patch.defaultItem === 1 ? await clearDefault(tx, tenantId, projectID, now) : [];
    const where = 'tenant_id = $1 AND project_id = $2';
    const q = patchUpdate(tx.d, 'projects', PROJECT_PATCH, patch, { lastmod: now }, where, [
      tenantId,
      projectID,
    ]);
    const row = await one(tx, q.text, q.params);
    return row ? { project: rows.projectFromRow(row), cleared } : null;
  });
}

export function deleteProject(
  sql: Sql,
  tenantId: string,
  projectID: string,
): Promise<{ project: Project; sites: Site[] } | null> {
  return sql.tx(async (tx) => {
    const project = await getProject(tx, tenantId, projectID, tx.forUpdate());
    if (!project) return null;
    const sites = await tx.query('SELECT * FROM sites WHERE tenant_id = $1 AND project_id = $2 ORDER BY id', [
      tenantId,
      projectID,
    ]);
    // Sites and traces go with it (ON DELETE CASCADE); builds stay.
    await tx.exec('DELETE FROM projects WHERE tenant_id = $1 AND project_id = $2', [tenantId, projectID]);
    return { project, sites: sites.map(rows.siteFromRow) };
  });
}

export async function createSite(sql: Sql, s: Site): Promise<void> {
  await sql.exec(INSERT_SITE, rows.siteValues(s));
}

export async function getSite(sql: Sql, tenantId: string, siteKey: string): Promise<Site | null> {
  const row = await one(sql, 'SELECT * FROM sites WHERE tenant_id = $1 AND site_key = $2', [
    tenantId,
    siteKey,
  ]);
  return row ? rows.siteFromRow(row) : null;
}

export async function listSites(
  sql: Sql,
  tenantId: string,
  opts: PageOpts & { projectID?: string },
): Promise<Site[]> {
  return (await listPage(sql, 'sites', tenantId, { project_id: opts.projectID }, opts)).map(rows.siteFromRow);
}

export async function updateSite(
  sql: Sql,
  tenantId: string,
  siteKey: string,
  patch: SitePatch,
  now: number,
): Promise<Site | null> {
  const where = 'tenant_id = $1 AND site_key = $2';
  const q = patchUpdate(sql.d, 'sites', SITE_PATCH, patch, { updated_at: now }, where, [tenantId, siteKey]);
  const row = await one(sql, q.text, q.params);
  return row ? rows.siteFromRow(row) : null;
}

export async function deleteSite(sql: Sql, tenantId: string, siteKey: string): Promise<Site | null> {
  const row = await one(sql, 'DELETE FROM sites WHERE tenant_id = $1 AND site_key = $2 RETURNING *', [
    tenantId,
    siteKey,
  ]);
  return row ? rows.siteFromRow(row) : null;
}

export async function createTrace(sql: Sql, t: Trace): Promise<void> {
  await sql.exec(INSERT_TRACE, rows.traceValues(sql.d, t));
}

export async function getTrace(sql: Sql, tenantId: string, id: string): Promise<Trace | null> {
  const row = await one(sql, 'SELECT * FROM traces WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return row ? rows.traceFromRow(sql.d, row) : null;
}

export async function listTraces(
  sql: Sql,
  tenantId: string,
  projectID: string,
  opts: PageOpts,
): Promise<Trace[]> {
  const page = await listPage(sql, 'traces', tenantId, { project_id: projectID }, opts);
  return page.map((r) => rows.traceFromRow(sql.d, r));
}

export async function listAllTraces(sql: Sql, tenantId: string, projectID: string): Promise<Trace[]> {
  const all = await sql.query('SELECT * FROM traces WHERE tenant_id = $1 AND project_id = $2 ORDER BY id', [
    tenantId,
    projectID,
  ]);
  return all.map((r) => rows.traceFromRow(sql.d, r));
}

export async function updateTrace(
  sql: Sql,
  tenantId: string,
  id: string,
  patch: TracePatch,
  now: number,
): Promise<Trace | null> {
  const q = patchUpdate(
    sql.d,
    'traces',
    TRACE_PATCH,
    patch,
    { updated_at: now },
    'tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  const row = await one(sql, q.text, q.params);
  return row ? rows.traceFromRow(sql.d, row) : null;
}

export async function deleteTrace(sql: Sql, tenantId: string, id: string): Promise<boolean> {
  return (await sql.exec('DELETE FROM traces WHERE tenant_id = $1 AND id = $2', [tenantId, id])) > 0;
}
