import type { Sql } from '../../sql.ts';

/** Builds per purge transaction: each may carry runs and screenshot blobs, so keep it short. */
const CHUNK = 100;

export type BuildPurgeCounts = { builds: number; runs: number; screenshots: number };

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Retention of the build API: deletes builds that finished before `before`, with their runs and
 * screenshots, a chunk per transaction. Running builds are never touched, however old.
 */
export async function purgeBuilds(sql: Sql, before: number): Promise<BuildPurgeCounts> {
  const counts: BuildPurgeCounts = { builds: 0, runs: 0, screenshots: 0 };
  for (;;) {
    const n = await sql.tx(async (tx) => {
      const rows = await tx.query(
        `SELECT id FROM builds WHERE status = 'FINISHED' AND finished_at < $1
          ORDER BY finished_at LIMIT $2${tx.forUpdate('SKIP LOCKED')}`,
        [before, CHUNK],
      );
      const ids = tx.list(rows.map((r) => String(r['id'])));
      if (rows.length === 0) return 0;
      // Explicit rather than ON DELETE CASCADE alone: the counts are logged.
      counts.screenshots += await tx.exec(`DELETE FROM build_screenshots WHERE build_id ${tx.inList(1)}`, [
        ids,
      ]);
      counts.runs += await tx.exec(`DELETE FROM build_runs WHERE build_id ${tx.inList(1)}`, [ids]);
      counts.builds += await tx.exec(`DELETE FROM builds WHERE id ${tx.inList(1)}`, [ids]);
      return rows.length;
    });
    if (n < CHUNK) return counts;
    await nextTick();
  }
}
