import type pg from 'pg';
import { query, withTx } from './pool.ts';

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
