import type { ActivityBucket, EventSummary, LastDelivery } from '../../console.ts';
import type { DeliveryStatus } from '../../../domain/types.ts';
import type { Sql } from '../../sql.ts';

export async function eventSummaries(sql: Sql, tenantId: string, ids: string[]): Promise<EventSummary[]> {
  if (ids.length === 0) return [];
  const rows = await sql.query(
    `SELECT id, event_id, type FROM events WHERE tenant_id = $1 AND id ${sql.inList(2)}`,
    [tenantId, sql.list(ids)],
  );
  return rows.map((r) => ({ id: String(r['id']), eventID: String(r['event_id']), type: String(r['type']) }));
}

/** One indexed lookup per hook (deliveries_hook_id_idx), in a single statement. */
export async function lastDeliveries(sql: Sql, tenantId: string, hookIds: string[]): Promise<LastDelivery[]> {
  if (hookIds.length === 0) return [];
  const rows = await sql.query(
    `SELECT * FROM deliveries WHERE tenant_id = $1 AND id IN (
       SELECT (SELECT d.id FROM deliveries d WHERE d.hook_id = h.id ORDER BY d.id DESC LIMIT 1)
         FROM hooks h WHERE h.tenant_id = $1 AND h.id ${sql.inList(2)})`,
    [tenantId, sql.list(hookIds)],
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

export async function hookActivity(
  sql: Sql,
  tenantId: string,
  hookId: string,
  since: number,
  bucketMs: number,
): Promise<ActivityBucket[]> {
  const width = Math.trunc(bucketMs);
  // A delivery attempted since `since` was updated since then, which bounds the join.
  // The CAST makes it integer division on SQLite too, which binds JS numbers as REAL.
  // A first attempt that delivered sits on the delivery's row (migration 017).
  const rows = await sql.query(
    `SELECT CAST((a.started_at - $3) / $4 AS BIGINT) AS bucket,
            SUM(CASE WHEN a.response_status BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS ok,
            SUM(CASE WHEN a.response_status BETWEEN 200 AND 299 THEN 0 ELSE 1 END) AS failed,
            AVG(a.duration_ms) AS mean_ms, MAX(a.duration_ms) AS max_ms
       FROM (SELECT a.started_at, a.response_status, a.duration_ms
               FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
              WHERE d.tenant_id = $1 AND d.hook_id = $2 AND d.updated_at >= $3 AND a.started_at >= $3
             UNION ALL
             SELECT d.first_started_at, d.first_response_status, d.first_duration_ms FROM deliveries d
              WHERE d.tenant_id = $1 AND d.hook_id = $2 AND d.updated_at >= $3 AND d.first_started_at >= $3) a
      GROUP BY bucket ORDER BY bucket`,
    [tenantId, hookId, since, width],
  );
  return rows.map((r) => ({
    start: since + Number(r['bucket']) * width,
    ok: Number(r['ok']),
    failed: Number(r['failed']),
    meanMs: Number(r['mean_ms']),
    maxMs: Number(r['max_ms']),
  }));
}
