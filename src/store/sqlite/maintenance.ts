import type { SqliteDb } from './db.ts';
import type { SqliteSql } from './sql.ts';

/** Rows per purge transaction: short write locks, so ingest and workers interleave. */
const CHUNK = 1000;

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Deletes attempts that started before `before`, then events created before `before` whose
 * deliveries are all finished, with those deliveries and their remaining attempts.
 */
export async function purge(
  sql: SqliteSql,
  before: number,
): Promise<{ events: number; deliveries: number; attempts: number }> {
  const counts = { events: 0, deliveries: 0, attempts: 0 };
  for (;;) {
    // Each chunk waits for any open transaction of the seam instead of landing inside it.
    const n = await sql.run((db) =>
      db.run(
        'DELETE FROM attempts WHERE rowid IN (SELECT rowid FROM attempts WHERE started_at < ? LIMIT ?)',
        before,
        CHUNK,
      ),
    );
    counts.attempts += n;
    if (n < CHUNK) break;
    await nextTick();
  }
  for (;;) {
    const n = await sql.run((db) => db.tx(() => purgeEventChunk(db, before, counts)));
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
