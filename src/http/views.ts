import type { Attempt, Delivery, StoredEvent } from '../domain/types.ts';
import type { DeliveryEntry } from '../services/deliveries.ts';

/**
 * What the API shows of stored records. Reporter targets never show their credentials.
 * A delivery names its event by the envelope's eventID, as the receiver sees it; the
 * internal event row id is only `eventRef` (null for eventID and event once purged).
 * A bare Delivery (without its event looked up) shows eventID and event as null.
 */
export function deliveryView(entry: DeliveryEntry | Delivery) {
  const { delivery: d, event } = 'delivery' in entry ? entry : { delivery: entry, event: null };
  return {
    id: d.id,
    eventID: event?.eventID ?? null,
    event: event?.type ?? null,
    eventRef: d.eventRowId,
    hookId: d.hookId,
    url: d.target?.url ?? null,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    deliveredAt: d.deliveredAt,
  };
}

export function attemptView(a: Attempt) {
  return {
    id: a.id,
    attemptNo: a.attemptNo,
    startedAt: a.startedAt,
    durationMs: a.durationMs,
    request: { url: a.requestUrl, headers: a.requestHeaders },
    response:
      a.responseStatus === null
        ? null
        : { status: a.responseStatus, headers: a.responseHeaders ?? {}, body: a.responseBody ?? '' },
    error: a.error,
  };
}

export function eventView(e: StoredEvent) {
  return {
    id: e.id,
    eventID: e.eventID,
    event: e.type,
    dateAdded: e.dateAdded,
    typeVersion: e.typeVersion ?? null,
    payload: JSON.parse(e.payload) as unknown,
  };
}
