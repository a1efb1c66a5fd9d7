import type pg from 'pg';
import type { Delivery, StoredEvent } from '../../domain/types.ts';
import type { InsertEventResult, NewEventWithDeliveries } from '../store.ts';
import type { ArrayType } from './arrays.ts';
import { query, statement, WAKE_CHANNEL } from './pool.ts';
import { checkDeliveries, deliveryFromRow, eventFromRow, type Dialect } from '../shared/rows.ts';
import { binaryColumns, DELIVERY_COLUMNS, deliveryArrays, unnest } from './rows.ts';

const EVENT_TYPES: readonly ArrayType[] = [
  'text',
  'text',
  'text',
  'text',
  'bigint',
  'text',
  'text',
  'bigint',
  'int',
  'text',
];
const EVENT_COLUMNS =
  'id, tenant_id, event_id, type, date_added, payload, idempotency_key, created_at, type_version, trace_parent';
const DELIVERY_NAMES = DELIVERY_COLUMNS.map(([c]) => c).join(', ');

/**
 * The whole batch in one statement, so one round trip and one (implicit) transaction:
 *
 * - `ev`: no conflict target: the primary key, (tenant_id, event_id) and (tenant_id,
 *   idempotency_key) all mean "already ingested". A row that conflicts with an uncommitted
 *   insert of another transaction waits for it, so concurrent duplicates resolve to exactly one
 *   created event. ORDER BY ord keeps batch order, so within a batch the first of two
 *   duplicates wins.
 * - `dl`: the deliveries of the events `ev` created, and of no other: this is what keeps
 *   deliveries.event_id pointing at an event (migration 008 dropped the foreign key).
 * - `wake`: a NOTIFY, sent on commit, when it inserted work that nobody has leased.
 *
 * It returns the ids it did not insert (usually none), not the ones it did.
 */
const INSERT = `WITH ev AS (
  INSERT INTO events (${EVENT_COLUMNS})
  SELECT ${EVENT_COLUMNS}
    FROM ${unnest(EVENT_TYPES)}
         WITH ORDINALITY AS r(${EVENT_COLUMNS}, ord)
   ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING id
), dl AS (
  INSERT INTO deliveries (${DELIVERY_NAMES})
  SELECT * FROM ${unnest(
    DELIVERY_COLUMNS.map(([, t]) => t),
    EVENT_TYPES.length + 1,
  )} AS r(${DELIVERY_NAMES})
   WHERE r.event_id IN (SELECT id FROM ev)
  RETURNING status = 'pending' AND lease_owner IS NULL AS unleased
), wake AS (
  SELECT pg_notify('${WAKE_CHANNEL}', '') FROM (SELECT 1 FROM dl WHERE unleased LIMIT 1) w
)
SELECT u.id FROM unnest($1::text[]) AS u(id)
 WHERE (SELECT count(*) FROM wake) >= 0 AND u.id NOT IN (SELECT id FROM ev)`;

const SELECT_EXISTING = `SELECT * FROM events
   WHERE (tenant_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
      OR (tenant_id, idempotency_key) IN (SELECT * FROM unnest($3::text[], $4::text[]))`;

/**
 * One statement for the whole batch (see INSERT); two more, after it committed, only when
 * some events were duplicates, to report the stored ones.
 */
export async function insertEvents(
  pool: pg.Pool,
  d: Dialect,
  batch: NewEventWithDeliveries[],
): Promise<InsertEventResult[]> {
  if (batch.length === 0) return [];
  for (const item of batch) checkDeliveries(item.event, item.deliveries);
  const events = batch.map((b) => b.event);
  const inserted = await statement(
    pool,
    INSERT,
    [...eventArrays(events), ...deliveryArrays(d, candidateDeliveries(batch))],
    'herald_insert_batch',
  );
  const notInserted = new Set(inserted.rows.map((r) => r['id'] as string));
  // An id is "created" once: a second item with the very same evt_ id is a duplicate.
  const seen = new Set<string>();
  const created = batch.map((b) => {
    const first = !seen.has(b.event.id);
    seen.add(b.event.id);
    return first && !notInserted.has(b.event.id);
  });

  const dupes = batch.filter((_, i) => !created[i]).map((b) => b.event);
  const existing = dupes.length > 0 ? await loadExisting(pool, d, dupes) : null;
  return batch.map((b, i): InsertEventResult => {
    if (created[i]) return { created: true, event: b.event, deliveries: b.deliveries };
    const found = existing?.get(b.event);
    if (!found) throw new Error(`event ${b.event.id} collides with an existing event id`);
    return { created: false, ...found };
  });
}

function eventArrays(events: StoredEvent[]): Buffer[] {
  return binaryColumns(EVENT_TYPES, [
    events.map((e) => e.id),
    events.map((e) => e.tenantId),
    events.map((e) => e.eventID),
    events.map((e) => e.type),
    events.map((e) => e.dateAdded),
    events.map((e) => e.payload),
    events.map((e) => e.idempotencyKey ?? null),
    events.map((e) => e.createdAt),
    events.map((e) => e.typeVersion ?? null),
    events.map((e) => e.traceparent ?? null),
  ]);
}

/**
 * The deliveries to insert if their event is created. Of items that repeat an evt_ id only the
 * first can be created, so only its deliveries are sent (the statement matches by event id).
 */
function candidateDeliveries(batch: NewEventWithDeliveries[]): Delivery[] {
  const seen = new Set<string>();
  const out: Delivery[] = [];
  for (const b of batch) {
    if (seen.has(b.event.id)) continue;
    seen.add(b.event.id);
    for (const d of b.deliveries) out.push(d);
  }
  return out;
}

/** The stored event (by eventId first, then idempotency key) and deliveries of each duplicate. */
async function loadExisting(
  pool: pg.Pool,
  d: Dialect,
  dupes: StoredEvent[],
): Promise<Map<StoredEvent, { event: StoredEvent; deliveries: Delivery[] }>> {
  const keyed = dupes.filter((e) => e.idempotencyKey !== null && e.idempotencyKey !== undefined);
  const { rows } = await query(pool, SELECT_EXISTING, [
    dupes.map((e) => e.tenantId),
    dupes.map((e) => e.eventID),
    keyed.map((e) => e.tenantId),
    keyed.map((e) => e.idempotencyKey),
  ]);
  const stored = rows.map(eventFromRow);
  const byEventId = new Map(stored.map((e) => [`${e.tenantId}\n${e.eventID}`, e]));
  const byKey = new Map(
    stored.filter((e) => e.idempotencyKey !== null).map((e) => [`${e.tenantId}\n${e.idempotencyKey}`, e]),
  );

  const deliveries = new Map<string, Delivery[]>(stored.map((e) => [e.id, []]));
  if (stored.length > 0) {
    const res = await query(pool, 'SELECT * FROM deliveries WHERE event_id = ANY($1) ORDER BY id', [
      stored.map((e) => e.id),
    ]);
    for (const row of res.rows) deliveries.get(row['event_id'] as string)?.push(deliveryFromRow(d, row));
  }

  const result = new Map<StoredEvent, { event: StoredEvent; deliveries: Delivery[] }>();
  for (const e of dupes) {
    const match =
      byEventId.get(`${e.tenantId}\n${e.eventID}`) ??
      (e.idempotencyKey === null || e.idempotencyKey === undefined
        ? undefined
        : byKey.get(`${e.tenantId}\n${e.idempotencyKey}`));
    if (match) result.set(e, { event: match, deliveries: deliveries.get(match.id) ?? [] });
  }
  return result;
}
