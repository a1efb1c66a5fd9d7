/**
 * Issue 17's hook options under load: FIFO throughput for one hook with 1 key and with 100 keys,
 * and rate-limit accuracy, each beside a plain hook in the same round (the baseline), on SQLite
 * and PostgreSQL. Herald runs in this process (startApp, as the tests start it) with a loopback
 * receiver that answers 200 at once; rounds are interleaved and the report quotes medians.
 *
 *   node bench/hook-options.ts [--rounds 3] [--backends sqlite,postgres] [--out FILE]
 *
 * Throughput is events delivered per second from the first publish to the last 2xx; rate
 * accuracy is the delivered rate ÷ the limit, and the most requests seen in any 1 s window.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { maxInWindow, median } from './lib.ts';
import { createScratchDb, dropScratchDb } from './pg.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'as-receiver': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    out: { type: 'string' },
  },
});

interface Case {
  name: string;
  events: number;
  keys: number;
  hook: Record<string, unknown>;
  /** For rate-limited cases: the limit. */
  rate?: number;
}

const CASES: Case[] = [
  { name: 'plain hook (baseline)', events: 3000, keys: 100, hook: {} },
  { name: 'fifo, 1 key', events: 300, keys: 1, hook: { ordering: 'fifo' } },
  {
    name: 'fifo, 100 keys',
    events: 3000,
    keys: 100,
    hook: { ordering: 'fifo', orderingKey: '/data/projectID' },
  },
  { name: 'rateLimit 100/s', events: 500, keys: 1, hook: { rateLimit: 100 }, rate: 100 },
  { name: 'rateLimit 1,000/s', events: 3000, keys: 1, hook: { rateLimit: 1000 }, rate: 1000 },
];

interface Result {
  perSec: number;
  peak1s: number;
}

/**
 * The receiver runs in its own process (this file, forked with --as-receiver), so its arrival
 * times are not those of an event loop Herald keeps busy.
 */
async function receiver(
  expected: number,
): Promise<{ url: string; done: Promise<number[]>; close: () => void }> {
  const child = fork(fileURLToPath(import.meta.url), ['--as-receiver', String(expected)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [first] = (await once(child, 'message')) as [{ url: string }];
  const done = once(child, 'message').then(([m]) => (m as { times: number[] }).times);
  return { url: first.url, done, close: () => child.kill() };
}

function serveAsReceiver(expected: number): void {
  const times: number[] = [];
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      times.push(Date.now());
      seen.add((JSON.parse(Buffer.concat(chunks).toString()) as { eventID: string }).eventID);
      res.writeHead(200).end();
      if (seen.size === expected) process.send!({ times });
    });
  });
  server.listen(0, '127.0.0.1', () =>
    process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
  );
}

async function runCase(backend: string, c: Case): Promise<Result> {
  const dir = backend === 'sqlite' ? mkdtempSync(join(tmpdir(), 'herald-bench-opts-')) : null;
  const db = backend === 'postgres' ? await createScratchDb('hookopts') : null;
  const key = 'hk_bench_hook_options_0123456789';
  const config = loadConfig(
    {},
    {
      PORT: '0',
      HOST: '127.0.0.1',
      HERALD_DATA_DIR: dir ?? '/nonexistent',
      DATABASE_URL: db?.url ?? '',
      HERALD_ADMIN_KEY: key,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_LOG_LEVEL: 'silent',
    },
  );
  const app = await startApp(config, createLogger(config.logLevel));
  const rx = await receiver(c.events);
  try {
    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    await call('/api/hooks', { name: c.name, url: rx.url, objects: ['site'], ...c.hook });
    const started = Date.now();
    for (let from = 0; from < c.events; from += 500) {
      const events = Array.from({ length: Math.min(500, c.events - from) }, (_, k) => ({
        event: 'site.created',
        data: {
          object: 'site',
          name: `s${from + k}`,
          siteKey: 'k',
          projectID: `p${(from + k) % c.keys}`,
          siteUrl: 'http://x.example',
        },
      }));
      await call('/api/events/batch', { events });
    }
    const times = await rx.done;
    return { perSec: c.events / ((Math.max(...times) - started) / 1000), peak1s: maxInWindow(times, 1000) };
  } finally {
    rx.close();
    await app.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (db) await dropScratchDb(db.name);
  }
}

if (args['as-receiver']) {
  serveAsReceiver(Number(positionals[0]));
} else {
  await main();
}

async function main(): Promise<void> {
  const rounds = Number(args.rounds);
  const backends = args.backends!.split(',');
  const results = new Map<string, Result[]>();
  for (let r = 0; r < rounds; r++) {
    // Rotate the order every round, so no case always runs first (or last) on a busy machine.
    const order = CASES.map((_, i) => CASES[(i + r) % CASES.length]!);
    for (const backend of backends)
      for (const c of order) {
        const res = await runCase(backend, c);
        const k = `${backend}\n${c.name}`;
        results.set(k, [...(results.get(k) ?? []), res]);
        console.error(
          `round ${r + 1} ${backend} ${c.name}: ${res.perSec.toFixed(0)}/s, peak ${res.peak1s} in 1 s`,
        );
      }
  }

  const lines = [
    `Medians of ${rounds} interleaved rounds (\`node bench/hook-options.ts --rounds ${rounds}\`).`,
    '',
    '| backend | case | events | deliveries/s | ÷ plain hook | rate ÷ limit | most in any 1 s |',
    '| ------- | ---- | -----: | -----------: | -----------: | -----------: | --------------: |',
  ];
  for (const backend of backends) {
    const base = median(results.get(`${backend}\nplain hook (baseline)`)!.map((x) => x.perSec));
    for (const c of CASES) {
      const rs = results.get(`${backend}\n${c.name}`)!;
      const perSec = median(rs.map((x) => x.perSec));
      const peak = median(rs.map((x) => x.peak1s));
      lines.push(
        `| ${backend} | ${c.name} | ${c.events} | ${perSec.toFixed(0)} | ${(perSec / base).toFixed(3)}× | ${
          c.rate ? `${((perSec / c.rate) * 100).toFixed(1)} %` : ''
        } | ${c.rate ? `${peak} (limit ${c.rate})` : ''} |`,
      );
    }
  }
  const text = lines.join('\n') + '\n';
  console.log(text);
  if (args.out) writeFileSync(args.out, text);
}
