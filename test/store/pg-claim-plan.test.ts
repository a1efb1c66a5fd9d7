import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { claimDue } from '../../src/store/postgres/claim.ts';
import { createPool } from '../../src/store/postgres/pool.ts';
import { POSTGRES } from '../../src/store/shared/rows.ts';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../helpers/pg.ts';

const skip = await pgSkipReason();
const NOW = 2_000_000;
const DUE = 20_000;

/** `n` due deliveries of one enabled hook, due at NOW - n … NOW, in id order. */
async function seedDue(pool: pg.Pool, n: number): Promise<void> {
  await pool.query(`INSERT INTO tenants (id, name, created_at) VALUES ('ten_1', 't', 0)`);
  await pool.query(
    `INSERT INTO hooks (id, tenant_id, name, url, objects, enabled, secret, created_at, updated_at)
     VALUES ('hook_1', 'ten_1', 'h', 'http://127.0.0.1:1/', '["site"]', true, 's', 0, 0)`,
  );
  await pool.query(
    `INSERT INTO events (id, tenant_id, event_id, type, date_added, payload, created_at)
     SELECT 'evt_' || lpad(i::text, 8, '0'), 'ten_1', 'e' || i, 'site.created', 0, '{}', i
       FROM generate_series(1, $1::int) i`,
    [n],
  );
  await pool.query(
    `INSERT INTO deliveries (id, tenant_id, event_id, hook_id, status, next_attempt_at, created_at, updated_at)
     SELECT 'dlv_' || lpad(i::text, 8, '0'), 'ten_1', 'evt_' || lpad(i::text, 8, '0'), 'hook_1', 'pending',
            $2::bigint - $1::int + i, 0, 0
       FROM generate_series(1, $1::int) i`,
    [n, NOW],
  );
}

const claimOpts = (limit: number) => ({ now: NOW, limit, leaseMs: 60_000, owner: 'wrk_1' });

/** The plan PostgreSQL would use now for the prepared claim on this connection. */
async function claimPlan(client: pg.PoolClient): Promise<string> {
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN EXECUTE herald_claim_due(${NOW}, 100, 'wrk_1', ${NOW + 60_000}, ${NOW - 30_000}, '{}', '{}', -1, '')`,
  );
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

const walksDueIndex = (plan: string): boolean =>
  /(?<!Bitmap )Index Scan using deliveries_due_idx/.test(plan) &&
  !/Bitmap Index Scan on deliveries_due_idx/.test(plan);

/**
 * The claim is a prepared statement; PostgreSQL may switch such a statement to a generic plan
 * after five executions. With statistics that show the due rows, the claim's generic plan reads
 * and sorts every due row instead of walking the due index from the cursor and stopping after
 * `limit` rows, so it must stay on custom plans (PostgreSQL's own choice there, as the generic
 * plan costs far more). Forcing custom plans is no cure: without statistics (autovacuum off, or
 * not round yet) the custom plan is the one that reads everything, and the generic one walks.
 */
describe('PostgreSQL claim plan', { skip }, () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  before(async () => {
    db = await createTestDatabase();
    pool = createPool({ connectionString: db.url, max: 2 });
    await seedDue(pool, DUE);
    await pool.query('ANALYZE deliveries');
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  test('after more than five claims on one connection the claim still walks the due index', async () => {
    const client = await pool.connect();
    try {
      for (let i = 0; i < 8; i++)
        assert.equal((await claimDue(client, POSTGRES, claimOpts(100), 30_000)).length, 100);
      assert.ok(walksDueIndex(await claimPlan(client)), await claimPlan(client));
      // The check itself: the same statement forced to its generic plan does not walk the index.
      await client.query('SET plan_cache_mode = force_generic_plan');
      assert.ok(!walksDueIndex(await claimPlan(client)), await claimPlan(client));
    } finally {
      await client.query('RESET plan_cache_mode');
      client.release();
    }
  });
});
