import type { Hook } from '../domain/types.ts';

/** `site.created` → `site`. */
export function objectOf(eventType: string): string {
  const dot = eventType.indexOf('.');
  return dot === -1 ? eventType : eventType.slice(0, dot);
}

/**
 * Whether a hook receives an event: it must be enabled, subscribe to the event's object, and,
 * when it names events, name this one. `ping` reaches only the hook it was sent to, so it is
 * never matched by fan-out.
 */
export function hookMatches(hook: Pick<Hook, 'enabled' | 'objects' | 'events'>, eventType: string): boolean {
  if (!hook.enabled || eventType === 'ping') return false;
  if (!hook.objects.includes(objectOf(eventType))) return false;
  return hook.events === null || hook.events.length === 0 || hook.events.includes(eventType);
}

export function matchingHooks<H extends Pick<Hook, 'enabled' | 'objects' | 'events'>>(
  hooks: readonly H[],
  eventType: string,
): H[] {
  return hooks.filter((h) => hookMatches(h, eventType));
}
