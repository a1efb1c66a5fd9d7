import { idFloor } from '../../domain/ids.ts';
import type { Sql } from '../sql.ts';
import { FIRST_ATTEMPT_COLUMNS } from '../shared/rows.ts';

/** Rows per purge transaction: short transactions, so locks and the WAL stay small. */
const CHUNK = 1000;

export type PurgeCounts = { events: number; deliveries: number; attempts: number };

// Between chunks ingest and workers get their turn (on SQLite they share the one connection).
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Deletes attempts that started before `before`, then events created before `before` whose
 * deliveries are all finished, with those deliveries and their remaining attempts, then the
 * first attempts that started before `before` kept on the deliveries that stay. Both are
 * found by id range on the primary key (ids begin with the time they were minted, which is
 * never before the row's own time): no time index is written on the hot path for this.
 */
export async function purge(sql: Sql, before: number): Promise<PurgeCounts> {
  const counts: PurgeCounts = { events: 0, deliveries: 0, attempts: 0 };
  for (;;) {
    const n = await sql.exec(
      'DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE id < $1 LIMIT $2)',
      [idFloor('attempt', before), CHUNK],
    );
    counts.attempts += n;
    if (n < CHUNK) break;
    await nextTick();
  }
  for (;;) {
    const candidates = await sql.tx((tx) => purgeEventChunk(tx, before, counts));
    if (candidates < CHUNK) break;
    await nextTick();
  }
  for (;;) {
    const n = await clearOldFirstAttempts(sql, before);
    counts.attempts += n;
    if (n < CHUNK) break;
    await nextTick();
  }
  return counts;
}

/**
 * A first attempt kept on its delivery's row (migration 017) that started before `before`, on
 * a delivery that stays: its event has pending work. Such an event was created before the
 * attempt started, so its id is below the floor too, and after the event chunks only those
 * events are left there: the scan is short.
 */
function clearOldFirstAttempts(sql: Sql, before: number): Promise<number> {
  return sql.exec(
    `UPDATE deliveries SET ${FIRST_ATTEMPT_COLUMNS.map(([c]) => `${c} = NULL`).join(', ')}
      WHERE id IN (SELECT d.id FROM events e JOIN deliveries d ON d.event_id = e.id
                    WHERE e.id < $1 AND d.first_attempt_id < $2 LIMIT $3)`,
    [idFloor('event', before), idFloor('attempt', before), CHUNK],
  );
}

async function purgeEventChunk(sql: Sql, before: number, counts: PurgeCounts): Promise<number> {
  const candidates = await sql.query(
    `SELECT e.id FROM events e
      WHERE e.id < $1
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
      LIMIT $2${sql.forUpdate('SKIP LOCKED')}`,
    [idFloor('event', before), CHUNK],
  );
  const ids = candidates.map((r) => String(r['id']));
  if (ids.length === 0) return 0;
  // Postgres: lock the deliveries, then drop any event one of them went back to pending for (a
  // requeue that committed after the candidate scan). Later requeues wait for us and find no row.
  const locked = await sql.query(
    `SELECT event_id, status FROM deliveries WHERE event_id ${sql.inList(1)}${sql.forUpdate()}`,
    [sql.list(ids)],
  );
  const live = new Set(locked.filter((r) => r['status'] === 'pending').map((r) => String(r['event_id'])));
  const purgeable = sql.list(ids.filter((id) => !live.has(id)));
  counts.attempts += await sql.exec(
    `DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id ${sql.inList(1)})`,
    [purgeable],
  );
  // First attempts kept on the rows (migration 017) go with them.
  const firsts = await sql.query(
    `SELECT count(*) AS n FROM deliveries WHERE event_id ${sql.inList(1)} AND first_attempt_id IS NOT NULL`,
    [purgeable],
  );
  counts.attempts += Number(firsts[0]?.['n'] ?? 0);
  counts.deliveries += await sql.exec(`DELETE FROM deliveries WHERE event_id ${sql.inList(1)}`, [purgeable]);
  counts.events += await sql.exec(`DELETE FROM events WHERE id ${sql.inList(1)}`, [purgeable]);
  return ids.length;
}
