import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from './store/store.ts';

export interface Metrics {
  registry: Registry;
  deliveries: Counter<'outcome'>;
  attemptSeconds: Histogram<'outcome'>;
  eventsAccepted: Counter;
}

type QueueStats = { pending: number; due: number; oldestDueAt: number | null };

/**
 * Queue statistics with a floor on how often they are read: the query scans the pending
 * deliveries (on SQLite on the main thread), and a scraper, or anyone who can reach
 * /metrics, must not be able to run it at will. A scrape gets the last answer at once and,
 * when that is older than `refreshMs`, starts one refresh in the background; only the very
 * first scrape waits for a query.
 */
export function cachedQueueStats(
  store: Pick<Store, 'queueStats'>,
  refreshMs: number,
): () => Promise<QueueStats> {
  let last: { at: number; stats: QueueStats } | null = null;
  let inFlight: Promise<QueueStats> | null = null;
  const refresh = (): Promise<QueueStats> =>
    (inFlight ??= store
      .queueStats(Date.now())
      .then((stats) => {
        last = { at: Date.now(), stats };
        return stats;
      })
      .finally(() => (inFlight = null)));
  return async () => {
    if (!last) return refresh();
    if (Date.now() - last.at >= refreshMs) refresh().catch(() => undefined);
    return last.stats;
  };
}

/** One registry per app instance, so tests can run several servers in one process. */
export function createMetrics(store: Store, opts: { statsRefreshMs?: number } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  const deliveries = new Counter({
    name: 'herald_delivery_attempts_total',
    help: 'Delivery attempts by outcome: delivered, retry (failed, will retry) or failed (gave up).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const attemptSeconds = new Histogram({
    name: 'herald_attempt_duration_seconds',
    help: 'Time from sending a webhook to its response or error.',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers: [registry],
  });
  const eventsAccepted = new Counter({
    name: 'herald_events_accepted_total',
    help: 'Events committed (duplicates by eventID or Idempotency-Key are not counted).',
    registers: [registry],
  });
  const readStats = cachedQueueStats(store, opts.statsRefreshMs ?? 10_000);
  new Gauge({
    name: 'herald_queue_depth',
    help: 'Pending deliveries (due now or scheduled for a retry).',
    registers: [registry],
    async collect() {
      this.set((await readStats()).pending);
    },
  });
  new Gauge({
    name: 'herald_queue_due',
    help: 'Pending deliveries that are due now.',
    registers: [registry],
    async collect() {
      this.set((await readStats()).due);
    },
  });
  new Gauge({
    name: 'herald_oldest_due_delivery_age_seconds',
    help: 'Age of the oldest due delivery: how far behind the workers are.',
    registers: [registry],
    async collect() {
      const { oldestDueAt } = await readStats();
      this.set(oldestDueAt === null ? 0 : Math.max(0, (Date.now() - oldestDueAt) / 1000));
    },
  });
  return { registry, deliveries, attemptSeconds, eventsAccepted };
}
