import { orderKeyOf } from '../domain/hook-options.ts';
import { compileUserSchema, type UserSchema } from '../domain/json-schema.ts';
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

export interface FanOutOptions {
  /** Explicit targets (a ping to one hook): the filter does not apply. */
  direct: boolean;
  /** The envelope `{eventID, event, dateAdded, data}` as a value. */
  envelope: () => unknown;
  make: (hook: Hook) => Delivery;
}

/** The deliveries of an event to the hooks that matched its type. */
export function deliveriesFor(hooks: readonly Hook[], o: FanOutOptions): Delivery[] {
  const out: Delivery[] = [];
  let envelope: unknown;
  for (const hook of hooks) {
    if (hook.filter === null && hook.ordering !== 'fifo') {
      out.push(o.make(hook));
      continue;
    }
    envelope ??= o.envelope();
    if (hook.filter !== null && !o.direct && filterOf(hook.filter)?.validate(envelope).ok === false) continue;
    const d = o.make(hook);
    if (hook.ordering === 'fifo') d.orderKey = orderKeyOf(envelope, hook.orderingKey);
    out.push(d);
  }
  return out;
}
