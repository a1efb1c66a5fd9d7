import type { IssueStatus, TrackedIssue } from '../../../domain/issues.ts';
import type { IssueChanges, IssueOutboxEvent } from '../../issues.ts';
import { insertSql, one, type Sql } from '../../sql.ts';
import type { TestRun } from '../../testruns.ts';
import { runFromRow } from '../testruns/rows.ts';
import { ISSUE_COLUMNS, issueFromRow, issueValues, outboxFromRow } from './rows.ts';

// Issues a site monitor tracks across slots (migration 013). Every change is written with its
// events in one transaction, under the site's row lock, so concurrent appliers take turns.

const UPSERT = `${insertSql('monitor_issues', ISSUE_COLUMNS)}
  ON CONFLICT (site_id, issue_id) DO UPDATE SET
    url = excluded.url, t_id = excluded.t_id, error_title = excluded.error_title,
    standards = excluded.standards, xpath = excluded.xpath, status = excluded.status,
    first_seen = excluded.first_seen, last_seen = excluded.last_seen, updated_at = excluded.updated_at`;
const INSERT_EVENT = `${insertSql('monitor_issue_events', ['event_id', 'tenant_id', 'event', 'data', 'created_at'])}
  ON CONFLICT DO NOTHING`;

export async function listIssues(
  sql: Sql,
  tenantId: string,
  siteId: string,
  opts: { status?: IssueStatus | undefined; limit: number; after?: string | undefined },
): Promise<TrackedIssue[]> {
  const values: unknown[] = [tenantId, siteId];
  const where = ['tenant_id = $1', 'site_id = $2'];
  if (opts.status !== undefined) where.push(`status = $${values.push(opts.status)}`);
  if (opts.after !== undefined) where.push(`issue_id > $${values.push(opts.after)}`);
  const rows = await sql.query(
    `SELECT * FROM monitor_issues WHERE ${where.join(' AND ')} ORDER BY issue_id LIMIT $${values.push(opts.limit)}`,
    values,
  );
  return rows.map(issueFromRow);
}

export async function getIssue(
  sql: Sql,
  tenantId: string,
  siteId: string,
  issueID: string,
): Promise<TrackedIssue | null> {
  const row = await one(
    sql,
    'SELECT * FROM monitor_issues WHERE tenant_id = $1 AND site_id = $2 AND issue_id = $3',
    [tenantId, siteId, issueID],
  );
  return row ? issueFromRow(row) : null;
}

async function lockedIssues(tx: Sql, tenantId: string, siteId: string): Promise<TrackedIssue[] | null> {
  const site = await one(tx, `SELECT id FROM sites WHERE id = $1 AND tenant_id = $2${tx.forUpdate()}`, [
    siteId,
    tenantId,
  ]);
  if (!site) return null;
  const rows = await tx.query('SELECT * FROM monitor_issues WHERE site_id = $1', [siteId]);
  return rows.map(issueFromRow);
}

async function write(tx: Sql, tenantId: string, siteId: string, changes: IssueChanges): Promise<void> {
  for (const issue of changes.issues) await tx.exec(UPSERT, issueValues(tenantId, siteId, issue));
  for (const e of changes.events)
    await tx.exec(INSERT_EVENT, [e.eventId, e.tenantId, e.event, JSON.stringify(e.data), e.createdAt]);
}

export function applySlot(
  sql: Sql,
  tenantId: string,
  siteId: string,
  slot: number,
  now: number,
  compute: (current: TrackedIssue[]) => IssueChanges,
): Promise<IssueChanges | null> {
  return sql.tx(async (tx) => {
    const current = await lockedIssues(tx, tenantId, siteId);
    if (current === null) return null;
    const newer = await one(tx, 'SELECT slot FROM monitor_issue_slots WHERE site_id = $1 AND slot >= $2', [
      siteId,
      slot,
    ]);
    if (newer) return null;
    await tx.exec('INSERT INTO monitor_issue_slots (site_id, slot, applied_at) VALUES ($1, $2, $3)', [
      siteId,
      slot,
      now,
    ]);
    const changes = compute(current);
    await write(tx, tenantId, siteId, changes);
    await tx.exec(
      `UPDATE monitor_issue_slots SET open_issues =
         (SELECT count(*) FROM monitor_issues WHERE site_id = $1 AND status = 'open')
       WHERE site_id = $1 AND slot = $2`,
      [siteId, slot],
    );
    return changes;
  });
}

export function saveChanges(
  sql: Sql,
  tenantId: string,
  siteId: string,
  compute: (current: TrackedIssue[]) => IssueChanges,
): Promise<IssueChanges> {
  return sql.tx(async (tx) => {
    const current = (await lockedIssues(tx, tenantId, siteId)) ?? [];
    const changes = compute(current);
    await write(tx, tenantId, siteId, changes);
    return changes;
  });
}

export async function pendingEvents(sql: Sql, limit: number): Promise<IssueOutboxEvent[]> {
  const rows = await sql.query('SELECT * FROM monitor_issue_events ORDER BY created_at, event_id LIMIT $1', [
    limit,
  ]);
  return rows.map(outboxFromRow);
}

/** A published event leaves the outbox: the event itself is in the events table now. */
export async function markAnnounced(sql: Sql, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await sql.exec(`DELETE FROM monitor_issue_events WHERE event_id ${sql.inList(1)}`, [sql.list(eventIds)]);
}

export async function slotRuns(
  sql: Sql,
  tenantId: string,
  siteKey: string,
  slot: number,
): Promise<TestRun[]> {
  const rows = await sql.query(
    'SELECT * FROM test_runs WHERE tenant_id = $1 AND site_key = $2 AND slot = $3 ORDER BY url, id',
    [tenantId, siteKey, slot],
  );
  return rows.map((r) => runFromRow(sql.d, r));
}
