import type { Build, ClaimedRun, RunOutcome } from '../../../domain/builds.ts';
import type { SqliteDb } from '../db.ts';
import { buildFromRow, runFromRow } from './rows.ts';

const OPEN = `status IN ('queued', 'running')`;

const SELECT_CLAIMABLE = `SELECT id FROM build_runs
  WHERE ${OPEN} AND (status = 'queued' OR lease_until <= ?)
  ORDER BY id LIMIT ?`;

const LEASE = `UPDATE build_runs
  SET status = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1,
      started_at = COALESCE(started_at, ?)
  WHERE id IN (SELECT value FROM json_each(?))
  RETURNING *`;

/** SQLite has one writer: select-then-lease inside BEGIN IMMEDIATE is already exclusive. */
export function claimRuns(
  db: SqliteDb,
  opts: { owner: string; now: number; limit: number; leaseMs: number },
): ClaimedRun[] {
  if (opts.limit <= 0) return [];
  return db.tx(() => {
    const ids = db.all(SELECT_CLAIMABLE, opts.now, opts.limit).map((r) => r['id']);
    if (ids.length === 0) return [];
    const runs = db
      .all(LEASE, opts.owner, opts.now + opts.leaseMs, opts.now, JSON.stringify(ids))
      .map(runFromRow)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const builds = new Map<string, Build>();
    for (const run of runs) {
      if (builds.has(run.buildId)) continue;
      const row = db.get('SELECT * FROM builds WHERE id = ?', run.buildId);
      if (row) builds.set(run.buildId, buildFromRow(row));
    }
    return runs.flatMap((run) => {
      const build = builds.get(run.buildId);
      return build ? [{ run, build }] : [];
    });
  });
}

export function extendRunLeases(db: SqliteDb, owner: string, ids: string[], leaseUntil: number): number {
  if (ids.length === 0) return 0;
  return db.run(
    `UPDATE build_runs SET lease_until = ?
      WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'running'`,
    leaseUntil,
    JSON.stringify(ids),
    owner,
  );
}

export function releaseRuns(db: SqliteDb, owner: string, ids: string[]): void {
  if (ids.length === 0) return;
  db.run(
    `UPDATE build_runs SET status = 'queued', lease_owner = NULL, lease_until = NULL
      WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'running'`,
    JSON.stringify(ids),
    owner,
  );
}

/** Flips the build to FINISHED when none of its runs is open; true for the one call that does. */
function finishBuildIfDone(db: SqliteDb, buildId: string, now: number): boolean {
  return (
    db.run(
      `UPDATE builds SET status = 'FINISHED', finished_at = ?
        WHERE id = ? AND status = 'RUNNING'
          AND NOT EXISTS (SELECT 1 FROM build_runs WHERE build_id = ? AND ${OPEN})`,
      now,
      buildId,
      buildId,
    ) > 0
  );
}

export function finishRun(
  db: SqliteDb,
  owner: string,
  runId: string,
  o: RunOutcome,
): { recorded: boolean; buildFinished: boolean } {
  return db.tx(() => {
    const row = db.get(
      `UPDATE build_runs
        SET status = ?, lease_owner = NULL, lease_until = NULL, finished_at = ?, duration_ms = ?,
            error_type = ?, error_message = ?, failed_step = ?, screenshot_token = ?
        WHERE id = ? AND lease_owner = ? AND status = 'running'
        RETURNING build_id, tenant_id`,
      o.status,
      o.finishedAt,
      Math.round(o.durationMs),
      o.error?.type ?? null,
      o.error?.message ?? null,
      o.failedStep,
      o.screenshot?.token ?? null,
      runId,
      owner,
    );
    if (!row) return { recorded: false, buildFinished: false };
    const buildId = String(row['build_id']);
    if (o.screenshot)
      db.run(
        `INSERT INTO build_screenshots (token, tenant_id, build_id, run_id, png, created_at)
          VALUES (?, ?, ?, ?, ?, ?)`,
        o.screenshot.token,
        String(row['tenant_id']),
        buildId,
        runId,
        o.screenshot.png,
        o.finishedAt,
      );
    return { recorded: true, buildFinished: finishBuildIfDone(db, buildId, o.finishedAt) };
  });
}

export function expireRuns(
  db: SqliteDb,
  now: number,
  message: string,
): Array<{ tenantId: string; buildId: string }> {
  return db.tx(() => {
    const late = db.all(
      `SELECT id, tenant_id FROM builds WHERE status = 'RUNNING' AND deadline_at <= ?`,
      now,
    );
    const finished: Array<{ tenantId: string; buildId: string }> = [];
    for (const b of late) {
      const buildId = String(b['id']);
      db.run(
        `UPDATE build_runs
          SET status = 'failed', error_type = 'error', error_message = ?, finished_at = ?,
              duration_ms = CASE WHEN started_at IS NULL THEN 0 ELSE ? - started_at END,
              lease_owner = NULL, lease_until = NULL
          WHERE build_id = ? AND ${OPEN} AND (status = 'queued' OR lease_until <= ?)`,
        message,
        now,
        now,
        buildId,
        now,
      );
      if (finishBuildIfDone(db, buildId, now)) finished.push({ tenantId: String(b['tenant_id']), buildId });
    }
    return finished;
  });
}

export function listUnreportedBuilds(db: SqliteDb, finishedBefore: number, limit: number): Build[] {
  return db
    .all(
      `SELECT * FROM builds WHERE status = 'FINISHED' AND reported_at IS NULL AND finished_at <= ?
        ORDER BY finished_at, id LIMIT ?`,
      finishedBefore,
      limit,
    )
    .map(buildFromRow);
}

export function markReported(db: SqliteDb, tenantId: string, buildId: string, now: number): void {
  db.run(
    'UPDATE builds SET reported_at = ? WHERE tenant_id = ? AND id = ? AND reported_at IS NULL',
    now,
    tenantId,
    buildId,
  );
}

export function getScreenshot(
  db: SqliteDb,
  token: string,
): { tenantId: string; buildId: string; png: Buffer } | null {
  const row = db.get('SELECT tenant_id, build_id, png FROM build_screenshots WHERE token = ?', token);
  if (!row) return null;
  return {
    tenantId: String(row['tenant_id']),
    buildId: String(row['build_id']),
    png: Buffer.from(row['png'] as Uint8Array),
  };
}
