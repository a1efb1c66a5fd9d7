import type pg from 'pg';
import type { AttemptResult } from '../store.ts';
import type { ArrayType } from './arrays.ts';
import { statement } from './pool.ts';
import { arrayCasts, binaryColumns, columnArrays } from './rows.ts';
import { attemptValues, FIRST_ATTEMPT_COLUMNS, foldHealth, outcomeColumns } from '../shared/rows.ts';

// Parameters: $1–$3 the health change per hook (id, success, failure), $4 the owner, then the
// attempts' columns (attemptValues order), then what they do not carry of the deliveries' update.
const HEALTH_TYPES: readonly ArrayType[] = ['text', 'bigint', 'bigint'];
const ATTEMPT_COLUMNS = [
  ['id', 'text'],
  ['delivery_id', 'text'],
  ['tenant_id', 'text'],
  ['attempt_no', 'int'],
  ['started_at', 'bigint'],
  ['duration_ms', 'float8'],
  ['request_url', 'text'],
  ['request_headers', 'text'],
  ['response_status', 'int'],
  ['response_headers', 'text'],
  ['response_body', 'text'],
  ['error', 'text'],
] as const satisfies readonly (readonly [string, ArrayType])[];
const ATTEMPT_TYPES: readonly ArrayType[] = ATTEMPT_COLUMNS.map(([, t]) => t);
const ATTEMPT_NAMES = ATTEMPT_COLUMNS.map(([c]) => c).join(', ');
const FIRST_ATTEMPT = 5;
const FINISH_COLUMNS = [
  ['status', 'text'],
  ['next_attempt_at', 'bigint'],
  ['schedule_pos', 'int'],
  ['delivered_at', 'bigint'],
  ['updated_at', 'bigint'],
] as const satisfies readonly (readonly [string, ArrayType])[];
const FINISH_TYPES: readonly ArrayType[] = FINISH_COLUMNS.map(([, t]) => t);
const FIRST_FINISH = FIRST_ATTEMPT + ATTEMPT_COLUMNS.length;

type Columns = readonly (readonly [string, ArrayType])[];

/** The parameter that carries a column of a group, e.g. `$6::text[]` for attempts' delivery_id. */
function paramOf<C extends Columns>(columns: C, first: number, column: C[number][0]): string {
  const i = columns.findIndex(([c]) => c === column);
  return `$${first + i}::${columns[i]?.[1]}[]`;
}
const attempt = (c: (typeof ATTEMPT_COLUMNS)[number][0]): string =>
  paramOf(ATTEMPT_COLUMNS, FIRST_ATTEMPT, c);
const finish = (c: (typeof FINISH_COLUMNS)[number][0]): string => paramOf(FINISH_COLUMNS, FIRST_FINISH, c);

// What a first attempt kept on the row adds to the update (its status is last_status already).
const FIRST_CARRIED = FIRST_ATTEMPT_COLUMNS.filter(([, a]) => a !== 'response_status');

// The deliveries' update, row by row: mostly the attempts' own columns.
const FINISH_ROWS = `unnest(${[
  attempt('delivery_id'),
  attempt('tenant_id'),
  finish('status'),
  finish('next_attempt_at'),
  finish('schedule_pos'),
  attempt('response_status'),
  attempt('error'),
  finish('delivered_at'),
  finish('updated_at'),
  attempt('attempt_no'),
  ...FIRST_CARRIED.map(([, a]) => attempt(a)),
].join(', ')}, array_fill($4::text, ARRAY[cardinality(${attempt('delivery_id')})]))
      AS r(id, tenant_id, status, next_attempt_at, schedule_pos, last_status, last_error, delivered_at, updated_at,
           attempt_no, ${FIRST_CARRIED.map(([f]) => f).join(', ')}, owner)`;

// A first attempt that delivered goes on the row it finishes (migration 017; isFirstSuccess),
// unless one is there already. Every other column keeps its value.
const FIRST_HERE = `r.attempt_no = 1 AND r.status = 'delivered' AND r.last_error IS NULL AND d.first_attempt_id IS NULL`;
const SET_FIRST = FIRST_ATTEMPT_COLUMNS.map(
  ([f]) =>
    `${f} = CASE WHEN ${FIRST_HERE} THEN r.${f === 'first_response_status' ? 'last_status' : f} ELSE d.${f} END`,
).join(',\n         ');

/**
 * One statement, so one round trip and one (implicit) transaction, whatever the batch size.
 *
 * `locked` takes the hooks first, in id order, and every change waits for it (the
 * `(SELECT n FROM locked)` gate is evaluated before a change's first row): so batches from
 * concurrent workers, and deleteHook, which also takes the hook before its deliveries, never
 * wait on each other in a cycle. Health then folds into the hook's latest committed row.
 *
 * Only the lease holder moves the delivery: after a requeue, a deleteHook or a lease expiry the
 * attempt is history, but the delivery now belongs to someone else. The owner comes in as a
 * column of `r`, so the lease check is a join condition: as a filter on `d` alone, its estimate
 * (often one row: lease_owner is mostly NULL when the table is analyzed) made the planner scan
 * deliveries first and rescan the whole unnest for each of its rows, quadratic in the batch.
 *
 * `finish` returns the first attempt each row holds after it: an attempt it took in is done.
 * Every other attempt (not a first success, or its delivery not updated: lease lost, a first
 * attempt already there) is inserted, only for deliveries that exist (there is no foreign key
 * since migration 008), so a batch never fails on one whose delivery was purged meanwhile.
 */
const RECORD = `WITH locked AS (
  SELECT count(*) AS n FROM (SELECT id FROM hooks WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE) l
), finish AS (
  UPDATE deliveries d
     SET attempts = d.attempts + 1, status = r.status, next_attempt_at = r.next_attempt_at,
         schedule_pos = r.schedule_pos, last_status = r.last_status, last_error = r.last_error,
         delivered_at = COALESCE(r.delivered_at, d.delivered_at), lease_owner = NULL, lease_until = NULL,
         updated_at = r.updated_at,
         ${SET_FIRST}
    FROM ${FINISH_ROWS}
   WHERE (SELECT n FROM locked) >= 0 AND d.id = r.id AND d.tenant_id = r.tenant_id AND d.lease_owner = r.owner
  RETURNING d.first_attempt_id
), attempt AS (
  INSERT INTO attempts (${ATTEMPT_NAMES})
  SELECT r.* FROM unnest(${arrayCasts(ATTEMPT_TYPES, FIRST_ATTEMPT)}) AS r(${ATTEMPT_NAMES})
   WHERE (SELECT n FROM locked) >= 0 AND EXISTS (SELECT 1 FROM deliveries d WHERE d.id = r.delivery_id)
     AND NOT EXISTS (SELECT 1 FROM finish f WHERE f.first_attempt_id = r.id)
), health AS (
  UPDATE hooks h
     SET last_success_at = CASE WHEN r.s IS NULL THEN h.last_success_at ELSE GREATEST(h.last_success_at, r.s) END,
         failing_since = CASE WHEN r.s IS NULL THEN COALESCE(h.failing_since, r.f) ELSE r.f END
    FROM unnest(${arrayCasts(HEALTH_TYPES)}) AS r(id, s, f)
   WHERE (SELECT n FROM locked) >= 0 AND h.id = r.id
)
SELECT n FROM locked`;

/** One statement per batch, whatever its size (see RECORD). */
export async function recordAttempts(pool: pg.Pool, owner: string, results: AttemptResult[]): Promise<void> {
  if (results.length === 0) return;
  // Sorted by hook id, the order `locked` takes them in (the statement sorts them anyway).
  const health = foldHealth(results).sort((a, b) => (a.hookId < b.hookId ? -1 : 1));
  const attempts = results.map((r) => r.attempt);
  const finished = results.map(outcomeColumns);
  await statement(
    pool,
    RECORD,
    [
      ...binaryColumns(HEALTH_TYPES, [
        health.map((h) => h.hookId),
        health.map((h) => h.lastSuccessAt),
        health.map((h) => h.failingSince),
      ]),
      owner,
      ...binaryColumns(ATTEMPT_TYPES, columnArrays(attempts.map(attemptValues), ATTEMPT_TYPES.length)),
      ...binaryColumns(FINISH_TYPES, [
        finished.map((f) => f.status),
        finished.map((f) => f.nextAttemptAt),
        results.map((r) => r.schedulePos),
        finished.map((f) => f.deliveredAt),
        finished.map((f) => f.finishedAt),
      ]),
    ],
    'herald_record_attempts',
  );
}
