import type { ClaimedDelivery, Hook } from '../../domain/types.ts';
import { takeable } from '../ops/workers.ts';
import type { ClaimOpts } from '../sql-store.ts';
import { query } from './pool.ts';
import type { Queryable, Row } from './pool.ts';
import { sharePayloads } from '../shared/claimed.ts';
import { fifoHead } from '../shared/fifo.ts';
import { aliased, deliveryFromRow, HOOK_COLUMNS, hookFromRow, type Dialect } from '../shared/rows.ts';

// A delivery whose hook was deleted has hook_id set but no hook row: h.enabled is NULL.
const SENDABLE = `d.status = 'pending' AND (d.hook_id IS NULL OR h.enabled)`;

/**
 * One statement: pick the oldest due rows whose lease may be taken (see `takeable`), skipping rows another worker
 * is claiming right now (SKIP LOCKED), lease them, and return them with event and hook. A hook's
 * columns come only with the first of its rows (`hook_rank` 1): a batch of one hook would
 * otherwise carry, and the driver parse, the same hook hundreds of times.
 */
const CLAIM = `WITH due AS (
    SELECT d.id FROM deliveries d LEFT JOIN hooks h ON h.id = d.hook_id
     WHERE ${SENDABLE} AND d.next_attempt_at <= $1 AND ${takeable('d', '$1', '$5', '$3')}
       AND NOT (d.tenant_id = ANY($6::text[]))
       AND (d.hook_id IS NULL OR NOT (d.hook_id = ANY($7::text[])))
       AND ${fifoHead('d', 'h')}
       AND (d.next_attempt_at, d.id) > ($8, $9)
     ORDER BY d.next_attempt_at, d.id
     LIMIT $2
     FOR UPDATE OF d SKIP LOCKED
  ), leased AS (
    UPDATE deliveries d SET lease_owner = $3, lease_until = $4
      FROM due WHERE d.id = due.id
    RETURNING d.*
  ), ranked AS (
    SELECT l.*, row_number() OVER (PARTITION BY l.hook_id ORDER BY l.id) AS hook_rank FROM leased l
  )
  SELECT d.*, e.payload AS e_payload, e.type AS e_type, e.trace_parent AS e_trace, ${aliased('h', HOOK_COLUMNS, 'h_')}
    FROM ranked d
    JOIN events e ON e.id = d.event_id
    LEFT JOIN hooks h ON h.id = d.hook_id AND d.hook_rank = 1
   ORDER BY d.next_attempt_at, d.id`;

export async function claimDue(
  db: Queryable,
  d: Dialect,
  opts: ClaimOpts,
  deadAfterMs: number,
): Promise<ClaimedDelivery[]> {
  if (opts.limit <= 0) return [];
  const { rows } = await query(
    db,
    CLAIM,
    [
      opts.now,
      opts.limit,
      opts.owner,
      opts.now + opts.leaseMs,
      opts.now - deadAfterMs,
      opts.excludeTenants ?? [],
      opts.excludeHooks ?? [],
      opts.after?.at ?? -1,
      opts.after?.id ?? '',
    ],
    'herald_claim_due',
  );
  return sharePayloads(claimedFromRows(d, rows));
}

/** Rows of one hook share one Hook, read from the row that carries its columns. */
function claimedFromRows(d: Dialect, rows: Row[]): ClaimedDelivery[] {
  const hooks = new Map<string, Hook>();
  for (const r of rows) if (r['h_id'] !== null) hooks.set(r['h_id'] as string, hookFromRow(d, r, 'h_'));
  return rows.map((r) => ({
    delivery: deliveryFromRow(d, r),
    payload: r['e_payload'] as string,
    eventType: r['e_type'] as string,
    hook: r['hook_id'] === null ? null : (hooks.get(r['hook_id'] as string) ?? null),
    trace: r['e_trace'] as string | null,
  }));
}
