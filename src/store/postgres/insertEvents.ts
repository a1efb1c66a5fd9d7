import type pg from 'pg';
import type { Delivery, StoredEvent } from '../../domain/types.ts';
import type { InsertEventResult, NewEventWithDeliveries } from '../store.ts';
import { notifyWake, query, withTx } from './pool.ts';
import type { PoolClient } from 'pg';
import { checkDeliveries, deliveryFromRow, eventFromRow } from '../shared/rows.ts';
import { DELIVERY_COLUMNS, deliveryArrays, unnest } from './rows.ts';

// No conflict target: the primary key, (tenant_id, event_id) and (tenant_id, idempotency_key)
// all mean "already ingested". A row that conflicts with an uncommitted insert of another
// transaction waits for it, so concurrent duplicates resolve to exactly one created event.
// ORDER BY ord keeps batch order, so within a batch the first of two duplicates wins.
const INSERT_EVENTS = `INSERT INTO events
  (id, tenant_id, event_id, type, date_added, payload, idempotency_key, created_at)
  SELECT id, tenant_id, event_id, type, date_added, payload, idempotency_key, created_at
    FROM ${unnest(['text', 'text', 'text', 'text', 'bigint', 'text', 'text', 'bigint'])}
         WITH ORDINALITY AS r(id, tenant_id, event_id, type, date_added, payload, idempotency_key, created_at, ord)
   ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING id`;

const INSERT_DELIVERIES = `INSERT INTO deliveries (${DELIVERY_COLUMNS.map(([c]) => c).join(', ')})
  SELECT * FROM ${unnest(DELIVERY_COLUMNS.map(([, t]) => t))}`;

const SELECT_EXISTING = `SELECT * FROM events
   WHERE (tenant_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
      OR (tenant_id, idempotency_key) IN (SELECT * FROM unnest($3::text[], $4::text[]))`;

/**
 * One transaction for the whole batch: one statement for the events, one for the deliveries
 * of the events that were new, and two more only when some were duplicates. Notifies
 * listening workers when it inserted work that nobody has leased.
 */
export async function insertEvents(
  pool: pg.Pool,
  batch: NewEventWithDeliveries[],
): Promise<InsertEventResult[]> {
  if (batch.length === 0) return [];
  for (const item of batch) checkDeliveries(item.event, item.deliveries);
  return withTx(pool, async (c) => {
    const events = batch.map((b) => b.event);
    const inserted = await query(
      c,
      INSERT_EVENTS,
      [
        events.map((e) => e.id),
        events.map((e) => e.tenantId),
        events.map((e) => e.eventID),
        events.map((e) => e.type),
        events.map((e) => e.dateAdded),
        events.map((e) => e.payload),
        events.map((e) => e.idempotencyKey ?? null),
        events.map((e) => e.createdAt),
      ],
      'herald_insert_events',
    );
    const newIds = new Set(inserted.rows.map((r) => r['id'] as string));
    // An id is "created" once: a second item with the very same evt_ id is a duplicate.
    const created = batch.map((b) => newIds.delete(b.event.id));

    const fresh = batch.filter((_, i) => created[i]).flatMap((b) => b.deliveries);
    if (fresh.length > 0) {
      await query(c, INSERT_DELIVERIES, deliveryArrays(fresh), 'herald_insert_deliveries');
      if (fresh.some((d) => d.status === 'pending' && (d.leaseOwner ?? null) === null)) await notifyWake(c);
    }

    const dupes = batch.filter((_, i) => !created[i]).map((b) => b.event);
    const existing = dupes.length > 0 ? await loadExisting(c, dupes) : null;
    return batch.map((b, i): InsertEventResult => {
      if (created[i]) return { created: true, event: b.event, deliveries: b.deliveries };
      const found = existing?.get(b.event);
      if (!found) throw new Error(`event ${b.event.id} collides with an existing event id`);
      return { created: false, ...found };
    });
  });
}

/** The stored event (by eventId first, then idempotency key) and deliveries of each duplicate. */
async function loadExisting(
  c: PoolClient,
  dupes: StoredEvent[],
): Promise<Map<StoredEvent, { event: StoredEvent; deliveries: Delivery[] }>> {
  const keyed = dupes.filter((e) => e.idempotencyKey !== null && e.idempotencyKey !== undefined);
  const { rows } = await query(c, SELECT_EXISTING, [
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
    const res = await query(c, 'SELECT * FROM deliveries WHERE event_id = ANY($1) ORDER BY id', [
      stored.map((e) => e.id),
    ]);
    for (const row of res.rows) deliveries.get(row['event_id'] as string)?.push(deliveryFromRow(row));
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
