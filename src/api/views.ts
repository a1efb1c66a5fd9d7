import type { Attempt, Delivery, StoredEvent } from '../domain/types.ts';

/** What the API shows of stored records. Reporter targets never show their credentials. */
export function deliveryView(d: Delivery) {
  return {
    id: d.id,
    eventId: d.eventRowId,
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
    payload: JSON.parse(e.payload) as unknown,
  };
}
