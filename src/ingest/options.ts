import { orderKeyOf } from '../domain/hook-options.ts';
import { compileUserSchema, type UserSchema } from '../domain/json-schema.ts';
import type { EventRowId } from '../domain/ids.ts';
import { newId } from '../domain/ids.ts';
import type { Delivery, Hook } from '../domain/types.ts';

/**
 * The fan-out half of the hook options (issue 17): a hook's `filter` decides whether it gets an
 * event at all, and a `fifo` hook's delivery is put in its queue (Delivery.orderKey). A hook with
 * neither costs one comparison per event; the envelope object is only built when one needs it.
 */

/** Compiled filters of the hooks of one publish call (the rows are read once per call). */
const compiled = new WeakMap<object, UserSchema | null>();

function filterOf(filter: object): UserSchema | null {
  let schema = compiled.get(filter);
  if (schema === undefined) {
    try {
      schema = compileUserSchema(filter, '/filter');
    } catch {
      // Checked when it was stored; one that no longer compiles must not stop the tenant's
      // publishing: it filters nothing.
      schema = null;
    }
    compiled.set(filter, schema);
  }
  return schema;
}

/** What every event of one publish call shares. */
export interface FanOutCall {
  tenantId: string;
  now: number;
  /** Explicit targets (a ping to one hook): the filter does not apply. */
  direct: boolean;
}

/** The parts of an event's envelope `{eventID, event, dateAdded, data}` (dateAdded is the call's `now`). */
export interface FanOutEvent {
  rowId: EventRowId;
  eventID: string;
  type: string;
  data: unknown;
}

/**
 * The deliveries of an event to the hooks that matched its type. Takes the envelope's parts, not
 * a closure that builds it: most events of a call need no envelope object, and none a closure.
 */
export function deliveriesFor(hooks: readonly Hook[], call: FanOutCall, event: FanOutEvent): Delivery[] {
  const out: Delivery[] = [];
  let envelope: unknown;
  for (const hook of hooks) {
    if (hook.filter === null && hook.ordering !== 'fifo') {
      out.push(newDelivery(call.tenantId, event.rowId, hook.id, call.now));
      continue;
    }
    envelope ??= { eventID: event.eventID, event: event.type, dateAdded: call.now, data: event.data };
    if (hook.filter !== null && !call.direct && filterOf(hook.filter)?.validate(envelope).ok === false)
      continue;
    const d = newDelivery(call.tenantId, event.rowId, hook.id, call.now);
    if (hook.ordering === 'fifo') d.orderKey = orderKeyOf(envelope, hook.orderingKey);
    out.push(d);
  }
  return out;
}

export function newDelivery(
  tenantId: string,
  eventId: EventRowId,
  hookId: string | null,
  now: number,
): Delivery {
  return {
    id: newId('delivery', now),
    tenantId,
    eventRowId: eventId,
    hookId,
    target: null,
    status: 'pending',
    attempts: 0,
    schedulePos: 0,
    nextAttemptAt: now,
    leaseOwner: null,
    leaseUntil: null,
    lastStatus: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
    deliveredAt: null,
  };
}
