import { randomBytes } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { startApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase } from './pg.ts';
import { createTempSqliteDir } from './sqlite.ts';

export type Backend = 'sqlite' | 'postgres';

export interface TestHerald {
  app: App;
  url: string;
  adminKey: string;
  /** JSON request with the admin key (or `key`); returns status, parsed body and headers. */
  // Response bodies are JSON the tests inspect freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T; headers: Headers; text: string }>;
  stop(): Promise<void>;
}

/**
 * Starts a real Herald (HTTP server and worker) in this process on an ephemeral loopback
 * port, on a fresh SQLite file or a fresh Postgres database. Targets on 127.0.0.0/8 are
 * allowed unless the test overrides HERALD_TARGET_ALLOWLIST.
 */
export async function startHerald(
  backend: Backend = 'sqlite',
  env: Record<string, string> = {},
  opts: { logTo?: DestinationStream } = {},
): Promise<TestHerald> {
  const adminKey = `hk_test_${randomBytes(16).toString('hex')}`;
  const sqlite = backend === 'sqlite' ? createTempSqliteDir() : null;
  const pg = backend === 'postgres' ? await createTestDatabase() : null;
  const config = loadConfig(
    {},
    {
      PORT: '0',
      HOST: '127.0.0.1',
      HERALD_DATA_DIR: sqlite?.dir ?? '/nonexistent',
      // PostgreSQL has no data directory of its own here: the sealing key comes from the env.
      ...(pg ? { HERALD_SECRET_KEY: randomBytes(32).toString('base64') } : {}),
      DATABASE_URL: pg?.url ?? '',
      HERALD_ADMIN_KEY: adminKey,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_RETRY_SCHEDULE: '0,1,1,1',
      HERALD_LOG_LEVEL: process.env.HERALD_TEST_LOG ?? 'silent',
      HERALD_SQLITE_SYNCHRONOUS: 'NORMAL',
      HERALD_POLL_INTERVAL_MS: '50',
      ...env,
    },
  );
  const app = await startApp(config, createLogger(config.logLevel, opts.logTo));
  const url = app.url!;
  const api: TestHerald['api'] = async (method, path, body, opts = {}) => {
    const key = opts.key === undefined ? adminKey : opts.key;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as never, headers: res.headers, text };
  };
  return {
    app,
    url,
    adminKey,
    api,
    async stop() {
      await app.stop();
      sqlite?.cleanup();
      await pg?.drop();
    },
  };
}
