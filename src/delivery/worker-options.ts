import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import type { Tracing } from '../telemetry/tracing.ts';
import type { BreakerOptions } from './breaker.ts';
import type { Sender } from './sender.ts';

export interface WorkerOptions {
  store: Store;
  sender: Sender;
  log: Logger;
  metrics: Metrics;
  owner: string;
  retrySchedule: number[];
  retryAfterMaxMs: number;
  hookMaxInFlight: number;
  /** Deliveries in flight at once. The worker holds at most 4× this many. */
  batchSize: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** The sender's per-attempt deadline: bounds stop() and a breaker probe. */
  deliveryTimeoutMs: number;
  /** Slots one tenant may occupy; default ¾ of batchSize, so others always find room. */
  tenantMaxInFlight?: number;
  /** How long stop() waits for requests in flight; default deliveryTimeoutMs + 2 s. */
  stopTimeoutMs?: number;
  breaker?: Partial<Omit<BreakerOptions, 'max'>>;
  /**
   * Payload bytes the worker holds at most (each event once, see held.ts); default 64 MiB.
   * One event always gets through when nothing is held, whatever its size.
   */
  maxHeldBytes?: number;
  /** Owner liveness heartbeat period (Store.heartbeatWorker); default 5 s. */
  livenessIntervalMs?: number;
  /** Attempt spans and the receiver's `traceparent`, when tracing is on. */
  tracing?: Tracing | null;
}

export const DEFAULT_MAX_HELD_BYTES = 64 * 1024 * 1024;
export const DEFAULT_BREAKER = { openAfter: 10, baseBackoffMs: 2000, maxBackoffMs: 60_000 };

/** Waits for `p` until `deadline`; true when it settled in time. */
export async function within(p: Promise<unknown> | null, deadline: number): Promise<boolean> {
  if (!p) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
