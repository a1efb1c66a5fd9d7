import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { ensureAdminKey, KeyCache } from './auth/keys.ts';
import { secretSource, type Config } from './config.ts';
import { createSender } from './delivery/sender.ts';
import { Housekeeping } from './delivery/housekeeping.ts';
import { Worker } from './delivery/worker.ts';
import { newId } from './domain/ids.ts';
import { Publisher } from './ingest/publish.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { buildServer } from './http/server.ts';
import type { AppContext } from './context.ts';
import { createServices, type EngineSignals, type Services } from './services/index.ts';
import { startBuildServices, type BuildServices } from './builds/index.ts';
import { MonitorScheduler, type RunEnqueuer } from './monitors/scheduler.ts';
import { SiteService, type SiteRunReader } from './services/sites.ts';
import { startTestRunQueue } from './tenon/queue.ts';
import { openStore } from './store/index.ts';
import type { Store } from './store/store.ts';

export interface AppRoles {
  api: boolean;
  worker: boolean;
}

/**
 * The seam between the site monitors and the Tenon test runs: tests put recording stand-ins
 * here. Leave unset in production (the test-run service and store are used).
 */
export interface MonitorSeams {
  testRuns?: RunEnqueuer;
  siteRuns?: SiteRunReader;
}

export interface App {
  config: Config;
  store: Store;
  publisher: Publisher;
  metrics: Metrics;
  server: FastifyInstance | null;
  worker: Worker | null;
  housekeeping: Housekeeping | null;
  /** Where the API listens, once started. */
  url: string | null;
  services: Services;
  stop(): Promise<void>;
}

/**
 * Wires the pipeline (api → ingest → delivery → store) and starts the parts this process
 * runs. `serve` runs both; `api` and `worker` split them across processes.
 */
export async function startApp(
  config: Config,
  log: Logger,
  roles: AppRoles = { api: true, worker: true },
  seams: MonitorSeams = {},
): Promise<App> {
  const store = await openStore({
    databaseUrl: config.databaseUrl ?? undefined,
    dataDir: config.dataDir,
    sqliteSynchronous: config.sqliteSynchronous,
    secrets: secretSource(config),
  });
  await store.migrate();
  if (config.adminKey) await ensureAdminKey(store, config.adminKey);

  const metrics = createMetrics(store);
  const publisher = new Publisher({
    store,
    log,
    metrics,
    leaseMs: config.leaseMs,
    maxEventBytes: config.maxEventBytes,
  });
  const state = { draining: false };

  let worker: Worker | null = null;
  let housekeeping: Housekeeping | null = null;
  const sender = roles.worker
    ? await createSender({
        threads: config.senderThread,
        allowlist: config.targetAllowlistRaw,
        connectionsPerOrigin: config.connectionsPerOrigin,
        connectTimeoutMs: Math.min(10_000, config.deliveryTimeoutMs),
        timeoutMs: config.deliveryTimeoutMs,
      })
    : null;
  if (sender) {
    worker = new Worker({
      store,
      sender,
      log: log.child({ component: 'worker' }),
      metrics,
      owner: `${hostname()}:${process.pid}:${newId('delivery').slice(4, 14)}`,
      retrySchedule: config.retrySchedule,
      retryAfterMaxMs: config.retryAfterMaxSec * 1000,
      hookMaxInFlight: config.hookMaxInFlight,
      batchSize: config.workerBatchSize,
      maxHeldBytes: config.workerMaxHeldBytes,
      pollIntervalMs: config.pollIntervalMs,
      leaseMs: config.leaseMs,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
    });
    await worker.start();
    publisher.attachSink(worker);
    housekeeping = new Housekeeping({
      store,
      publisher,
      log,
      intervalMs: config.housekeepingIntervalMs,
      hookDisableAfterMs: config.hookDisableAfterSec * 1000,
      retentionMs: config.retentionDays * 86_400_000,
      hookChanged: (tenantId, hookId) => worker?.hookChanged(tenantId, hookId),
    });
    housekeeping.start();
  }

  const engine: EngineSignals = {
    wake: () => publisher.wake(),
    hookChanged: (tenantId, hookId) => worker?.hookChanged(tenantId, hookId),
  };
  const deps = { config, store, publisher, log, metrics, engine };
  const ctx: AppContext = { ...deps, keys: new KeyCache(store), services: createServices(deps) };
  if (seams.siteRuns) ctx.services.sites = new SiteService(deps, seams.siteRuns);
  const builds: BuildServices | null = roles.worker ? await startBuildServices(ctx) : null;
  // Site monitors: every worker looks for due slots; the store makes each slot run once.
  const monitors = roles.worker
    ? new MonitorScheduler({
        monitors: store.monitors,
        testRuns: seams.testRuns ?? ctx.services.testRuns,
        log: log.child({ component: 'monitors' }),
        owner: `${hostname()}:${process.pid}:monitors`,
        tickMs: config.monitorTickMs,
      })
    : null;
  monitors?.start();
  const testRunQueue = roles.worker ? startTestRunQueue(ctx) : null;

  let server: FastifyInstance | null = null;
  let url: string | null = null;
  if (roles.api) {
    server = await buildServer(ctx, state);
    const address = await server.listen({ port: config.port, host: config.host });
    url = address;
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      state.draining = true;
      // Stop taking requests first, so nothing is accepted that the worker will not see.
      await server?.close();
      await monitors?.stop();
      await builds?.stop();
      await testRunQueue?.stop();
      await housekeeping?.stop();
      publisher.attachSink(null);
      await worker?.stop();
      await sender?.close();
      await store.close();
    })());

  return {
    config,
    store,
    publisher,
    metrics,
    server,
    worker,
    housekeeping,
    url,
    services: ctx.services,
    stop,
  };
}
