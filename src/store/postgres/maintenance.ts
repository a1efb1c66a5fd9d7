import type pg from 'pg';
import type { Hook } from '../../domain/types.ts';
import { query, withTx } from './pool.ts';
import type { Queryable } from './pool.ts';
import { hookFromRow } from './rows.ts';

export async function disableFailingHooks(
  db: Queryable,
  failingBefore: number,
  reason: string,
  now: number,
): Promise<Hook[]> {
  const { rows } = await query(
    db,
    `UPDATE hooks SET enabled = false, disabled_reason = $1, updated_at = $2
      WHERE enabled AND failing_since IS NOT NULL AND failing_since <= $3
      RETURNING *`,
    [reason, now, failingBefore],
  );
  return rows.map((r) => hookFromRow(r)).sort((a, b) => (a.id < b.id ? -1 : 1));
}

/**
 * `pending` counts every pending delivery; `due` only those a worker could claim right now
 * (due, not under a live lease, hook enabled), so a disabled hook's backlog does not look
 * like a stuck queue.
 */
export async function queueStats(
  db: Queryable,
  now: number,
): Promise<{ pending: number; due: number; oldestDueAt: number | null }> {
  const { rows } = await query(
    db,
    `SELECT (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,
            count(*) AS due, min(d.next_attempt_at) AS oldest
       FROM deliveries d LEFT JOIN hooks h ON h.id = d.hook_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
        AND (d.hook_id IS NULL OR h.enabled)`,
    [now],
    'herald_queue_stats',
  );
  const row = rows[0] ?? {};
  return {
    pending: Number(row['pending'] ?? 0),
    due: Number(row['due'] ?? 0),
    oldestDueAt: row['oldest'] === null || row['oldest'] === undefined ? null : Number(row['oldest']),
  };
}

/** Rows per purge transaction: short transactions, so locks and WAL stay small. */
const CHUNK = 1000;

type PurgeCounts = { events: number; deliveries: number; attempts: number };

/**
 * Deletes attempts that started before `before`, then events created before `before` whose
 * deliveries are all finished, with those deliveries and their remaining attempts.
 */
export async function purge(pool: pg.Pool, before: number): Promise<PurgeCounts> {
  const counts: PurgeCounts = { events: 0, deliveries: 0, attempts: 0 };
  for (;;) {
    const res = await query(
      pool,
      'DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE started_at < $1 LIMIT $2)',
      [before, CHUNK],
    );
    counts.attempts += res.rowCount ?? 0;
    if ((res.rowCount ?? 0) < CHUNK) break;
  }
  for (;;) {
    const chunk = await withTx(pool, (c) => purgeEventChunk(c, before));
    counts.events += chunk.events;
    counts.deliveries += chunk.deliveries;
    counts.attempts += chunk.attempts;
    if (chunk.candidates < CHUNK) break;
  }
  return counts;
}

async function purgeEventChunk(
  c: pg.PoolClient,
  before: number,
): Promise<PurgeCounts & { candidates: number }> {
  const candidates = await query(
    c,
    `SELECT e.id FROM events e
      WHERE e.created_at < $1
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
      LIMIT $2
      FOR UPDATE SKIP LOCKED`,
    [before, CHUNK],
  );
  const ids = candidates.rows.map((r) => r['id'] as string);
  if (ids.length === 0) return { events: 0, deliveries: 0, attempts: 0, candidates: 0 };
  // Lock the deliveries, then drop any event one of them went back to pending for (a requeue
  // that committed after the candidate scan). Later requeues wait for us and find no row.
  const locked = await query(
    c,
    'SELECT event_id, status FROM deliveries WHERE event_id = ANY($1) FOR UPDATE',
    [ids],
  );
  const live = new Set(
    locked.rows.filter((r) => r['status'] === 'pending').map((r) => r['event_id'] as string),
  );
  const purgeable = ids.filter((id) => !live.has(id));
  const attempts = await query(
    c,
    'DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = ANY($1))',
    [purgeable],
  );
  const deliveries = await query(c, 'DELETE FROM deliveries WHERE event_id = ANY($1)', [purgeable]);
  const events = await query(c, 'DELETE FROM events WHERE id = ANY($1)', [purgeable]);
  return {
    events: events.rowCount ?? 0,
    deliveries: deliveries.rowCount ?? 0,
    attempts: attempts.rowCount ?? 0,
    candidates: ids.length,
  };
}

export async function failOrphanedDeliveries(pool: pg.Pool, now: number): Promise<number> {
  const res = await query(
    pool,
    `UPDATE deliveries d
        SET status = 'failed', last_error = 'hook deleted', next_attempt_at = NULL,
            lease_owner = NULL, lease_until = NULL, updated_at = $1
      WHERE d.status = 'pending' AND d.hook_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM hooks h WHERE h.id = d.hook_id)`,
    [now],
  );
  return res.rowCount ?? 0;
}
