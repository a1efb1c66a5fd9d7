/**
 * Tenon test runs per minute end to end through the API: a real Herald (in this process, on
 * SQLite in a temp dir, its worker's run queue with a warm Chromium) and the corpus on loopback.
 * Clients POST form-encoded sync requests to /api/ as Tenon clients do, each waiting for its
 * answer; every run is stored, announced (no hooks: nothing to deliver) and answered in full.
 *
 *   node bench/tenon/throughput.ts [--seconds 60] [--clients 4] [--concurrency 2]
 *
 * BENCH_HERALD_ROOT: run the Herald of another checkout (say, the commit before a change) with
 * this harness, so before and after are measured the same way (see bench/herald.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as AppModule from '../../src/app.ts';
import type * as ConfigModule from '../../src/config.ts';
import type * as LogModule from '../../src/log.ts';
import { CORPUS_DIR, serveCorpus } from './serve.ts';

const ROOT = process.env.BENCH_HERALD_ROOT ?? fileURLToPath(new URL('../..', import.meta.url));
const load = <T>(path: string): Promise<T> => import(pathToFileURL(join(ROOT, path)).href) as Promise<T>;
const { startApp } = await load<typeof AppModule>('src/app.ts');
const { loadConfig } = await load<typeof ConfigModule>('src/config.ts');
const { createLogger } = await load<typeof LogModule>('src/log.ts');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('seconds', 60);
const CLIENTS = arg('clients', 4);
const CONCURRENCY = arg('concurrency', 2);

const dir = mkdtempSync(join(tmpdir(), 'herald-tenon-bench-'));
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
    HERALD_TENON_CONCURRENCY: String(CONCURRENCY),
  },
);
const app = await startApp(config, createLogger('silent'));
const pages = await serveCorpus();
const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.html'));

async function testOnce(page: string): Promise<number> {
  const res = await fetch(`${app.url}/api/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: adminKey, url: `${pages.base}/${page}` }),
  });
  await res.arrayBuffer();
  return res.status;
}

try {
  // Warm: the browser is launched by the first run, not counted.
  await testOnce(files[0]!);
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; performance.now() < end; i += CLIENTS) {
        const t = performance.now();
        const status = await testOnce(files[i % files.length]!);
        if (status === 200) latencies.push(performance.now() - t);
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
      seconds: SECONDS,
      clients: CLIENTS,
      concurrency: CONCURRENCY,
      runs: latencies.length,
      failures,
      runsPerMinute: Math.round(latencies.length / elapsedMin),
      latencyMs: { p50: p(0.5), p95: p(0.95), max: Math.round(latencies.at(-1) ?? 0) },
    }),
  );
} finally {
  await app.stop();
  await pages.close();
  rmSync(dir, { recursive: true, force: true });
}
