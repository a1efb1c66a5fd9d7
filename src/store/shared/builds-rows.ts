import type { BuildId, ProjectRowId, RunId, SiteRowId, TraceId } from '../../domain/ids.ts';
import type { Build, BuildRun, Project, Site, Trace } from '../../domain/builds.ts';
import type { AnyRow, Dialect } from './rows.ts';

/** Column lists in table order (the same tables on SQLite and PostgreSQL), shared by INSERTs. */
export const PROJECT_COLUMNS = [
  'id',
  'tenant_id',
  'project_id',
  'name',
  'description',
  'date_added',
  'lastmod',
  'default_item',
  'api_default_certainty',
  'api_default_level',
  'api_default_priority',
  'api_default_store',
  'api_default_ua_string',
  'api_default_viewport_height',
  'api_default_viewport_width',
  'base_url',
] as const;

export const SITE_COLUMNS = [
  'id',
  'tenant_id',
  'site_key',
  'project_id',
  'name',
  'site_url',
  'created_at',
  'updated_at',
] as const;

export const TRACE_COLUMNS = [
  'id',
  'tenant_id',
  'project_id',
  'name',
  'tags',
  'tagged_bug',
  'tagged_flaky',
  'steps',
  'created_at',
  'updated_at',
] as const;

export const BUILD_COLUMNS = [
  'id',
  'tenant_id',
  'project_id',
  'trace_id',
  'change_key',
  'base_url',
  'tags',
  'commit_ref',
  'commit_link',
  'parameters',
  'browsers',
  'reporters',
  'viewport_width',
  'viewport_height',
  'status',
  'requested_at',
  'deadline_at',
  'finished_at',
  'finished_event_id',
  'report_event_id',
  'reported_at',
] as const;

export const RUN_COLUMNS = [
  'id',
  'build_id',
  'tenant_id',
  'position',
  'trace_id',
  'trace_name',
  'tagged_bug',
  'tagged_flaky',
  'browser',
  'steps',
  'status',
  'attempts',
  'lease_owner',
  'lease_until',
  'started_at',
  'finished_at',
  'duration_ms',
  'error_type',
  'error_message',
  'failed_step',
  'screenshot_token',
] as const;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown): T => JSON.parse(String(v)) as T;

export function projectFromRow(r: AnyRow): Project {
  return {
    id: String(r['id']) as ProjectRowId,
    tenantId: String(r['tenant_id']),
    projectID: String(r['project_id']),
    name: String(r['name']),
    description: String(r['description']),
    dateAdded: num(r['date_added']),
    lastmod: num(r['lastmod']),
    defaultItem: num(r['default_item']) === 1 ? 1 : 0,
    apiDefaultCertainty: num(r['api_default_certainty']),
    apiDefaultLevel: String(r['api_default_level']) as Project['apiDefaultLevel'],
    apiDefaultPriority: num(r['api_default_priority']),
    apiDefaultStore: num(r['api_default_store']) === 1 ? 1 : 0,
    apiDefaultUAString: String(r['api_default_ua_string']),
    apiDefaultViewportHeight: num(r['api_default_viewport_height']),
    apiDefaultViewportWidth: num(r['api_default_viewport_width']),
    baseUrl: strOrNull(r['base_url']),
  };
}

export function projectValues(p: Project): unknown[] {
  return [
    p.id,
    p.tenantId,
    p.projectID,
    p.name,
    p.description,
    p.dateAdded,
    p.lastmod,
    p.defaultItem,
    p.apiDefaultCertainty,
    p.apiDefaultLevel,
    p.apiDefaultPriority,
    p.apiDefaultStore,
    p.apiDefaultUAString,
    p.apiDefaultViewportHeight,
    p.apiDefaultViewportWidth,
    p.baseUrl,
  ];
}

export function siteFromRow(r: AnyRow): Site {
  return {
    id: String(r['id']) as SiteRowId,
    tenantId: String(r['tenant_id']),
    siteKey: String(r['site_key']),
    projectID: String(r['project_id']),
    name: String(r['name']),
    siteUrl: String(r['site_url']),
    createdAt: num(r['created_at']),
    updatedAt: num(r['updated_at']),
  };
}

export function siteValues(s: Site): unknown[] {
  return [s.id, s.tenantId, s.siteKey, s.projectID, s.name, s.siteUrl, s.createdAt, s.updatedAt];
}

export function traceFromRow(d: Dialect, r: AnyRow): Trace {
  return {
    id: String(r['id']) as TraceId,
    tenantId: String(r['tenant_id']),
    projectID: String(r['project_id']),
    name: String(r['name']),
    tags: json(r['tags']),
    taggedBug: d.bool(r['tagged_bug']),
    taggedFlaky: d.bool(r['tagged_flaky']),
    steps: json(r['steps']),
    createdAt: num(r['created_at']),
    updatedAt: num(r['updated_at']),
  };
}

export function traceValues(d: Dialect, t: Trace): unknown[] {
  return [
    t.id,
    t.tenantId,
    t.projectID,
    t.name,
    JSON.stringify(t.tags),
    d.boolParam(t.taggedBug),
    d.boolParam(t.taggedFlaky),
    JSON.stringify(t.steps),
    t.createdAt,
    t.updatedAt,
  ];
}

export function buildFromRow(d: Dialect, r: AnyRow): Build {
  return {
    id: String(r['id']) as BuildId,
    tenantId: String(r['tenant_id']),
    projectID: String(r['project_id']),
    traceId: strOrNull(r['trace_id']),
    changeKey: String(r['change_key']),
    baseUrl: String(r['base_url']),
    tags: json(r['tags']),
    commit: strOrNull(r['commit_ref']),
    commitLink: strOrNull(r['commit_link']),
    parameters: json(r['parameters']),
    browsers: json(r['browsers']),
    reporters: json(d.open(String(r['reporters']))),
    viewport: { width: num(r['viewport_width']), height: num(r['viewport_height']) },
    status: String(r['status']) as Build['status'],
    requestedAt: num(r['requested_at']),
    deadlineAt: num(r['deadline_at']),
    finishedAt: numOrNull(r['finished_at']),
    finishedEventId: String(r['finished_event_id']),
    reportEventId: String(r['report_event_id']),
    reportedAt: numOrNull(r['reported_at']),
  };
}

export function buildValues(d: Dialect, b: Build): unknown[] {
  return [
    b.id,
    b.tenantId,
    b.projectID,
    b.traceId,
    b.changeKey,
    b.baseUrl,
    JSON.stringify(b.tags),
    b.commit,
    b.commitLink,
    JSON.stringify(b.parameters),
    JSON.stringify(b.browsers),
    d.seal(JSON.stringify(b.reporters)),
    b.viewport.width,
    b.viewport.height,
    b.status,
    b.requestedAt,
    b.deadlineAt,
    b.finishedAt,
    b.finishedEventId,
    b.reportEventId,
    b.reportedAt,
  ];
}

export function runFromRow(d: Dialect, r: AnyRow): BuildRun {
  const errorType = strOrNull(r['error_type']);
  return {
    id: String(r['id']) as RunId,
    buildId: String(r['build_id']) as BuildId,
    tenantId: String(r['tenant_id']),
    position: num(r['position']),
    traceId: String(r['trace_id']) as TraceId,
    traceName: String(r['trace_name']),
    taggedBug: d.bool(r['tagged_bug']),
    taggedFlaky: d.bool(r['tagged_flaky']),
    browser: String(r['browser']) as BuildRun['browser'],
    steps: json(r['steps']),
    status: String(r['status']) as BuildRun['status'],
    attempts: num(r['attempts']),
    leaseOwner: strOrNull(r['lease_owner']),
    leaseUntil: numOrNull(r['lease_until']),
    startedAt: numOrNull(r['started_at']),
    finishedAt: numOrNull(r['finished_at']),
    durationMs: numOrNull(r['duration_ms']),
    error:
      errorType === null
        ? null
        : { type: errorType as 'error' | 'failure', message: String(r['error_message'] ?? '') },
    failedStep: numOrNull(r['failed_step']),
    screenshotToken: strOrNull(r['screenshot_token']),
  };
}

export function runValues(d: Dialect, r: BuildRun): unknown[] {
  return [
    r.id,
    r.buildId,
    r.tenantId,
    r.position,
    r.traceId,
    r.traceName,
    d.boolParam(r.taggedBug),
    d.boolParam(r.taggedFlaky),
    r.browser,
    JSON.stringify(r.steps),
    r.status,
    r.attempts,
    r.leaseOwner,
    r.leaseUntil,
    r.startedAt,
    r.finishedAt,
    r.durationMs,
    r.error?.type ?? null,
    r.error?.message ?? null,
    r.failedStep,
    r.screenshotToken,
  ];
}
