import { HeraldError } from '../domain/errors.ts';
import type { Delivery, Hook, Page, StoredEvent } from '../domain/types.ts';
import type { PublishInput, PublishResult } from '../ingest/publish.ts';
import type { ServiceDeps } from './deps.ts';
import { fetchPage, type PageRequest } from './page.ts';

/** The most events one batch may carry (one transaction). */
export const BATCH_MAX = 1000;
const IDEMPOTENCY_KEY_MAX = 200;

/** Publishing (through the ingest stage) and reading back what was published. */
export class EventService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  /**
   * Publishes one event; answers once it and its fan-out are committed. The same eventID or
   * Idempotency-Key again reports the stored event and creates nothing.
   */
  async publish(
    tenantId: string,
    input: PublishInput,
    idempotencyKey: string | null = null,
    traceparent: string | null = null,
  ): Promise<PublishResult> {
    if (idempotencyKey !== null && (idempotencyKey === '' || idempotencyKey.length > IDEMPOTENCY_KEY_MAX))
      throw new HeraldError(
        'VALIDATION_FAILED',
        `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} characters`,
        [{ path: 'headers/idempotency-key', message: `must be 1 to ${IDEMPOTENCY_KEY_MAX} characters` }],
      );
    const [result] = await this.deps.publisher.publish(tenantId, [{ ...input, idempotencyKey }], {
      traceparent,
    });
    return result!;
  }

  /** Up to BATCH_MAX events in one transaction. */
  async publishBatch(
    tenantId: string,
    events: PublishInput[],
    traceparent: string | null = null,
  ): Promise<PublishResult[]> {
    if (events.length > BATCH_MAX)
      throw new HeraldError('BATCH_TOO_LARGE', `At most ${BATCH_MAX} events per batch, got ${events.length}`);
    return this.deps.publisher.publish(tenantId, events, { traceparent });
  }

  /** By internal id (`evt_…`) or by the envelope's eventID. */
  async get(tenantId: string, idOrEventId: string): Promise<StoredEvent> {
    const event = await this.deps.store.getEvent(tenantId, idOrEventId);
    if (!event) throw new HeraldError('EVENT_NOT_FOUND', `No event ${idOrEventId}`);
    return event;
  }

  list(tenantId: string, page: PageRequest & { type?: string | undefined }): Promise<Page<StoredEvent>> {
    return fetchPage(page.limit, (limit) =>
      this.deps.store.listEvents(tenantId, { limit, after: page.after, type: page.type }),
    );
  }

  /** The event with its fan-out (at most 1000 deliveries). */
  async withDeliveries(
    tenantId: string,
    idOrEventId: string,
  ): Promise<{ event: StoredEvent; deliveries: Delivery[] }> {
    const event = await this.get(tenantId, idOrEventId);
    const deliveries = await this.deps.store.listDeliveries(tenantId, { eventId: event.id, limit: 1000 });
    return { event, deliveries };
  }

  /** As withDeliveries, with the hook of each delivery (null once deleted), for the console. */
  async withHooks(
    tenantId: string,
    idOrEventId: string,
  ): Promise<{ event: StoredEvent; deliveries: Delivery[]; hooks: Map<string, Hook | null> }> {
    const { event, deliveries } = await this.withDeliveries(tenantId, idOrEventId);
    const ids = [...new Set(deliveries.map((d) => d.hookId).filter((x): x is string => x !== null))];
    const found = await Promise.all(ids.map((id) => this.deps.store.getHook(tenantId, id)));
    return { event, deliveries, hooks: new Map(ids.map((id, i) => [id, found[i] ?? null])) };
  }
}
