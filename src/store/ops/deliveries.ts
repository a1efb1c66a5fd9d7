import type { Attempt, Delivery, DeliveryStatus } from '../../domain/types.ts';
import {
  ATTEMPT_COLUMN_LIST,
  attemptFromRow,
  deliveryFromRow,
  FIRST_ATTEMPTS_AS_ROWS,
} from '../shared/rows.ts';
import { listPage, one, type Sql } from '../sql.ts';
import { FAIL_PENDING } from './hooks.ts';
import { takeable } from './workers.ts';
import { fifoHead } from '../shared/fifo.ts';

export async function getDelivery(sql: Sql, tenantId: string, id: string): Promise<Delivery | null> {
  const row = await one(sql, 'SELECT * FROM deliveries WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return row ? deliveryFromRow(sql.d, row) : null;
}

export async function listDeliveries(
  sql: Sql,
  tenantId: string,
  opts: { hookId?: string; eventId?: string; status?: DeliveryStatus; limit: number; after?: string },
): Promise<Delivery[]> {
  const filters = { hook_id: opts.hookId, event_id: opts.eventId, status: opts.status };
  return (await listPage(sql, 'deliveries', tenantId, filters, opts)).map((r) => deliveryFromRow(sql.d, r));
}

export async function listAttempts(sql: Sql, tenantId: string, deliveryId: string): Promise<Attempt[]> {
  // A first attempt that delivered sits on the delivery's row (migration 017).
  const rows = await sql.query(
    `SELECT ${ATTEMPT_COLUMN_LIST} FROM attempts WHERE tenant_id = $1 AND delivery_id = $2
     UNION ALL ${FIRST_ATTEMPTS_AS_ROWS} AND d.tenant_id = $1 AND d.id = $2
     ORDER BY id`,
    [tenantId, deliveryId],
  );
  return rows.map(attemptFromRow);
}

// Shared by requeue and recover: due now, fresh schedule, no lease. A worker still holding the
// old lease then records its attempt without moving the delivery (its lease no longer matches).
const REQUEUE_SET = `status = 'pending', next_attempt_at = $1, schedule_pos = 0,
  lease_owner = NULL, lease_until = NULL, updated_at = $1`;

export async function requeueDelivery(
  sql: Sql,
  tenantId: string,
  id: string,
  now: number,
): Promise<Delivery | null> {
  const row = await one(
    sql,
    `UPDATE deliveries SET ${REQUEUE_SET} WHERE tenant_id = $2 AND id = $3 RETURNING *`,
    [now, tenantId, id],
  );
  if (!row) return null;
  await sql.notifyWake();
  return deliveryFromRow(sql.d, row);
}

export async function recoverFailed(
  sql: Sql,
  tenantId: string,
  hookId: string,
  since: number,
  now: number,
): Promise<number> {
  const count = await sql.exec(
    `UPDATE deliveries SET ${REQUEUE_SET}
      WHERE tenant_id = $2 AND hook_id = $3 AND status = 'failed' AND created_at >= $4`,
    [now, tenantId, hookId, since],
  );
  if (count > 0) await sql.notifyWake();
  return count;
}

/**
 * `pending` counts every pending delivery; `due` only those a worker could claim right now
 * (due, lease takeable as claimDue judges it, hook enabled, the head of its FIFO queue), so a
 * disabled hook's backlog, or what waits behind a FIFO head, does not look like a stuck queue.
 */
export async function queueStats(
  sql: Sql,
  now: number,
  deadAfterMs: number,
): Promise<{ pending: number; due: number; oldestDueAt: number | null }> {
  const rows = await sql.query(
    `SELECT (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,
            count(*) AS due, min(d.next_attempt_at) AS oldest
       FROM deliveries d LEFT JOIN hooks h ON h.id = d.hook_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND ${takeable('d', '$1', '$2')}
        AND (d.hook_id IS NULL OR h.enabled = TRUE) AND ${fifoHead('d', 'h')}`,
    [now, now - deadAfterMs],
    'herald_queue_stats',
  );
  const row = rows[0] ?? {};
  return {
    pending: Number(row['pending'] ?? 0),
    due: Number(row['due'] ?? 0),
    oldestDueAt: row['oldest'] === null || row['oldest'] === undefined ? null : Number(row['oldest']),
  };
}

export function failOrphanedDeliveries(sql: Sql, now: number): Promise<number> {
  return sql.exec(
    `UPDATE deliveries SET ${FAIL_PENDING}, updated_at = $1
      WHERE status = 'pending' AND hook_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM hooks h WHERE h.id = deliveries.hook_id)`,
    [now],
  );
}

/** Released work is due again at once, so other processes' workers are woken to take it. */
export async function releaseLeases(sql: Sql, owner: string, ids?: string[]): Promise<void> {
  if (ids !== undefined && ids.length === 0) return;
  const changed =
    ids === undefined
      ? await sql.exec(
          `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE status = 'pending' AND lease_owner = $1`,
          [owner],
        )
      : await sql.exec(
          `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE id ${sql.inList(1)} AND lease_owner = $2`,
          [sql.list(ids), owner],
        );
  if (changed > 0) await sql.notifyWake();
}

export function extendLeases(sql: Sql, owner: string, ids: string[], leaseUntil: number): Promise<number> {
  if (ids.length === 0) return Promise.resolve(0);
  return sql.exec(
    `UPDATE deliveries SET lease_until = $1
      WHERE id ${sql.inList(2)} AND lease_owner = $3 AND status = 'pending'`,
    // Not a named statement: a generic plan for `id = ANY($2)` scans far more than the index.
    [leaseUntil, sql.list(ids), owner],
  );
}
