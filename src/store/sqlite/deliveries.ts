import type { Attempt, Delivery, DeliveryStatus } from '../../domain/types.ts';
import type { SqliteDb } from './db.ts';
import { attemptFromRow, deliveryFromRow } from './rows.ts';
import { listPage } from './page.ts';

export function getDelivery(db: SqliteDb, tenantId: string, id: string): Delivery | null {
  const row = db.get('SELECT * FROM deliveries WHERE tenant_id = ? AND id = ?', tenantId, id);
  return row ? deliveryFromRow(row) : null;
}

export function listDeliveries(
  db: SqliteDb,
  tenantId: string,
  opts: { hookId?: string; eventId?: string; status?: DeliveryStatus; limit: number; after?: string },
): Delivery[] {
  const filters = { hook_id: opts.hookId, event_id: opts.eventId, status: opts.status };
  return listPage(db, 'deliveries', tenantId, filters, opts).map(deliveryFromRow);
}

export function listAttempts(db: SqliteDb, tenantId: string, deliveryId: string): Attempt[] {
  return db
    .all('SELECT * FROM attempts WHERE tenant_id = ? AND delivery_id = ? ORDER BY id', tenantId, deliveryId)
    .map(attemptFromRow);
}

// Shared by requeue and recover: due now, fresh schedule, no lease. A worker still holding the
// old lease then records its attempt without moving the delivery (its lease no longer matches).
const REQUEUE_SET = `status = 'pending', next_attempt_at = ?, schedule_pos = 0,
  lease_owner = NULL, lease_until = NULL, updated_at = ?`;

export function requeueDelivery(db: SqliteDb, tenantId: string, id: string, now: number): Delivery | null {
  const row = db.get(
    `UPDATE deliveries SET ${REQUEUE_SET} WHERE tenant_id = ? AND id = ? RETURNING *`,
    now,
    now,
    tenantId,
    id,
  );
  return row ? deliveryFromRow(row) : null;
}

export function recoverFailed(
  db: SqliteDb,
  tenantId: string,
  hookId: string,
  since: number,
  now: number,
): number {
  return db.run(
    `UPDATE deliveries SET ${REQUEUE_SET}
      WHERE tenant_id = ? AND hook_id = ? AND status = 'failed' AND created_at >= ?`,
    now,
    now,
    tenantId,
    hookId,
    since,
  );
}
