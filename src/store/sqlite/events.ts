import { hasPrefix } from '../../domain/ids.ts';
import type { StoredEvent } from '../../domain/types.ts';
import type { SqliteDb } from './db.ts';
import { eventFromRow } from './rows.ts';
import { listPage } from './page.ts';

/** By internal id (`evt_…`) first, then by the envelope's eventID. */
export function getEvent(db: SqliteDb, tenantId: string, idOrEventId: string): StoredEvent | null {
  if (hasPrefix(idOrEventId, 'event')) {
    const row = db.get('SELECT * FROM events WHERE tenant_id = ? AND id = ?', tenantId, idOrEventId);
    if (row) return eventFromRow(row);
  }
  const row = db.get('SELECT * FROM events WHERE tenant_id = ? AND event_id = ?', tenantId, idOrEventId);
  return row ? eventFromRow(row) : null;
}

export function listEvents(
  db: SqliteDb,
  tenantId: string,
  opts: { limit: number; after?: string; type?: string },
): StoredEvent[] {
  return listPage(db, 'events', tenantId, { type: opts.type }, opts).map(eventFromRow);
}
