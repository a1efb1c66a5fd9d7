/**
 * Herald under test: `node src/cli.ts serve` as a child process on SQLite (a temp data dir) or
 * PostgreSQL (a scratch database), one hook pointing at the receiver, and events published
 * through the public batch API by this (the harness) process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
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
  siteData,
  sleepUntil,
  terminate,
  track,
  trackTempDir,
  untrackTempDir,
  wallNow,
  withTimeout,
} from './lib.ts';
import type { Produced, Sut } from './lib.ts';
import { createScratchDb, dropScratchDb } from './pg.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO_ROOT, 'src', 'cli.ts');

export interface HeraldOptions {
  backend: 'sqlite' | 'postgres';
  receiverUrl: string;
  /** Events per POST /api/events/batch, and batches in flight. */
  batchSize: number;
  batchesInFlight: number;
  produceMs: number;
  readyMs: number;
  /** Extra environment for the server (e.g. tuning knobs). */
  env?: Record<string, string>;
  /**
   * Hooks to create (default one fast hook at the receiver URL). Fast hook i gets
   * `<receiverUrl>/fast<i>`, slow hook i `<slowReceiverUrl>/<i>` (answered after 1 s).
   */
  hooks?: { fast: number; slow: number };
  slowReceiverUrl?: string;
  /**
   * PostgreSQL only: run `api` plus this many `worker` processes instead of one `serve`
   * (started once the API is ready; their CPU and peak RSS count with the API's).
   */
  workers?: number;
}

/** BENCH_HERALD_NODE_FLAGS: extra node flags for the server (those NODE_OPTIONS refuses, e.g. --trace-gc). */
function nodeFlags(): string[] {
  return (process.env.BENCH_HERALD_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
}

/** Why Herald cannot be benchmarked yet, or null when its entry point exists. */
export function heraldMissing(): string | null {
  if (!existsSync(CLI)) return `src/cli.ts does not exist yet`;
  if (!existsSync(join(REPO_ROOT, 'src', 'api'))) return `src/api does not exist yet`;
  return null;
}

export async function startHerald(opts: HeraldOptions): Promise<Sut> {
  const missing = heraldMissing();
  if (missing) throw new Error(`Herald is not available: ${missing}`);

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => console.error(String(err)));
    cleanups.length = 0;
  };

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
    ...opts.env,
  };
  try {
    if (opts.backend === 'postgres') {
      const db = await createScratchDb('herald');
      cleanups.push(() => dropScratchDb(db.name));
      env.DATABASE_URL = db.url;
    }

    const tail = new OutputTail();
    const launch = (command: 'serve' | 'api' | 'worker'): ChildProcess => {
      const proc = track(
        spawn(process.execPath, [...nodeFlags(), CLI, command], {
          cwd: REPO_ROOT,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      tail.attach(proc);
      // BENCH_HERALD_OUTPUT=FILE keeps the server's whole output (e.g. with NODE_OPTIONS=--trace-gc).
      const keep = process.env.BENCH_HERALD_OUTPUT;
      if (keep) {
        const out = createWriteStream(keep, { flags: 'a' });
        proc.stdout?.pipe(out);
        proc.stderr?.pipe(out);
      }
      cleanups.push(() => terminate(proc, 10_000));
      return proc;
    };
    const split = (opts.workers ?? 0) > 0;
    const child = launch(split ? 'api' : 'serve');
    const fail = (msg: string): Error => new Error(`${msg}\n--- herald output (last lines) ---\n${tail}`);

    const base = `http://127.0.0.1:${env.PORT}`;
    const api = new Pool(base, { connections: opts.batchesInFlight + 1, keepAliveTimeout: 60_000 });
    cleanups.push(() => api.close());

    // Readiness: poll /readyz, bounded; give up at once if the process dies.
    const deadline = Date.now() + opts.readyMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw fail(`herald exited during startup (code ${child.exitCode}, signal ${child.signalCode})`);
      if (Date.now() > deadline) throw fail(`herald not ready within ${opts.readyMs} ms`);
      try {
        const res = await api.request({
          path: '/readyz',
          method: 'GET',
          headersTimeout: 1000,
          bodyTimeout: 1000,
        });
        await res.body.dump();
        if (res.statusCode === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    const workers = Array.from({ length: split ? (opts.workers ?? 0) : 0 }, () => launch('worker'));

    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const urls = opts.hooks
      ? [
          ...Array.from({ length: opts.hooks.fast }, (_, i) => `${opts.receiverUrl}/fast${i}`),
          ...Array.from(
            { length: opts.hooks.slow },
            (_, i) => `${opts.slowReceiverUrl ?? opts.receiverUrl}/${i}`,
          ),
        ]
      : [opts.receiverUrl];
    let secret: string | null = null;
    for (const [i, url] of urls.entries()) {
      const hookRes = await api.request({
        path: '/api/hooks',
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: `bench-${i}`, url, objects: ['site'] }),
        headersTimeout: 10_000,
      });
      const hookText = await hookRes.body.text();
      if (hookRes.statusCode !== 201)
        throw fail(`POST /api/hooks answered ${hookRes.statusCode}: ${hookText}`);
      const hook = JSON.parse(hookText) as { secret?: unknown; data?: { secret?: unknown } };
      const secretField = hook.secret ?? hook.data?.secret;
      // The receiver verifies a sample of signatures with one secret: the first hook's, when all
      // deliveries share it; with several hooks, none.
      if (i === 0 && urls.length === 1 && typeof secretField === 'string' && secretField.startsWith('whsec_'))
        secret = secretField;
    }

    let stopped = false;
    return {
      name: `herald-${opts.backend}`,
      pid: child.pid!,
      pids: workers.map((w) => w.pid!),
      secret,
      async produce(tag: string, n: number, rate = 0): Promise<Produced> {
        const batches = Math.ceil(n / opts.batchSize);
        const t0 = wallNow();
        await withTimeout(
          boundedFor(batches, opts.batchesInFlight, async (bi) => {
            if (rate > 0) await sleepUntil(t0 + (bi * opts.batchSize * 1000) / rate);
            const sentAt = wallNow();
            const events = [];
            for (let i = bi * opts.batchSize; i < Math.min(n, (bi + 1) * opts.batchSize); i++) {
              events.push({ event: 'site.created', data: siteData(tag, i, sentAt) });
            }
            const res = await api.request({
              path: '/api/events/batch',
              method: 'POST',
              headers: auth,
              body: JSON.stringify({ events }),
              headersTimeout: opts.produceMs,
              bodyTimeout: opts.produceMs,
            });
            const text = await res.body.text();
            if (res.statusCode !== 202)
              throw fail(`POST /api/events/batch answered ${res.statusCode}: ${text.slice(0, 500)}`);
          }),
          opts.produceMs,
          `herald-${opts.backend} to accept ${n} events`,
        );
        return { t0, acceptedAt: wallNow() };
      },
      async stop(): Promise<void> {
        if (stopped) return;
        stopped = true;
        await cleanup();
        if (child.exitCode !== null && child.exitCode !== 0 && child.signalCode === null)
          console.error(`herald exited with code ${child.exitCode}\n${tail}`);
        await exited(child);
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
