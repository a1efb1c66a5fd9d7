import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { spawnHerald, stopProcess, type HeraldProcess, processSetup } from '../helpers/herald-process.ts';
import { pgSkipReason } from '../helpers/pg.ts';
import { Receiver } from '../helpers/receiver.ts';

/**
 * Issue 8, "repeated SIGKILLs under load": a Herald process is killed three times while it
 * publishes and delivers, and restarted each time on the same data with default settings.
 * Every event answered 202 arrives; the duplicates stay bounded by what was in flight at each
 * kill plus one result-flush window (results.ts buffers up to 512 results for 50 ms, and one
 * batch may be committing).
 *
 * SQLite: a restart owns the file and drops every lease at once. PostgreSQL: the dead owners'
 * heartbeats go stale after 15 s and their leases are taken over, so the last restart waits that.
 */
const KILLS = 3;
const PER_PHASE = 1000;
const BATCH = 100;
const IN_FLIGHT_CAP = 64; // HERALD_HOOK_MAX_IN_FLIGHT's default: one hook here
const FLUSH_WINDOW = 2 * 512;
const LIMIT_MS = 45_000;
const pgSkip = await pgSkipReason();

const site = (id: string) => ({
  event: 'site.created',
  eventID: id,
  data: { object: 'site', name: id, siteKey: 'k', projectID: 'p', siteUrl: 'http://x.example' },
});

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(
    `repeated SIGKILLs under load on ${backend}`,
    { skip: backend === 'postgres' ? pgSkip : false },
    () => {
      const cleanups: Array<() => Promise<void> | void> = [];
      after(async () => {
        for (const c of cleanups.reverse()) await c();
      });

      test(
        `killed ${KILLS} times while delivering, every accepted event arrives`,
        { timeout: 120_000 },
        async (t) => {
          const rx = (await Receiver.start()).setDefault({ status: 204, delayMs: 50 });
          cleanups.push(() => rx.close());
          const { env, base, headers } = await processSetup(backend, cleanups);
          const start = async (): Promise<HeraldProcess> => {
            const p = spawnHerald(env);
            cleanups.push(() => stopProcess(p.child));
            await p.ready;
            return p;
          };

          let herald = await start();
          const hook = await fetch(`${base}/api/hooks`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ name: 'kills', url: `${rx.url}/kills`, objects: ['site'] }),
          });
          assert.equal(hook.status, 201);

          const accepted = new Set<string>();
          /** Publishes batches until `stop()` is true or the server dies under a request. */
          const publish = async (phase: number, stop: () => boolean): Promise<void> => {
            for (let b = 0; b < PER_PHASE / BATCH && !stop(); b++) {
              const events = Array.from({ length: BATCH }, (_, i) => site(`k${phase}-${b}-${i}`));
              try {
                const res = await fetch(`${base}/api/events/batch`, {
                  method: 'POST',
                  headers,
                  body: JSON.stringify({ events }),
                });
                if (res.status === 202) for (const e of events) accepted.add(e.eventID);
              } catch {
                return; // killed under this request: not accepted
              }
            }
          };

          for (let k = 0; k <= KILLS; k++) {
            let killed = false;
            const publishing = publish(k, () => killed);
            if (k === KILLS) {
              await publishing;
              break;
            }
            // Kill once it is well into delivering this phase's work, publishes possibly still running.
            await rx.waitFor(rx.requests.length + PER_PHASE / 3, () => true, 60_000);
            killed = true;
            await stopProcess(herald.child, 'SIGKILL');
            await publishing;
            herald = await start();
          }
          const restartedAt = Date.now();

          const idOf = (body: string) => (JSON.parse(body) as { eventID: string }).eventID;
          const seen = () => new Set(rx.requests.map((r) => idOf(r.body)));
          const missing = () => {
            const got = seen();
            return [...accepted].filter((id) => !got.has(id)).length;
          };
          while (missing() > 0) {
            const left = LIMIT_MS - (Date.now() - restartedAt);
            assert.ok(
              left > 0,
              `${missing()} of ${accepted.size} accepted events missing after the last restart`,
            );
            await rx.waitFor(rx.requests.length + 1, () => true, left).catch(() => undefined);
          }
          const duplicates = rx.requests.length - seen().size;
          t.diagnostic(
            `${accepted.size} accepted, all arrived ${Date.now() - restartedAt} ms after the last restart; ` +
              `${duplicates} duplicates over ${KILLS} kills`,
          );
          const bound = KILLS * (IN_FLIGHT_CAP + FLUSH_WINDOW);
          assert.ok(duplicates <= bound, `${duplicates} duplicates, more than ${bound}`);
          assert.ok(herald.alive());
          await stopProcess(herald.child, 'SIGTERM');
        },
      );
    },
  );
}
