/** Shared helpers for the benchmark harness: payloads, signing, timing, /proc readings, child processes. */
import { createHmac, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { ChildProcess } from 'node:child_process';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Rejects with a loud, named error when `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port that was free a moment ago on 127.0.0.1 (for children that need the port up front). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Payloads and signatures

/**
 * The event `data` every scenario sends: the same shape and size as the Herald publish call in
 * bench/herald.ts. `projectID` carries the phase tag so the receiver only counts its own phase.
 */
export interface SiteData {
  object: 'site';
  name: string;
  siteKey: string;
  projectID: string;
  siteUrl: string;
  sentAt: number;
}

export function siteData(tag: string, i: number, sentAt: number): SiteData {
  return {
    object: 'site',
    name: `bench-site-${i}`,
    siteKey: 'abcdefghijkl',
    projectID: tag,
    siteUrl: 'http://127.0.0.1/',
    sentAt,
  };
}

/** The body Herald POSTs to receivers: `{eventID, event, dateAdded, data}`, around `data` as JSON. */
export function envelope(
  dataJson: string,
  eventID: string = randomUUID(),
  dateAdded = Date.now(),
  event = 'site.created',
): string {
  return `{"eventID":${JSON.stringify(eventID)},"event":${JSON.stringify(event)},"dateAdded":${dateAdded},"data":${dataJson}}`;
}

/** A Standard Webhooks secret (`whsec_` + base64 of 24 random bytes). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The HMAC key of a `whsec_` secret, as a KeyObject made once: on Node 24 `createHmac` with a
 * KeyObject costs ~3 µs against ~16 µs with a Buffer key (which is re-imported on every call).
 */
export function secretKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64'));
}

/** Standard Webhooks headers for one request: HMAC-SHA256 over `${id}.${timestamp}.${body}`. */
export function signedHeaders(key: KeyObject, msgId: string, body: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000).toString();
  const sig = createHmac('sha256', key).update(`${msgId}.${ts}.${body}`).digest('base64');
  return {
    'content-type': 'application/json',
    'user-agent': 'herald-bench',
    'webhook-id': msgId,
    'webhook-timestamp': ts,
    'webhook-signature': `v1,${sig}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux)

/** Peak resident set size (VmHWM) of a live process, in bytes; NaN when unreadable. */
export function peakRssBytes(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Current resident set size (VmRSS) of a live process, in bytes; NaN when unreadable. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const CLK_TCK = 100;

/** User + system CPU seconds a live process has used so far; NaN when unreadable. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds of each thread of `pid`, summed by thread name (`node` is the main thread,
 * a worker thread is named by Node, `libuv-worker` the thread pool, `V8 DefaultWorke` GC helpers).
 */
export function cpuSecondsByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(rest[11]) + Number(rest[12])) / CLK_TCK);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds of every live process whose command name is `comm` (e.g. the PostgreSQL server's). */
export function cpuSecondsByComm(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== comm) continue;
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), (Number(rest[11]) + Number(rest[12])) / CLK_TCK);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * CPU seconds of the PostgreSQL server processes working for the databases `dbNames`: their
 * client backends (the process title names the database) and the server's background processes
 * (WAL writer, checkpointer, …), which only the benchmark keeps busy. Backends of other databases
 * (other work on a shared server) are left out.
 */
export function cpuSecondsOfPostgres(dbNames: readonly string[]): Map<number, number> {
  const all = cpuSecondsByComm('postgres');
  const out = new Map<number, number>();
  for (const [pid, sec] of all) {
    let title: string;
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    // A client backend's title is `postgres: <cluster>: <user> <db> <host>(<port>) <state>`.
    const backend = /\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]|::1\(\d+\)/.test(title);
    if (!backend || dbNames.some((db) => title.includes(` ${db} `))) out.set(pid, sec);
  }
  return out;
}

/** CPU seconds used between two cpuSecondsByComm snapshots (processes that started in between count whole). */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, t] of after) sum += t - (before.get(pid) ?? 0);
  return sum;
}

/** Busy and total jiffies of the whole machine, for utilisation over an interval. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

// ---------------------------------------------------------------------------------------------
// Child processes

/** Keeps the last lines a child wrote, for error messages. */
export class OutputTail {
  readonly lines: string[] = [];
  readonly max: number;
  constructor(max = 40) {
    this.max = max;
  }
  attach(child: ChildProcess): void {
    const push = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.lines.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
        if (this.lines.length > this.max) this.lines.shift();
      }
    };
    child.stdout?.on('data', push);
    child.stderr?.on('data', push);
  }
  toString(): string {
    return this.lines.join('\n');
  }
}

/** Resolves once the child has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves when the child writes a line matching `pattern`; rejects when it exits first or after `ms`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, ms: number, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      // Only the tail is kept: a line may be split across chunks.
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (pattern.test(seen)) done(null);
    };
    const onExit = (code: number | null, signal: string | null): void =>
      done(new Error(`${what}: exited first (code ${code}, signal ${signal})`));
    const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function terminate(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  try {
    await withTimeout(exited(child), graceMs, `pid ${child.pid} to exit after SIGTERM`);
  } catch {
    child.kill('SIGKILL');
    await withTimeout(exited(child), 5000, `pid ${child.pid} to exit after SIGKILL`);
  }
}

/** Children that must not outlive the harness, even when it crashes. */
const live = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Temp dirs to remove even when the harness is interrupted. */
const tempDirs = new Set<string>();

export function trackTempDir(dir: string): void {
  tempDirs.add(dir);
}

export function untrackTempDir(dir: string): void {
  tempDirs.delete(dir);
}

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** The next message of `type` from a forked child; rejects on an `error` message, exit or timeout. */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: T['type'],
  ms: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (msg: unknown): void => {
      const m = msg as { type?: string; error?: string };
      if (m.type === 'error') {
        cleanup();
        reject(new Error(`${what}: child reported: ${m.error ?? 'unknown error'}`));
      } else if (m.type === type) {
        cleanup();
        resolve(msg as T);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`${what}: child exited (code ${code}, signal ${signal})`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms: ${what}`));
    }, ms);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** In a forked child: report an uncaught failure to the parent and exit non-zero. */
export function reportFatal(err: unknown): void {
  const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (process.send) process.send({ type: 'error', error }, () => process.exit(1));
  else {
    console.error(error);
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------
// Systems under test

/** What a producer reports for one phase. Times are wall ms (see wallNow). */
export interface Produced {
  /** When the first event of the phase was submitted. */
  t0: number;
  /** When the last submission was acknowledged (HTTP 202, insert committed, or 2xx for raw). */
  acceptedAt: number;
  /** When event i's submission was acknowledged, where the system under test records it (Herald). */
  acceptedAtBySeq?: Float64Array;
}

/** A system under test that accepts events and delivers them to the receiver. */
export interface Sut {
  readonly name: string;
  /** The process whose peak RSS and CPU are reported. */
  readonly pid: number;
  /** Every process of the system under test, `pid` first (one API and several workers); CPU and RSS add up. */
  readonly pids?: readonly number[];
  /** The scratch PostgreSQL database it uses, if any: its server CPU is counted separately. */
  readonly dbName?: string;
  /** The signing secret, so the receiver can verify a sample of signatures. */
  readonly secret: string | null;
  /**
   * Submits `n` events tagged `tag`; resolves once all were accepted. With `rate` (events/s) the
   * submissions are paced (event or batch i goes out at t0 + i/rate) instead of sent as one burst.
   */
  produce(tag: string, n: number, rate?: number): Promise<Produced>;
  /** Stops the process and removes everything it created. Safe to call twice. */
  stop(): Promise<void>;
}

/** Parent side of a forked producer child (raw.ts, pgboss.ts): init, produce, stop. */
export async function forkSut(
  name: string,
  file: string,
  init: Record<string, unknown>,
  opts: {
    secret: string | null;
    readyMs: number;
    produceMs: number;
    dbName?: string;
    onStop?: () => Promise<void>;
  },
): Promise<Sut> {
  const { fork } = await import('node:child_process');
  const tail = new OutputTail();
  const child = track(fork(file, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }));
  tail.attach(child);
  child.on('message', (m: { type?: string; error?: string }) => {
    if (m.type === 'log') console.error(`[${name}] ${m.error}`);
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      if (child.connected) {
        child.send({ type: 'stop' });
        await withTimeout(exited(child), 15_000, `${name} child to stop`).catch(() => undefined);
      }
      await terminate(child);
    } finally {
      await opts.onStop?.();
    }
  };
  try {
    child.send({ type: 'init', ...init });
    await nextMessage(child, 'ready', opts.readyMs, `${name} to start`);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- ${name} output ---\n${tail}`, { cause: err });
  }
  return {
    name,
    pid: child.pid!,
    secret: opts.secret,
    ...(opts.dbName ? { dbName: opts.dbName } : {}),
    async produce(tag, n, rate) {
      child.send({ type: 'produce', tag, n, rate: rate ?? 0 });
      const m = await nextMessage<{ type: 'produced' } & Produced>(
        child,
        'produced',
        opts.produceMs,
        `${name} to submit ${n} events`,
      );
      return { t0: m.t0, acceptedAt: m.acceptedAt };
    },
    stop,
  };
}

/** Child side: wires init/produce/stop messages to handlers, reporting failures to the parent. */
export function serveChild(handlers: {
  init(msg: Record<string, unknown>): Promise<void>;
  produce(tag: string, n: number, rate: number): Promise<Produced>;
  stop(): Promise<void>;
}): void {
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await handlers.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('message', (msg: { type: string; tag?: string; n?: number; rate?: number }) => {
    if (msg.type === 'init') {
      handlers.init(msg).then(() => process.send?.({ type: 'ready' }), reportFatal);
    } else if (msg.type === 'produce') {
      handlers
        .produce(msg.tag ?? '', msg.n ?? 0, msg.rate ?? 0)
        .then((p) => process.send?.({ type: 'produced', ...p }), reportFatal);
    } else if (msg.type === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  process.on('uncaughtException', reportFatal);
  process.on('unhandledRejection', reportFatal);
}

/** Runs `fn` over 0..n-1 with at most `limit` calls in flight. */
export async function boundedFor(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}

/** Resolves at wall time `at` (immediately if it has passed). */
export function sleepUntil(at: number): Promise<void> {
  const ms = at - wallNow();
  return ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms));
}

/**
 * A CPU speed probe: µs per HMAC-SHA256 of a 300-byte body, best of 3 batches, in this process.
 * The same work on the same machine should cost the same; when it does not, the (virtual) CPUs
 * themselves are slower at that moment and the round is noisier than it looks.
 */
export function cpuProbeMicros(): number {
  const key = createSecretKey(randomBytes(24));
  const body = 'x'.repeat(300);
  let best = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 3; batch++) {
    const t = performance.now();
    for (let i = 0; i < 5000; i++) createHmac('sha256', key).update(body).digest('base64');
    best = Math.min(best, ((performance.now() - t) * 1000) / 5000);
  }
  return best;
}

/**
 * Waits (bounded) until the machine is quiet: whole-machine CPU below `maxBusyPct` over a 500 ms
 * window (100 ms when `maxWaitMs` is 0). Other work on a shared machine otherwise lands inside a measurement. Returns the busy
 * share of the last window, in percent.
 */
export async function waitForQuiet(maxBusyPct: number, maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  // Not waiting at all (the smoke): one short window, only to report how busy the machine was.
  const windowMs = maxWaitMs === 0 ? 100 : 500;
  for (;;) {
    const a = machineCpu();
    await new Promise((r) => setTimeout(r, windowMs));
    const b = machineCpu();
    const busy = ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * 100;
    if (busy < maxBusyPct || Date.now() >= deadline) return busy;
  }
}

/** The most of `times` (ms) that fall within any `windowMs` (a sliding window). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
