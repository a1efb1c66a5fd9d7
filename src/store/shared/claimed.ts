import type { ClaimedDelivery } from '../../domain/types.ts';

/**
 * Rows of one event in a claimed batch each came with their own copy of the payload string;
 * keep the first and let the others share it, so a worker holds each event once however many
 * of its deliveries it claimed (the byte cap counts it once too).
 */
export function sharePayloads(claimed: ClaimedDelivery[]): ClaimedDelivery[] {
  const byEvent = new Map<string, string>();
  for (const c of claimed) {
    const first = byEvent.get(c.delivery.eventRowId);
    if (first === undefined) byEvent.set(c.delivery.eventRowId, c.payload);
    else c.payload = first;
  }
  return claimed;
}
