/**
 * What happens when a test run finishes: `apiLog.created` to the tenant's hooks (a done run:
 * the seed's apiLog fields and fullResponse) and, for an async request with a callback, the
 * finished answer to the callback URL as a raw-target delivery (durable, retried, signed,
 * logged, and sent under the network policy by the delivery agent).
 *
 * Both carry eventIDs fixed when the run was queued, so announcing twice (a worker that died
 * between publishing and marking the run announced, then the sweep) commits nothing new.
 */
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
 * The engine's sender always POSTs with its own headers; of the callback's headers it honours
 * `Authorization: Basic …` (as the target's credentials). Others are not sent (see README).
 */
export function callbackTarget(
  cb: NonNullable<StoredRequest['callback']>,
  secret: string | null,
): DeliveryTarget {
  const target: DeliveryTarget = { url: cb.url, secret, signatureStyle: 'standard' };
  const auth = Object.entries(cb.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  const basic = auth === undefined ? null : /^Basic\s+(\S+)$/i.exec(auth);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      target.username = decoded.slice(0, colon);
      target.password = decoded.slice(colon + 1);
    }
  }
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
