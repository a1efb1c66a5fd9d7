import type { ClaimedDelivery } from '../../domain/types.ts';
import type { Row, SqliteDb } from './db.ts';
import { aliased, deliveryFromRow, HOOK_COLUMNS, hookFromRow } from './rows.ts';

/** A delivery with its event's payload and type and its hook's current row (`h_…`). */
const CLAIMED_SELECT = `SELECT d.*, e.payload AS e_payload, e.type AS e_type, ${aliased('h', HOOK_COLUMNS, 'h_')}
  FROM deliveries d
  JOIN events e ON e.id = d.event_id
  LEFT JOIN hooks h ON h.id = d.hook_id`;

// A delivery whose hook was deleted has hook_id set but no hook row: h.enabled is NULL.
const SENDABLE = `d.status = 'pending' AND (d.hook_id IS NULL OR h.enabled = 1)`;

const SELECT_DUE = `${CLAIMED_SELECT}
  WHERE ${SENDABLE} AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
  ORDER BY d.next_attempt_at, d.id
  LIMIT ?`;

const LEASE = `UPDATE deliveries SET lease_owner = ?, lease_until = ?
  WHERE id IN (SELECT value FROM json_each(?))`;

const SELECT_LEASED = `${CLAIMED_SELECT}
  WHERE d.id IN (SELECT value FROM json_each(?)) AND d.lease_owner = ? AND ${SENDABLE}
  ORDER BY d.id`;

export function claimedFromRow(r: Row): ClaimedDelivery {
  return {
    delivery: deliveryFromRow(r),
    payload: r['e_payload'] as string,
    eventType: r['e_type'] as string,
    hook: r['h_id'] === null ? null : hookFromRow(r, 'h_'),
  };
}

/**
 * SQLite has one writer at a time, so select-then-lease inside BEGIN IMMEDIATE is already
 * exclusive; two statements whatever the batch size.
 */
export function claimDue(
  db: SqliteDb,
  opts: { now: number; limit: number; leaseMs: number; owner: string },
): ClaimedDelivery[] {
  if (opts.limit <= 0) return [];
  return db.tx(() => {
    const rows = db.all(SELECT_DUE, opts.now, opts.now, opts.limit);
    if (rows.length === 0) return [];
    const leaseUntil = opts.now + opts.leaseMs;
    db.run(LEASE, opts.owner, leaseUntil, JSON.stringify(rows.map((r) => r['id'])));
    return rows.map((r) => {
      const claimed = claimedFromRow(r);
      claimed.delivery.leaseOwner = opts.owner;
      claimed.delivery.leaseUntil = leaseUntil;
      return claimed;
    });
  });
}

export function loadClaimed(db: SqliteDb, owner: string, ids: string[]): ClaimedDelivery[] {
  if (ids.length === 0) return [];
  return db.all(SELECT_LEASED, JSON.stringify(ids), owner).map(claimedFromRow);
}

export function releaseLeases(db: SqliteDb, owner: string, ids?: string[]): void {
  if (ids === undefined) {
    db.run(
      `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
        WHERE status = 'pending' AND lease_owner = ?`,
      owner,
    );
    return;
  }
  if (ids.length === 0) return;
  db.run(
    `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
      WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ?`,
    JSON.stringify(ids),
    owner,
  );
}

export function extendLeases(db: SqliteDb, owner: string, ids: string[], leaseUntil: number): number {
  if (ids.length === 0) return 0;
  return db.run(
    `UPDATE deliveries SET lease_until = ?
      WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'pending'`,
    leaseUntil,
    JSON.stringify(ids),
    owner,
  );
}
