import type { Config } from '../config.ts';
import type { Publisher } from '../ingest/publish.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { RunSignals } from '../runs/signals.ts';
import type { Store } from '../store/store.ts';
import type { Tracing } from '../telemetry/tracing.ts';

/**
 * What a service may tell the delivery engine. Services call these after their store write
 * has committed; in a process without a worker they do nothing (another process's worker
 * learns of the change through the database).
 */
export interface EngineSignals {
  /** Something became due in the database (a requeue, a recovery, a hook turned back on). */
  wake(): void;
  /**
   * The hook was disabled, deleted, or got a new URL, credentials or secret: nothing may be
   * sent under its old settings from now on. Requests already in flight may finish.
   */
  hookChanged(tenantId: string, hookId: string): void;
  /** The run engines' wakes (builds, test runs, monitor slots) and test-run completions. */
  runs: RunSignals;
}

/** What every service is built from. Adapters never see the store through a service's back. */
export interface ServiceDeps {
  config: Config;
  store: Store;
  publisher: Publisher;
  log: Logger;
  metrics: Metrics;
  engine: EngineSignals;
  /** OpenTelemetry, when OTEL_EXPORTER_OTLP_ENDPOINT is set (test-run and build spans). */
  tracing?: Tracing | null;
}
