import { HeraldError } from '../domain/errors.ts';
import type { Attempt, Delivery, DeliveryStatus, Hook, Page, StoredEvent } from '../domain/types.ts';
import type { EventSummary } from '../store/console.ts';
import type { Store } from '../store/store.ts';
import type { ServiceDeps } from './deps.ts';
import { fetchPage, type PageRequest } from './page.ts';

/**
 * A delivery with the event it carries, named as the receiver knows it (the envelope's
 * eventID). `event` is null once retention purged the event.
 */
export interface DeliveryEntry {
  delivery: Delivery;
  event: EventSummary | null;
}

/** Attaches each delivery's event: one query for the whole page. */
export async function withEvents(
  store: Store,
  tenantId: string,
  deliveries: Delivery[],
): Promise<DeliveryEntry[]> {
  if (deliveries.length === 0) return [];
  const ids = [...new Set(deliveries.map((d) => d.eventRowId))];
  const events = new Map((await store.console.eventSummaries(tenantId, ids)).map((e) => [e.id, e]));
  return deliveries.map((delivery) => ({ delivery, event: events.get(delivery.eventRowId) ?? null }));
}

export class DeliveryService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  async get(tenantId: string, id: string): Promise<DeliveryEntry> {
    const delivery = await this.deps.store.getDelivery(tenantId, id);
    if (!delivery) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${id}`);
    return (await withEvents(this.deps.store, tenantId, [delivery]))[0]!;
  }

  /** A delivery with every attempt, oldest first. */
  async withAttempts(tenantId: string, id: string): Promise<DeliveryEntry & { attempts: Attempt[] }> {
    const entry = await this.get(tenantId, id);
    return { ...entry, attempts: await this.deps.store.listAttempts(tenantId, entry.delivery.id) };
  }

  /** Newest first, optionally of one hook, one event (internal id) or one status. */
  async list(
    tenantId: string,
    opts: PageRequest & { hookId?: string; eventRowId?: string; status?: DeliveryStatus | undefined },
  ): Promise<Page<DeliveryEntry>> {
    const rows = await fetchPage(opts.limit, (limit) =>
      this.deps.store.listDeliveries(tenantId, {
        hookId: opts.hookId,
        eventId: opts.eventRowId,
        status: opts.status,
        limit,
        after: opts.after,
      }),
    );
    return { data: await withEvents(this.deps.store, tenantId, rows.data), nextCursor: rows.nextCursor };
  }

  /** Everything the console's delivery page shows: attempts, the full event, the hook if it still exists. */
  async detail(
    tenantId: string,
    id: string,
  ): Promise<{ delivery: Delivery; attempts: Attempt[]; event: StoredEvent | null; hook: Hook | null }> {
    const delivery = await this.deps.store.getDelivery(tenantId, id);
    if (!delivery) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${id}`);
    const [attempts, event, hook] = await Promise.all([
      this.deps.store.listAttempts(tenantId, delivery.id),
      this.deps.store.getEvent(tenantId, delivery.eventRowId),
      delivery.hookId ? this.deps.store.getHook(tenantId, delivery.hookId) : Promise.resolve(null),
    ]);
    return { delivery, attempts, event, hook };
  }

  /** Sends a delivery again with a fresh retry schedule; refused when its hook was deleted. */
  async redeliver(tenantId: string, id: string, now = Date.now()): Promise<DeliveryEntry> {
    const existing = await this.deps.store.getDelivery(tenantId, id);
    if (!existing) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${id}`);
    if (existing.hookId !== null && !(await this.deps.store.getHook(tenantId, existing.hookId)))
      throw new HeraldError('HOOK_NOT_FOUND', 'The hook of this delivery was deleted');
    const delivery = await this.deps.store.requeueDelivery(tenantId, id, now);
    if (!delivery) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${id}`);
    this.deps.engine.wake();
    return (await withEvents(this.deps.store, tenantId, [delivery]))[0]!;
  }

  /** Re-queues a hook's failed deliveries created at or after `since`. */
  async recover(tenantId: string, hookId: string, since: number, now = Date.now()): Promise<number> {
    const requeued = await this.deps.store.recoverFailed(tenantId, hookId, since, now);
    if (requeued > 0) this.deps.engine.wake();
    return requeued;
  }
}
