import type { ActivityBucket, EventSummary, LastDelivery } from '../../console.ts';
import type { DeliveryStatus } from '../../../domain/types.ts';
import { query, type Queryable } from '../pool.ts';

export async function eventSummaries(
  db: Queryable,
  tenantId: string,
  ids: string[],
): Promise<EventSummary[]> {
  if (ids.length === 0) return [];
  const { rows } = await query(
    db,
    'SELECT id, event_id, type FROM events WHERE tenant_id = $1 AND id = ANY($2::text[])',
    [tenantId, ids],
  );
  return rows.map((r) => ({ id: String(r['id']), eventID: String(r['event_id']), type: String(r['type']) }));
}

/** One indexed lookup per hook (deliveries_hook_id_idx), in a single statement. */
export async function lastDeliveries(
  db: Queryable,
  tenantId: string,
  hookIds: string[],
): Promise<LastDelivery[]> {
  if (hookIds.length === 0) return [];
  const { rows } = await query(
    db,
    `SELECT d.* FROM unnest($2::text[]) AS h(id)
       CROSS JOIN LATERAL (
         SELECT * FROM deliveries WHERE hook_id = h.id AND tenant_id = $1 ORDER BY id DESC LIMIT 1
       ) d`,
    [tenantId, hookIds],
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
  db: Queryable,
  tenantId: string,
  hookId: string,
  since: number,
  bucketMs: number,
): Promise<ActivityBucket[]> {
  // A delivery attempted since `since` was updated since then, which bounds the join.
  const { rows } = await query(
    db,
    `SELECT (a.started_at - $3::bigint) / $4::bigint AS bucket,
            COUNT(*) FILTER (WHERE a.response_status BETWEEN 200 AND 299)::int AS ok,
            COUNT(*) FILTER (WHERE a.response_status IS NULL OR a.response_status NOT BETWEEN 200 AND 299)::int AS failed,
            AVG(a.duration_ms)::float8 AS mean_ms, MAX(a.duration_ms)::float8 AS max_ms
       FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
      WHERE d.tenant_id = $1 AND d.hook_id = $2 AND d.updated_at >= $3 AND a.started_at >= $3
      GROUP BY bucket ORDER BY bucket`,
    [tenantId, hookId, since, Math.trunc(bucketMs)],
  );
  return rows.map((r) => ({
    start: since + Number(r['bucket']) * Math.trunc(bucketMs),
    ok: Number(r['ok']),
    failed: Number(r['failed']),
    meanMs: Number(r['mean_ms']),
    maxMs: Number(r['max_ms']),
  }));
}
