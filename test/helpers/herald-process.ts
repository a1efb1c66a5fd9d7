import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createTestDatabase } from './pg.ts';
import { createTempSqliteDir } from './sqlite.ts';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

export interface HeraldProcess {
  child: ChildProcess;
  /** Resolves when Herald prints "Listening on"; rejects if it exits first. */
  ready: Promise<void>;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Whether the process is still running. */
  alive(): boolean;
}

/** `herald serve` as an operator runs it: a child process with its own environment. */
export function spawnHerald(env: Record<string, string>, command = 'serve'): HeraldProcess {
  const child = spawn(process.execPath, [CLI, command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('Listening on')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`herald exited early (${code ?? signal}): ${out}`)),
    );
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Sends `signal` and waits for the exit; a no-op for a process that already ended. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

export interface ProcessSetup {
  /** The environment to spawn Herald with: a free port, an admin key, loopback allowed, its data. */
  env: Record<string, string>;
  base: string;
  /** JSON requests with the admin key. */
  headers: Record<string, string>;
}

/**
 * What a process-level test needs before it spawns Herald on `backend`: a port, an admin key,
 * and a fresh SQLite data directory or PostgreSQL database, removed by `cleanups`.
 */
export async function processSetup(
  backend: 'sqlite' | 'postgres',
  cleanups: Array<() => Promise<void> | void>,
  extraEnv: Record<string, string> = {},
): Promise<ProcessSetup> {
  const port = await freePort();
  const key = `hk_proc_${randomBytes(12).toString('hex')}`;
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    HERALD_ADMIN_KEY: key,
    HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
    HERALD_LOG_LEVEL: 'error',
    ...extraEnv,
  };
  if (backend === 'sqlite') {
    const dir = createTempSqliteDir();
    cleanups.push(() => dir.cleanup());
    env.HERALD_DATA_DIR = dir.dir;
  } else {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    env.DATABASE_URL = db.url;
    // Every process of one database shares one sealing key (and no key file lands in ./data).
    env.HERALD_SECRET_KEY ??= randomBytes(32).toString('base64');
  }
  return {
    env,
    base: `http://127.0.0.1:${port}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  };
}

/** Every descendant of `pid` (the browsers a killed Herald leaves behind), from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf)
      if (parent === p) {
        out.push(child);
        walk(child);
      }
  };
  walk(pid);
  return out;
}

/** SIGKILL, as an operator's `kill -9` or the OOM killer: the browsers it started go too. */
export async function killHard(p: HeraldProcess): Promise<void> {
  const orphans = p.child.pid === undefined ? [] : descendants(p.child.pid);
  await stopProcess(p.child, 'SIGKILL');
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Resolves once the process has printed `text` (e.g. a worker's start line); rejects if it exits first. */
export function printedBy(p: HeraldProcess, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms: ${p.output()}`)),
      timeoutMs,
    );
    const check = () => {
      if (!p.output().includes(text)) return;
      clearTimeout(timer);
      p.child.stdout!.off('data', check);
      p.child.stderr!.off('data', check);
      resolve();
    };
    p.child.stdout!.on('data', check);
    p.child.stderr!.on('data', check);
    p.child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`herald exited early (${code ?? signal}): ${p.output()}`));
    });
    check();
  });
}
