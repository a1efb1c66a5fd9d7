import type { Build, ClaimedRun, RunOutcome } from '../../../domain/builds.ts';
import { buildFromRow, runFromRow } from '../../shared/builds-rows.ts';
import { one, type Sql } from '../../sql.ts';
import type { ClaimOptions } from '../../leased.ts';
import { claimLeased } from '../leased.ts';

const OPEN = `status IN ('queued', 'running')`;

/**
 * Leases open runs (see ops/leased.ts: fair across tenants, a build's finished runs counting
 * as its tenant's turns while it runs), each with its build.
 */
export async function claimRuns(sql: Sql, opts: ClaimOptions, deadAfterMs: number): Promise<ClaimedRun[]> {
  const leased = await claimLeased(sql, 'build_runs', opts, deadAfterMs);
  if (leased.length === 0) return [];
  const runs = leased.map((r) => runFromRow(sql.d, r));
  const builds = await sql.query(`SELECT * FROM builds WHERE id ${sql.inList(1)}`, [
    sql.list([...new Set(runs.map((r) => r.buildId))]),
  ]);
  const byId = new Map<string, Build>(builds.map((r) => [String(r['id']), buildFromRow(sql.d, r)]));
  return runs.flatMap((run) => {
    const build = byId.get(run.buildId);
    return build ? [{ run, build }] : [];
  });
}

/**
 * Flips the build to FINISHED when none of its runs is open. On Postgres callers hold the
 * build's row lock, so two runs finishing at once cannot both miss each other's update.
 */
async function finishBuildIfDone(sql: Sql, buildId: string, now: number): Promise<boolean> {
  const changed = await sql.exec(
    `UPDATE builds SET status = 'FINISHED', finished_at = $1
      WHERE id = $2 AND status = 'RUNNING'
        AND NOT EXISTS (SELECT 1 FROM build_runs WHERE build_id = $2 AND ${OPEN})`,
    [now, buildId],
  );
  return changed > 0;
}

export function finishRun(
  sql: Sql,
  owner: string,
  runId: string,
  o: RunOutcome,
): Promise<{ recorded: boolean; buildFinished: boolean }> {
  return sql.tx(async (tx) => {
    // Lock the build first: completions of one build are serialised (see finishBuildIfDone).
    const locked = await one(
      tx,
      `SELECT b.id FROM builds b JOIN build_runs r ON r.build_id = b.id WHERE r.id = $1${tx.forUpdate('OF b')}`,
      [runId],
    );
    if (!locked) return { recorded: false, buildFinished: false };
    const row = await one(
      tx,
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
    if (!row) return { recorded: false, buildFinished: false };
    const buildId = String(row['build_id']);
    if (o.screenshot) {
      await tx.exec(
        `INSERT INTO build_screenshots (token, tenant_id, build_id, run_id, png, created_at)
          VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          o.screenshot.token,
          String(row['tenant_id']),
          buildId,
          runId,
          Buffer.from(o.screenshot.png),
          o.finishedAt,
        ],
      );
    }
    return { recorded: true, buildFinished: await finishBuildIfDone(tx, buildId, o.finishedAt) };
  });
}

export function expireRuns(
  sql: Sql,
  now: number,
  message: string,
): Promise<Array<{ tenantId: string; buildId: string }>> {
  return sql.tx(async (tx) => {
    const late = await tx.query(
      `SELECT id, tenant_id FROM builds WHERE status = 'RUNNING' AND deadline_at <= $1${tx.forUpdate('SKIP LOCKED')}`,
      [now],
    );
    const finished: Array<{ tenantId: string; buildId: string }> = [];
    for (const b of late) {
      const buildId = String(b['id']);
      await tx.exec(
        `UPDATE build_runs
            SET status = 'failed', error_type = 'error', error_message = $1, finished_at = $2,
                duration_ms = CASE WHEN started_at IS NULL THEN 0 ELSE $2 - started_at END,
                lease_owner = NULL, lease_until = NULL
          WHERE build_id = $3 AND ${OPEN} AND (status = 'queued' OR lease_until <= $2)`,
        [message, now, buildId],
      );
      if (await finishBuildIfDone(tx, buildId, now))
        finished.push({ tenantId: String(b['tenant_id']), buildId });
    }
    return finished;
  });
}

export async function listUnreportedBuilds(
  sql: Sql,
  finishedBefore: number,
  limit: number,
): Promise<Build[]> {
  const builds = await sql.query(
    `SELECT * FROM builds WHERE status = 'FINISHED' AND reported_at IS NULL AND finished_at <= $1
      ORDER BY finished_at, id LIMIT $2`,
    [finishedBefore, limit],
  );
  return builds.map((r) => buildFromRow(sql.d, r));
}

export async function markReported(sql: Sql, tenantId: string, buildId: string, now: number): Promise<void> {
  await sql.exec(
    'UPDATE builds SET reported_at = $1 WHERE tenant_id = $2 AND id = $3 AND reported_at IS NULL',
    [now, tenantId, buildId],
  );
}

export async function getScreenshot(
  sql: Sql,
  token: string,
): Promise<{ tenantId: string; buildId: string; png: Buffer } | null> {
  const row = await one(sql, 'SELECT tenant_id, build_id, png FROM build_screenshots WHERE token = $1', [
    token,
  ]);
  if (!row) return null;
  return {
    tenantId: String(row['tenant_id']),
    buildId: String(row['build_id']),
    png: Buffer.from(row['png'] as Uint8Array),
  };
}
