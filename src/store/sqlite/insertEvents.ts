import type { StoredEvent } from '../../domain/types.ts';
import type { InsertEventResult, NewEventWithDeliveries } from '../store.ts';
import type { SqliteDb } from './db.ts';
import {
  checkDeliveries,
  DELIVERY_COLUMN_NAMES,
  deliveryFromRow,
  deliveryValues,
  eventFromRow,
  type Dialect,
} from '../shared/rows.ts';
import type { Param } from './db.ts';

// No conflict target: the primary key, (tenant_id, event_id) and (tenant_id, idempotency_key)
// all mean "already ingested".
const INSERT_EVENT = `INSERT INTO events
  (id, tenant_id, event_id, type, date_added, payload, idempotency_key, created_at, type_version, trace_parent)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT DO NOTHING`;

const INSERT_DELIVERY = `INSERT INTO deliveries (${DELIVERY_COLUMN_NAMES.join(', ')})
  VALUES (${DELIVERY_COLUMN_NAMES.map(() => '?').join(', ')})`;

/**
 * One transaction for the whole batch. An event that already exists (by eventId or
 * idempotency key, including an earlier item of the same batch) inserts nothing and reports
 * the stored event with its deliveries.
 */
export function insertEvents(db: SqliteDb, d: Dialect, batch: NewEventWithDeliveries[]): InsertEventResult[] {
  for (const item of batch) checkDeliveries(item.event, item.deliveries);
  return db.tx(() => batch.map((item) => insertOne(db, d, item)));
}

function insertOne(
  db: SqliteDb,
  d: Dialect,
  { event: e, deliveries }: NewEventWithDeliveries,
): InsertEventResult {
  const inserted = db.run(
    INSERT_EVENT,
    e.id,
    e.tenantId,
    e.eventID,
    e.type,
    e.dateAdded,
    e.payload,
    e.idempotencyKey ?? null,
    e.createdAt,
    e.typeVersion ?? null,
    e.traceparent ?? null,
  );
  if (inserted === 1) {
    for (const x of deliveries) db.run(INSERT_DELIVERY, ...(deliveryValues(d, x) as Param[]));
    return { created: true, event: e, deliveries };
  }
  const existing = findExisting(db, e);
  const stored = db
    .all('SELECT * FROM deliveries WHERE event_id = ? ORDER BY id', existing.id)
    .map((r) => deliveryFromRow(d, r));
  return { created: false, event: existing, deliveries: stored };
}

/** The event a conflicting insert collided with: by eventId first, then idempotency key. */
function findExisting(db: SqliteDb, e: StoredEvent): StoredEvent {
  const byEventId = db.get(
    'SELECT * FROM events WHERE tenant_id = ? AND event_id = ?',
    e.tenantId,
    e.eventID,
  );
  if (byEventId) return eventFromRow(byEventId);
  if (e.idempotencyKey !== null && e.idempotencyKey !== undefined) {
    const byKey = db.get(
      'SELECT * FROM events WHERE tenant_id = ? AND idempotency_key = ?',
      e.tenantId,
      e.idempotencyKey,
    );
    if (byKey) return eventFromRow(byKey);
  }
  throw new Error(`event ${e.id} collides with an existing event id of another tenant or eventID`);
}
