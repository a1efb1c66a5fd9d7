import type { ClaimedDelivery } from '../../domain/types.ts';
import { notifyWake, query } from './pool.ts';
import type { Queryable, Row } from './pool.ts';
import { aliased, deliveryFromRow, HOOK_COLUMNS, hookFromRow } from './rows.ts';

/** Event payload and type and the hook's current row (`h_…`) next to a delivery `d`. */
const JOINED = `e.payload AS e_payload, e.type AS e_type, ${aliased('h', HOOK_COLUMNS, 'h_')}`;

// A delivery whose hook was deleted has hook_id set but no hook row: h.enabled is NULL.
const SENDABLE = `d.status = 'pending' AND (d.hook_id IS NULL OR h.enabled)`;

/**
 * One statement: pick the oldest due rows no live lease holds, skipping rows another worker
 * is claiming right now (SKIP LOCKED), lease them, and return them with event and hook.
 */
const CLAIM = `WITH due AS (
    SELECT d.id FROM deliveries d LEFT JOIN hooks h ON h.id = d.hook_id
     WHERE ${SENDABLE} AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
     ORDER BY d.next_attempt_at, d.id
     LIMIT $2
     FOR UPDATE OF d SKIP LOCKED
  ), leased AS (
    UPDATE deliveries d SET lease_owner = $3, lease_until = $4
      FROM due WHERE d.id = due.id
    RETURNING d.*
  )
  SELECT d.*, ${JOINED}
    FROM leased d
    JOIN events e ON e.id = d.event_id
    LEFT JOIN hooks h ON h.id = d.hook_id
   ORDER BY d.next_attempt_at, d.id`;

const SELECT_LEASED = `SELECT d.*, ${JOINED}
    FROM deliveries d
    JOIN events e ON e.id = d.event_id
    LEFT JOIN hooks h ON h.id = d.hook_id
   WHERE d.id = ANY($1) AND d.lease_owner = $2 AND ${SENDABLE}
   ORDER BY d.id`;

export function claimedFromRow(r: Row): ClaimedDelivery {
  return {
    delivery: deliveryFromRow(r),
    payload: r['e_payload'] as string,
    eventType: r['e_type'] as string,
    hook: r['h_id'] === null ? null : hookFromRow(r, 'h_'),
  };
}

export async function claimDue(
  db: Queryable,
  opts: { now: number; limit: number; leaseMs: number; owner: string },
): Promise<ClaimedDelivery[]> {
  if (opts.limit <= 0) return [];
  const { rows } = await query(
    db,
    CLAIM,
    [opts.now, opts.limit, opts.owner, opts.now + opts.leaseMs],
    'herald_claim_due',
  );
  return rows.map(claimedFromRow);
}

export async function loadClaimed(db: Queryable, owner: string, ids: string[]): Promise<ClaimedDelivery[]> {
  if (ids.length === 0) return [];
  const { rows } = await query(db, SELECT_LEASED, [ids, owner], 'herald_load_claimed');
  return rows.map(claimedFromRow);
}

/** Released work is due again at once, so other workers are woken to take it. */
export async function releaseLeases(db: Queryable, owner: string, ids?: string[]): Promise<void> {
  if (ids !== undefined && ids.length === 0) return;
  const res =
    ids === undefined
      ? await query(
          db,
          `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
            WHERE status = 'pending' AND lease_owner = $1`,
          [owner],
        )
      : await query(
          db,
          `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
            WHERE id = ANY($1) AND lease_owner = $2`,
          [ids, owner],
        );
  if ((res.rowCount ?? 0) > 0) await notifyWake(db);
}

export async function extendLeases(
  db: Queryable,
  owner: string,
  ids: string[],
  leaseUntil: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await query(
    db,
    `UPDATE deliveries SET lease_until = $1
      WHERE id = ANY($2) AND lease_owner = $3 AND status = 'pending'`,
    [leaseUntil, ids, owner],
  );
  return res.rowCount ?? 0;
}
