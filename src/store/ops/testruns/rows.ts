import type { NewTestRun, TestRun, TestRunStatus } from '../../testruns.ts';
import type { Row } from '../../sql.ts';
import type { Codec } from '../../sealing/box.ts';

export const INSERT_COLUMNS = [
  'id',
  'tenant_id',
  'response_id',
  'project_id',
  'site_key',
  'slot',
  'url',
  'status',
  'async',
  'request',
  'event_id',
  'callback_event_id',
  'created_at',
] as const;

export function insertValues(d: Codec, r: NewTestRun): unknown[] {
  return [
    r.id,
    r.tenantId,
    r.responseID,
    r.projectID,
    r.siteKey,
    r.slot,
    r.url,
    'queued',
    r.async ? 1 : 0,
    d.seal(JSON.stringify(r.request)),
    r.eventId,
    r.callbackEventId,
    r.createdAt,
  ];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(String(v)));

export function runFromRow(d: Codec, r: Row): TestRun {
  return {
    id: String(r['id']),
    tenantId: String(r['tenant_id']),
    responseID: String(r['response_id']),
    projectID: String(r['project_id']),
    siteKey: str(r['site_key']),
    slot: num(r['slot']),
    url: str(r['url']),
    status: String(r['status']) as TestRunStatus,
    async: Number(r['async']) === 1,
    request: json(d.open(String(r['request']))),
    response: json(r['response']),
    httpStatus: num(r['http_status']),
    apiLog: json(r['api_log']),
    errors: num(r['errors']),
    warnings: num(r['warnings']),
    eventId: String(r['event_id']),
    callbackEventId: String(r['callback_event_id']),
    attempts: Number(r['attempts']),
    leaseOwner: str(r['lease_owner']),
    leaseUntil: num(r['lease_until']),
    createdAt: Number(r['created_at']),
    startedAt: num(r['started_at']),
    finishedAt: num(r['finished_at']),
    announcedAt: num(r['announced_at']),
  };
}
