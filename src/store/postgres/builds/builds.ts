import type pg from 'pg';
import type { Build, BuildRun } from '../../../domain/builds.ts';
import { query, withTx } from '../pool.ts';
import type { Queryable } from '../pool.ts';
import {
  BUILD_COLUMNS,
  buildFromRow,
  buildValues,
  insertSql,
  RUN_COLUMNS,
  runFromRow,
  runValues,
} from './rows.ts';
import { listPage } from '../page.ts';

const INSERT_BUILD = insertSql('builds', BUILD_COLUMNS);

export function createBuild(pool: pg.Pool, build: Build, runs: BuildRun[]): Promise<void> {
  return withTx(pool, async (c) => {
    await query(c, INSERT_BUILD, buildValues(build));
    // All runs in one statement: a build of many traces and browsers is one round trip.
    const width = RUN_COLUMNS.length;
    for (let i = 0; i < runs.length; i += 500) {
      const chunk = runs.slice(i, i + 500);
      const tuples = chunk.map(
        (_, j) => `(${RUN_COLUMNS.map((_c, k) => `$${j * width + k + 1}`).join(', ')})`,
      );
      await query(
        c,
        `INSERT INTO build_runs (${RUN_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
        chunk.flatMap(runValues),
      );
    }
  });
}

export async function getBuild(db: Queryable, tenantId: string, id: string): Promise<Build | null> {
  const { rows } = await query(db, 'SELECT * FROM builds WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return rows[0] ? buildFromRow(rows[0]) : null;
}

export async function listBuilds(
  db: Queryable,
  tenantId: string,
  opts: { limit: number; after?: string; projectID?: string },
): Promise<Build[]> {
  return (await listPage(db, 'builds', tenantId, { project_id: opts.projectID }, opts)).map(buildFromRow);
}

export async function listRuns(db: Queryable, tenantId: string, buildId: string): Promise<BuildRun[]> {
  const { rows } = await query(
    db,
    'SELECT * FROM build_runs WHERE tenant_id = $1 AND build_id = $2 ORDER BY position',
    [tenantId, buildId],
  );
  return rows.map(runFromRow);
}

export async function previousFinishedBuild(db: Queryable, build: Build): Promise<Build | null> {
  const { rows } =
    build.finishedAt === null
      ? await query(
          db,
          `SELECT * FROM builds WHERE tenant_id = $1 AND change_key = $2 AND status = 'FINISHED' AND id <> $3
            ORDER BY finished_at DESC, id DESC LIMIT 1`,
          [build.tenantId, build.changeKey, build.id],
        )
      : await query(
          db,
          `SELECT * FROM builds WHERE tenant_id = $1 AND change_key = $2 AND status = 'FINISHED' AND id <> $3
              AND (finished_at, id) < ($4, $3)
            ORDER BY finished_at DESC, id DESC LIMIT 1`,
          [build.tenantId, build.changeKey, build.id, build.finishedAt],
        );
  return rows[0] ? buildFromRow(rows[0]) : null;
}
