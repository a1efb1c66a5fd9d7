/**
 * What happens when a test run finishes: `apiLog.created` to the tenant's hooks (a done run:
 * the seed's apiLog fields and fullResponse) and, for an async request with a callback, the
 * finished answer to the callback URL as a raw-target delivery (durable, retried, signed,
 * logged, and sent under the network policy by the delivery agent).
 *
 * Both carry eventIDs fixed when the run was queued, so announcing twice (a worker that died
 * between publishing and marking the run announced, then the sweep) commits nothing new.
 */
import { isReservedHeader } from '../domain/hook-options.ts';
import type { DeliveryTarget } from '../domain/types.ts';
import type { AnnouncePorts } from '../runs/ports.ts';
import type { TestRun, TestRunStore } from '../store/testruns.ts';
import type { StoredRequest } from './stored.ts';

export const CALLBACK_EVENT = 'tenon.callback';

export interface TestRunAnnouncePorts extends AnnouncePorts {
  testRuns: Pick<TestRunStore, 'markAnnounced'>;
  /** HERALD_TENON_CALLBACK_SECRET: signs callbacks. */
  callbackSecret: string | null;
}

/**
 * Tenon API v2: the callback's `method` and `headers` are honoured. `Authorization: Basic …`
 * becomes the target's credentials (so the attempt log redacts it); every other header goes in
 * `headers`, sent through the same path as a hook's custom headers (names Herald sets itself,
 * such as content-type or webhook-*, are left out: Herald's own win).
 */
export function callbackTarget(
  cb: NonNullable<StoredRequest['callback']>,
  secret: string | null,
): DeliveryTarget {
  const target: DeliveryTarget = { url: cb.url, secret, signatureStyle: 'standard' };
  if (cb.method !== 'POST') target.method = cb.method;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(cb.headers)) {
    const basic = name.toLowerCase() === 'authorization' ? /^Basic\s+(\S+)$/i.exec(value) : null;
    const decoded = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
    if (decoded.indexOf(':') > 0) {
      target.username = decoded.slice(0, decoded.indexOf(':'));
      target.password = decoded.slice(decoded.indexOf(':') + 1);
    } else if (name.toLowerCase() === 'authorization' || !isReservedHeader(name)) headers[name] = value;
  }
  if (Object.keys(headers).length > 0) target.headers = headers;
  return target;
}

export async function announceTestRun(deps: TestRunAnnouncePorts, run: TestRun): Promise<void> {
  if (run.announcedAt !== null || (run.status !== 'done' && run.status !== 'failed')) return;
  if (run.status === 'done' && run.apiLog !== null) {
    await deps.publisher.publish(run.tenantId, [
      {
        event: 'apiLog.created',
        data: { ...(run.apiLog as Record<string, unknown>), fullResponse: run.response },
        eventID: run.eventId,
      },
    ]);
  }
  const callback = (run.request as StoredRequest).callback;
  if (callback) {
    await deps.publisher.publishToTargets(run.tenantId, {
      event: CALLBACK_EVENT,
      payload: JSON.stringify(run.response),
      targets: [callbackTarget(callback, deps.callbackSecret)],
      eventID: run.callbackEventId,
    });
  }
  await deps.testRuns.markAnnounced(run.tenantId, run.id, Date.now());
  deps.log.info(
    { responseID: run.responseID, tenantId: run.tenantId, status: run.httpStatus, callback: !!callback },
    'test run finished and announced',
  );
}
