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
import { arg, loadHerald, measure } from '../throughput.ts';
import { CORPUS_DIR, serveCorpus } from './serve.ts';

const { startApp, loadConfig, createLogger } = await loadHerald();
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
  await measure(
    { seconds: SECONDS, clients: CLIENTS, concurrency: CONCURRENCY, unit: 'runs' },
    async (i) => (await testOnce(files[i % files.length]!)) === 200,
  );
} finally {
  await app.stop();
  await pages.close();
  rmSync(dir, { recursive: true, force: true });
}
