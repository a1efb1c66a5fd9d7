import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Receiver } from '../helpers/receiver.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { freePort, spawnHerald } from '../helpers/herald-process.ts';

const MB = 1024 * 1024;
const HOOKS = 20;
const ANSWER_AFTER_MS = 5000;

/** Resident set size of a process, from /proc (what `ps -o rss` shows). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb * 1024;
}

/** Samples `pid`'s RSS every 50 ms until stopped; returns the peak. */
function sampleRss(pid: number): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}

/** Waits (up to 20 s) for RSS to come back within 30 MB of `baseline`; returns what is left, in MB. */
async function settleBack(pid: number, baseline: number): Promise<number> {
  const until = Date.now() + 20_000;
  let rss = rssOf(pid);
  while ((rss - baseline) / MB > 30 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    rss = rssOf(pid);
  }
  return (rss - baseline) / MB;
}

const site = (blobBytes: number) => ({
  object: 'site',
  name: 'big',
  siteKey: 'k',
  projectID: 'p',
  siteUrl: 'http://www.example.com',
  blob: 'x'.repeat(blobBytes),
});

describe('memory under a fan-out of large events to slow receivers', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function herald(extra: Record<string, string> = {}) {
    const dir = createTempSqliteDir();
    cleanups.push(() => dir.cleanup());
    const port = await freePort();
    const key = `hk_mem_${randomBytes(12).toString('hex')}`;
    const { child, ready } = spawnHerald({
      PORT: String(port),
      HOST: '127.0.0.1',
      HERALD_ADMIN_KEY: key,
      HERALD_DATA_DIR: dir.dir,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_DELIVERY_TIMEOUT_MS: '30000',
      HERALD_SQLITE_SYNCHRONOUS: 'NORMAL',
      HERALD_LOG_LEVEL: 'error',
      ...extra,
    });
    cleanups.push(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    });
    await ready;
    const base = `http://127.0.0.1:${port}`;
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    return { child, post };
  }

  test(`one 5 MB event to ${HOOKS} hooks answering after 5 s grows RSS by less than 100 MB`, async () => {
    const rx = (await Receiver.start()).setDefault({ status: 204, delayMs: ANSWER_AFTER_MS });
    cleanups.push(() => rx.close());
    // The cap is raised for this case; with the default cap the event is refused (below).
    const { child, post } = await herald({ HERALD_MAX_EVENT_BYTES: String(6 * MB) });
    for (let i = 0; i < HOOKS; i++) {
      const res = await post('/api/hooks', { name: `m${i}`, url: `${rx.url}/m${i}`, objects: ['site'] });
      assert.equal(res.status, 201);
    }
    // Warm up every path once with a small event, so the baseline includes the code, not the data.
    assert.equal((await post('/api/events', { event: 'site.created', data: site(10) })).status, 202);
    await rx.waitFor(HOOKS, () => true, 30_000);
    const baseline = rssOf(child.pid!);
    const sampler = sampleRss(child.pid!);
    const res = await post('/api/events', { event: 'site.created', data: site(5 * MB) });
    assert.equal(res.status, 202);
    const got = await rx.waitFor(2 * HOOKS, () => true, 60_000);
    assert.ok(got.slice(HOOKS).every((r) => r.body.length > 5 * MB));
    const peak = sampler.stop();
    const growth = (peak - baseline) / MB;
    assert.ok(
      growth < 100,
      `RSS grew by ${growth.toFixed(1)} MB (baseline ${(baseline / MB).toFixed(1)} MB)`,
    );
    // After the burst the event's copies are garbage; RSS has to come back down, not stay high.
    const left = await settleBack(child.pid!, baseline);
    console.log(
      `# 5 MB × ${HOOKS}: baseline ${(baseline / MB).toFixed(1)} MB, peak +${growth.toFixed(1)} MB, after +${left.toFixed(1)} MB`,
    );
    assert.ok(left <= 30, `RSS stayed ${left.toFixed(1)} MB above the baseline after the burst`);
  });

  test('with the default cap a 5 MB event is refused, and the largest allowed one stays bounded', async () => {
    const rx = (await Receiver.start()).setDefault({ status: 204, delayMs: ANSWER_AFTER_MS });
    cleanups.push(() => rx.close());
    const { child, post } = await herald();
    for (let i = 0; i < HOOKS; i++)
      assert.equal(
        (await post('/api/hooks', { name: `d${i}`, url: `${rx.url}/d${i}`, objects: ['site'] })).status,
        201,
      );
    const refused = await post('/api/events', { event: 'site.created', data: site(5 * MB) });
    assert.equal(refused.status, 413);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'EVENT_TOO_LARGE');
    assert.equal((await post('/api/events', { event: 'site.created', data: site(10) })).status, 202);
    await rx.waitFor(HOOKS, () => true, 30_000);
    const baseline = rssOf(child.pid!);
    const sampler = sampleRss(child.pid!);
    // Five events of the largest size the cap allows, to all hooks at once.
    const largest = site(MB - JSON.stringify(site(0)).length);
    const pubs = await Promise.all(
      Array.from({ length: 5 }, () => post('/api/events', { event: 'site.created', data: largest })),
    );
    assert.deepEqual(
      pubs.map((p) => p.status),
      [202, 202, 202, 202, 202],
    );
    await rx.waitFor(6 * HOOKS, () => true, 60_000);
    const growth = (sampler.stop() - baseline) / MB;
    assert.ok(growth < 100, `RSS grew by ${growth.toFixed(1)} MB`);
    const left = await settleBack(child.pid!, baseline);
    console.log(
      `# default cap, 5 × 1 MiB × ${HOOKS}: peak +${growth.toFixed(1)} MB, after +${left.toFixed(1)} MB`,
    );
    assert.ok(left <= 30, `RSS stayed ${left.toFixed(1)} MB above the baseline after the burst`);
  });
});
