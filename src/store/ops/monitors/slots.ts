import type { MonitorSlot } from '../../../domain/monitors.ts';
import type { DueMonitor, SlotClaim } from '../../monitors.ts';
import { one, type Sql } from '../../sql.ts';
import { dueFromRow, slotFromRow } from './rows.ts';

// The scheduler's queue operations. Both dialects accept the same SQL: integer division of a
// BIGINT gives the slot, and INSERT … ON CONFLICT DO NOTHING is the once-per-slot guard.

export async function dueMonitors(sql: Sql, now: number, limit: number): Promise<DueMonitor[]> {
  const rows = await sql.query(
    `SELECT * FROM sites
     WHERE monitor_interval_sec IS NOT NULL AND monitor_paused = $2
       AND (monitor_last_slot IS NULL
            OR monitor_last_slot < CAST($1 AS BIGINT) / (monitor_interval_sec * 1000))
     ORDER BY id LIMIT $3`,
    [now, sql.d.boolParam(false), limit],
  );
  return rows.map((r) => dueFromRow(r, sql.d));
}

export function claimSlot(sql: Sql, c: SlotClaim): Promise<DueMonitor | null> {
  return sql.tx(async (tx) => {
    // On PostgreSQL a concurrent claimer waits here on the row lock, then sees the new last
    // slot and updates nothing.
    const row = await one(
      tx,
      `UPDATE sites SET monitor_last_slot = $1
       WHERE id = $2 AND monitor_interval_sec = $3 AND monitor_paused = $4
         AND (monitor_last_slot IS NULL OR monitor_last_slot < $1)
       RETURNING *`,
      [c.slot, c.siteId, c.intervalSec, tx.d.boolParam(false)],
    );
    if (!row) return null;
    const inserted = await tx.exec(
      `INSERT INTO monitor_slots (site_id, slot, tenant_id, interval_sec, claimed_by, claimed_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [c.siteId, c.slot, row['tenant_id'], c.intervalSec, c.owner, c.now],
    );
    return inserted === 1 ? dueFromRow(row, tx.d) : null;
  });
}

export async function finishSlot(
  sql: Sql,
  siteId: string,
  slot: number,
  o: { responseIDs: string[]; error: string | null; now: number },
): Promise<void> {
  await sql.exec(
    'UPDATE monitor_slots SET finished_at = $3, response_ids = $4, error = $5 WHERE site_id = $1 AND slot = $2',
    [siteId, slot, o.now, JSON.stringify(o.responseIDs), o.error],
  );
}

export async function listSlots(
  sql: Sql,
  tenantId: string,
  siteId: string,
  limit: number,
): Promise<MonitorSlot[]> {
  const rows = await sql.query(
    `SELECT * FROM monitor_slots WHERE tenant_id = $1 AND site_id = $2
     ORDER BY claimed_at DESC, slot DESC LIMIT $3`,
    [tenantId, siteId, limit],
  );
  return rows.map(slotFromRow);
}
