import type { Attempt, Delivery, DeliveryStatus } from '../../domain/types.ts';
import { notifyWake, query } from './pool.ts';
import type { Queryable } from './pool.ts';
import { attemptFromRow, deliveryFromRow } from './rows.ts';
import { listPage } from './page.ts';

export async function getDelivery(db: Queryable, tenantId: string, id: string): Promise<Delivery | null> {
  const { rows } = await query(db, 'SELECT * FROM deliveries WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
  ]);
  return rows[0] ? deliveryFromRow(rows[0]) : null;
}

export async function listDeliveries(
  db: Queryable,
  tenantId: string,
  opts: { hookId?: string; eventId?: string; status?: DeliveryStatus; limit: number; after?: string },
): Promise<Delivery[]> {
  const filters = { hook_id: opts.hookId, event_id: opts.eventId, status: opts.status };
  return (await listPage(db, 'deliveries', tenantId, filters, opts)).map(deliveryFromRow);
}

export async function listAttempts(db: Queryable, tenantId: string, deliveryId: string): Promise<Attempt[]> {
  const { rows } = await query(
    db,
    'SELECT * FROM attempts WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY id',
    [tenantId, deliveryId],
  );
  return rows.map(attemptFromRow);
}

// Shared by requeue and recover: due now, fresh schedule, no lease. A worker still holding the
// old lease then records its attempt without moving the delivery (its lease no longer matches).
const REQUEUE_SET = `status = 'pending', next_attempt_at = $1, schedule_pos = 0,
  lease_owner = NULL, lease_until = NULL, updated_at = $1`;

export async function requeueDelivery(
  db: Queryable,
  tenantId: string,
  id: string,
  now: number,
): Promise<Delivery | null> {
  const { rows } = await query(
    db,
    `UPDATE deliveries SET ${REQUEUE_SET} WHERE tenant_id = $2 AND id = $3 RETURNING *`,
    [now, tenantId, id],
  );
  if (!rows[0]) return null;
  await notifyWake(db);
  return deliveryFromRow(rows[0]);
}

export async function recoverFailed(
  db: Queryable,
  tenantId: string,
  hookId: string,
  since: number,
  now: number,
): Promise<number> {
  const res = await query(
    db,
    `UPDATE deliveries SET ${REQUEUE_SET}
      WHERE tenant_id = $2 AND hook_id = $3 AND status = 'failed' AND created_at >= $4`,
    [now, tenantId, hookId, since],
  );
  const count = res.rowCount ?? 0;
  if (count > 0) await notifyWake(db);
  return count;
}
