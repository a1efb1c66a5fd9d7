/**
 * The store's share of a delivery, without HTTP: µs of CPU (and of wall time) per delivery for
 * each step a burst takes through the store — insert (events + deliveries, as the group commit
 * does), claim, record — on a fresh SQLite data directory or a scratch PostgreSQL database. On
 * PostgreSQL it also reports the CPU of the server backends serving that database per step.
 *
 *   node bench/store-ops.ts [--backend sqlite|postgres] [--events 20000] [--batch 200]
 *                          [--claim 512] [--payload 300] [--hooks 1]
 */
import { NO_HOOK_OPTIONS } from '../src/domain/hook-options.ts';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { newId } from '../src/domain/ids.ts';
import type { Hook } from '../src/domain/types.ts';
import { newDelivery } from '../src/ingest/publish.ts';
import { openStore } from '../src/store/index.ts';
import type { AttemptResult, NewEventWithDeliveries, Store } from '../src/store/store.ts';
import { createScratchDb, dropScratchDb } from './pg.ts';
import { newKeyText } from '../src/store/sealing/box.ts';
import { secretSource } from '../src/config.ts';

const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    events: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '200' },
    claim: { type: 'string', default: '512' },
    payload: { type: 'string', default: '300' },
    hooks: { type: 'string', default: '1' },
  },
});
const EVENTS = Number(a.events);
const BATCH = Number(a.batch);
const CLAIM = Number(a.claim);
const HOOKS = Number(a.hooks);
const filler = 'x'.repeat(Number(a.payload));

interface Step {
  cpuUs: number;
  wallUs: number;
  serverUs: number;
}

/**
 * PostgreSQL backends serving the scratch database (PostgreSQL only), for their CPU per step.
 * /proc counts in clock ticks of 10 ms: one step reads 0 or 10 ms, the sum over many is right.
 */
let serverPids: () => number[] = () => [];
const US_PER_TICK = 10_000;
function serverCpuUs(): number {
  let sum = 0;
  for (const pid of serverPids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(rest[11]) + Number(rest[12])) * US_PER_TICK;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}
const steps = new Map<string, Step>();
async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const s0 = serverCpuUs();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const r = await fn();
  const c = process.cpuUsage(c0);
  const wall = performance.now() - w0;
  const s = steps.get(name) ?? { cpuUs: 0, wallUs: 0, serverUs: 0 };
  s.serverUs += serverCpuUs() - s0;
  s.cpuUs += c.user + c.system;
  s.wallUs += wall * 1000;
  steps.set(name, s);
  return r;
}

async function main(): Promise<void> {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (a.backend === 'postgres') {
    const db = await createScratchDb('storeops');
    store = await openStore({
      databaseUrl: db.url,
      dataDir: '',
      secrets: { key: newKeyText(), previous: [], keyFile: '' },
    });
    const probe = new pg.Client({ connectionString: db.url });
    await probe.connect();
    let pids: number[] = [];
    const refresh = setInterval(() => {
      probe
        .query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        )
        .then((r) => (pids = r.rows.map((x) => x.pid)))
        .catch(() => {});
    }, 200);
    serverPids = () => pids;
    cleanup = async () => {
      clearInterval(refresh);
      await probe.end();
      await dropScratchDb(db.name);
    };
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'herald-storeops-'));
    store = await openStore({
      dataDir: dir,
      secrets: secretSource({ secretKey: null, secretKeyPrevious: [], dataDir: dir }),
    });
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  try {
    await store.migrate();
    const tenantId = newId('tenant');
    await store.createTenant({ id: tenantId, name: 'bench', createdAt: Date.now() });
    const hooks: Hook[] = [];
    for (let i = 0; i < HOOKS; i++) {
      const now = Date.now();
      const h: Hook = {
        id: newId('hook'),
        tenantId,
        name: `h${i}`,
        url: `http://127.0.0.1:9/${i}`,
        objects: ['site'],
        events: null,
        enabled: true,
        username: null,
        password: null,
        secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0',
        oldSecrets: [],
        signatureScheme: 'hmac-sha256',
        publicKey: null,
        failingSince: null,
        lastSuccessAt: null,
        disabledReason: null,
        createdAt: now,
        updatedAt: now,
        ...NO_HOOK_OPTIONS,
      };
      await store.createHook(h);
      hooks.push(h);
    }
    const owner = 'bench-owner';
    await store.registerWorker(owner, Date.now());
    for (let done = 0; done < EVENTS; done += BATCH) {
      const now = Date.now();
      const items: NewEventWithDeliveries[] = [];
      for (let i = done; i < Math.min(EVENTS, done + BATCH); i++) {
        const eventID = crypto.randomUUID();
        const id = newId('event', now);
        const payload = JSON.stringify({
          eventID,
          event: 'site.created',
          dateAdded: now,
          data: { i, filler },
        });
        items.push({
          event: {
            id,
            tenantId,
            eventID,
            type: 'site.created',
            dateAdded: now,
            payload,
            idempotencyKey: null,
            createdAt: now,
            typeVersion: null,
            traceparent: null,
          },
          deliveries: hooks.map((h) => newDelivery(tenantId, id, h.id, now)),
        });
      }
      await timed('insert', () => store.insertEvents(items));
    }
    const total = EVENTS * HOOKS;
    let recorded = 0;
    while (recorded < total) {
      const now = Date.now();
      const claimed = await timed('claim', () =>
        store.claimDue({ now, limit: CLAIM, leaseMs: 60_000, owner }),
      );
      if (claimed.length === 0) throw new Error(`claimed nothing with ${total - recorded} left`);
      const results: AttemptResult[] = claimed.map((c) => ({
        attempt: {
          id: newId('attempt', now),
          deliveryId: c.delivery.id,
          tenantId: c.delivery.tenantId,
          attemptNo: 1,
          startedAt: now,
          durationMs: 1.5,
          requestUrl: c.hook?.url ?? '',
          requestHeaders: { 'content-type': 'application/json', 'webhook-id': c.delivery.id },
          responseStatus: 200,
          responseHeaders: { 'content-length': '0', date: new Date(now).toUTCString() },
          responseBody: '',
          error: null,
        },
        outcome: 'delivered',
        nextAttemptAt: null,
        schedulePos: 0,
        hookId: c.delivery.hookId,
      }));
      // The worker records in batches of what finished together; 64 is one hook's in-flight cap.
      for (let i = 0; i < results.length; i += 64)
        await timed('record', () => store.recordAttempts(owner, results.slice(i, i + 64)));
      recorded += claimed.length;
    }
    console.log(`${a.backend}: ${EVENTS} events × ${HOOKS} hooks, payload ~${filler.length + 80} B`);
    let cpu = 0;
    let server = 0;
    const pgCol = (us: number): string =>
      a.backend === 'postgres' ? `  ${(us / total).toFixed(1).padStart(6)} µs server CPU` : '';
    for (const [name, s] of steps) {
      cpu += s.cpuUs;
      server += s.serverUs;
      console.log(
        `  ${name.padEnd(7)} ${(s.cpuUs / total).toFixed(1).padStart(6)} µs CPU  ${(s.wallUs / total).toFixed(1).padStart(6)} µs wall${pgCol(s.serverUs)} per delivery`,
      );
    }
    console.log(`  total   ${(cpu / total).toFixed(1).padStart(6)} µs CPU${pgCol(server)} per delivery`);
  } finally {
    await store.close();
    await cleanup();
  }
}

await main();
