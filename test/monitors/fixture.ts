import { loadConfig } from '../../src/config.ts';
import { newId, type TenantId } from '../../src/domain/ids.ts';
import { Publisher } from '../../src/ingest/publish.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { MonitorScheduler } from '../../src/monitors/scheduler.ts';
import { slotRunKind, type SlotRun } from '../../src/monitors/slots.ts';
import { RunEngine } from '../../src/runs/engine.ts';
import { createRunSignals } from '../../src/runs/signals.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import type { StartTestRun } from '../../src/services/testruns.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * The one fake of the monitor tests: the test-run service (built by the other half of issue
 * 10), which records what it was asked to enqueue and answers a fresh responseID.
 */
export class RecordingTestRuns {
  readonly calls: StartTestRun[] = [];
  async enqueue(input: StartTestRun): Promise<{ responseID: string }> {
    this.calls.push(input);
    return { responseID: crypto.randomUUID().replaceAll('-', '') };
  }
}

/** Real services on `store` (migrated), with a tenant and a project; monitors may run every second. */
export async function monitorServices(
  store: Store,
): Promise<{ services: Services; tenantId: TenantId; projectID: string }> {
  const config = loadConfig(
    {},
    { HERALD_MONITOR_MIN_INTERVAL_SEC: '1', HERALD_TARGET_ALLOWLIST: '127.0.0.0/8' },
  );
  const log = createLogger('silent');
  const metrics = createMetrics(store);
  const publisher = new Publisher({ store, log, metrics, leaseMs: config.leaseMs });
  const services = createServices({
    config,
    store,
    publisher,
    log,
    metrics,
    engine: { wake() {}, hookChanged() {}, runs: createRunSignals() },
  });
  const tenantId = newId('tenant');
  await store.createTenant({ id: tenantId, name: 'Acme', createdAt: Date.now() });
  const project = await services.projects.create(tenantId, { name: 'P' });
  return { services, tenantId, projectID: project.projectID };
}

/**
 * A worker's monitor half: the scheduler and a real slot engine (src/runs/) with its slots'
 * kind. `tick()` claims the due slots, then drives each claimed slot as the engine does
 * (lease, queue its pages, finish), and answers how many slots it claimed; `start()` runs the
 * scheduler's loop and the engine as a worker process does.
 */
export function scheduler(
  store: Store,
  testRuns: RecordingTestRuns,
  opts: { owner: string; tickMs?: number; now?: () => number; onSlot?: (r: SlotRun) => void },
): { tick(): Promise<number>; start(): void; stop(): Promise<void> } {
  const log = createLogger('silent');
  const kind = slotRunKind({
    monitors: store.monitors,
    testRuns,
    log,
    ...(opts.onSlot && { onSlot: opts.onSlot }),
  });
  const engine = new RunEngine(
    kind,
    { leases: store.leases, workers: store, log },
    { owner: `${opts.owner}:slots`, concurrency: 1, leaseMs: 60_000, pollIntervalMs: 50, maxAttempts: 3 },
  );
  const sched = new MonitorScheduler({
    monitors: store.monitors,
    log,
    owner: opts.owner,
    tickMs: opts.tickMs ?? 1_000_000,
    claimed: () => engine.wake(),
    ...(opts.now && { now: opts.now }),
  });
  return {
    async tick() {
      const claimed = await sched.tick();
      const leased = await kind.claim({ owner: opts.owner, now: Date.now(), limit: 100, leaseMs: 60_000 });
      for (const slot of leased) {
        const finished = await kind.finish(
          opts.owner,
          slot,
          await kind.execute(slot, new AbortController().signal),
        );
        if (finished) await kind.announce(slot, finished);
      }
      return claimed;
    },
    start() {
      void engine.start().then(() => sched.start());
    },
    async stop() {
      await sched.stop();
      await engine.stop();
    },
  };
}
