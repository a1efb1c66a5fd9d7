import { randomUUIDv7 } from 'node:crypto';
import { HeraldError } from '../domain/errors.ts';
import { findEventType, validateEventData } from '../domain/event-types.ts';
import { newId } from '../domain/ids.ts';
import type { ClaimedDelivery, DeliveryTarget, Hook, StoredEvent } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { NewEventWithDeliveries, Store } from '../store/store.ts';
import { GroupCommitter } from './commit.ts';
import {
  DEFAULT_MAX_EVENT_BYTES,
  MAX_DATA_DEPTH,
  dataBytesOver,
  envelopeJson,
  nestedDeeperThan,
} from './limits.ts';
import { hookMatcher } from './match.ts';
import type { SpanScope, Tracing } from '../telemetry/tracing.ts';
import { resolveTenantTypes, type ResolvedType } from './tenant-types.ts';
import { ordered } from '../domain/hook-options.ts';
import { deliveriesFor, newDelivery } from './options.ts';

export { newDelivery };

export interface PublishInput {
  event: string;
  data: object;
  eventID?: string | undefined;
  idempotencyKey?: string | null | undefined;
}

export interface PublishResult {
  eventID: string;
  event: string;
  created: boolean;
  deliveries: Array<{ id: string; hookId: string | null }>;
}

/** Where freshly committed deliveries go when a worker runs in this process. */
export interface LocalSink {
  readonly owner: string;
  /**
   * Whether the sink will take `n` more deliveries now, whose events' payloads are `bytes`
   * long together (each event counted once: its deliveries share one payload string), all of
   * `tenantId` when given, `perHook` of them to each hook (a tenant or hook past its share of
   * held work is refused).
   */
  hasRoom(n: number, bytes: number, tenantId?: string, perHook?: ReadonlyMap<string, number>): boolean;
  /** Hands over deliveries leased to `owner`; false if the sink is stopping. */
  accept(claimed: ClaimedDelivery[]): boolean;
  /**
   * Something became due in the database (a requeue, an unleased insert; of `tenantId` alone,
   * due from `dueAt`).
   */
  wake(tenantId?: string, dueAt?: number): void;
}

export interface PublishOptions {
  /** Events only Herald emits (ping, hook.disabled) may be published. */
  internal?: boolean;
  /** Deliver to exactly these hooks instead of fanning out (ping). */
  onlyHooks?: Hook[];
  /** The publisher's W3C `traceparent`: with tracing on, the publish joins that trace. */
  traceparent?: string | null;
}

/** The ingest stage: validate → fan out → commit → hand to the local worker. */
export class Publisher {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly leaseMs: number;
  private readonly maxEventBytes: number;
  private readonly committer: GroupCommitter;
  private readonly tracing: Tracing | null;
  private sink: LocalSink | null = null;

  constructor(deps: {
    store: Store;
    log: Logger;
    metrics: Metrics;
    leaseMs: number;
    /** Largest serialised `data` accepted (HERALD_MAX_EVENT_BYTES). */
    maxEventBytes?: number;
    tracing?: Tracing | null;
  }) {
    this.store = deps.store;
    this.log = deps.log;
    this.metrics = deps.metrics;
    this.leaseMs = deps.leaseMs;
    this.maxEventBytes = deps.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.committer = new GroupCommitter(deps.store);
    this.tracing = deps.tracing ?? null;
  }

  attachSink(sink: LocalSink | null): void {
    this.sink = sink;
  }

  wake(): void {
    this.sink?.wake();
  }

  /**
   * Validates every input first: one bad event refuses the whole call and stores nothing.
   * Cheap checks come first, so nothing recursive (schema, stringify) sees data nested too deep,
   * and no schema validation runs on an event that is too large anyway. Returns each input's
   * payload, the envelope with `eventIDs[i]` and `now`: its serialised `data` is what the size
   * limit counts. `custom` holds the tenant's own types among the inputs' (see resolveTenantTypes).
   */
  validate(
    inputs: PublishInput[],
    internal: boolean,
    custom: ReadonlyMap<string, ResolvedType> | undefined,
    eventIDs: readonly string[],
    now: number,
  ): string[] {
    const problems: Array<{ index: number; path: string; message: string }> = [];
    const tooLarge: Array<{ index: number; bytes: number; limit: number }> = [];
    const payloads: string[] = [];
    inputs.forEach((input, index) => {
      const type = findEventType(input.event);
      const own = type ? undefined : custom?.get(input.event);
      if (own === undefined && (!type || (!type.publishable && !internal))) {
        problems.push({ index, path: '/event', message: `unknown event type "${input.event}"` });
        return;
      }
      if (nestedDeeperThan(input.data, MAX_DATA_DEPTH)) {
        const message = `data is nested deeper than ${MAX_DATA_DEPTH} levels of objects and arrays`;
        problems.push({ index, path: '/data', message });
        return;
      }
      const payload = envelopeJson(eventIDs[index]!, input.event, now, input.data);
      const bytes = dataBytesOver(payload, this.maxEventBytes);
      if (bytes !== null) {
        tooLarge.push({ index, bytes, limit: this.maxEventBytes });
        return;
      }
      payloads[index] = payload;
      const result = own ? own.schema.validate(input.data) : validateEventData(input.event, input.data);
      if (!result.ok)
        for (const e of result.errors) problems.push({ index, path: `/data${e.path}`, message: e.message });
    });
    const single = inputs.length === 1;
    if (tooLarge.length > 0) {
      const first = tooLarge[0]!;
      throw new HeraldError(
        'EVENT_TOO_LARGE',
        single
          ? `The event's data is ${first.bytes} bytes serialised; at most ${first.limit} are accepted`
          : `${tooLarge.length} event(s) of the batch are larger than ${first.limit} bytes; nothing was stored`,
        single ? { bytes: first.bytes, limit: first.limit } : tooLarge,
      );
    }
    if (problems.length === 0) return payloads;
    const unknownType = problems.every((p) => p.path === '/event');
    throw new HeraldError(
      unknownType ? 'UNKNOWN_EVENT_TYPE' : 'INVALID_EVENT_DATA',
      single ? problems[0]!.message : `${problems.length} problem(s) in the batch; nothing was stored`,
      single ? problems.map(({ path, message }) => ({ path, message })) : problems,
    );
  }

  publish(tenantId: string, inputs: PublishInput[], opts: PublishOptions = {}): Promise<PublishResult[]> {
    const tracing = this.tracing;
    if (!tracing) return this.publishIn(null, tenantId, inputs, opts);
    const attributes = {
      'herald.tenant.id': tenantId,
      'herald.events': inputs.length,
      'herald.event.type': inputs.length === 1 ? inputs[0]!.event : undefined,
    };
    return tracing.span('herald.publish', { parent: opts.traceparent, attributes, server: true }, (span) =>
      this.publishIn(span, tenantId, inputs, opts),
    );
  }

  private async publishIn(
    span: SpanScope | null,
    tenantId: string,
    inputs: PublishInput[],
    opts: PublishOptions,
  ): Promise<PublishResult[]> {
    const custom = inputs.some((i) => !findEventType(i.event))
      ? await resolveTenantTypes(
          this.store,
          tenantId,
          inputs.map((i) => i.event),
        )
      : undefined;
    const now = Date.now();
    const eventIDs = inputs.map((i) => i.eventID ?? newEventID());
    const payloads = this.validate(inputs, opts.internal ?? false, custom, eventIDs, now);
    const fanOut = async () => {
      const hooks = opts.onlyHooks ?? (await this.store.listEnabledHooks(tenantId));
      const call = { tenantId, now, direct: opts.onlyHooks !== undefined };
      const targetsOf = call.direct ? () => hooks : hookMatcher(hooks);
      const traceparent = span?.traceparent ?? null;
      const items = inputs.map((input, i): NewEventWithDeliveries => {
        const eventID = eventIDs[i]!;
        const event = newEvent(
          tenantId,
          eventID,
          input.event,
          payloads[i]!,
          input.idempotencyKey ?? null,
          now,
        );
        event.typeVersion = custom?.get(input.event)?.version ?? null;
        event.traceparent = traceparent;
        const target = { rowId: event.id, eventID, type: input.event, data: input.data };
        return { event, deliveries: deliveriesFor(targetsOf(input.event), call, target) };
      });
      return { hooks, items };
    };
    const { hooks, items } =
      span && this.tracing
        ? await this.tracing.span('herald.fanout', { parent: span.traceparent }, async (fan) => {
            const out = await fanOut();
            fan.setAttributes({
              'herald.deliveries': out.items.reduce((n, i) => n + i.deliveries.length, 0),
            });
            return out;
          })
        : await fanOut();
    return this.commit(items, new Map(hooks.map((h) => [h.id, h])), now);
  }

  /**
   * Sends a body exactly as given (not wrapped in the envelope) to explicit targets, such as a
   * build's webhook reporters, through the same durable, retried and logged path.
   */
  async publishToTargets(
    tenantId: string,
    input: { event: string; payload: string; targets: DeliveryTarget[]; eventID?: string },
  ): Promise<PublishResult> {
    const now = Date.now();
    const event = newEvent(tenantId, input.eventID ?? newEventID(), input.event, input.payload, null, now);
    const deliveries = input.targets.map((target) => ({
      ...newDelivery(tenantId, event.id, null, now),
      target,
    }));
    const [result] = await this.commit([{ event, deliveries }], new Map(), now);
    return result!;
  }

  /** Commits, then hands what was created to the local worker (or wakes the workers). */
  private async commit(
    items: NewEventWithDeliveries[],
    hooksById: Map<string, Hook>,
    now: number,
  ): Promise<PublishResult[]> {
    const sink = this.sink;
    // What the sink is asked to make room for, in one pass over the items.
    let total = 0;
    let bytes = 0;
    const first = items[0]?.event.tenantId;
    let oneTenant = true;
    const perHook = new Map<string, number>();
    for (const { event, deliveries } of items) {
      if (event.tenantId !== first) oneTenant = false;
      if (deliveries.length === 0) continue;
      total += deliveries.length;
      bytes += event.payload.length;
      for (const d of deliveries)
        if (d.hookId !== null) perHook.set(d.hookId, (perHook.get(d.hookId) ?? 0) + 1);
    }
    const tenantId = oneTenant ? first : undefined;
    const leased = sink !== null && total > 0 && sink.hasRoom(total, bytes, tenantId, perHook);
    let unleased = !leased && total > 0;
    if (leased) {
      for (const item of items)
        for (const d of item.deliveries) {
          if (ordered(d)) {
            unleased = true;
            continue;
          }
          d.leaseOwner = sink.owner;
          d.leaseUntil = now + this.leaseMs;
        }
    }
    const results = await this.committer.insert(items);
    const handed: ClaimedDelivery[] = [];
    let created = 0;
    for (const r of results) {
      if (!r.created) continue;
      created++;
      for (const delivery of r.deliveries) {
        if (leased && ordered(delivery)) continue;
        const hook = delivery.hookId === null ? null : (hooksById.get(delivery.hookId) ?? null);
        handed.push({
          delivery,
          payload: r.event.payload,
          eventType: r.event.type,
          hook,
          trace: r.event.traceparent,
        });
      }
    }
    this.metrics.eventsAccepted.inc(created);
    if (leased && handed.length > 0 && !sink.accept(handed)) {
      await this.store.releaseLeases(
        sink.owner,
        handed.map((c) => c.delivery.id),
      );
    }
    if (unleased) sink?.wake(tenantId, now);
    this.log.debug({ events: items.length, created, deliveries: handed.length }, 'events accepted');
    return results.map((r) => ({
      eventID: r.event.eventID,
      event: r.event.type,
      created: r.created,
      deliveries: r.deliveries.map((d) => ({ id: d.id, hookId: d.hookId })),
    }));
  }
}

/**
 * An eventID Herald mints itself: a UUID whose leading bits are the time (version 7, RFC 9562).
 * The unique index that makes eventIDs idempotent then grows at its end, as the row ids do:
 * random (version 4) ids dirtied one index page per event in every commit, a third of what
 * SQLite wrote to its WAL in a burst.
 */
export function newEventID(): string {
  return randomUUIDv7();
}

function newEvent(
  tenantId: string,
  eventId: string,
  type: string,
  payload: string,
  idempotencyKey: string | null,
  now: number,
): StoredEvent {
  return {
    id: newId('event', now),
    tenantId,
    eventID: eventId,
    type,
    dateAdded: now,
    payload,
    idempotencyKey,
    createdAt: now,
    typeVersion: null,
    traceparent: null,
  };
}
