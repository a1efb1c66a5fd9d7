/**
 * What the build-system service tests share: real services on a real, migrated SQLite store
 * with a real Publisher (so announced events are validated against the catalogue and
 * committed), with what was announced and what was logged recorded for the assertions.
 */
import { createRunSignals } from '../../src/runs/signals.ts';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { newId, type TenantId } from '../../src/domain/ids.ts';
import { Publisher, type PublishInput } from '../../src/ingest/publish.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createServices, type ServiceDeps, type Services } from '../../src/services/index.ts';
import { sqliteTarget, type StoreFixture } from '../helpers/store-targets.ts';

export interface Announced {
  tenantId: string;
  event: string;
  data: Record<string, unknown>;
}

export interface ServiceFixture {
  deps: ServiceDeps;
  services: Services;
  tenantId: TenantId;
  /** Every event the services asked to publish, in order (also those whose publish failed). */
  announced: Announced[];
  /** Log lines at warn and above. */
  logged: Array<{ level: number; msg: string }>;
  /** While true, publishing throws (a database that went away mid-request, say). */
  failPublish: boolean;
  close(): Promise<void>;
}

export async function serviceFixture(env: Record<string, string> = {}): Promise<ServiceFixture> {
  const store: StoreFixture = await sqliteTarget().fresh();
  const logged: ServiceFixture['logged'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  });
  const log = pino({ level: 'warn' }, sink);
  const config = loadConfig({ HERALD_PUBLIC_URL: 'http://herald.test', ...env });
  const metrics = createMetrics(store.store);
  const publisher = new Publisher({ store: store.store, log, metrics, leaseMs: config.leaseMs });
  const fixture: ServiceFixture = {
    deps: null as unknown as ServiceDeps,
    services: null as unknown as Services,
    tenantId: newId('tenant'),
    announced: [],
    logged,
    failPublish: false,
    close: () => store.close(),
  };
  const publish = publisher.publish.bind(publisher);
  publisher.publish = async (tenantId: string, inputs: PublishInput[], opts) => {
    for (const i of inputs)
      fixture.announced.push({ tenantId, event: i.event, data: i.data as Record<string, unknown> });
    if (fixture.failPublish) throw new Error('publishing is down');
    return publish(tenantId, inputs, opts);
  };
  const engine = { wake: () => {}, hookChanged: () => {}, runs: createRunSignals() };
  fixture.deps = { config, store: store.store, publisher, log, metrics, engine };
  fixture.services = createServices(fixture.deps);
  await store.store.createTenant({ id: fixture.tenantId, name: 'Acme', createdAt: Date.now() });
  return fixture;
}

/** The events announced so far as `type key`, where key is the projectID or siteKey. */
export function announcedKeys(f: ServiceFixture): string[] {
  return f.announced.map((a) => `${a.event} ${String(a.data['siteKey'] ?? a.data['projectID'])}`);
}
