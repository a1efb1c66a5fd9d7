#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=40
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startApp, type AppRoles } from './app.ts';
import { UserError } from './auth/users.ts';
import { ConfigError, loadConfig, secretSource, type Config } from './config.ts';
import { HeraldError } from './domain/errors.ts';
import { createLogger } from './log.ts';
import { KeyService } from './services/keys.ts';
import { DEFAULT_TENANT_ID, TenantService } from './services/tenants.ts';
import { UserService } from './services/users.ts';
import { openStore, SecretKeyError } from './store/index.ts';
import { newKeyText } from './store/sealing/box.ts';
import { rotateSecretKey } from './store/sealing/rotate.ts';
import { VERSION } from './version.ts';

const USAGE = `herald ${VERSION}: self-hosted webhooks

Usage: herald <command> [options]

  serve                      API and delivery worker in one process (default)
  api                        only the HTTP API
  worker                     only the delivery worker
  migrate                    apply database migrations and exit
  tenants create --name N    create a tenant; prints its id
  tenants list               list tenants
  keys create [--tenant ID] [--role admin|member] [--name N]
                             create an API key (default tenant: ${DEFAULT_TENANT_ID}); prints it once
  users create --email E --password P [--tenant ID] [--role admin|member]
                             create a web console user (default tenant, role admin)
  secret-key new             print a fresh key for HERALD_SECRET_KEY
  secret-key rotate          seal every stored secret with a new key (see README
                             "Secrets at rest"); safe to stop and run again

Configuration comes from environment variables (see README.md), e.g. PORT, DATABASE_URL.`;

function fail(message: string): never {
  process.stderr.write(`herald: ${message}\n`);
  process.exit(1);
}

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

/** The services the one-shot commands need, on a migrated store that is closed afterwards. */
interface AdminServices {
  tenants: TenantService;
  keys: KeyService;
  users: UserService;
}

async function withServices<T>(fn: (s: AdminServices) => Promise<T>): Promise<T> {
  const c = config();
  const store = await openStore({
    databaseUrl: c.databaseUrl ?? undefined,
    dataDir: c.dataDir,
    secrets: secretSource(c),
  });
  try {
    await store.migrate();
    return await fn({
      tenants: new TenantService({ store }),
      keys: new KeyService({ store }),
      users: new UserService({ store }),
    });
  } catch (err) {
    if (err instanceof HeraldError) fail(err.message);
    if (err instanceof UserError) fail(`${err.field}: ${err.message}`);
    throw err;
  } finally {
    await store.close();
  }
}

async function run(roles: AppRoles): Promise<void> {
  const c = config();
  const log = createLogger(c.logLevel);
  const app = await startApp(c, log, roles);
  const where = c.databaseUrl ? 'PostgreSQL' : `SQLite at ${resolve(c.dataDir, 'herald.db')}`;
  const lines = [
    `Herald ${VERSION} (${[roles.api && 'api', roles.worker && 'worker'].filter(Boolean).join(' + ')}) on ${where}`,
  ];
  if (app.url) {
    lines.push(`Listening on ${app.url}  (API docs: ${app.url}/docs)`);
    const key = c.adminKey ? null : await new KeyService({ store: app.store }).firstRunKey();
    if (key) {
      lines.push(`First run: created an admin API key (shown only now):\n\n    ${key}\n`);
      lines.push(`Try: curl -H "Authorization: Bearer ${key}" ${app.url}/api/hooks`);
    } else {
      lines.push(`Create an API key with: npx herald keys create --role admin   (or set HERALD_ADMIN_KEY)`);
    }
    // The link names the address Herald listens on, or the configured public URL.
    const base = c.publicUrlConfigured ? c.publicUrl : app.url;
    const link = await app.services.users.setup.open(base, c.setupLinkTtlSec * 1000);
    if (link) {
      const minutes = Math.round(c.setupLinkTtlSec / 60);
      lines.push(
        `No console user yet. Open this one-time link within ${minutes} minutes to choose the first admin's email and password:\n\n    ${link}\n`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    log.info({ signal }, 'shutting down: finishing in-flight deliveries');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** `herald secret-key rotate`: progress on stdout, one line a batch, so an operator sees it move. */
async function rotate(): Promise<void> {
  const c = config();
  const source = secretSource(c);
  const report = await rotateSecretKey(
    source,
    () => openStore({ databaseUrl: c.databaseUrl ?? undefined, dataDir: c.dataDir, secrets: source }),
    (where, count) => process.stdout.write(`sealed ${count} in ${where}\n`),
  );
  process.stdout.write(
    `rotated: ${report.resealed} values sealed with the new key${
      report.keyFile
        ? `; ${report.keyFile} now holds only the new key`
        : '; now remove HERALD_SECRET_KEY_PREVIOUS from every process'
    }\n`,
  );
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      tenant: { type: 'string' },
      role: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'serve', sub] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  switch (command) {
    case 'serve':
      return run({ api: true, worker: true });
    case 'api':
      return run({ api: true, worker: false });
    case 'worker':
      return run({ api: false, worker: true });
    case 'migrate':
      await withServices(async () => undefined);
      process.stdout.write('migrations applied\n');
      return;
    case 'tenants':
      if (sub === 'create') {
        if (!values.name) fail('tenants create needs --name');
        const name = values.name;
        const tenant = await withServices((s) => s.tenants.create(name));
        process.stdout.write(`${JSON.stringify(tenant)}\n`);
        return;
      }
      if (sub === 'list') {
        const tenants = await withServices((s) => s.tenants.list());
        for (const t of tenants) process.stdout.write(`${t.id}\t${t.name}\n`);
        return;
      }
      return fail(`unknown: tenants ${sub ?? ''}\n\n${USAGE}`);
    case 'keys':
      if (sub === 'create') {
        const role = values.role ?? 'member';
        if (role !== 'admin' && role !== 'member') fail('--role must be admin or member');
        const tenantId = values.tenant ?? DEFAULT_TENANT_ID;
        const key = await withServices((s) => s.keys.create(tenantId, { role, name: values.name ?? 'cli' }));
        process.stdout.write(`${key.key}\n`);
        return;
      }
      return fail(`unknown: keys ${sub ?? ''}\n\n${USAGE}`);
    case 'users':
      if (sub === 'create') {
        if (!values.email || !values.password) fail('users create needs --email and --password');
        const role = values.role ?? 'admin';
        if (role !== 'admin' && role !== 'member') fail('--role must be admin or member');
        const input = {
          email: values.email,
          password: values.password,
          role: role as 'admin' | 'member',
          tenantId: values.tenant,
        };
        const user = await withServices((s) => s.users.create(input));
        process.stdout.write(
          `${JSON.stringify({ id: user.id, tenantId: user.tenantId, email: user.email, role: user.role })}\n`,
        );
        return;
      }
      return fail(`unknown: users ${sub ?? ''}\n\n${USAGE}`);
    case 'secret-key':
      if (sub === 'new') {
        process.stdout.write(`${newKeyText()}\n`);
        return;
      }
      if (sub === 'rotate') return rotate();
      return fail(`unknown: secret-key ${sub ?? ''}\n\n${USAGE}`);
    default:
      return fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // A wrong or missing key: say so plainly and refuse to start (nothing is sent unsigned).
  if (err instanceof SecretKeyError) fail(`secret key: ${err.message}`);
  process.stderr.write(`herald: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
