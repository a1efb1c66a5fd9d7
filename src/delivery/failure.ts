import { nextRetry } from '../domain/retry.ts';
import type { AttemptResult } from '../store/store.ts';
import type { Admission } from './admission.ts';
import type { AttemptKind } from './breaker.ts';
import type { SendOutcome } from './send.ts';

/**
 * Where an attempt stopped, as one type, and the one place that decides what follows (as
 * Hookdeck Outpost's PreDeliveryError / AttemptError / PostDeliveryError decide ack, retry or
 * dead-letter):
 *  - pre-delivery: the receiver was never asked (admission refused it, a hook changed, its
 *    breaker is open, the rate limit gave no slot, the sender gave it back unstarted). No
 *    attempt is recorded: the lease is given back (claimed again at once, as the hook is now)
 *    or the row is parked in the database until a time;
 *  - attempt: the receiver was asked and did not take it (an HTTP status other than 2xx, a
 *    timeout, a refused connection). The retry schedule decides retry or fail; the attempt is
 *    recorded either way;
 *  - post-delivery: the attempt is over but its result could not be written. The result stays
 *    buffered and is written again; the lease covers it meanwhile, so a crash only repeats it.
 */
export type Failure =
  | { stage: 'pre-delivery'; reason: Exclude<Admission, 'hold' | 'skip'> | 'no-rate-slot' | 'given-back' }
  | { stage: 'attempt'; kind: AttemptKind; retryAfterMs: number | null }
  | { stage: 'post-delivery' };

export type Decision =
  /** Claimed again at once (as the hook is now); `wakeNow`: the loop may claim it at once. */
  | { do: 'release'; wakeNow: boolean }
  /** Waits in the database until `until` (or a wake that may bring room). */
  | { do: 'park'; until: number }
  | { do: 'retry'; nextAttemptAt: number; schedulePos: number }
  | { do: 'fail' }
  /** Kept and written again (post-delivery). */
  | { do: 'keep' };

export interface RetryPolicy {
  retrySchedule: readonly number[];
  retryAfterMaxMs: number;
}

/** A tenant over its share of held work: its extra deliveries wait this long in the database. */
export const OVER_SHARE_DEFER_MS = 5000;

/**
 * What follows a failure. `breakerUntil`: until when the receiver's breaker is open (for
 * 'breaker-open'); `schedulePos`: the delivery's position in the retry schedule.
 */
export function decide(
  f: Failure,
  ctx: { now: number; schedulePos: number; breakerUntil?: number | null },
  policy: RetryPolicy,
): Decision {
  switch (f.stage) {
    case 'pre-delivery':
      switch (f.reason) {
        case 'breaker-open':
          return { do: 'park', until: ctx.breakerUntil ?? ctx.now };
        case 'over-tenant-share':
          return { do: 'park', until: ctx.now + OVER_SHARE_DEFER_MS };
        // Over the byte cap: claimed again only once bytes are freed (the worker wakes then).
        case 'over-bytes':
          return { do: 'release', wakeNow: false };
        default:
          return { do: 'release', wakeNow: true };
      }
    case 'attempt': {
      const next = nextRetry({
        schedule: policy.retrySchedule,
        schedulePos: ctx.schedulePos,
        retryAfterMs: f.retryAfterMs,
        retryAfterMaxMs: policy.retryAfterMaxMs,
        now: ctx.now,
      });
      return next
        ? { do: 'retry', nextAttemptAt: next.nextAttemptAt, schedulePos: next.schedulePos }
        : { do: 'fail' };
    }
    case 'post-delivery':
      return { do: 'keep' };
  }
}

/**
 * Timeouts and refused or reset connections: the receiver is not there. Any HTTP status
 * means it is; so does a request Herald could not build (the receiver was never asked).
 */
export function kindOf(outcome: SendOutcome): AttemptKind {
  const { responseStatus, error } = outcome.attempt;
  if (responseStatus !== null || error === null) return 'answered';
  return error.startsWith('cannot build the request') ? 'answered' : 'unreachable';
}

/** The failure of an attempt that was made; null when the receiver took it (2xx). */
export function attemptFailure(outcome: SendOutcome): Failure | null {
  if (outcome.ok) return null;
  return { stage: 'attempt', kind: kindOf(outcome), retryAfterMs: outcome.retryAfterMs };
}

/** The result to record for an attempt that was made. */
export function resultOf(
  outcome: SendOutcome,
  d: { schedulePos: number; hookId: string | null },
  now: number,
  policy: RetryPolicy,
): AttemptResult {
  const { attempt } = outcome;
  const failure = attemptFailure(outcome);
  const decision = failure === null ? null : decide(failure, { now, schedulePos: d.schedulePos }, policy);
  if (decision?.do === 'retry')
    return {
      attempt,
      outcome: 'retry',
      nextAttemptAt: decision.nextAttemptAt,
      schedulePos: decision.schedulePos,
      hookId: d.hookId,
    };
  return {
    attempt,
    outcome: decision === null ? 'delivered' : 'failed',
    nextAttemptAt: null,
    schedulePos: d.schedulePos,
    hookId: d.hookId,
  };
}
