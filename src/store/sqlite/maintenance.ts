import type { Hook } from '../../domain/types.ts';
import type { SqliteDb } from './db.ts';
import { hookFromRow } from './rows.ts';

export function disableFailingHooks(
  db: SqliteDb,
  failingBefore: number,
  reason: string,
  now: number,
): Hook[] {
  return db
    .all(
      `UPDATE hooks SET enabled = 0, disabled_reason = ?, updated_at = ?
        WHERE enabled = 1 AND failing_since IS NOT NULL AND failing_since <= ?
        RETURNING *`,
      reason,
      now,
      failingBefore,
    )
    .map((r) => hookFromRow(r))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/**
 * `pending` counts every pending delivery; `due` only those a worker could claim right now
 * (due, not under a live lease, hook enabled), so a disabled hook's backlog does not look
 * like a stuck queue.
 */
export function queueStats(
  db: SqliteDb,
  now: number,
): { pending: number; due: number; oldestDueAt: number | null } {
  const row = db.get(
    `SELECT (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,
            count(*) AS due, min(d.next_attempt_at) AS oldest
       FROM deliveries d LEFT JOIN hooks h ON h.id = d.hook_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
        AND (d.hook_id IS NULL OR h.enabled = 1)`,
    now,
    now,
  );
  return {
    pending: Number(row?.['pending'] ?? 0),
    due: Number(row?.['due'] ?? 0),
    oldestDueAt: row?.['oldest'] === null || row?.['oldest'] === undefined ? null : Number(row['oldest']),
  };
}

/** Rows per purge transaction: short write locks, so ingest and workers interleave. */
const CHUNK = 1000;

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Deletes attempts that started before `before`, then events created before `before` whose
 * deliveries are all finished, with those deliveries and their remaining attempts.
 */
export async function purge(
  db: SqliteDb,
  before: number,
): Promise<{ events: number; deliveries: number; attempts: number }> {
  const counts = { events: 0, deliveries: 0, attempts: 0 };
  for (;;) {
    const n = db.run(
      'DELETE FROM attempts WHERE rowid IN (SELECT rowid FROM attempts WHERE started_at < ? LIMIT ?)',
      before,
      CHUNK,
    );
    counts.attempts += n;
    if (n < CHUNK) break;
    await nextTick();
  }
  for (;;) {
    const n = db.tx(() => purgeEventChunk(db, before, counts));
    if (n < CHUNK) break;
    await nextTick();
  }
  return counts;
}

function purgeEventChunk(
  db: SqliteDb,
  before: number,
  counts: { events: number; deliveries: number; attempts: number },
): number {
  const ids = db
    .all(
      `SELECT id FROM events e
        WHERE created_at < ?
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
        LIMIT ?`,
      before,
      CHUNK,
    )
    .map((r) => r['id']);
  if (ids.length === 0) return 0;
  const json = JSON.stringify(ids);
  counts.attempts += db.run(
    `DELETE FROM attempts WHERE delivery_id IN
       (SELECT id FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?)))`,
    json,
  );
  counts.deliveries += db.run(
    'DELETE FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?))',
    json,
  );
  counts.events += db.run('DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))', json);
  return ids.length;
}

export function failOrphanedDeliveries(db: SqliteDb, now: number): number {
  return db.run(
    `UPDATE deliveries
        SET status = 'failed', last_error = 'hook deleted', next_attempt_at = NULL,
            lease_owner = NULL, lease_until = NULL, updated_at = ?
      WHERE status = 'pending' AND hook_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM hooks h WHERE h.id = deliveries.hook_id)`,
    now,
  );
}
