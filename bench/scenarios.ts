/**
 * The scenarios: what each one starts, how many events a round publishes and how many
 * deliveries it waits for, how events are published (burst, paced, batch size, payload).
 *
 * - raw, sqlite, postgres, pgboss: the burst to one hook (issue 11 target 1), small `site.created`.
 * - raw-tenon, tenon-sqlite, tenon-postgres: `apiLog.created` of 1–2 KB in batches of 1,000 (target 2),
 *   against the raw ceiling sending the same bodies.
 * - fanout, fanout-postgres: every event to 50 hooks (target 3); events/50 events per round, so a
 *   round makes as many deliveries as the single-hook burst.
 * - sqlite-steady, postgres-steady: 1,000 events/s in batches of 10 every 10 ms (target 4).
 * - postgres-multi: one `api` and two `worker` processes on one database (target 6).
 * - fastmix, slowmix: 10 hooks, all fast or one answering in 1 s (target 7); events/10 events.
 * - backlog-sqlite, backlog-postgres: a backlog of --deliveries built with no worker running, then
 *   drained (target 5; bench/backlog.ts). Long at full size: not in the default list.
 */
import { startHerald } from './herald.ts';
import type { HeraldBackend } from './herald.ts';
import type { Sut } from './lib.ts';
import type { PayloadKind } from './payloads.ts';
import { startPgBoss } from './pgboss.ts';
import type { PgBossTuning } from './pgboss.ts';
import { startRaw } from './raw.ts';
import type { Receiver } from './receiver.ts';

export const SCENARIOS = [
  'raw',
  'sqlite',
  'postgres',
  'pgboss',
  'raw-tenon',
  'tenon-sqlite',
  'tenon-postgres',
  'fanout',
  'fanout-postgres',
  'sqlite-steady',
  'postgres-steady',
  'postgres-multi',
  'fastmix',
  'slowmix',
  'backlog-sqlite',
  'backlog-postgres',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** What `npm run bench` runs; the backlog has its own script (`npm run bench:backlog`). */
export const DEFAULT_SCENARIOS: readonly Scenario[] = SCENARIOS.filter((s) => !s.startsWith('backlog-'));

export interface ScenarioSpec {
  label: string;
  /** burst: every event at once; steady: paced at --steady-rate; backlog: bench/backlog.ts. */
  kind: 'burst' | 'steady' | 'backlog';
  /** The system under test. */
  system: 'raw' | 'pgboss' | 'herald';
  backend?: HeraldBackend;
  payload: PayloadKind;
  /** Hooks per Herald (default one fast hook), the fast ones at distinct paths of the receiver. */
  hooks?: { fast: number; slow: number };
  /** Herald as one `api` and this many `worker` processes instead of one `serve`. */
  workers?: number;
  /** Events per round are --events divided by this (each goes to every fast hook). */
  eventShare?: number;
  /** Events per Herald publish batch, instead of --batch. */
  batch?: number;
}

export const SPECS: Record<Scenario, ScenarioSpec> = {
  raw: { label: 'raw ceiling (undici → receiver)', kind: 'burst', system: 'raw', payload: 'site' },
  sqlite: { label: 'Herald on SQLite', kind: 'burst', system: 'herald', backend: 'sqlite', payload: 'site' },
  postgres: {
    label: 'Herald on PostgreSQL',
    kind: 'burst',
    system: 'herald',
    backend: 'postgres',
    payload: 'site',
  },
  pgboss: { label: 'pg-boss peer', kind: 'burst', system: 'pgboss', payload: 'site' },
  'raw-tenon': {
    label: 'raw ceiling, apiLog 1–2 KB',
    kind: 'burst',
    system: 'raw',
    payload: 'apiLog',
  },
  'tenon-sqlite': {
    label: 'Herald on SQLite, apiLog 1–2 KB, batches of 1,000',
    kind: 'burst',
    system: 'herald',
    backend: 'sqlite',
    payload: 'apiLog',
    batch: 1000,
  },
  'tenon-postgres': {
    label: 'Herald on PostgreSQL, apiLog 1–2 KB, batches of 1,000',
    kind: 'burst',
    system: 'herald',
    backend: 'postgres',
    payload: 'apiLog',
    batch: 1000,
  },
  fanout: {
    label: 'Herald on SQLite, each event to 50 hooks',
    kind: 'burst',
    system: 'herald',
    backend: 'sqlite',
    payload: 'site',
    hooks: { fast: 50, slow: 0 },
    eventShare: 50,
  },
  'fanout-postgres': {
    label: 'Herald on PostgreSQL, each event to 50 hooks',
    kind: 'burst',
    system: 'herald',
    backend: 'postgres',
    payload: 'site',
    hooks: { fast: 50, slow: 0 },
    eventShare: 50,
  },
  'sqlite-steady': {
    label: 'Herald on SQLite, steady load',
    kind: 'steady',
    system: 'herald',
    backend: 'sqlite',
    payload: 'site',
  },
  'postgres-steady': {
    label: 'Herald on PostgreSQL, steady load',
    kind: 'steady',
    system: 'herald',
    backend: 'postgres',
    payload: 'site',
  },
  'postgres-multi': {
    label: 'Herald on PostgreSQL, 1 api + 2 worker processes',
    kind: 'burst',
    system: 'herald',
    backend: 'postgres',
    payload: 'site',
    workers: 2,
  },
  fastmix: {
    label: 'Herald on SQLite, 10 fast hooks',
    kind: 'burst',
    system: 'herald',
    backend: 'sqlite',
    payload: 'site',
    hooks: { fast: 10, slow: 0 },
    eventShare: 10,
  },
  slowmix: {
    label: 'Herald on SQLite, 9 fast + 1 slow (1 s) hooks',
    kind: 'burst',
    system: 'herald',
    backend: 'sqlite',
    payload: 'site',
    hooks: { fast: 9, slow: 1 },
    eventShare: 10,
  },
  'backlog-sqlite': {
    label: 'Herald on SQLite, draining a backlog',
    kind: 'backlog',
    system: 'herald',
    backend: 'sqlite',
    payload: 'site',
  },
  'backlog-postgres': {
    label: 'Herald on PostgreSQL, draining a backlog',
    kind: 'backlog',
    system: 'herald',
    backend: 'postgres',
    payload: 'site',
  },
};

export function usesPostgres(s: Scenario): boolean {
  const spec = SPECS[s];
  return spec.system === 'pgboss' || spec.backend === 'postgres';
}

/** Settings of one benchmark run (from the command line). */
export interface RunConfig {
  events: number;
  warmup: number;
  concurrency: number;
  batch: number;
  batchesInFlight: number;
  timeoutMs: number;
  /** --rate: paces the burst scenarios too (0: one burst). */
  rate: number;
  steady: { events: number; rate: number; batch: number; inFlight: number };
  /** Backlog size (deliveries) of the backlog scenarios. */
  deliveries: number;
  heraldEnv: Record<string, string>;
  pgboss: PgBossTuning;
}

/** Events a round publishes, and the (fast-hook) deliveries the receiver waits for. */
export function sizeOf(s: Scenario, events: number): { events: number; deliveries: number } {
  const spec = SPECS[s];
  const n = Math.max(1, Math.ceil(events / (spec.eventShare ?? 1)));
  return { events: n, deliveries: n * (spec.hooks?.fast ?? 1) };
}

/** Hook URLs of a Herald scenario: one at the receiver, or fast ones at /fast<i> and slow ones. */
export function hookUrls(spec: ScenarioSpec, receiver: Receiver): string[] {
  if (!spec.hooks) return [receiver.url];
  return [
    ...Array.from({ length: spec.hooks.fast }, (_, i) => `${receiver.url}/fast${i}`),
    ...Array.from({ length: spec.hooks.slow }, (_, i) => `${receiver.slowUrl}/${i}`),
  ];
}

/** Publish settings of a Herald scenario. */
export function publishOptions(
  spec: ScenarioSpec,
  cfg: RunConfig,
): { batchSize: number; batchesInFlight: number; seq: boolean } {
  if (spec.kind === 'steady')
    return { batchSize: cfg.steady.batch, batchesInFlight: cfg.steady.inFlight, seq: true };
  return { batchSize: spec.batch ?? cfg.batch, batchesInFlight: cfg.batchesInFlight, seq: false };
}

export async function startSut(s: Scenario, cfg: RunConfig, receiver: Receiver): Promise<Sut> {
  const spec = SPECS[s];
  const produceMs = cfg.timeoutMs;
  switch (spec.system) {
    case 'raw':
      return startRaw({
        receiverUrl: receiver.url,
        concurrency: cfg.concurrency,
        produceMs,
        payload: spec.payload,
        prime: Math.max(cfg.events, cfg.warmup),
      });
    case 'pgboss':
      return startPgBoss({ receiverUrl: receiver.url, produceMs, tuning: cfg.pgboss });
    case 'herald':
      return startHerald({
        backend: spec.backend ?? 'sqlite',
        hookUrls: hookUrls(spec, receiver),
        payload: spec.payload,
        ...publishOptions(spec, cfg),
        ...(spec.workers ? { workers: spec.workers } : {}),
        produceMs,
        readyMs: 30_000,
        env: cfg.heraldEnv,
      });
  }
}
