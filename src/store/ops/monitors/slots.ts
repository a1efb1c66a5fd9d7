import { newId } from '../../../domain/ids.ts';
import type { MonitorSlot } from '../../../domain/monitors.ts';
import type { ClaimOptions } from '../../leased.ts';
import type {
  AppliableSlot,
  DueMonitor,
  LeasedSlot,
  SlotClaim,
  SlotOutcome,
  UnannouncedFailure,
} from '../../monitors.ts';
import { siteFromRow } from '../../shared/builds-rows.ts';
import { one, type Sql } from '../../sql.ts';
import { claimLeased } from '../leased.ts';
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
      `INSERT INTO monitor_slots (id, site_id, slot, tenant_id, interval_sec, claimed_by, claimed_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued') ON CONFLICT DO NOTHING`,
      [newId('slot', c.now), c.siteId, c.slot, row['tenant_id'], c.intervalSec, c.owner, c.now],
    );
    return inserted === 1 ? dueFromRow(row, tx.d) : null;
  });
}

/** Leases claimed slots that are queued or whose owner died (see ops/leased.ts). */
export async function claimSlotRuns(
  sql: Sql,
  opts: ClaimOptions,
  deadAfterMs: number,
): Promise<LeasedSlot[]> {
  return (await claimLeased(sql, 'monitor_slots', opts, deadAfterMs)).map((r) => ({
    id: String(r['id']),
    tenantId: String(r['tenant_id']),
    siteId: String(r['site_id']),
    slot: Number(r['slot']),
    attempts: Number(r['attempts']),
  }));
}

/** The site and its monitor as they are now; null once the site is deleted. */
export async function monitorOf(sql: Sql, siteId: string): Promise<DueMonitor | null> {
  const row = await one(sql, 'SELECT * FROM sites WHERE id = $1', [siteId]);
  return row ? dueFromRow(row, sql.d) : null;
}

/** Records what a leased slot queued, if `owner` still holds it; false (nothing changed) otherwise. */
export async function finishSlot(sql: Sql, owner: string, id: string, o: SlotOutcome): Promise<boolean> {
  const changed = await sql.exec(
    `UPDATE monitor_slots
        SET status = $1, finished_at = $2, response_ids = $3, error = $4, lease_owner = NULL, lease_until = NULL
      WHERE id = $5 AND lease_owner = $6 AND status = 'running'`,
    [o.status, o.now, JSON.stringify(o.responseIDs), o.error, id, owner],
  );
  return changed > 0;
}

export async function listSlots(
  sql: Sql,
  tenantId: string,
  siteId: string,
  limit: number,
): Promise<MonitorSlot[]> {
  const rows = await sql.query(
    `SELECT s.*, a.applied_at AS issues_applied_at, a.open_issues FROM monitor_slots s
       LEFT JOIN monitor_issue_slots a ON a.site_id = s.site_id AND a.slot = s.slot
      WHERE s.tenant_id = $1 AND s.site_id = $2
      ORDER BY s.claimed_at DESC, s.slot DESC LIMIT $3`,
    [tenantId, siteId, limit],
  );
  return rows.map(slotFromRow);
}

/**
 * Slots ready for the tracked issues (see MonitorStore.appliableSlots). A slot older than one
 * already applied never will be (IssueService.applySlot refuses it), so it is left out here too.
 */
export async function appliableSlots(
  sql: Sql,
  finishedSince: number,
  limit: number,
): Promise<AppliableSlot[]> {
  const rows = await sql.query(
    `SELECT s.tenant_id, s.slot, sites.site_key FROM monitor_slots s
       JOIN sites ON sites.id = s.site_id
      WHERE s.status = 'done' AND s.finished_at >= $2 AND s.response_ids <> '[]'
        AND NOT EXISTS (SELECT 1 FROM monitor_issue_slots a WHERE a.site_id = s.site_id AND a.slot >= s.slot)
        AND NOT EXISTS (SELECT 1 FROM test_runs r
                         WHERE r.tenant_id = s.tenant_id AND r.site_key = sites.site_key AND r.slot = s.slot
                           AND r.status IN ('queued', 'running'))
        -- Runs purged (or never stored) leave nothing to apply: not retried every sweep.
        AND EXISTS (SELECT 1 FROM test_runs r
                     WHERE r.tenant_id = s.tenant_id AND r.site_key = sites.site_key AND r.slot = s.slot)
      ORDER BY s.finished_at, s.id LIMIT $1`,
    [limit, finishedSince],
  );
  return rows.map((r) => ({
    tenantId: String(r['tenant_id']),
    siteKey: String(r['site_key']),
    slot: Number(r['slot']),
  }));
}

export async function unannouncedFailures(
  sql: Sql,
  finishedBefore: number,
  limit: number,
): Promise<UnannouncedFailure[]> {
  const rows = await sql.query(
    `SELECT sites.*, s.id AS slot_id, s.slot, s.error, s.finished_at FROM monitor_slots s
       JOIN sites ON sites.id = s.site_id
      WHERE s.status = 'failed' AND s.announced_at IS NULL AND s.error IS NOT NULL AND s.finished_at <= $1
      ORDER BY s.finished_at, s.id LIMIT $2`,
    [finishedBefore, limit],
  );
  return rows.map((r) => ({
    id: String(r['slot_id']),
    slot: Number(r['slot']),
    error: String(r['error']),
    finishedAt: Number(r['finished_at']),
    site: siteFromRow(r),
  }));
}

export async function markSlotAnnounced(sql: Sql, id: string, now: number): Promise<void> {
  await sql.exec('UPDATE monitor_slots SET announced_at = $1 WHERE id = $2 AND announced_at IS NULL', [
    now,
    id,
  ]);
}
