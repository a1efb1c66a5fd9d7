import type pg from 'pg';
import type { AttemptResult } from '../store.ts';
import { query, withTx } from './pool.ts';
import { columnArrays, unnest } from './rows.ts';
import { attemptValues, foldHealth, outcomeColumns } from '../shared/rows.ts';

// Guarded so a batch never fails on an attempt whose delivery was purged meanwhile.
const INSERT_ATTEMPTS = `INSERT INTO attempts
  (id, delivery_id, tenant_id, attempt_no, started_at, duration_ms, request_url, request_headers,
   response_status, response_headers, response_body, error)
  SELECT r.* FROM ${unnest(['text', 'text', 'text', 'int', 'bigint', 'float8', 'text', 'text', 'int', 'text', 'text', 'text'])}
    AS r(id, delivery_id, tenant_id, attempt_no, started_at, duration_ms, request_url, request_headers,
         response_status, response_headers, response_body, error)
   WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = r.delivery_id)`;

// Only the lease holder moves the delivery: after a requeue, a deleteHook or a lease expiry
// the attempt is history, but the delivery now belongs to someone else.
const FINISH_DELIVERIES = `UPDATE deliveries d
   SET attempts = d.attempts + 1, status = r.status, next_attempt_at = r.next_attempt_at,
       schedule_pos = r.schedule_pos, last_status = r.last_status, last_error = r.last_error,
       delivered_at = COALESCE(r.delivered_at, d.delivered_at), lease_owner = NULL, lease_until = NULL,
       updated_at = r.updated_at
  FROM ${unnest(['text', 'text', 'text', 'bigint', 'int', 'int', 'text', 'bigint', 'bigint'])}
    AS r(id, tenant_id, status, next_attempt_at, schedule_pos, last_status, last_error, delivered_at, updated_at)
 WHERE d.id = r.id AND d.tenant_id = r.tenant_id AND d.lease_owner = $10`;

// Hooks are locked first, in id order, so batches from concurrent workers (and deleteHook,
// which also takes the hook before its deliveries) never wait on each other in a cycle.
const LOCK_HOOKS = 'SELECT id FROM hooks WHERE id = ANY($1) ORDER BY id FOR UPDATE';

const UPDATE_HEALTH = `UPDATE hooks h
   SET last_success_at = CASE WHEN r.s IS NULL THEN h.last_success_at ELSE GREATEST(h.last_success_at, r.s) END,
       failing_since = CASE WHEN r.s IS NULL THEN COALESCE(h.failing_since, r.f) ELSE r.f END
  FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(id, s, f)
 WHERE h.id = r.id`;

/** Four statements per batch, whatever its size. */
export async function recordAttempts(pool: pg.Pool, owner: string, results: AttemptResult[]): Promise<void> {
  if (results.length === 0) return;
  // Sorted by hook id: the order LOCK_HOOKS takes them in.
  const health = foldHealth(results).sort((a, b) => (a.hookId < b.hookId ? -1 : 1));
  const attempts = results.map((r) => r.attempt);
  const finished = results.map(outcomeColumns);
  await withTx(pool, async (c) => {
    if (health.length > 0) await query(c, LOCK_HOOKS, [health.map((h) => h.hookId)], 'herald_lock_hooks');
    await query(c, INSERT_ATTEMPTS, columnArrays(attempts.map(attemptValues), 12), 'herald_insert_attempts');
    await query(
      c,
      FINISH_DELIVERIES,
      [
        attempts.map((a) => a.deliveryId),
        attempts.map((a) => a.tenantId),
        finished.map((f) => f.status),
        finished.map((f) => f.nextAttemptAt),
        results.map((r) => r.schedulePos),
        attempts.map((a) => a.responseStatus ?? null),
        attempts.map((a) => a.error ?? null),
        finished.map((f) => f.deliveredAt),
        finished.map((f) => f.finishedAt),
        owner,
      ],
      'herald_finish_deliveries',
    );
    if (health.length > 0) {
      await query(
        c,
        UPDATE_HEALTH,
        [health.map((h) => h.hookId), health.map((h) => h.lastSuccessAt), health.map((h) => h.failingSince)],
        'herald_update_health',
      );
    }
  });
}
