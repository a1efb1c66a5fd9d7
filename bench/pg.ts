/** Scratch PostgreSQL databases on the local server, created per run and always dropped. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The maintenance connection; only ever loopback. Override with BENCH_PG_ADMIN_URL. */
export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const created = new Set<string>();

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function dbUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createScratchDb(prefix: string): Promise<{ name: string; url: string }> {
  const name = `herald_bench_${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  created.add(name);
  return { name, url: dbUrl(name) };
}

export async function dropScratchDb(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  created.delete(name);
}

/** Drops whatever is left (after a failure); errors are reported, not thrown. */
export async function dropAllScratchDbs(): Promise<void> {
  for (const name of [...created]) {
    await dropScratchDb(name).catch((err: unknown) =>
      console.error(`could not drop ${name}: ${String(err)}`),
    );
  }
}

/** The server's version, or null when the local server does not answer. */
export async function postgresVersion(): Promise<string | null> {
  try {
    const res = await admin((c) => c.query<{ server_version: string }>('SHOW server_version'));
    return res.rows[0]?.server_version ?? 'unknown';
  } catch {
    return null;
  }
}
