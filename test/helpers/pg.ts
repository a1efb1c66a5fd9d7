import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { migrationsDigest } from '../../src/store/migrate.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';

/**
 * Postgres for tests. Each test database is cloned from a template that was migrated once
 * (named after a digest of the migrations, so editing one builds a new template), like
 * graphile-worker's test setup: a clone takes ~0.1 s, migrating from scratch far longer.
 *
 * Policy: when Postgres is unreachable, CI (`CI=true`) fails loudly; elsewhere a test may
 * skip with a visible reason (see pgSkipReason).
 */
export const TEST_PG_URL = process.env.HERALD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// Serializes template builds across concurrent test processes (advisory locks are per
// database; every process takes this one on the admin database).
const TEMPLATE_LOCK = 0x6865_7261;
const OBJECT_IN_USE = '55006';

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** The test server's URL without its password, for messages. */
function shownUrl(): string {
  const u = new URL(TEST_PG_URL);
  if (u.password) u.password = '***';
  return u.toString();
}

function urlFor(database: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

let availability: Promise<boolean> | undefined;

/** Whether the test server answers (checked once per process). */
export function pgAvailable(): Promise<boolean> {
  availability ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return availability;
}

function unreachableMessage(): string {
  return (
    `PostgreSQL is not reachable at ${shownUrl()}. Start it ` +
    '(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set HERALD_TEST_PG_URL.'
  );
}

/**
 * For `describe(name, { skip: await pgSkipReason() }, …)`: false when Postgres is up, a
 * visible skip reason when it is down, and a thrown error (a failed run) when it is down in CI.
 */
export async function pgSkipReason(): Promise<string | false> {
  if (await pgAvailable()) return false;
  if (process.env.CI === 'true')
    throw new Error(`CI requires PostgreSQL for these tests. ${unreachableMessage()}`);
  return `skipped: ${unreachableMessage()}`;
}

/** Throws unless Postgres is reachable; for tests that cannot skip from where they run. */
export async function requirePostgres(): Promise<void> {
  if (await pgAvailable()) return;
  const ci = process.env.CI === 'true' ? 'CI requires PostgreSQL for these tests. ' : '';
  throw new Error(`${ci}${unreachableMessage()}`);
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** CREATE/RENAME fail while a just-closed connection's backend is still exiting: retry briefly. */
async function whileInUse(fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== OBJECT_IN_USE || attempt >= 50) throw err;
      await sleep(100);
    }
  }
}

async function buildTemplate(): Promise<string> {
  const name = `herald_tmpl_${await migrationsDigest('postgres')}`;
  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount) return;
      // Built under another name and renamed when complete, so a crash mid-build never
      // leaves a half-migrated template behind.
      const building = `${name}_build`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building} TEMPLATE template0`);
      const store = new PostgresStore({ connectionString: urlFor(building), poolSize: 1 });
      try {
        await store.migrate();
      } finally {
        await store.close();
      }
      await whileInUse(() => admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`));
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  return name;
}

let template: Promise<string> | undefined;

/**
 * A fresh, uniquely named database, migrated unless `migrated: false` (then it is empty).
 * Call `drop()` when done.
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  await requirePostgres();
  let source = 'template0';
  if (opts.migrated !== false) {
    template ??= buildTemplate();
    source = await template;
  }
  const name = `herald_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => whileInUse(() => admin.query(`CREATE DATABASE ${name} TEMPLATE ${source}`)));
  return {
    name,
    url: urlFor(name),
    drop: () =>
      withAdmin(async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
