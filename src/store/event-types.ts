/**
 * Storage of tenants' own event types (migration 012): the current version of each on
 * `event_types`, every schema it ever had on `event_type_versions`. The history outlives a
 * deleted type, so a type made again under the same name continues its version numbers and
 * an event's recorded version never names two schemas. test/store/event-types.test.ts runs
 * the same suite against SQLite and PostgreSQL.
 */
import type { EventTypeVersion, TenantEventType } from '../domain/tenant-event-types.ts';

export interface EventTypeStore {
  /**
   * Creates the type with its first version (one past any earlier type of that name). Null
   * when the tenant has a type of that name already; safe under concurrent creates.
   */
  create(t: Omit<TenantEventType, 'version'>): Promise<TenantEventType | null>;
  get(tenantId: string, name: string): Promise<TenantEventType | null>;
  /** The tenant's types by name (at most `limit`). */
  list(tenantId: string, limit: number): Promise<TenantEventType[]>;
  /** How many types the tenant has. */
  count(tenantId: string): Promise<number>;
  /**
   * Changes the description and/or the schema (JSON text). A schema other than the current
   * one makes a new version. Null when there is no such type.
   */
  update(
    tenantId: string,
    name: string,
    change: { description?: string | null; schema?: string },
    now: number,
  ): Promise<TenantEventType | null>;
  /**
   * Deletes the type unless a hook of the tenant names it in `events`: then nothing changes
   * and the ids of those hooks come back. `deleted` is false when there was no such type.
   */
  delete(tenantId: string, name: string): Promise<{ deleted: boolean; hooks: string[] }>;
  /** Every version of the type, oldest first (kept after the type is deleted). */
  versions(tenantId: string, name: string): Promise<EventTypeVersion[]>;
}
