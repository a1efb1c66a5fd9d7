import type { AttemptResult } from '../store.ts';
import type { SqliteDb } from './db.ts';

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

const UPDATE_HEALTH = `UPDATE hooks
  SET last_success_at = CASE WHEN ? IS NULL THEN last_success_at ELSE max(COALESCE(last_success_at, ?), ?) END,
      failing_since = CASE WHEN ? IS NULL THEN COALESCE(failing_since, ?) ELSE ? END
  WHERE id = ?`;

/** What a batch does to one hook's health, its results taken in the order they started. */
export interface HealthChange {
  hookId: string;
  /** Start of the latest successful attempt, if any. */
  lastSuccessAt: number | null;
  /** Start of the first failure after that success (or of the first failure, if none). */
  failingSince: number | null;
}

export function foldHealth(results: AttemptResult[]): HealthChange[] {
  const byHook = new Map<string, HealthChange>();
  const ordered = results
    .filter((r) => r.hookId !== null)
    .sort((a, b) => a.attempt.startedAt - b.attempt.startedAt);
  for (const r of ordered) {
    const hookId = r.hookId as string;
    let change = byHook.get(hookId);
    if (!change) {
      change = { hookId, lastSuccessAt: null, failingSince: null };
      byHook.set(hookId, change);
    }
    if (r.outcome === 'delivered') {
      change.lastSuccessAt = r.attempt.startedAt;
      change.failingSince = null;
    } else {
      change.failingSince ??= r.attempt.startedAt;
    }
  }
  return [...byHook.values()];
}

export function outcomeColumns(r: AttemptResult): {
  status: string;
  nextAttemptAt: number | null;
  finishedAt: number;
  deliveredAt: number | null;
} {
  const finishedAt = r.attempt.startedAt + Math.round(r.attempt.durationMs);
  if (r.outcome === 'delivered') {
    return { status: 'delivered', nextAttemptAt: null, finishedAt, deliveredAt: finishedAt };
  }
  if (r.outcome === 'failed') return { status: 'failed', nextAttemptAt: null, finishedAt, deliveredAt: null };
  return { status: 'pending', nextAttemptAt: r.nextAttemptAt ?? finishedAt, finishedAt, deliveredAt: null };
}

export function recordAttempts(db: SqliteDb, owner: string, results: AttemptResult[]): void {
  if (results.length === 0) return;
  const insertAttempt = db.stmt(INSERT_ATTEMPT);
  const finishDelivery = db.stmt(FINISH_DELIVERY);
  const updateHealth = db.stmt(UPDATE_HEALTH);
  db.tx(() => {
    for (const r of results) {
      const a = r.attempt;
      insertAttempt.run(
        a.id,
        a.deliveryId,
        a.tenantId,
        a.attemptNo,
        a.startedAt,
        a.durationMs,
        a.requestUrl,
        JSON.stringify(a.requestHeaders ?? {}),
        a.responseStatus ?? null,
        a.responseHeaders ? JSON.stringify(a.responseHeaders) : null,
        a.responseBody ?? null,
        a.error ?? null,
        a.deliveryId,
      );
      const o = outcomeColumns(r);
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
