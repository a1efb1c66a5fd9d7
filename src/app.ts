import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { KeyCache } from './auth/keys.ts';
import { KeyService } from './services/keys.ts';
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
import { BrowserPool } from './browsers/pool.ts';
import { buildRunKind } from './builds/kind.ts';
import type { RunEnqueuer } from './domain/testruns.ts';
import { MonitorScheduler } from './monitors/scheduler.ts';
import { slotRunKind } from './monitors/slots.ts';
import { RunEngine, runOwner } from './runs/engine.ts';
import type { RunLifecycle } from './runs/kind.ts';
import { createRunSignals, type RunSignals, type Wake } from './runs/signals.ts';
import { SiteService, type SiteRunReader } from './services/sites.ts';
import { testRunKind } from './tenon/kind.ts';
import { openStore } from './store/index.ts';
import { tracedRuns } from './telemetry/runs.ts';
import { startTracing, type Tracing } from './telemetry/tracing.ts';
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
  /** Wraps every run of the run engines (a tracing span); see src/runs/kind.ts RunLifecycle. */
  runLifecycle?: RunLifecycle;
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
  // HERALD_ADMIN_KEY becomes an admin key of the default tenant, before the services exist.
  if (config.adminKey) await new KeyService({ store }).ensureAdminKey(config.adminKey);

  const metrics = createMetrics(store);
  const tracing: Tracing | null = await startTracing(
    { endpoint: config.otlpEndpoint, serviceName: config.otelServiceName },
    log,
  );
  const publisher = new Publisher({
    store,
    log,
    metrics,
    leaseMs: config.leaseMs,
    maxEventBytes: config.maxEventBytes,
    tracing,
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
      tracing,
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

  const runSignals = createRunSignals();
  const engine: EngineSignals = {
    wake: () => publisher.wake(),
    hookChanged: (tenantId, hookId) => worker?.hookChanged(tenantId, hookId),
    runs: runSignals,
  };
  const deps = { config, store, publisher, log, metrics, engine, tracing };
  const ctx: AppContext = { ...deps, keys: new KeyCache(store), services: createServices(deps) };
  if (seams.siteRuns) ctx.services.sites = new SiteService(deps, seams.siteRuns);
  const runs = roles.worker
    ? await startRunEngines(
        ctx,
        runSignals,
        seams.testRuns ?? ctx.services.testRuns,
        seams.runLifecycle ?? tracedRuns(tracing),
      )
    : null;

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
      await runs?.stop();
      await housekeeping?.stop();
      publisher.attachSink(null);
      await worker?.stop();
      await sender?.close();
      await store.close();
      await tracing?.shutdown();
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

/**
 * The run engines of a worker process (src/runs/): build test cases, Tenon test runs and
 * monitor slots, each a kind plugged into the one engine, sharing one browser pool. The site
 * monitor scheduler claims due slots for the slot engine. Each engine is attached to its wake
 * signal, so the services that queue work wake it.
 */
async function startRunEngines(
  ctx: AppContext,
  signals: RunSignals,
  testRuns: RunEnqueuer,
  lifecycle: RunLifecycle | undefined,
): Promise<{ stop(): Promise<void> }> {
  const { config, store, publisher, log } = ctx;
  const pool = new BrowserPool({
    paths: { chrome: config.chromiumPath, firefox: config.firefoxPath },
    launchTimeoutMs: 30_000,
    idleMs: config.browserIdleMs,
    allowlist: config.targetAllowlist,
    onRefused: (target, reason) =>
      log.info({ target, reason }, 'browser request refused by the network policy'),
  });
  const ports = {
    leases: store.leases,
    workers: store,
    log: log.child({ component: 'runs' }),
    ...(lifecycle && { lifecycle }),
  };
  const settings = (name: string, concurrency: number) => ({
    owner: runOwner(name),
    concurrency,
    leaseMs: config.leaseMs,
    pollIntervalMs: config.pollIntervalMs,
    maxAttempts: config.runMaxAttempts,
  });
  const announce = { publisher, log };
  const engines: Array<
    [Pick<RunEngine<unknown, unknown, unknown>, 'start' | 'interrupt' | 'stop' | 'wake'>, Wake]
  > = [
    [
      new RunEngine(
        buildRunKind({ ...announce, builds: store.builds, publicUrl: config.publicUrl, pool, config }),
        ports,
        settings('build', config.buildConcurrency),
      ),
      signals.builds,
    ],
    [
      new RunEngine(
        testRunKind({
          ...announce,
          testRuns: store.testRuns,
          callbackSecret: config.tenonCallbackSecret,
          pool,
          finished: signals.testRunFinished,
          config,
        }),
        ports,
        settings('test', config.tenonConcurrency),
      ),
      signals.testRuns,
    ],
    [
      new RunEngine(
        slotRunKind({
          monitors: store.monitors,
          testRuns,
          log: log.child({ component: 'monitors' }),
          publisher,
          browsers: { pool, allowlist: config.targetAllowlist, stepTimeoutMs: config.buildStepTimeoutMs },
          traces: store.builds,
          issues: ctx.services.issues,
        }),
        ports,
        settings('slot', 1),
      ),
      signals.slots,
    ],
  ];
  for (const [engine, wake] of engines) {
    await engine.start();
    wake.attach(() => engine.wake());
  }
  // Site monitors: every worker looks for due slots; the store makes each slot claimed once.
  const scheduler = new MonitorScheduler({
    monitors: store.monitors,
    log: log.child({ component: 'monitors' }),
    owner: `${hostname()}:${process.pid}:monitors`,
    tickMs: config.monitorTickMs,
    claimed: () => signals.slots.wake(),
  });
  scheduler.start();
  return {
    async stop() {
      await scheduler.stop();
      for (const [, wake] of engines) wake.attach(null);
      // Hand every run back, then close the browsers under the runs that cannot see their
      // signal (a page being tested), then wait (bounded) for them to settle.
      await Promise.all(engines.map(([engine]) => engine.interrupt()));
      await pool.close();
      await Promise.all(engines.map(([engine]) => engine.stop()));
    },
  };
}
