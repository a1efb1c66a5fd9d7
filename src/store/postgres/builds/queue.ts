import type pg from 'pg';
import type { Build, ClaimedRun, RunOutcome } from '../../../domain/builds.ts';
import { query, withTx } from '../pool.ts';
import type { Queryable } from '../pool.ts';
import { buildFromRow, runFromRow } from './rows.ts';

const OPEN = `status IN ('queued', 'running')`;

/**
 * One statement: pick the oldest open runs no live lease holds, skipping rows another worker
 * is claiming right now, and lease them.
 */
const CLAIM = `WITH due AS (
    SELECT id FROM build_runs
     WHERE ${OPEN} AND (status = 'queued' OR lease_until <= $1)
     ORDER BY id
     LIMIT $2
     FOR UPDATE SKIP LOCKED
  )
  UPDATE build_runs r
     SET status = 'running', lease_owner = $3, lease_until = $4, attempts = r.attempts + 1,
         started_at = COALESCE(r.started_at, $1)
    FROM due WHERE r.id = due.id
  RETURNING r.*`;

export async function claimRuns(
  db: Queryable,
  opts: { owner: string; now: number; limit: number; leaseMs: number },
): Promise<ClaimedRun[]> {
  if (opts.limit <= 0) return [];
  const { rows } = await query(
    db,
    CLAIM,
    [opts.now, opts.limit, opts.owner, opts.now + opts.leaseMs],
    'herald_claim_runs',
  );
  if (rows.length === 0) return [];
  const runs = rows.map(runFromRow).sort((a, b) => (a.id < b.id ? -1 : 1));
  const builds = await query(db, 'SELECT * FROM builds WHERE id = ANY($1)', [
    [...new Set(runs.map((r) => r.buildId))],
  ]);
  const byId = new Map<string, Build>(builds.rows.map((r) => [String(r['id']), buildFromRow(r)]));
  return runs.flatMap((run) => {
    const build = byId.get(run.buildId);
    return build ? [{ run, build }] : [];
  });
}

export async function extendRunLeases(
  db: Queryable,
  owner: string,
  ids: string[],
  leaseUntil: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await query(
    db,
    `UPDATE build_runs SET lease_until = $1 WHERE id = ANY($2) AND lease_owner = $3 AND status = 'running'`,
    [leaseUntil, ids, owner],
  );
  return res.rowCount ?? 0;
}

export async function releaseRuns(db: Queryable, owner: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await query(
    db,
    `UPDATE build_runs SET status = 'queued', lease_owner = NULL, lease_until = NULL
      WHERE id = ANY($1) AND lease_owner = $2 AND status = 'running'`,
    [ids, owner],
  );
}

/**
 * Flips the build to FINISHED when none of its runs is open. Callers hold the build's row lock,
 * so two runs finishing at once cannot both miss each other's update.
 */
async function finishBuildIfDone(db: Queryable, buildId: string, now: number): Promise<boolean> {
  const res = await query(
    db,
    `UPDATE builds SET status = 'FINISHED', finished_at = $1
      WHERE id = $2 AND status = 'RUNNING'
        AND NOT EXISTS (SELECT 1 FROM build_runs WHERE build_id = $2 AND ${OPEN})`,
    [now, buildId],
  );
  return (res.rowCount ?? 0) > 0;
}

export function finishRun(
  pool: pg.Pool,
  owner: string,
  runId: string,
  o: RunOutcome,
): Promise<{ recorded: boolean; buildFinished: boolean }> {
  return withTx(pool, async (c) => {
    // Lock the build first: completions of one build are serialised (see finishBuildIfDone).
    const locked = await query(
      c,
      'SELECT b.id FROM builds b JOIN build_runs r ON r.build_id = b.id WHERE r.id = $1 FOR UPDATE OF b',
      [runId],
    );
    if (!locked.rows[0]) return { recorded: false, buildFinished: false };
    const { rows } = await query(
      c,
      `UPDATE build_runs
          SET status = $1, lease_owner = NULL, lease_until = NULL, finished_at = $2, duration_ms = $3,
              error_type = $4, error_message = $5, failed_step = $6, screenshot_token = $7
        WHERE id = $8 AND lease_owner = $9 AND status = 'running'
        RETURNING build_id, tenant_id`,
      [
        o.status,
        o.finishedAt,
        Math.round(o.durationMs),
        o.error?.type ?? null,
        o.error?.message ?? null,
        o.failedStep,
        o.screenshot?.token ?? null,
        runId,
        owner,
      ],
    );
    const row = rows[0];
    if (!row) return { recorded: false, buildFinished: false };
    const buildId = String(row['build_id']);
    if (o.screenshot)
      await query(
        c,
        `INSERT INTO build_screenshots (token, tenant_id, build_id, run_id, png, created_at)
          VALUES ($1, $2, $3, $4, $5, $6)`,
        [o.screenshot.token, row['tenant_id'], buildId, runId, Buffer.from(o.screenshot.png), o.finishedAt],
      );
    return { recorded: true, buildFinished: await finishBuildIfDone(c, buildId, o.finishedAt) };
  });
}

export function expireRuns(
  pool: pg.Pool,
  now: number,
  message: string,
): Promise<Array<{ tenantId: string; buildId: string }>> {
  return withTx(pool, async (c) => {
    const late = await query(
      c,
      `SELECT id, tenant_id FROM builds WHERE status = 'RUNNING' AND deadline_at <= $1 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    const finished: Array<{ tenantId: string; buildId: string }> = [];
    for (const b of late.rows) {
      const buildId = String(b['id']);
      await query(
        c,
        `UPDATE build_runs
            SET status = 'failed', error_type = 'error', error_message = $1, finished_at = $2,
                duration_ms = CASE WHEN started_at IS NULL THEN 0 ELSE $2 - started_at END,
                lease_owner = NULL, lease_until = NULL
          WHERE build_id = $3 AND ${OPEN} AND (status = 'queued' OR lease_until <= $2)`,
        [message, now, buildId],
      );
      if (await finishBuildIfDone(c, buildId, now))
        finished.push({ tenantId: String(b['tenant_id']), buildId });
    }
    return finished;
  });
}

export async function listUnreportedBuilds(
  db: Queryable,
  finishedBefore: number,
  limit: number,
): Promise<Build[]> {
  const { rows } = await query(
    db,
    `SELECT * FROM builds WHERE status = 'FINISHED' AND reported_at IS NULL AND finished_at <= $1
      ORDER BY finished_at, id LIMIT $2`,
    [finishedBefore, limit],
  );
  return rows.map(buildFromRow);
}

export async function markReported(
  db: Queryable,
  tenantId: string,
  buildId: string,
  now: number,
): Promise<void> {
  await query(
    db,
    'UPDATE builds SET reported_at = $1 WHERE tenant_id = $2 AND id = $3 AND reported_at IS NULL',
    [now, tenantId, buildId],
  );
}

export async function getScreenshot(
  db: Queryable,
  token: string,
): Promise<{ tenantId: string; buildId: string; png: Buffer } | null> {
  const { rows } = await query(
    db,
    'SELECT tenant_id, build_id, png FROM build_screenshots WHERE token = $1',
    [token],
  );
  const row = rows[0];
  if (!row) return null;
  return { tenantId: String(row['tenant_id']), buildId: String(row['build_id']), png: row['png'] as Buffer };
}
