import type { AttemptResult } from '../store.ts';
import {
  attemptValues,
  FIRST_ATTEMPT_COLUMNS,
  firstAttemptValues,
  foldHealth,
  isFirstSuccess,
  outcomeColumns,
} from '../shared/rows.ts';
import type { Param, SqliteDb } from './db.ts';

// Guarded so a batch never fails on an attempt whose delivery was purged meanwhile.
const INSERT_ATTEMPT = `INSERT INTO attempts
  (id, delivery_id, tenant_id, attempt_no, started_at, duration_ms, request_url, request_headers,
   response_status, response_headers, response_body, error)
  SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
  WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?)`;

// Only the lease holder moves the delivery: after a requeue, a deleteHook or a lease expiry
// the attempt is history, but the delivery now belongs to someone else.
const FINISH_DELIVERY = `UPDATE deliveries
  SET attempts = attempts + 1, status = ?, next_attempt_at = ?, schedule_pos = ?, last_status = ?,
      last_error = ?, delivered_at = COALESCE(?, delivered_at), lease_owner = NULL, lease_until = NULL,
      updated_at = ?
  WHERE id = ? AND tenant_id = ? AND lease_owner = ?`;

// A first attempt that delivered goes on the row it finishes (migration 017), never over one
// already there: when this matches nothing (lease lost, or a first attempt recorded before) the
// attempt becomes an attempts row and FINISH_DELIVERY runs as for any other result.
const FINISH_FIRST_SUCCESS = `UPDATE deliveries
  SET attempts = attempts + 1, status = 'delivered', next_attempt_at = NULL, schedule_pos = ?,
      last_status = ?, last_error = NULL, delivered_at = ?, lease_owner = NULL, lease_until = NULL,
      updated_at = ?, ${FIRST_ATTEMPT_COLUMNS.map(([c]) => `${c} = ?`).join(', ')}
  WHERE id = ? AND tenant_id = ? AND lease_owner = ? AND first_attempt_id IS NULL`;

const UPDATE_HEALTH = `UPDATE hooks
  SET last_success_at = CASE WHEN ? IS NULL THEN last_success_at ELSE max(COALESCE(last_success_at, ?), ?) END,
      failing_since = CASE WHEN ? IS NULL THEN COALESCE(failing_since, ?) ELSE ? END
  WHERE id = ?`;

export function recordAttempts(db: SqliteDb, owner: string, results: AttemptResult[]): void {
  if (results.length === 0) return;
  const insertAttempt = db.stmt(INSERT_ATTEMPT);
  const finishDelivery = db.stmt(FINISH_DELIVERY);
  const finishFirstSuccess = db.stmt(FINISH_FIRST_SUCCESS);
  const updateHealth = db.stmt(UPDATE_HEALTH);
  db.tx(() => {
    for (const r of results) {
      const a = r.attempt;
      const o = outcomeColumns(r);
      if (isFirstSuccess(r)) {
        const changed = finishFirstSuccess.run(
          r.schedulePos,
          a.responseStatus ?? null,
          o.deliveredAt,
          o.finishedAt,
          ...(firstAttemptValues(a) as Param[]),
          a.deliveryId,
          a.tenantId,
          owner,
        ).changes;
        if (Number(changed) === 1) continue;
      }
      insertAttempt.run(...(attemptValues(a) as Param[]), a.deliveryId);
      finishDelivery.run(
        o.status,
        o.nextAttemptAt,
        r.schedulePos,
        a.responseStatus ?? null,
        a.error ?? null,
        o.deliveredAt,
        o.finishedAt,
        a.deliveryId,
        a.tenantId,
        owner,
      );
    }
    for (const h of foldHealth(results)) {
      const s = h.lastSuccessAt;
      updateHealth.run(s, s, s, s, h.failingSince, h.failingSince, h.hookId);
    }
  });
}
