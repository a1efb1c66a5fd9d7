/**
 * The peer a Node team would otherwise build: a pg-boss 12 queue on PostgreSQL whose worker POSTs
 * each job's payload with undici, signed the Standard Webhooks way, and leaves failures to
 * pg-boss's retries. One child process both enqueues (batch `boss.insert`) and works the queue,
 * as Herald's one process both accepts and delivers. The parent side (`startPgBoss`) creates and
 * drops the scratch database.
 *
 * Tuning (see BENCHMARKS.md): LISTEN/NOTIFY wake-ups, batch fetches that keep fetching while full
 * (`burstWhenBatchFull`), several local workers so fetching overlaps sending, per-job settlement in
 * one statement per batch, and a keep-alive undici Agent.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import {
  boundedFor,
  forkSut,
  newWebhookSecret,
  secretKey,
  serveChild,
  siteData,
  signedHeaders,
  sleepUntil,
  wallNow,
} from './lib.ts';
import type { Sut } from './lib.ts';
import { createScratchDb, dropScratchDb } from './pg.ts';

export interface PgBossTuning {
  /** Jobs per fetch. */
  batchSize: number;
  /** Independent fetch loops in the process. */
  localConcurrency: number;
  /** Keep-alive connections per origin. */
  connections: number;
  /** pg pool size. */
  poolMax: number;
  /** Jobs per `boss.insert` and inserts in flight, mirroring Herald's batch publish. */
  insertBatch: number;
  insertInFlight: number;
}

export const PGBOSS_TUNING: PgBossTuning = {
  batchSize: 200,
  localConcurrency: 4,
  connections: 64,
  poolMax: 10,
  insertBatch: 200,
  insertInFlight: 4,
};

export const PGBOSS_QUEUE_OPTIONS = {
  retryLimit: 3,
  retryDelay: 1,
  retryBackoff: true,
  retryDelayMax: 60,
  expireInSeconds: 30,
  notify: true,
};

export async function startPgBoss(opts: {
  receiverUrl: string;
  produceMs: number;
  tuning?: Partial<PgBossTuning>;
}): Promise<Sut> {
  const db = await createScratchDb('pgboss');
  const secret = newWebhookSecret();
  // forkSut runs onStop (dropping the database) itself when the child fails to start.
  return forkSut(
    'pgboss',
    fileURLToPath(import.meta.url),
    { url: opts.receiverUrl, dbUrl: db.url, secret, tuning: { ...PGBOSS_TUNING, ...opts.tuning } },
    {
      secret,
      readyMs: 30_000,
      produceMs: opts.produceMs,
      dbName: db.name,
      onStop: () => dropScratchDb(db.name),
    },
  );
}

interface DeliveryJob {
  url: string;
  msgId: string;
  payload: { eventID: string; event: string; dateAdded: number; data: object };
}

const QUEUE = 'webhook-delivery';

if (import.meta.main) {
  const { PgBoss } = await import('pg-boss');
  let boss: InstanceType<typeof PgBoss> | null = null;
  let agent: Agent | null = null;
  let url = '';
  let key: KeyObject | null = null;
  let tuning = PGBOSS_TUNING;

  const deliver = async (job: {
    id: string;
    data: DeliveryJob;
  }): Promise<{ id: string; status: 'completed' | 'failed'; output?: object }> => {
    const body = JSON.stringify(job.data.payload);
    const target = new URL(job.data.url);
    try {
      const res = await agent!.request({
        origin: target.origin,
        path: target.pathname,
        method: 'POST',
        headers: signedHeaders(key!, job.data.msgId, body),
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) return { id: job.id, status: 'completed' };
      return { id: job.id, status: 'failed', output: { status: res.statusCode } };
    } catch (err) {
      return { id: job.id, status: 'failed', output: { error: String(err) } };
    }
  };

  serveChild({
    async init(msg) {
      url = String(msg.url);
      key = secretKey(String(msg.secret));
      tuning = msg.tuning as PgBossTuning;
      agent = new Agent({ connections: tuning.connections, keepAliveTimeout: 60_000 });
      boss = new PgBoss({
        connectionString: String(msg.dbUrl),
        max: tuning.poolMax,
        useListenNotify: true,
        schedule: false,
        application_name: 'herald-bench-pgboss',
      });
      boss.on('error', (err: Error) => process.send?.({ type: 'log', error: String(err) }));
      await boss.start();
      await boss.createQueue(QUEUE, PGBOSS_QUEUE_OPTIONS);
      await boss.work<DeliveryJob>(
        QUEUE,
        {
          batchSize: tuning.batchSize,
          localConcurrency: tuning.localConcurrency,
          burstWhenBatchFull: true,
          pollingIntervalSeconds: 0.5,
          perJobResults: true,
        },
        (jobs) => Promise.all(jobs.map(deliver)),
      );
    },
    async produce(tag, n, rate) {
      const b = boss!;
      const batches = Math.ceil(n / tuning.insertBatch);
      const t0 = wallNow();
      await boundedFor(batches, tuning.insertInFlight, async (bi) => {
        if (rate > 0) await sleepUntil(t0 + (bi * tuning.insertBatch * 1000) / rate);
        const sentAt = wallNow();
        const jobs = [];
        for (let i = bi * tuning.insertBatch; i < Math.min(n, (bi + 1) * tuning.insertBatch); i++) {
          const eventID = randomUUID();
          const data: DeliveryJob = {
            url,
            msgId: eventID,
            payload: {
              eventID,
              event: 'site.created',
              dateAdded: Date.now(),
              data: siteData(tag, i, sentAt),
            },
          };
          jobs.push({ data });
        }
        await b.insert(QUEUE, jobs);
      });
      return { t0, acceptedAt: wallNow() };
    },
    async stop() {
      await boss?.stop({ graceful: true, timeout: 5000, close: true });
      await agent?.close();
    },
  });
}
