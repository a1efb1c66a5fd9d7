import { hasPrefix } from '../../domain/ids.ts';
import type { StoredEvent } from '../../domain/types.ts';
import type { Param, SqliteDb } from './db.ts';
import { eventFromRow } from './rows.ts';

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
  const where = ['tenant_id = ?'];
  const params: Param[] = [tenantId];
  if (opts.type !== undefined) {
    where.push('type = ?');
    params.push(opts.type);
  }
  if (opts.after !== undefined) {
    where.push('id < ?');
    params.push(opts.after);
  }
  params.push(opts.limit);
  return db
    .all(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, ...params)
    .map(eventFromRow);
}
