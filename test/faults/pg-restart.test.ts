import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { freePort, spawnHerald, stopProcess, type HeraldProcess } from '../helpers/herald-process.ts';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.ts';
import { Receiver } from '../helpers/receiver.ts';

/**
 * PostgreSQL restarted under load, as an operator would see it: Herald runs as its own process
 * on a private cluster (the shared server other tests use is never restarted). The process must
 * live through every restart, answer 503 with Retry-After (never 500) while the database is
 * away, and deliver every event it answered 202.
 */
const ROUNDS = 5;
const PER_ROUND = 1000;
const CONCURRENCY = 16;

describe('PostgreSQL restarts under load', () => {
  let cluster: PgCluster;
  let herald: HeraldProcess;
  let rx: Receiver;
  let base: string;
  let headers: Record<string, string>;
  const accepted = new Set<string>();
  const unexpected: string[] = [];
  let unavailable = 0;

  before(async () => {
    cluster = await startPgCluster();
    rx = (await Receiver.start()).setDefault({ status: 204 });
    const port = await freePort();
    const key = `hk_pgrestart_${randomBytes(12).toString('hex')}`;
    herald = spawnHerald({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: cluster.url,
      HERALD_SECRET_KEY: randomBytes(32).toString('base64'),
      HERALD_ADMIN_KEY: key,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_RETRY_SCHEDULE: '0,1,1,1,1,1,1,1,1,1,1,1',
      HERALD_POLL_INTERVAL_MS: '100',
      HERALD_LOG_LEVEL: 'warn',
    });
    await herald.ready;
    base = `http://127.0.0.1:${port}`;
    headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const hook = await fetch(`${base}/api/hooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'pg-restart', url: `${rx.url}/in`, objects: ['site'] }),
    });
    assert.equal(hook.status, 201, await hook.text());
  });

  after(async () => {
    if (herald) await stopProcess(herald.child, 'SIGKILL');
    await rx?.close();
    await cluster?.destroy();
  });

  /** Publishes one event; records what the answer means. */
  async function publish(eventID: string): Promise<number> {
    let res: Response;
    try {
      res = await fetch(`${base}/api/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          event: 'site.created',
          eventID,
          data: {
            object: 'site',
            name: eventID,
            siteKey: 'k',
            projectID: 'p',
            siteUrl: 'http://www.example.com',
          },
        }),
      });
    } catch (err) {
      unexpected.push(`${eventID}: no answer (${(err as Error).message})`);
      return 0;
    }
    const text = await res.text();
    if (res.status === 202) accepted.add(eventID);
    else if (res.status === 503) {
      unavailable++;
      const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      if (code !== 'SERVICE_UNAVAILABLE' || !res.headers.get('retry-after'))
        unexpected.push(`${eventID}: 503 without code or Retry-After: ${text}`);
    } else unexpected.push(`${eventID}: ${res.status} ${text.slice(0, 200)}`);
    return res.status;
  }

  async function publishMany(prefix: string, n: number, midway: () => Promise<void>): Promise<void> {
    let next = 0;
    let fired: Promise<void> | null = null;
    const lane = async () => {
      while (next < n) {
        const i = next++;
        if (i === Math.floor(n / 3)) fired = midway();
        await publish(`${prefix}-${i}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    await fired;
  }

  test(`the process lives through ${ROUNDS} restarts in ${ROUNDS} rounds of publishing`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await publishMany(`r${round}`, PER_ROUND, () => cluster.restart());
      assert.ok(herald.alive(), `herald died in round ${round}: ${herald.output().slice(-2000)}`);
    }
    assert.deepEqual(unexpected.slice(0, 10), [], `${unexpected.length} unexpected answers`);
    assert.ok(accepted.size > ROUNDS * PER_ROUND * 0.5, `only ${accepted.size} accepted`);
  });

  test('while the database is away, publishes and /readyz answer 503 with Retry-After; then it recovers', async () => {
    await cluster.stop();
    let refused = 0;
    for (let i = 0; i < 200 && refused < 10; i++) if ((await publish(`down-${i}`)) === 503) refused++;
    assert.equal(refused, 10, 'publishes are refused with 503 while PostgreSQL is down');
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    await ready.arrayBuffer();
    assert.ok(herald.alive(), 'herald is alive with the database away');

    await cluster.start();
    // The first publish after the restart may still meet a dead pooled connection; once one is
    // accepted, everything is.
    let up = false;
    for (let i = 0; i < 100 && !up; i++) up = (await publish(`back-${i}`)) === 202;
    assert.ok(up, 'publishes are accepted again once PostgreSQL is back');
    for (let i = 0; i < 50; i++) assert.equal(await publish(`after-${i}`), 202);
    assert.deepEqual(unexpected.slice(0, 10), [], `${unexpected.length} unexpected answers`);
    assert.ok(unavailable >= 10);
  });

  test('every event answered 202 is delivered', async () => {
    const idOf = (body: string) => (JSON.parse(body) as { eventID: string }).eventID;
    const missing = () => {
      const seen = new Set(rx.requests.map((r) => idOf(r.body)));
      return [...accepted].filter((id) => !seen.has(id));
    };
    const deadline = Date.now() + 60_000;
    while (missing().length > 0) {
      assert.ok(
        Date.now() < deadline,
        `${missing().length} of ${accepted.size} accepted events never arrived`,
      );
      await rx.waitFor(rx.requests.length + 1, () => true, 60_000);
    }
    assert.ok(herald.alive());
  });
});
