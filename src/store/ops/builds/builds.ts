import type { Build, BuildRun } from '../../../domain/builds.ts';
import * as rows from '../../shared/builds-rows.ts';
import { insertSql, listPage, one, type PageOpts, type Sql } from '../../sql.ts';

const INSERT_BUILD = insertSql('builds', rows.BUILD_COLUMNS);
// Multi-row VALUES on both dialects: a build of many traces and browsers is a few round trips.
const RUNS_PER_INSERT = 500;

export function createBuild(sql: Sql, build: Build, runs: BuildRun[]): Promise<void> {
  const width = rows.RUN_COLUMNS.length;
  return sql.tx(async (tx) => {
    await tx.exec(INSERT_BUILD, rows.buildValues(tx.d, build));
    for (let i = 0; i < runs.length; i += RUNS_PER_INSERT) {
      const chunk = runs.slice(i, i + RUNS_PER_INSERT);
      const tuples = chunk.map(
        (_, j) => `(${rows.RUN_COLUMNS.map((_c, k) => `$${j * width + k + 1}`).join(', ')})`,
      );
      await tx.exec(
        `INSERT INTO build_runs (${rows.RUN_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
        chunk.flatMap((r) => rows.runValues(tx.d, r)),
      );
    }
  });
}

export async function getBuild(sql: Sql, tenantId: string, id: string): Promise<Build | null> {
  const row = await one(sql, 'SELECT * FROM builds WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return row ? rows.buildFromRow(sql.d, row) : null;
}

export async function listBuilds(
  sql: Sql,
  tenantId: string,
  opts: PageOpts & { projectID?: string },
): Promise<Build[]> {
  return (await listPage(sql, 'builds', tenantId, { project_id: opts.projectID }, opts)).map((r) =>
    rows.buildFromRow(sql.d, r),
  );
}

export async function listRuns(sql: Sql, tenantId: string, buildId: string): Promise<BuildRun[]> {
  const runs = await sql.query(
    'SELECT * FROM build_runs WHERE tenant_id = $1 AND build_id = $2 ORDER BY position',
    [tenantId, buildId],
  );
  return runs.map((r) => rows.runFromRow(sql.d, r));
}

/** Row-value comparison works on both dialects (SQLite ≥ 3.15). */
export async function previousFinishedBuild(sql: Sql, build: Build): Promise<Build | null> {
  const base = `SELECT * FROM builds WHERE tenant_id = $1 AND change_key = $2 AND status = 'FINISHED' AND id <> $3`;
  const order = 'ORDER BY finished_at DESC, id DESC LIMIT 1';
  const row =
    build.finishedAt === null
      ? await one(sql, `${base} ${order}`, [build.tenantId, build.changeKey, build.id])
      : await one(sql, `${base} AND (finished_at, id) < ($4, $3) ${order}`, [
          build.tenantId,
          build.changeKey,
          build.id,
          build.finishedAt,
        ]);
  return row ? rows.buildFromRow(sql.d, row) : null;
}
