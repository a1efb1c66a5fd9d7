import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requirePostgres } from '../helpers/pg.ts';
import { Receiver, type Behaviour } from '../helpers/receiver.ts';
import { startHerald, type Backend, type TestHerald } from '../helpers/herald.ts';

/**
 * Receivers that misbehave the way real ones do, mixed at random (seeded, so a failure can be
 * replayed): 30% answer 500, 10% never answer, 10% reset the connection, the rest 200. Every
 * event must end delivered, and every request a receiver saw must be in the attempt log with
 * its status or its error.
 */
const EVENTS = 150;
const HOOKS = 3;
const TIMEOUT_MS = 1500;

/** mulberry32: a small seeded generator, so the mix is the same on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function chaosScript(n: number, seed: number): Behaviour[] {
  const rnd = seeded(seed);
  return Array.from({ length: n }, () => {
    const r = rnd();
    if (r < 0.3) return { status: 500, body: 'chaos' };
    if (r < 0.4) return { hang: true };
    if (r < 0.5) return { reset: true };
    return { status: 200 };
  });
}

const site = (name: string) => ({
  object: 'site',
  name,
  siteKey: '11jyv9d1NEnY',
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  siteUrl: 'http://www.example.com',
});

interface AttemptView {
  response: { status: number } | null;
  error: string | null;
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`chaos receivers on ${backend}`, () => {
    let h: TestHerald;
    let rx: Receiver;

    before(async () => {
      if (backend === 'postgres') await requirePostgres();
      rx = await Receiver.start();
      h = await startHerald(backend, {
        HERALD_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
        HERALD_RETRY_SCHEDULE: `0${',1'.repeat(24)}`,
        HERALD_POLL_INTERVAL_MS: '50',
      });
    });
    after(async () => {
      await h?.stop();
      await rx?.close();
    });

    test('every event ends delivered and every attempt is logged with its status or error', async (t) => {
      const hookIds: string[] = [];
      for (let i = 0; i < HOOKS; i++) {
        const path = `/chaos-${i}`;
        rx.respondOn(path, ...chaosScript(4000, 1000 + i));
        const res = await h.api('POST', '/api/hooks', {
          name: `chaos ${i}`,
          url: `${rx.url}${path}`,
          objects: ['site'],
        });
        assert.equal(res.status, 201);
        hookIds.push(res.body.id);
      }
      const events = Array.from({ length: EVENTS }, (_, i) => ({
        event: 'site.created',
        eventID: `chaos-${backend}-${i}`,
        data: site(`s${i}`),
      }));
      const pub = await h.api('POST', '/api/events/batch', { events });
      assert.equal(pub.status, 202, pub.text);

      const delivered = (r: { headers: Record<string, unknown>; path: string }) =>
        r.path.startsWith('/chaos-') && typeof r.headers['webhook-id'] === 'string';
      /** Distinct deliveries (by webhook-id, stable across retries) the receivers have seen. */
      const seenIds = () =>
        new Set(rx.requests.filter(delivered).map((r) => String(r.headers['webhook-id'])));
      const t0 = Date.now();
      await rx.waitFor(EVENTS * HOOKS, delivered, 60_000);
      t.diagnostic(`first wave ${Date.now() - t0} ms`);
      const total = EVENTS * HOOKS;
      const deadline = Date.now() + 90_000;
      let pending = total;
      while (pending > 0) {
        assert.ok(Date.now() < deadline, `${pending} of ${total} deliveries not delivered in time`);
        pending = 0;
        for (const hookId of hookIds) {
          const page = await h.api('GET', `/api/hooks/${hookId}/deliveries?status=pending&limit=1`);
          const failed = await h.api('GET', `/api/hooks/${hookId}/deliveries?status=failed&limit=1`);
          assert.equal(failed.body.data.length, 0, 'no delivery gives up');
          pending += page.body.data.length;
        }
        // The outcome lives in the database (results are recorded in batches): poll the API.
        if (pending > 0) await new Promise((r) => setTimeout(r, 50));
      }

      t.diagnostic(`all delivered ${Date.now() - t0} ms`);
      // Every request the receivers saw is one logged attempt, with a status or an error.
      let attempts = 0;
      const byKind = { ok: 0, status500: 0, error: 0 };
      for (const hookId of hookIds) {
        let cursor: string | null = null;
        do {
          const q: string = `/api/hooks/${hookId}/deliveries?status=delivered&limit=100${cursor ? `&cursor=${cursor}` : ''}`;
          const page = await h.api('GET', q);
          for (const d of page.body.data as Array<{ id: string }>) {
            const one = await h.api('GET', `/api/deliveries/${d.id}`);
            const list = one.body.attemptLog as AttemptView[];
            assert.ok(list.length >= 1);
            for (const a of list) {
              assert.ok(a.response !== null || (a.error !== null && a.error !== ''), JSON.stringify(a));
              if (a.response?.status === 200) byKind.ok++;
              else if (a.response?.status === 500) byKind.status500++;
              else byKind.error++;
            }
            assert.equal(list.at(-1)!.response?.status, 200, 'the last attempt is the one that succeeded');
            attempts += list.length;
            // Each request the receiver saw for this delivery is one of its logged attempts. (An
            // attempt can outnumber them: on a loaded machine a request may time out before the
            // receiver has read it.)
            const seenForIt = rx.requests.filter((r) => r.headers['webhook-id'] === d.id).length;
            assert.ok(
              seenForIt <= list.length,
              `${d.id}: ${seenForIt} requests seen, ${list.length} attempts logged`,
            );
          }
          cursor = page.body.nextCursor;
        } while (cursor);
      }
      const seen = rx.requests.filter(delivered).length;
      t.diagnostic(
        `${total} deliveries, ${attempts} attempts (${JSON.stringify(byKind)}), ${seen} requests seen`,
      );
      assert.equal(seenIds().size, total);
      assert.equal(byKind.ok, total, 'exactly one successful attempt per delivery');
      assert.ok(attempts >= seen, `${seen} requests seen, only ${attempts} attempts logged`);
      assert.ok(byKind.status500 > 0 && byKind.error > 0, 'the mix really happened');
    });
  });
}
