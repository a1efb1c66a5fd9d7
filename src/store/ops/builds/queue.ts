import type { Build, ClaimedRun, RunOutcome } from '../../../domain/builds.ts';
import { buildFromRow, runFromRow } from '../../shared/builds-rows.ts';
import { one, type Sql } from '../../sql.ts';
import { takeable } from '../workers.ts';

const OPEN = `status IN ('queued', 'running')`;

/**
 * Picks open runs whose lease may be taken (see `takeable`), fairly across tenants, skipping
 * rows another worker is claiming right now on Postgres (SQLite's single writer is exclusive
 * anyway), and leases them, in one transaction.
 *
 * Fairness: a tenant's claimable runs are numbered oldest first, starting after the runs it
 * has already had in its builds still running (finished, or under a live lease); runs are
 * taken by that turn, then by age. So the first run of a tenant that has had nothing goes
 * before the third run of a tenant whose build holds the workers (whose steps may wait for
 * seconds each), and tenants with queued work take turns round-robin, also one slot at a
 * time, instead of one build's runs filling every slot until others' deadlines pass. Within
 * one tenant the order stays oldest first.
 */
export function claimRuns(
  sql: Sql,
  opts: { owner: string; now: number; limit: number; leaseMs: number },
  deadAfterMs: number,
): Promise<ClaimedRun[]> {
  if (opts.limit <= 0) return Promise.resolve([]);
  return sql.tx(async (tx) => {
    // The window is ranked in a subquery: Postgres allows no FOR UPDATE beside a window function.
    const due = await tx.query(
      `SELECT r.id FROM build_runs r
         JOIN (SELECT c.id,
                      ROW_NUMBER() OVER (PARTITION BY c.tenant_id ORDER BY c.id)
                        + COALESCE(busy.n, 0) AS turn
                 FROM build_runs c
                 LEFT JOIN (SELECT l.tenant_id, COUNT(*) AS n
                              FROM build_runs l JOIN builds b ON b.id = l.build_id
                             WHERE b.status = 'RUNNING'
                               AND (l.status IN ('passed', 'failed')
                                    OR (l.status = 'running' AND NOT ${takeable('l', '$1', '$3')}))
                             GROUP BY l.tenant_id) busy ON busy.tenant_id = c.tenant_id
                WHERE c.${OPEN} AND (c.status = 'queued' OR ${takeable('c', '$1', '$3', '$4')})) t
           ON t.id = r.id
        -- Again on r: under READ COMMITTED, Postgres re-checks a row it waited to lock against
        -- this outer WHERE only, so a run another worker took meanwhile drops out here.
        WHERE r.${OPEN} AND (r.status = 'queued' OR ${takeable('r', '$1', '$3', '$4')})
        ORDER BY t.turn, r.id LIMIT $2${tx.forUpdate('OF r SKIP LOCKED')}`,
      [opts.now, opts.limit, opts.now - deadAfterMs, opts.owner],
      'herald_claimable_runs_fair',
    );
    if (due.length === 0) return [];
    const leased = await tx.query(
      `UPDATE build_runs
          SET status = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1,
              started_at = COALESCE(started_at, $3)
        WHERE id ${tx.inList(4)}
        RETURNING *`,
      [opts.owner, opts.now + opts.leaseMs, opts.now, tx.list(due.map((r) => String(r['id'])))],
    );
    const runs = leased.map((r) => runFromRow(tx.d, r)).sort((a, b) => (a.id < b.id ? -1 : 1));
    const builds = await tx.query(`SELECT * FROM builds WHERE id ${tx.inList(1)}`, [
      tx.list([...new Set(runs.map((r) => r.buildId))]),
    ]);
    const byId = new Map<string, Build>(builds.map((r) => [String(r['id']), buildFromRow(tx.d, r)]));
    return runs.flatMap((run) => {
      const build = byId.get(run.buildId);
      return build ? [{ run, build }] : [];
    });
  });
}

export function extendRunLeases(sql: Sql, owner: string, ids: string[], leaseUntil: number): Promise<number> {
  if (ids.length === 0) return Promise.resolve(0);
  return sql.exec(
    `UPDATE build_runs SET lease_until = $1 WHERE id ${sql.inList(2)} AND lease_owner = $3 AND status = 'running'`,
    [leaseUntil, sql.list(ids), owner],
  );
}

export async function releaseRuns(sql: Sql, owner: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.exec(
    `UPDATE build_runs SET status = 'queued', lease_owner = NULL, lease_until = NULL
      WHERE id ${sql.inList(1)} AND lease_owner = $2 AND status = 'running'`,
    [sql.list(ids), owner],
  );
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
