import { NO_HOOK_OPTIONS } from '../../src/domain/hook-options.ts';
import type { EventRowId, HookId } from '../../src/domain/ids.ts';
import type { ClaimedDelivery } from '../../src/domain/types.ts';
import { newDelivery } from '../../src/ingest/publish.ts';

/** A claimed delivery to one hook at `url`, as the worker hands it to a sender. */
export function claimedToHook(o: {
  url: string;
  secret: string;
  eventRowId?: string;
  hookId?: string;
  payload?: string;
}): ClaimedDelivery {
  const now = Date.now();
  const hookId = (o.hookId ?? 'hook_test') as HookId;
  return {
    delivery: newDelivery('ten_test', (o.eventRowId ?? 'evt_test') as EventRowId, hookId, now),
    payload:
      o.payload ?? JSON.stringify({ eventID: 'e1', event: 'ping', dateAdded: now, data: { object: 'ping' } }),
    eventType: 'ping',
    hook: {
      id: hookId,
      tenantId: 'ten_test',
      name: 'h',
      url: o.url,
      objects: ['site'],
      events: null,
      enabled: true,
      username: null,
      password: null,
      secret: o.secret,
      oldSecrets: [],
      signatureScheme: 'hmac-sha256',
      publicKey: null,
      failingSince: null,
      lastSuccessAt: null,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
      ...NO_HOOK_OPTIONS,
    },
  };
}
