/**
 * What the end-to-end throughput benches share (bench/tenon/throughput.ts,
 * bench/builds/throughput.ts, bench/monitors/slot.ts): the Herald to run (this checkout's, or BENCH_HERALD_ROOT's, so
 * before and after are measured the same way), their arguments, and the closed loop of clients
 * with its one-line JSON summary.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as AppModule from '../src/app.ts';
import type * as ConfigModule from '../src/config.ts';
import type * as LogModule from '../src/log.ts';

export const ROOT = process.env.BENCH_HERALD_ROOT ?? fileURLToPath(new URL('..', import.meta.url));

/** startApp, loadConfig and createLogger of the Herald under test. */
export async function loadHerald(): Promise<{
  startApp: typeof AppModule.startApp;
  loadConfig: typeof ConfigModule.loadConfig;
  createLogger: typeof LogModule.createLogger;
}> {
  const load = <T>(path: string): Promise<T> => import(pathToFileURL(join(ROOT, path)).href) as Promise<T>;
  const { startApp } = await load<typeof AppModule>('src/app.ts');
  const { loadConfig } = await load<typeof ConfigModule>('src/config.ts');
  const { createLogger } = await load<typeof LogModule>('src/log.ts');
  return { startApp, loadConfig, createLogger };
}

/** A Herald started in this process by `startInProcess`, with what a bench needs to call it. */
export interface InProcessHerald {
  app: Awaited<ReturnType<typeof AppModule.startApp>>;
  adminKey: string;
  /** Bearer auth and JSON, for its API. */
  headers: Record<string, string>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/**
 * The Herald under test in this process, on SQLite in a temp dir, on a free loopback port, with
 * loopback targets allowed, silent, polling every 50 ms; `env` adds to or overrides that.
 */
export async function startInProcess(tag: string, env: Record<string, string>): Promise<InProcessHerald> {
  const { startApp, loadConfig, createLogger } = await loadHerald();
  const dir = mkdtempSync(join(tmpdir(), `herald-bench-${tag}-`));
  const adminKey = `hk_bench_${randomBytes(16).toString('hex')}`;
  const config = loadConfig(
    {},
    {
      PORT: '0',
      HOST: '127.0.0.1',
      HERALD_DATA_DIR: dir,
      HERALD_ADMIN_KEY: adminKey,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_LOG_LEVEL: 'silent',
      HERALD_POLL_INTERVAL_MS: '50',
      ...env,
    },
  );
  const app = await startApp(config, createLogger('silent'));
  return {
    app,
    adminKey,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    async close() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * `clients` loops call `once(i)` (i counts each client's calls, interleaved across clients)
 * until `seconds` have passed; prints one JSON line: how many succeeded, per minute (under
 * `unit`), failures and latency percentiles.
 */
export async function measure(
  opts: { seconds: number; clients: number; concurrency: number; unit: string },
  once: (i: number) => Promise<boolean>,
): Promise<void> {
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + opts.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.clients }, async (_, c) => {
      for (let i = c; performance.now() < end; i += opts.clients) {
        const t = performance.now();
        if (await once(i)) latencies.push(performance.now() - t);
        else failures++;
      }
    }),
  );
  const elapsedMin = (performance.now() - started) / 60_000;
  latencies.sort((a, b) => a - b);
  const p = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  console.log(
    JSON.stringify({
      root: ROOT,
      seconds: opts.seconds,
      clients: opts.clients,
      concurrency: opts.concurrency,
      [opts.unit]: latencies.length,
      failures,
      [`${opts.unit}PerMinute`]: Math.round(latencies.length / elapsedMin),
      latencyMs: { p50: p(0.5), p95: p(0.95), max: Math.round(latencies.at(-1) ?? 0) },
    }),
  );
}
