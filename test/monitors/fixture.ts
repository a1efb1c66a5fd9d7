import { loadConfig } from '../../src/config.ts';
import { newId, type TenantId } from '../../src/domain/ids.ts';
import { Publisher } from '../../src/ingest/publish.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { MonitorScheduler, type SlotRun } from '../../src/monitors/scheduler.ts';
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
    engine: { wake() {}, hookChanged() {} },
  });
  const tenantId = newId('tenant');
  await store.createTenant({ id: tenantId, name: 'Acme', createdAt: Date.now() });
  const project = await services.projects.create(tenantId, { name: 'P' });
  return { services, tenantId, projectID: project.projectID };
}

export function scheduler(
  store: Store,
  testRuns: RecordingTestRuns,
  opts: { owner: string; tickMs?: number; now?: () => number; onSlot?: (r: SlotRun) => void },
): MonitorScheduler {
  return new MonitorScheduler({
    monitors: store.monitors,
    testRuns,
    log: createLogger('silent'),
    owner: opts.owner,
    tickMs: opts.tickMs ?? 1_000_000,
    ...(opts.now && { now: opts.now }),
    ...(opts.onSlot && { onSlot: opts.onSlot }),
  });
}
