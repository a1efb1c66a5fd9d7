import type { ActivityBucket, EventSummary, LastDelivery } from '../../console.ts';
import type { DeliveryStatus } from '../../../domain/types.ts';
import type { SqliteDb } from '../db.ts';

export function eventSummaries(db: SqliteDb, tenantId: string, ids: string[]): EventSummary[] {
  if (ids.length === 0) return [];
  return db
    .all(
      'SELECT id, event_id, type FROM events WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))',
      tenantId,
      JSON.stringify(ids),
    )
    .map((r) => ({ id: String(r['id']), eventID: String(r['event_id']), type: String(r['type']) }));
}

/** One indexed lookup per hook (deliveries_hook_id_idx), in a single statement. */
export function lastDeliveries(db: SqliteDb, tenantId: string, hookIds: string[]): LastDelivery[] {
  if (hookIds.length === 0) return [];
  const rows = db.all(
    `SELECT * FROM deliveries WHERE tenant_id = ? AND id IN (
       SELECT (SELECT d.id FROM deliveries d WHERE d.hook_id = j.value ORDER BY d.id DESC LIMIT 1)
         FROM json_each(?) j)`,
    tenantId,
    JSON.stringify(hookIds),
  );
  return rows.map((r) => ({
    hookId: String(r['hook_id']),
    id: String(r['id']),
    status: String(r['status']) as DeliveryStatus,
    attempts: Number(r['attempts']),
    lastStatus: r['last_status'] === null ? null : Number(r['last_status']),
    lastError: r['last_error'] === null ? null : String(r['last_error']),
    createdAt: Number(r['created_at']),
    updatedAt: Number(r['updated_at']),
  }));
}

export function hookActivity(
  db: SqliteDb,
  tenantId: string,
  hookId: string,
  since: number,
  bucketMs: number,
): ActivityBucket[] {
  // A delivery attempted since `since` was updated since then, which bounds the join.
  const rows = db.all(
    `SELECT CAST((a.started_at - ?) / ? AS INTEGER) AS bucket,
            SUM(CASE WHEN a.response_status BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS ok,
            SUM(CASE WHEN a.response_status BETWEEN 200 AND 299 THEN 0 ELSE 1 END) AS failed,
            AVG(a.duration_ms) AS mean_ms, MAX(a.duration_ms) AS max_ms
       FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
      WHERE d.tenant_id = ? AND d.hook_id = ? AND d.updated_at >= ? AND a.started_at >= ?
      GROUP BY bucket ORDER BY bucket`,
    since,
    Math.trunc(bucketMs),
    tenantId,
    hookId,
    since,
    since,
  );
  return rows.map((r) => ({
    start: since + Number(r['bucket']) * Math.trunc(bucketMs),
    ok: Number(r['ok']),
    failed: Number(r['failed']),
    meanMs: Number(r['mean_ms']),
    maxMs: Number(r['max_ms']),
  }));
}
