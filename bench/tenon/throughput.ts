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
import { readdirSync } from 'node:fs';
import { arg, measure, startInProcess } from '../throughput.ts';
import { CORPUS_DIR, serveCorpus } from './serve.ts';

const SECONDS = arg('seconds', 60);
const CLIENTS = arg('clients', 4);
const CONCURRENCY = arg('concurrency', 2);

const herald = await startInProcess('tenon', { HERALD_TENON_CONCURRENCY: String(CONCURRENCY) });
const { app, adminKey } = herald;
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
  await herald.close();
  await pages.close();
}
