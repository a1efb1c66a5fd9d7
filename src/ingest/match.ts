import type { Hook } from '../domain/types.ts';

/** `site.created` → `site`. */
export function objectOf(eventType: string): string {
  const dot = eventType.indexOf('.');
  return dot === -1 ? eventType : eventType.slice(0, dot);
}

/**
 * Whether a hook receives an event: it must be enabled and, when it names events, name this
 * one; when it names none, subscribe to the event's object. (A named built-in event is always
 * of the hook's objects: the hook rules check it. A tenant's own type is only ever named.)
 * `ping` reaches only the hook it was sent to, so it is never matched by fan-out.
 */
export function hookMatches(hook: Pick<Hook, 'enabled' | 'objects' | 'events'>, eventType: string): boolean {
  if (!hook.enabled || eventType === 'ping') return false;
  if (hook.events !== null && hook.events.length > 0) return hook.events.includes(eventType);
  return hook.objects.includes(objectOf(eventType));
}

export function matchingHooks<H extends Pick<Hook, 'enabled' | 'objects' | 'events'>>(
  hooks: readonly H[],
  eventType: string,
): H[] {
  return hooks.filter((h) => hookMatches(h, eventType));
}

/**
 * matchingHooks remembered by event type, for the events of one publish call: a batch is mostly
 * of one type, so its events share one list (which nobody changes) instead of filtering per event.
 */
export function hookMatcher<H extends Pick<Hook, 'enabled' | 'objects' | 'events'>>(
  hooks: readonly H[],
): (eventType: string) => H[] {
  const byType = new Map<string, H[]>();
  return (eventType) => {
    let matched = byType.get(eventType);
    if (matched === undefined) {
      matched = matchingHooks(hooks, eventType);
      byType.set(eventType, matched);
    }
    return matched;
  };
}
