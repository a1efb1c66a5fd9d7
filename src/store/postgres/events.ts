import { hasPrefix } from '../../domain/ids.ts';
import type { StoredEvent } from '../../domain/types.ts';
import { query } from './pool.ts';
import type { Queryable } from './pool.ts';
import { eventFromRow } from './rows.ts';
import { listPage } from './page.ts';

/** By internal id (`evt_…`) first, then by the envelope's eventID. */
export async function getEvent(
  db: Queryable,
  tenantId: string,
  idOrEventId: string,
): Promise<StoredEvent | null> {
  if (hasPrefix(idOrEventId, 'event')) {
    const { rows } = await query(db, 'SELECT * FROM events WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      idOrEventId,
    ]);
    if (rows[0]) return eventFromRow(rows[0]);
  }
  const { rows } = await query(db, 'SELECT * FROM events WHERE tenant_id = $1 AND event_id = $2', [
    tenantId,
    idOrEventId,
  ]);
  return rows[0] ? eventFromRow(rows[0]) : null;
}

export async function listEvents(
  db: Queryable,
  tenantId: string,
  opts: { limit: number; after?: string; type?: string },
): Promise<StoredEvent[]> {
  return (await listPage(db, 'events', tenantId, { type: opts.type }, opts)).map(eventFromRow);
}
