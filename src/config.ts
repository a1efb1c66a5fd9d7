import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKey } from './store/sealing/box.ts';
import type { SecretSource } from './store/sealing/key-source.ts';
import { parseAllowlist, type Cidr } from './network/policy.ts';
import { DEFAULT_RETRY_SCHEDULE_SEC, parseRetrySchedule } from './domain/retry.ts';

/**
 * Configuration, loaded in layers: typed defaults, then an optional JSON file
 * (HERALD_CONFIG, keys are the env names), then environment variables, then validation that
 * stops start-up with a message naming the variable. Each field is documented once, here;
 * the README table is checked against this list by a test.
 */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  adminKey: string | null;
  secretKey: string | null;
  secretKeyPrevious: string[];
  retrySchedule: number[];
  deliveryTimeoutMs: number;
  targetAllowlist: Cidr[];
  targetAllowlistRaw: string;
  publicUrl: string;
  retentionDays: number;
  hookDisableAfterSec: number;
  hookMaxInFlight: number;
  connectionsPerOrigin: number;
  senderThread: boolean;
  workerBatchSize: number;
  workerMaxHeldBytes: number;
  pollIntervalMs: number;
  leaseMs: number;
  retryAfterMaxSec: number;
  secretGraceSec: number;
  housekeepingIntervalMs: number;
  maxBodyBytes: number;
  maxEventBytes: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  logLevel: string;
  buildConcurrency: number;
  monitorMinIntervalSec: number;
  monitorTickMs: number;
  buildStepTimeoutMs: number;
  buildTimeoutMs: number;
  chromiumPath: string;
  firefoxPath: string;
  tenonConcurrency: number;
  runMaxAttempts: number;
  browserIdleMs: number;
  tenonSyncWaitMs: number;
  tenonQueueTimeoutMs: number;
  tenonCallbackSecret: string | null;
  adminEmail: string | null;
  adminPassword: string | null;
  trustProxy: boolean;
  metricsToken: string | null;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  setupLinkTtlSec: number;
  otlpEndpoint: string | null;
  otelServiceName: string;
  /** Whether HERALD_PUBLIC_URL was given (not derived from HOST:PORT): only then is Host checked. */
  publicUrlConfigured: boolean;
}

type Parser<T> = (raw: string) => T;

interface Field<K extends keyof Config> {
  key: K;
  env: string;
  doc: string;
  default: string;
  parse: Parser<Config[K]>;
}

const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw.trim())) throw new Error(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
const str: Parser<string> = (raw) => raw;
const optional: Parser<string | null> = (raw) => (raw.trim() === '' ? null : raw.trim());

function field<K extends keyof Config>(f: Field<K>): Field<K> {
  return f;
}

export const CONFIG_FIELDS = [
  field({ key: 'port', env: 'PORT', default: '8080', doc: 'HTTP port to listen on.', parse: int(0, 65535) }),
  field({
    key: 'host',
    env: 'HOST',
    default: '127.0.0.1',
    doc: 'Interface to listen on; use 0.0.0.0 to accept connections from other machines.',
    parse: str,
  }),
  field({
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    default: '',
    doc: 'A postgres:// URL selects PostgreSQL; empty means the embedded SQLite database.',
    parse: (raw) => {
      const v = optional(raw);
      if (v !== null && !/^postgres(ql)?:\/\//.test(v)) throw new Error('must start with postgres://');
      return v;
    },
  }),
  field({
    key: 'dataDir',
    env: 'HERALD_DATA_DIR',
    default: './data',
    doc: 'Folder of the SQLite database file (herald.db).',
    parse: str,
  }),
  field({
    key: 'adminKey',
    env: 'HERALD_ADMIN_KEY',
    default: '',
    doc: 'When set, an admin API key of the default tenant, created at start-up if missing (at least 16 characters).',
    parse: (raw) => {
      const v = optional(raw);
      if (v !== null && v.length < 16) throw new Error('must be at least 16 characters');
      return v;
    },
  }),
  field({
    key: 'secretKey',
    env: 'HERALD_SECRET_KEY',
    default: '',
    doc: 'Key that seals secrets in the database (32 bytes, base64: openssl rand -base64 32). Empty: the key file herald.key in HERALD_DATA_DIR, made on first start. Every process on one database needs the same key.',
    parse: (raw) => {
      const v = optional(raw);
      if (v !== null) parseKey(v, 'the key');
      return v;
    },
  }),
  field({
    key: 'secretKeyPrevious',
    env: 'HERALD_SECRET_KEY_PREVIOUS',
    default: '',
    doc: 'During a key rotation: the former HERALD_SECRET_KEY (comma-separated if several), which still opens values until `herald secret-key rotate` has sealed them again.',
    parse: (raw) => {
      const keys = raw
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      keys.forEach((k, i) => parseKey(k, `key ${i + 1}`));
      return keys;
    },
  }),
  field({
    key: 'retrySchedule',
    env: 'HERALD_RETRY_SCHEDULE',
    default: DEFAULT_RETRY_SCHEDULE_SEC.join(','),
    doc: 'Delay in seconds before each attempt, comma-separated; the first is normally 0 (at once).',
    parse: parseRetrySchedule,
  }),
  field({
    key: 'deliveryTimeoutMs',
    env: 'HERALD_DELIVERY_TIMEOUT_MS',
    default: '15000',
    doc: 'Overall deadline of one attempt: connect, headers and the whole response body.',
    parse: int(100, 300_000),
  }),
  field({
    key: 'targetAllowlistRaw',
    env: 'HERALD_TARGET_ALLOWLIST',
    default: '',
    doc: 'Comma-separated CIDRs that delivery may reach although SSRF protection blocks them (e.g. 10.1.0.0/16).',
    parse: (raw) => {
      parseAllowlist(raw);
      return raw;
    },
  }),
  field({
    key: 'publicUrl',
    env: 'HERALD_PUBLIC_URL',
    default: '',
    doc: 'Base URL under which users reach Herald, used in links; defaults to http://HOST:PORT.',
    parse: (raw) => {
      if (raw === '') return raw;
      const u = URL.parse(raw);
      if (!u || !/^https?:$/.test(u.protocol)) throw new Error('must be an absolute http(s) URL');
      return raw.replace(/\/+$/, '');
    },
  }),
  field({
    key: 'retentionDays',
    env: 'HERALD_RETENTION_DAYS',
    default: '30',
    doc: 'Events and attempts older than this many days are purged.',
    parse: int(1, 36_500),
  }),
  field({
    key: 'hookDisableAfterSec',
    env: 'HERALD_HOOK_DISABLE_AFTER_SEC',
    default: String(5 * 24 * 3600),
    doc: 'A hook that has failed without a single success for this long is disabled (hook.disabled is announced).',
    parse: int(1, 365 * 24 * 3600),
  }),
  field({
    key: 'hookMaxInFlight',
    env: 'HERALD_HOOK_MAX_IN_FLIGHT',
    default: '64',
    doc: 'Requests in flight at once to one hook, so one slow receiver cannot hold up the rest.',
    parse: int(1, 10_000),
  }),
  field({
    key: 'connectionsPerOrigin',
    env: 'HERALD_CONNECTIONS_PER_ORIGIN',
    default: '64',
    doc: 'Keep-alive connections in the pool of each receiving origin.',
    parse: int(1, 10_000),
  }),
  field({
    key: 'senderThread',
    env: 'HERALD_SENDER_THREAD',
    default: 'true',
    doc: 'Sign and send webhooks on a worker thread, so delivery uses a second core; false sends on the main thread.',
    parse: (raw) => {
      if (raw !== 'true' && raw !== 'false') throw new Error('must be true or false');
      return raw === 'true';
    },
  }),
  field({
    key: 'workerBatchSize',
    env: 'HERALD_WORKER_BATCH',
    default: '512',
    doc: 'Deliveries a worker holds in flight and claims per query.',
    parse: int(1, 10_000),
  }),
  field({
    key: 'workerMaxHeldBytes',
    env: 'HERALD_WORKER_MAX_HELD_BYTES',
    default: String(64 * 1024 * 1024),
    doc: 'Payload bytes a worker holds at most (each event counted once); past it, work waits in the database.',
    parse: int(1024, 64 * 1024 * 1024 * 1024),
  }),
  field({
    key: 'pollIntervalMs',
    env: 'HERALD_POLL_INTERVAL_MS',
    default: '1000',
    doc: 'How often an idle worker looks for due retries.',
    parse: int(10, 60_000),
  }),
  field({
    key: 'leaseMs',
    env: 'HERALD_LEASE_MS',
    default: '300000',
    doc: 'How long a claimed delivery is reserved to its worker; a dead worker’s work is retried after this.',
    parse: int(1000, 3_600_000),
  }),
  field({
    key: 'retryAfterMaxSec',
    env: 'HERALD_RETRY_AFTER_MAX_SEC',
    default: '3600',
    doc: 'A receiver’s Retry-After is honoured up to this many seconds.',
    parse: int(0, 86_400),
  }),
  field({
    key: 'secretGraceSec',
    env: 'HERALD_SECRET_GRACE_SEC',
    default: '86400',
    doc: 'After a rotation the old signing secret keeps signing alongside the new one for this long.',
    parse: int(0, 30 * 86_400),
  }),
  field({
    key: 'housekeepingIntervalMs',
    env: 'HERALD_HOUSEKEEPING_INTERVAL_MS',
    default: '60000',
    doc: 'How often a worker disables hooks that only fail and purges old data.',
    parse: int(10, 86_400_000),
  }),
  field({
    key: 'maxBodyBytes',
    env: 'HERALD_MAX_BODY_BYTES',
    default: String(8 * 1024 * 1024),
    doc: 'Largest request body the API accepts.',
    parse: int(1024, 512 * 1024 * 1024),
  }),
  field({
    key: 'maxEventBytes',
    env: 'HERALD_MAX_EVENT_BYTES',
    // 1 MiB (DEFAULT_MAX_EVENT_BYTES of src/ingest/limits.ts) holds a Tenon apiLog with its full
    // API response (~1,000 issues); deliveries in flight share one copy of each event.
    default: String(1024 * 1024),
    doc: 'Largest event accepted, as bytes of its `data` serialised as JSON; a larger one gets 413 EVENT_TOO_LARGE.',
    parse: int(1024, 512 * 1024 * 1024),
  }),
  field({
    key: 'sqliteSynchronous',
    env: 'HERALD_SQLITE_SYNCHRONOUS',
    default: 'FULL',
    doc: 'SQLite durability: FULL survives power loss; NORMAL survives a process crash, but a power loss or OS crash may undo commits since the last checkpoint (up to 10,000 WAL pages).',
    parse: (raw) => {
      const v = raw.toUpperCase();
      if (v !== 'FULL' && v !== 'NORMAL') throw new Error('must be FULL or NORMAL');
      return v;
    },
  }),
  field({
    key: 'logLevel',
    env: 'HERALD_LOG_LEVEL',
    default: 'info',
    doc: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
    parse: (raw) => {
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(raw))
        throw new Error('must be one of fatal, error, warn, info, debug, trace, silent');
      return raw;
    },
  }),
  field({
    key: 'buildConcurrency',
    env: 'HERALD_BUILD_CONCURRENCY',
    default: '2',
    doc: 'Browser test runs (one trace in one browser) at once per worker.',
    parse: int(1, 64),
  }),
  field({
    key: 'monitorMinIntervalSec',
    env: 'HERALD_MONITOR_MIN_INTERVAL_SEC',
    default: '300',
    doc: 'Shortest schedule a site monitor may have, in seconds (each run tests every page in a browser).',
    parse: int(1, 604_800),
  }),
  field({
    key: 'monitorTickMs',
    env: 'HERALD_MONITOR_TICK_MS',
    default: '5000',
    doc: 'How often each worker looks for site monitors whose slot has come.',
    parse: int(50, 600_000),
  }),
  field({
    key: 'buildStepTimeoutMs',
    env: 'HERALD_BUILD_STEP_TIMEOUT_MS',
    default: '10000',
    doc: 'How long one trace step may take before it fails.',
    parse: int(100, 600_000),
  }),
  field({
    key: 'buildTimeoutMs',
    env: 'HERALD_BUILD_TIMEOUT_MS',
    default: '600000',
    doc: 'How long a whole build may run; unfinished test cases then fail.',
    parse: int(1000, 86_400_000),
  }),
  field({
    key: 'chromiumPath',
    env: 'HERALD_CHROMIUM_PATH',
    default: '/usr/bin/chromium',
    doc: 'The browser that runs `chrome` test cases (Debian package chromium).',
    parse: str,
  }),
  field({
    key: 'firefoxPath',
    env: 'HERALD_FIREFOX_PATH',
    default: '/usr/bin/firefox-esr',
    doc: 'The browser that runs `firefox` test cases (Debian package firefox-esr).',
    parse: str,
  }),
  field({
    key: 'tenonConcurrency',
    env: 'HERALD_TENON_CONCURRENCY',
    default: '2',
    doc: 'Tenon test runs (one page in Chromium) at once per worker.',
    parse: int(1, 64),
  }),
  field({
    key: 'runMaxAttempts',
    env: 'HERALD_RUN_MAX_ATTEMPTS',
    default: '3',
    doc: 'How often a build test case, Tenon test run or monitor slot is started before it fails: each start beyond the first means its worker stopped or died running it.',
    parse: int(1, 100),
  }),
  field({
    key: 'browserIdleMs',
    env: 'HERALD_BROWSER_IDLE_MS',
    default: '600000',
    doc: 'How long the worker keeps an idle browser (shared by builds and Tenon test runs) open before closing it.',
    parse: int(1000, 86_400_000),
  }),
  field({
    key: 'tenonSyncWaitMs',
    env: 'HERALD_TENON_SYNC_WAIT_MS',
    default: '90000',
    doc: 'How long a synchronous POST /api/ waits for its run; past it the answer is a 522 and the run goes on (poll GET /api/test-runs/:responseID).',
    parse: int(1000, 600_000),
  }),
  field({
    key: 'tenonQueueTimeoutMs',
    env: 'HERALD_TENON_QUEUE_TIMEOUT_MS',
    default: '600000',
    doc: 'A test run not finished this long after it was queued fails with a 522 (no worker took it, or each one died running it).',
    parse: int(10_000, 86_400_000),
  }),
  field({
    key: 'tenonCallbackSecret',
    env: 'HERALD_TENON_CALLBACK_SECRET',
    default: '',
    doc: 'Standard Webhooks secret (whsec_…) that signs Tenon async callbacks; unsigned when empty.',
    parse: optional,
  }),
  field({
    key: 'adminEmail',
    env: 'HERALD_ADMIN_EMAIL',
    default: '',
    doc: 'With HERALD_ADMIN_PASSWORD: a console user of the default tenant, created at start-up if missing.',
    parse: (raw) => {
      const v = optional(raw);
      if (v !== null && !/^[^\s@]+@[^\s@]+$/.test(v)) throw new Error('must be an email address');
      return v;
    },
  }),
  field({
    key: 'adminPassword',
    env: 'HERALD_ADMIN_PASSWORD',
    default: '',
    doc: 'Password of HERALD_ADMIN_EMAIL (at least 8 characters).',
    parse: (raw) => {
      const v = optional(raw);
      if (v !== null && v.length < 8) throw new Error('must be at least 8 characters');
      return v;
    },
  }),
  field({
    key: 'trustProxy',
    env: 'HERALD_TRUST_PROXY',
    default: 'false',
    doc: 'Trust X-Forwarded-For and X-Forwarded-Proto (only behind a reverse proxy that sets them): sign-in throttling then counts the client address the proxy saw.',
    parse: (raw) => {
      if (raw !== 'true' && raw !== 'false') throw new Error('must be true or false');
      return raw === 'true';
    },
  }),
  field({
    key: 'metricsToken',
    env: 'HERALD_METRICS_TOKEN',
    default: '',
    doc: 'When set, GET /metrics needs "Authorization: Bearer <token>" (401 without it).',
    parse: optional,
  }),
  field({
    key: 'requestTimeoutMs',
    env: 'HERALD_REQUEST_TIMEOUT_MS',
    default: '30000',
    doc: 'A client must send a whole request (headers and body) within this long, or the connection is closed (slow-client defence).',
    parse: int(1000, 3_600_000),
  }),
  field({
    key: 'headersTimeoutMs',
    env: 'HERALD_HEADERS_TIMEOUT_MS',
    default: '10000',
    doc: 'A client must send the request headers within this long, or the connection is closed.',
    parse: int(1000, 3_600_000),
  }),
  field({
    key: 'keepAliveTimeoutMs',
    env: 'HERALD_KEEP_ALIVE_TIMEOUT_MS',
    default: '5000',
    doc: 'An idle keep-alive connection is closed after this long.',
    parse: int(100, 3_600_000),
  }),
  field({
    key: 'setupLinkTtlSec',
    env: 'HERALD_SETUP_LINK_TTL_SEC',
    default: '3600',
    doc: 'How long the one-time console setup link printed on a first run (no console user yet) stays valid.',
    parse: int(60, 7 * 86_400),
  }),
  field({
    key: 'otlpEndpoint',
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    default: '',
    doc: 'OpenTelemetry: an OTLP/HTTP collector base URL (e.g. `http://127.0.0.1:4318`). When set, Herald exports spans of publishes, fan-outs, delivery attempts, test runs and builds to `<url>/v1/traces`; unset, tracing is off and costs nothing.',
    parse: (raw) => {
      if (raw === '') return null;
      try {
        const u = new URL(raw);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
      } catch {
        throw new Error('must be an http(s) URL');
      }
      return raw;
    },
  }),
  field({
    key: 'otelServiceName',
    env: 'OTEL_SERVICE_NAME',
    default: 'herald',
    doc: "OpenTelemetry: the `service.name` of Herald's spans.",
    parse: (raw) => raw,
  }),
] as const;

export class ConfigError extends Error {}

/** Builds the config from defaults, HERALD_CONFIG (a JSON file), env and overrides. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Record<string, string>> = {},
): Config {
  let file: Record<string, unknown> = {};
  if (env.HERALD_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.HERALD_CONFIG, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`HERALD_CONFIG: cannot read ${env.HERALD_CONFIG}: ${(err as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const f of CONFIG_FIELDS) {
    const fromFile = file[f.env];
    const raw = overrides[f.env] ?? env[f.env] ?? (fromFile === undefined ? undefined : String(fromFile));
    try {
      out[f.key] = (f.parse as Parser<unknown>)(raw ?? f.default);
    } catch (err) {
      problems.push(`${f.env}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  if ((out['adminEmail'] === null) !== (out['adminPassword'] === null))
    problems.push('HERALD_ADMIN_EMAIL and HERALD_ADMIN_PASSWORD go together: set both or neither');
  if ((out['headersTimeoutMs'] as number) > (out['requestTimeoutMs'] as number))
    problems.push('HERALD_HEADERS_TIMEOUT_MS must not be larger than HERALD_REQUEST_TIMEOUT_MS');
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  const config = out as unknown as Config;
  config.targetAllowlist = parseAllowlist(config.targetAllowlistRaw);
  config.publicUrlConfigured = config.publicUrl !== '';
  if (config.publicUrl === '') {
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    config.publicUrl = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  }
  return config;
}

/** Where the key that seals secrets comes from (see store/sealing). */
export function secretSource(c: Pick<Config, 'secretKey' | 'secretKeyPrevious' | 'dataDir'>): SecretSource {
  return { key: c.secretKey, previous: c.secretKeyPrevious, keyFile: join(c.dataDir, 'herald.key') };
}
