import type { ClaimedDelivery } from '../../domain/types.ts';
import { releaseAllStatements } from '../ops/leased.ts';
import { takeable } from '../ops/workers.ts';
import type { ClaimOpts } from '../sql-store.ts';
import { claimedRows } from '../shared/claimed.ts';
import { fifoHead } from '../shared/fifo.ts';
import { aliased, HOOK_COLUMNS, type Dialect } from '../shared/rows.ts';
import type { SqliteDb } from './db.ts';

/**
 * A delivery with its event's payload and type. The hook's row is read once per hook, not once
 * per delivery (HOOKS_BY_ID, in the same transaction).
 */
const CLAIMED_SELECT = `SELECT d.*, e.payload AS e_payload, e.type AS e_type, e.trace_parent AS e_trace
  FROM deliveries d
  JOIN events e ON e.id = d.event_id
  LEFT JOIN hooks h ON h.id = d.hook_id`;

const HOOKS_BY_ID = `SELECT ${aliased('h', HOOK_COLUMNS, 'h_')} FROM hooks h
  WHERE h.id IN (SELECT value FROM json_each(?))`;

// A delivery whose hook was deleted has hook_id set but no hook row: h.enabled is NULL.
const SELECT_DUE = `${CLAIMED_SELECT}
  WHERE d.status = 'pending' AND (d.hook_id IS NULL OR h.enabled = 1)
    AND d.next_attempt_at <= ?1 AND ${takeable('d', '?1', '?3', '?4')}
    AND d.tenant_id NOT IN (SELECT value FROM json_each(?5))
    AND (d.hook_id IS NULL OR d.hook_id NOT IN (SELECT value FROM json_each(?6)))
    AND ${fifoHead('d', 'h')}
    AND (d.next_attempt_at, d.id) > (?7, ?8)
  ORDER BY d.next_attempt_at, d.id
  LIMIT ?2`;

const LEASE = `UPDATE deliveries SET lease_owner = ?, lease_until = ?
  WHERE id IN (SELECT value FROM json_each(?))`;

/**
 * SQLite has one writer at a time, so select-then-lease inside BEGIN IMMEDIATE is already
 * exclusive; two statements whatever the batch size. Its commit does not wait for the disk: a
 * lease lost with the power is dropped at the next open anyway (SqliteDb.txUnsynced).
 */
export function claimDue(db: SqliteDb, d: Dialect, opts: ClaimOpts, deadAfterMs: number): ClaimedDelivery[] {
  if (opts.limit <= 0) return [];
  return db.txUnsynced(() => {
    const rows = db.all(
      SELECT_DUE,
      opts.now,
      opts.limit,
      opts.now - deadAfterMs,
      opts.owner,
      JSON.stringify(opts.excludeTenants ?? []),
      JSON.stringify(opts.excludeHooks ?? []),
      opts.after?.at ?? -1,
      opts.after?.id ?? '',
    );
    if (rows.length === 0) return [];
    const leaseUntil = opts.now + opts.leaseMs;
    db.run(LEASE, opts.owner, leaseUntil, JSON.stringify(rows.map((r) => r['id'])));
    const hookIds = [...new Set(rows.flatMap((r) => (r['hook_id'] === null ? [] : [r['hook_id']])))];
    const hooks = hookIds.length === 0 ? [] : db.all(HOOKS_BY_ID, JSON.stringify(hookIds));
    const claimed = claimedRows(d, rows, hooks);
    for (const c of claimed) {
      c.delivery.leaseOwner = opts.owner;
      c.delivery.leaseUntil = leaseUntil;
    }
    return claimed;
  });
}

/**
 * On open, under the data-dir lock: no other process is alive to hold a lease, so every
 * lease left by a killed one is dropped and its work resumes at once, not a lease later:
 * deliveries here, and every leased table of the run engine from its one registry
 * (ops/leased.ts). A table not migrated yet (or not yet leased) is skipped.
 */
export function releaseAllLeases(db: SqliteDb): void {
  const columns = (table: string) =>
    new Set(db.all(`SELECT name FROM pragma_table_info(?)`, table).map((r) => String(r['name'])));
  db.tx(() => {
    if (columns('deliveries').has('lease_owner')) {
      db.run(
        `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
          WHERE status = 'pending' AND lease_owner IS NOT NULL`,
      );
    }
    for (const { table, text } of releaseAllStatements()) if (columns(table).has('lease_owner')) db.run(text);
    if (columns('workers').has('owner')) db.run('DELETE FROM workers');
  });
}
