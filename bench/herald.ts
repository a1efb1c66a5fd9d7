/**
 * Herald under test: `node src/cli.ts serve` (or one `api` and several `worker` processes) as
 * children on SQLite (a temp data dir) or PostgreSQL (a scratch database), hooks pointing at the
 * receiver, and events published through the public batch API by this (the harness) process.
 *
 * A deployment (`prepareHerald`) is the data dir or database with its settings; processes of any
 * role come and go on it (the backlog scenario publishes to an `api` process, stops it and starts
 * `serve`). `startHerald` is the usual case: one deployment, its processes, hooks and a publisher.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import {
  OutputTail,
  boundedFor,
  exited,
  freePort,
  sleepUntil,
  terminate,
  track,
  trackTempDir,
  untrackTempDir,
  waitForOutput,
  wallNow,
  withTimeout,
} from './lib.ts';
import type { Produced, Sut } from './lib.ts';
import { EVENT_TYPE, HOOK_OBJECT, eventJson } from './payloads.ts';
import type { PayloadKind } from './payloads.ts';
import { createScratchDb, dropScratchDb } from './pg.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * BENCH_HERALD_ROOT: benchmark the Herald of another checkout (say, the commit before a change)
 * with this harness, so before and after run in the same interleaved rounds.
 */
const HERALD_ROOT = process.env.BENCH_HERALD_ROOT ?? REPO_ROOT;
const CLI = join(HERALD_ROOT, 'src', 'cli.ts');

export type HeraldBackend = 'sqlite' | 'postgres';
/** The commands of src/cli.ts that run Herald: both parts, only the HTTP API, only the delivery worker. */
export type HeraldRole = 'serve' | 'api' | 'worker';

/** How events are published: batch size, batches in flight, payload, and whether `data.seq` is set. */
export interface PublishOptions {
  batchSize: number;
  batchesInFlight: number;
  payload: PayloadKind;
  seq?: boolean;
  produceMs: number;
}

export interface HeraldOptions extends PublishOptions {
  backend: HeraldBackend;
  /** One hook per URL, all for the payload's object. */
  hookUrls: string[];
  readyMs: number;
  /** 0 (default): one `serve` process. n > 0: one `api` and n `worker` processes. */
  workers?: number;
  /** Extra environment for the server (e.g. tuning knobs). */
  env?: Record<string, string>;
}

/**
 * The node flags the benchmarked checkout starts Herald with: those between `node` and
 * `src/cli.ts` in its package.json start script (e.g. `node --max-semi-space-size=16 --heap-growing-percent=40 src/cli.ts serve`).
 */
const HERALD_NODE_FLAGS = ((): string[] => {
  const pkg = JSON.parse(readFileSync(join(HERALD_ROOT, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const m = /^node\s+(.*?)\s*src\/cli\.ts\b/.exec(pkg.scripts?.start ?? '');
  return (m?.[1] ?? '').split(/\s+/).filter((f) => f.startsWith('--'));
})();

/** BENCH_HERALD_NODE_FLAGS: extra node flags for the server (those NODE_OPTIONS refuses, e.g. --trace-gc). */
function nodeFlags(): string[] {
  return [
    ...HERALD_NODE_FLAGS,
    ...(process.env.BENCH_HERALD_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''),
  ];
}

/** Why Herald cannot be benchmarked yet, or null when its entry point exists. */
export function heraldMissing(): string | null {
  if (!existsSync(CLI)) return `src/cli.ts does not exist yet`;
  if (!existsSync(join(HERALD_ROOT, 'src', 'api'))) return `src/api does not exist yet`;
  return null;
}

export interface HeraldProcess {
  readonly role: HeraldRole;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly tail: OutputTail;
  /** SIGTERM (Herald finishes what is in flight), SIGKILL after 10 s; resolves once it is gone. */
  stop(): Promise<void>;
}

export interface HeraldDeployment {
  readonly backend: HeraldBackend;
  readonly dbName?: string;
  /** Starts a process of `role` and resolves once it is ready (API: /readyz; worker: its banner). */
  spawn(role: HeraldRole, readyMs: number): Promise<HeraldProcess>;
  /** Creates one hook per URL through the API; returns the signing secret when there is one hook. */
  createHooks(urls: string[], object: string): Promise<string | null>;
  /** Publishes through POST /api/events/batch of the running API process. */
  publish(tag: string, n: number, rate: number, opts: PublishOptions): Promise<Produced>;
  /** Stops every process, then removes the data dir or drops the database. Safe to call twice. */
  close(): Promise<void>;
}

/** A fresh data dir (SQLite) or scratch database (PostgreSQL) with the benchmark's settings. */
export async function prepareHerald(
  backend: HeraldBackend,
  extraEnv: Record<string, string> = {},
  apiConnections = 8,
): Promise<HeraldDeployment> {
  const missing = heraldMissing();
  if (missing) throw new Error(`Herald is not available: ${missing}`);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => console.error(String(err)));
    cleanups.length = 0;
  };
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'herald-bench-'));
    trackTempDir(dataDir);
    cleanups.push(async () => {
      await rm(dataDir, { recursive: true, force: true });
      untrackTempDir(dataDir);
    });
    const adminKey = `bench_${randomBytes(24).toString('hex')}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dataDir,
      NODE_ENV: 'production',
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      HERALD_DATA_DIR: dataDir,
      HERALD_ADMIN_KEY: adminKey,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_RETRY_SCHEDULE: '0,1,1,1',
      HERALD_LOG_LEVEL: 'warn',
      ...extraEnv,
    };
    let dbName: string | undefined;
    if (backend === 'postgres') {
      const db = await createScratchDb('herald');
      dbName = db.name;
      cleanups.push(() => dropScratchDb(db.name));
      env.DATABASE_URL = db.url;
    }
    const api = new Pool(`http://127.0.0.1:${env.PORT}`, {
      connections: apiConnections,
      keepAliveTimeout: 60_000,
    });
    cleanups.push(() => api.close());
    const procs: HeraldProcess[] = [];
    // Registered after the pool and database, so processes stop before the database is dropped.
    cleanups.push(async () => {
      for (const p of procs) await p.stop();
    });
    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const apiProcess = (): HeraldProcess | undefined =>
      procs.find((p) => p.role !== 'worker' && p.child.exitCode === null && p.child.signalCode === null);
    const fail = (msg: string): Error =>
      new Error(`${msg}\n--- herald output (last lines) ---\n${apiProcess()?.tail.toString() ?? ''}`);

    return {
      backend,
      ...(dbName ? { dbName } : {}),
      async spawn(role, readyMs) {
        const p = await spawnRole(role, env, api, readyMs);
        procs.push(p);
        return p;
      },
      createHooks: (urls, object) => createHooks(api, auth, urls, object, fail),
      publish: (tag, n, rate, opts) => publish(api, auth, tag, n, rate, opts, fail),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function spawnRole(
  role: HeraldRole,
  env: Record<string, string>,
  api: Pool,
  readyMs: number,
): Promise<HeraldProcess> {
  const tail = new OutputTail();
  const child = track(
    spawn(process.execPath, [...nodeFlags(), CLI, role], {
      cwd: HERALD_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  tail.attach(child);
  // BENCH_HERALD_OUTPUT=FILE keeps the servers' whole output (e.g. with NODE_OPTIONS=--trace-gc).
  const keep = process.env.BENCH_HERALD_OUTPUT;
  if (keep) {
    const out = createWriteStream(keep, { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
  }
  let stopped: Promise<void> | null = null;
  const proc: HeraldProcess = {
    role,
    pid: child.pid!,
    child,
    tail,
    stop: () =>
      (stopped ??= (async () => {
        await terminate(child, 10_000);
        if (child.exitCode !== null && child.exitCode !== 0 && child.signalCode === null)
          console.error(`herald ${role} exited with code ${child.exitCode}\n${tail}`);
        await exited(child);
      })()),
  };
  try {
    // The worker has no HTTP server: it is ready once it printed its banner, after start-up.
    if (role === 'worker') await waitForOutput(child, /\(worker\) on /, readyMs, `herald ${role} to start`);
    else await waitReady(child, api, readyMs);
    return proc;
  } catch (err) {
    await proc.stop();
    throw new Error(`${(err as Error).message}\n--- herald ${role} output (last lines) ---\n${tail}`, {
      cause: err,
    });
  }
}

/** Polls /readyz, bounded; gives up at once if the process dies. */
async function waitReady(child: ChildProcess, api: Pool, readyMs: number): Promise<void> {
  const deadline = Date.now() + readyMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`herald exited during startup (code ${child.exitCode}, signal ${child.signalCode})`);
    if (Date.now() > deadline) throw new Error(`herald not ready within ${readyMs} ms`);
    try {
      const res = await api.request({
        path: '/readyz',
        method: 'GET',
        headersTimeout: 1000,
        bodyTimeout: 1000,
      });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Extra fields of every hook the bench creates, e.g. BENCH_HOOK_FIELDS='{"signatureScheme":"ed25519"}'. */
const HOOK_FIELDS = JSON.parse(process.env.BENCH_HOOK_FIELDS ?? '{}') as Record<string, unknown>;

async function createHooks(
  api: Pool,
  auth: Record<string, string>,
  urls: string[],
  object: string,
  fail: (msg: string) => Error,
): Promise<string | null> {
  let secret: string | null = null;
  for (const [i, url] of urls.entries()) {
    const hookRes = await api.request({
      path: '/api/hooks',
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: `bench-${i}`, url, objects: [object], ...HOOK_FIELDS }),
      headersTimeout: 10_000,
    });
    const hookText = await hookRes.body.text();
    if (hookRes.statusCode !== 201) throw fail(`POST /api/hooks answered ${hookRes.statusCode}: ${hookText}`);
    const hook = JSON.parse(hookText) as { secret?: unknown; data?: { secret?: unknown } };
    const secretField = hook.secret ?? hook.data?.secret;
    // The receiver verifies a sample of signatures with one secret: the hook's, when there is
    // one; with several hooks, none.
    if (urls.length === 1 && typeof secretField === 'string' && secretField.startsWith('whsec_'))
      secret = secretField;
  }
  return secret;
}

/**
 * Publishes `n` events in batches, `batchesInFlight` at a time; with `rate` > 0 batch b goes out
 * at t0 + b·batchSize/rate. Records when each event's batch was acknowledged (202).
 */
async function publish(
  api: Pool,
  auth: Record<string, string>,
  tag: string,
  n: number,
  rate: number,
  opts: PublishOptions,
  fail: (msg: string) => Error,
): Promise<Produced> {
  const batches = Math.ceil(n / opts.batchSize);
  const type = JSON.stringify(EVENT_TYPE[opts.payload]);
  const acceptedAtBySeq = new Float64Array(n);
  const t0 = wallNow();
  await withTimeout(
    boundedFor(batches, opts.batchesInFlight, async (bi) => {
      if (rate > 0) await sleepUntil(t0 + (bi * opts.batchSize * 1000) / rate);
      const sentAt = wallNow();
      const from = bi * opts.batchSize;
      const to = Math.min(n, from + opts.batchSize);
      const events: string[] = [];
      for (let i = from; i < to; i++)
        events.push(`{"event":${type},"data":${eventJson(opts.payload, tag, i, sentAt, opts.seq)}}`);
      const res = await api.request({
        path: '/api/events/batch',
        method: 'POST',
        headers: auth,
        body: `{"events":[${events.join(',')}]}`,
        headersTimeout: opts.produceMs,
        bodyTimeout: opts.produceMs,
      });
      const text = await res.body.text();
      if (res.statusCode !== 202)
        throw fail(`POST /api/events/batch answered ${res.statusCode}: ${text.slice(0, 500)}`);
      acceptedAtBySeq.fill(wallNow(), from, to);
    }),
    opts.produceMs,
    `herald to accept ${n} events`,
  );
  return { t0, acceptedAt: wallNow(), acceptedAtBySeq };
}

/** One deployment with its processes (`serve`, or `api` + workers), its hooks and a publisher. */
export async function startHerald(opts: HeraldOptions): Promise<Sut> {
  const workers = opts.workers ?? 0;
  const dep = await prepareHerald(opts.backend, opts.env, opts.batchesInFlight + 1);
  try {
    const main = await dep.spawn(workers > 0 ? 'api' : 'serve', opts.readyMs);
    const secret = await dep.createHooks(opts.hookUrls, HOOK_OBJECT[opts.payload]);
    // Workers start after the hooks exist, as they would join a running installation.
    const rest = await Promise.all(Array.from({ length: workers }, () => dep.spawn('worker', opts.readyMs)));
    return {
      name: `herald-${opts.backend}${workers > 0 ? `-api+${workers}-workers` : ''}`,
      pid: main.pid,
      pids: [main.pid, ...rest.map((p) => p.pid)],
      secret,
      ...(dep.dbName ? { dbName: dep.dbName } : {}),
      produce: (tag, n, rate = 0) => dep.publish(tag, n, rate, opts),
      stop: () => dep.close(),
    };
  } catch (err) {
    await dep.close();
    throw err;
  }
}
