import { after, before } from 'node:test';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { newId } from '../../src/domain/ids.ts';
import type { Delivery, DeliveryStatus, StoredEvent } from '../../src/domain/types.ts';
import { Publisher } from '../../src/ingest/publish.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import {
  createServices,
  type EngineSignals,
  type ServiceDeps,
  type Services,
} from '../../src/services/index.ts';
import { createRunSignals } from '../../src/runs/signals.ts';
import { DEFAULT_TENANT_ID } from '../../src/services/tenants.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';

/** The one fake the service tests use: it records what the services told the engine. */
export class RecordingEngine implements EngineSignals {
  wakes = 0;
  changed: Array<{ tenantId: string; hookId: string }> = [];
  /** The run engines' signals, real: a test attaches a wake to count it. */
  readonly runs = createRunSignals();

  wake(): void {
    this.wakes++;
  }

  hookChanged(tenantId: string, hookId: string): void {
    this.changed.push({ tenantId, hookId });
  }

  reset(): void {
    this.wakes = 0;
    this.changed = [];
  }
}

export interface ServiceFixture {
  deps: ServiceDeps;
  services: Services;
  store: SqliteStore;
  engine: RecordingEngine;
  tenantId: string;
}

/**
 * Services on a real, migrated SQLite store in a temp dir, for the tests of one file
 * (registers its before/after). The engine is a RecordingEngine; targets on 127.0.0.0/8
 * are allowed, as in the end-to-end tests.
 */
export function serviceFixture(env: Record<string, string> = {}): () => ServiceFixture {
  let fixture: ServiceFixture | undefined;
  const tmp = createTempSqliteDir();
  before(async () => {
    const store = new SqliteStore({ file: join(tmp.dir, 'herald.db'), synchronous: 'NORMAL' });
    await store.migrate();
    const config = loadConfig(
      {},
      { HERALD_DATA_DIR: tmp.dir, HERALD_TARGET_ALLOWLIST: '127.0.0.0/8', ...env },
    );
    const log = createLogger('silent');
    const metrics = createMetrics(store);
    const publisher = new Publisher({ store, log, metrics, leaseMs: config.leaseMs });
    const engine = new RecordingEngine();
    const deps: ServiceDeps = { config, store, publisher, log, metrics, engine };
    const services = createServices(deps);
    await services.tenants.ensureDefault();
    fixture = { deps, services, store, engine, tenantId: DEFAULT_TENANT_ID };
  });
  after(async () => {
    await fixture?.store.close();
    tmp.cleanup();
  });
  return () => {
    if (!fixture) throw new Error('the service fixture is set up in before()');
    return fixture;
  };
}

/** Stores an event of `tenantId` with one delivery per hook, in the given states (test setup). */
export async function storeDeliveries(
  store: SqliteStore,
  tenantId: string,
  rows: Array<{ hookId: string; status: DeliveryStatus; createdAt: number }>,
): Promise<{ event: StoredEvent; deliveries: Delivery[] }> {
  const now = Date.now();
  const eventID = crypto.randomUUID();
  const event: StoredEvent = {
    id: newId('event', now),
    tenantId,
    eventID,
    type: 'site.created',
    dateAdded: now,
    payload: JSON.stringify({ eventID, event: 'site.created', dateAdded: now, data: { name: 'x' } }),
    idempotencyKey: null,
    createdAt: now,
    typeVersion: null,
    traceparent: null,
  };
  const deliveries: Delivery[] = rows.map((r) => ({
    id: newId('delivery', r.createdAt),
    tenantId,
    eventRowId: event.id,
    hookId: r.hookId,
    target: null,
    status: r.status,
    attempts: r.status === 'pending' ? 0 : 1,
    schedulePos: 0,
    nextAttemptAt: r.status === 'pending' ? r.createdAt : null,
    leaseOwner: null,
    leaseUntil: null,
    lastStatus: r.status === 'failed' ? 500 : null,
    lastError: null,
    createdAt: r.createdAt,
    updatedAt: r.createdAt,
    deliveredAt: r.status === 'delivered' ? r.createdAt : null,
  }));
  await store.insertEvents([{ event, deliveries }]);
  return { event, deliveries };
}
