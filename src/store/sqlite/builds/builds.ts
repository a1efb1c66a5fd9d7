import type { Build, BuildRun } from '../../../domain/builds.ts';
import type { SqliteDb } from '../db.ts';
import {
  BUILD_COLUMNS,
  buildFromRow,
  buildParams,
  insertSql,
  RUN_COLUMNS,
  runFromRow,
  runParams,
} from './rows.ts';
import { listPage } from '../page.ts';

const INSERT_BUILD = insertSql('builds', BUILD_COLUMNS);
const INSERT_RUN = insertSql('build_runs', RUN_COLUMNS);

export function createBuild(db: SqliteDb, build: Build, runs: BuildRun[]): void {
  db.tx(() => {
    db.run(INSERT_BUILD, ...buildParams(build));
    for (const r of runs) db.run(INSERT_RUN, ...runParams(r));
  });
}

export function getBuild(db: SqliteDb, tenantId: string, id: string): Build | null {
  const row = db.get('SELECT * FROM builds WHERE tenant_id = ? AND id = ?', tenantId, id);
  return row ? buildFromRow(row) : null;
}

export function listBuilds(
  db: SqliteDb,
  tenantId: string,
  opts: { limit: number; after?: string; projectID?: string },
): Build[] {
  return listPage(db, 'builds', tenantId, { project_id: opts.projectID }, opts).map(buildFromRow);
}

export function listRuns(db: SqliteDb, tenantId: string, buildId: string): BuildRun[] {
  return db
    .all('SELECT * FROM build_runs WHERE tenant_id = ? AND build_id = ? ORDER BY position', tenantId, buildId)
    .map(runFromRow);
}

export function previousFinishedBuild(db: SqliteDb, build: Build): Build | null {
  const row =
    build.finishedAt === null
      ? db.get(
          `SELECT * FROM builds WHERE tenant_id = ? AND change_key = ? AND status = 'FINISHED' AND id <> ?
            ORDER BY finished_at DESC, id DESC LIMIT 1`,
          build.tenantId,
          build.changeKey,
          build.id,
        )
      : db.get(
          `SELECT * FROM builds WHERE tenant_id = ? AND change_key = ? AND status = 'FINISHED' AND id <> ?
              AND (finished_at < ? OR (finished_at = ? AND id < ?))
            ORDER BY finished_at DESC, id DESC LIMIT 1`,
          build.tenantId,
          build.changeKey,
          build.id,
          build.finishedAt,
          build.finishedAt,
          build.id,
        );
  return row ? buildFromRow(row) : null;
}
