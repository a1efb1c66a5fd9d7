import { hasPrefix } from '../../domain/ids.ts';
import type { StoredEvent } from '../../domain/types.ts';
import { eventFromRow } from '../shared/rows.ts';
import { listPage, one, type Sql } from '../sql.ts';

/** By internal id (`evt_…`) first, then by the envelope's eventID. */
export async function getEvent(sql: Sql, tenantId: string, idOrEventId: string): Promise<StoredEvent | null> {
  if (hasPrefix(idOrEventId, 'event')) {
    const row = await one(sql, 'SELECT * FROM events WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      idOrEventId,
    ]);
    if (row) return eventFromRow(row);
  }
  const row = await one(sql, 'SELECT * FROM events WHERE tenant_id = $1 AND event_id = $2', [
    tenantId,
    idOrEventId,
  ]);
  return row ? eventFromRow(row) : null;
}

export async function listEvents(
  sql: Sql,
  tenantId: string,
  opts: { limit: number; after?: string; type?: string },
): Promise<StoredEvent[]> {
  return (await listPage(sql, 'events', tenantId, { type: opts.type }, opts)).map(eventFromRow);
}
