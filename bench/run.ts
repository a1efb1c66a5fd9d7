/**
 * Herald benchmark: deliveries per second from accepted event to receiver 2xx, p50/p99 latency and
 * peak RSS, for the raw ceiling, Herald on SQLite, Herald on PostgreSQL and a pg-boss peer, in
 * interleaved rounds on this machine. Prints a markdown report and writes bench/results/latest.md.
 *
 * The slow-hook mix: Herald on SQLite with 10 hooks, all fast (`fastmix`) or one of them answering
 * in 1 s (`slowmix`); it reports the fast hooks' deliveries/s of the mix against the all-fast
 * figure of the same run (the target: within 10 %). Each mix round publishes events/10 events.
 *
 * `--smoke`: a short check that every scenario runs (2,000 events, 1 round, no quiet waits or
 * repeats, report to bench/results/smoke.md); CI runs it. Its figures are not comparable.
 *
 *   node bench/run.ts [--smoke] [--events 20000] [--rounds 5] [--warmup 1000] [--only raw,sqlite,postgres,pgboss,fastmix,slowmix]
 *                     (`pgsplit`, Herald on PostgreSQL as one `api` and two `worker` processes, runs only when named)
 *                     [--rate 0] [--concurrency 64] [--batch 200] [--batches-in-flight 4] [--timeout 120] [--budget 570]
 *                     [--pgboss-tuning '{"batchSize":200}'] [--herald-env KEY=VALUE]... [--out bench/results/latest.md]
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, heraldMissing, startHerald } from './herald.ts';
import {
  cpuDelta,
  cpuProbeMicros,
  cpuSeconds,
  cpuSecondsByComm,
  cpuSecondsByThread,
  machineCpu,
  median,
  peakRssBytes,
  waitForQuiet,
  wallNow,
} from './lib.ts';
import type { Sut } from './lib.ts';
import { PGBOSS_QUEUE_OPTIONS, PGBOSS_TUNING, startPgBoss } from './pgboss.ts';
import type { PgBossTuning } from './pgboss.ts';
import { dropAllScratchDbs, postgresVersion } from './pg.ts';
import { startRaw } from './raw.ts';
import { startReceiver } from './receiver.ts';
import type { Receiver, ReceiverStats } from './receiver.ts';

const SCENARIOS = ['raw', 'sqlite', 'postgres', 'pgsplit', 'pgboss', 'fastmix', 'slowmix'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** Scenarios that run only when --only names them. */
const OPT_IN = new Set<Scenario>(['pgsplit']);

const LABELS: Record<Scenario, string> = {
  raw: 'raw ceiling (undici → receiver)',
  sqlite: 'Herald on SQLite',
  postgres: 'Herald on PostgreSQL',
  pgsplit: 'Herald on PostgreSQL, api + 2 workers',
  pgboss: 'pg-boss peer',
  fastmix: 'Herald on SQLite, 10 fast hooks',
  slowmix: 'Herald on SQLite, 9 fast + 1 slow (1 s) hooks',
};

/** The slow-hook mix: hooks per Herald, and the share of events per round (each goes to every hook). */
const MIX_HOOKS: Partial<Record<Scenario, { fast: number; slow: number }>> = {
  fastmix: { fast: 10, slow: 0 },
  slowmix: { fast: 9, slow: 1 },
};
const MIX_EVENT_SHARE = 10;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1000' },
    only: { type: 'string', default: SCENARIOS.filter((s) => !OPT_IN.has(s)).join(',') },
    concurrency: { type: 'string', default: '64' },
    batch: { type: 'string', default: '200' },
    'batches-in-flight': { type: 'string', default: '4' },
    timeout: { type: 'string', default: '120' },
    rate: { type: 'string', default: '0' },
    budget: { type: 'string', default: '570' },
    'quiet-pct': { type: 'string', default: '25' },
    'quiet-wait': { type: 'string', default: '10' },
    'max-foreign': { type: 'string', default: '15' },
    retries: { type: 'string', default: '2' },
    'pgboss-tuning': { type: 'string', default: '{}' },
    'herald-env': { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const SMOKE = args.smoke ?? false;

if (args.help) {
  console.log(
    'node bench/run.ts [--smoke] [--events N] [--rounds R] [--warmup W] [--only raw,sqlite,postgres,pgsplit,pgboss]\n' +
      '                  [--rate EVENTS_PER_SEC] [--concurrency C] [--batch B] [--batches-in-flight F]\n' +
      '                  [--timeout SECONDS_PER_PHASE] [--budget SECONDS_IN_ALL] [--quiet-pct 25] [--quiet-wait 10]\n' +
      '                  [--max-foreign 15] [--retries 2]\n' +
      '                  [--out FILE]\n' +
      '                  [--pgboss-tuning \'{"batchSize":200,"localConcurrency":4}\'] [--herald-env KEY=VALUE]...',
  );
  process.exit(0);
}

function intArg(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min}`);
    process.exit(2);
  }
  return n;
}

const EVENTS = SMOKE ? 2000 : intArg('events', args.events, 1);
const ROUNDS = SMOKE ? 1 : intArg('rounds', args.rounds, 1);
const WARMUP = SMOKE ? 200 : intArg('warmup', args.warmup, 0);
const CONCURRENCY = intArg('concurrency', args.concurrency, 1);
const BATCH = intArg('batch', args.batch, 1);
const IN_FLIGHT = intArg('batches-in-flight', args['batches-in-flight'], 1);
const TIMEOUT_MS = intArg('timeout', args.timeout, 1) * 1000;
/** 0 = one burst (throughput); > 0 = paced submissions at this many events/s (latency under load). */
const RATE = intArg('rate', args.rate, 0);
/** Before each run, wait up to QUIET_WAIT_MS for the machine to be less than QUIET_PCT % busy. */
const QUIET_PCT = intArg('quiet-pct', args['quiet-pct'], 1);
const QUIET_WAIT_MS = SMOKE ? 0 : intArg('quiet-wait', args['quiet-wait'], 0) * 1000;
/** A run where other work took more than MAX_FOREIGN % of the machine is repeated, up to RETRIES times. */
const MAX_FOREIGN = intArg('max-foreign', args['max-foreign'], 0);
const RETRIES = SMOKE ? 0 : intArg('retries', args.retries, 0);
/** No new scenario run starts once the whole benchmark has run this long (seconds). */
const BUDGET_MS = intArg('budget', args.budget, 1) * 1000;
const selected = (args.only ?? '').split(',').map((s) => s.trim()) as Scenario[];
for (const s of selected) {
  if (!SCENARIOS.includes(s)) {
    console.error(`unknown scenario "${s}"; choose from ${SCENARIOS.join(',')}`);
    process.exit(2);
  }
}
const HERALD_ENV: Record<string, string> = {};
for (const kv of args['herald-env'] ?? []) {
  const eq = kv.indexOf('=');
  if (eq < 1) {
    console.error(`--herald-env takes KEY=VALUE, got "${kv}"`);
    process.exit(2);
  }
  HERALD_ENV[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const PGBOSS_OVERRIDES = JSON.parse(args['pgboss-tuning'] ?? '{}') as Partial<PgBossTuning>;
// The peer enqueues in the same batches as Herald is published to, unless told otherwise.
const PGBOSS_EFFECTIVE: PgBossTuning = {
  ...PGBOSS_TUNING,
  insertBatch: BATCH,
  insertInFlight: IN_FLIGHT,
  ...PGBOSS_OVERRIDES,
};
const scenarios = SCENARIOS.filter((s) => selected.includes(s));

interface RoundResult {
  scenario: Scenario;
  round: number;
  deliveriesPerSec: number;
  acceptedPerSec: number;
  p50: number;
  p99: number;
  peakRssMb: number;
  /** CPU ms the system under test spent per 1000 deliveries in the measured phase. */
  cpuMsPer1k: number;
  /** The same by thread of the system under test (main, sender, GC helpers, …). */
  threadMsPer1k: Record<string, number>;
  /** CPU ms per 1000 deliveries of the PostgreSQL backends serving this round's scratch database. */
  pgMsPer1k: number | null;
  /** CPU ms the receiver spent per 1000 deliveries (its requests include duplicates). */
  receiverCpuMsPer1k: number;
  /** Whole-machine CPU utilisation during the measured phase, 0–100 (both cores). */
  machineBusyPct: number;
  /**
   * Share of the machine's CPU during the measured phase that none of the benchmark's processes
   * (system under test, receiver, harness, and the PostgreSQL server where used) accounts for:
   * other work on a shared machine, plus some kernel networking time.
   */
  foreignPct: number;
  /** Runs it took to get one that other work disturbed less than --max-foreign (or the last). */
  tries: number;
  duplicates: number;
  signatures: string;
  /** µs per HMAC in the harness just before the round (see cpuProbeMicros). */
  cpuProbeUs: number;
  /** Whole-machine CPU busy % just before the round, after waiting for quiet. */
  busyBeforePct: number;
  seconds: number;
}

async function startSut(s: Scenario, receiverUrl: string, slowReceiverUrl: string): Promise<Sut> {
  const produceMs = TIMEOUT_MS;
  switch (s) {
    case 'raw':
      return startRaw({ receiverUrl, concurrency: CONCURRENCY, produceMs });
    case 'pgboss':
      return startPgBoss({ receiverUrl, produceMs, tuning: PGBOSS_EFFECTIVE });
    case 'fastmix':
    case 'slowmix':
    case 'sqlite':
    case 'postgres':
    case 'pgsplit':
      return startHerald({
        backend: s === 'postgres' || s === 'pgsplit' ? 'postgres' : 'sqlite',
        ...(s === 'pgsplit' ? { workers: 2 } : {}),
        ...(MIX_HOOKS[s] ? { hooks: MIX_HOOKS[s], slowReceiverUrl } : {}),
        receiverUrl,
        batchSize: BATCH,
        batchesInFlight: IN_FLIGHT,
        produceMs,
        readyMs: 30_000,
        env: HERALD_ENV,
      });
  }
}

/** Events a round of `s` publishes, and the (fast-hook) deliveries the receiver waits for. */
function sizeOf(s: Scenario, events: number): { events: number; deliveries: number } {
  const mix = MIX_HOOKS[s];
  if (!mix) return { events, deliveries: events };
  const n = Math.max(1, Math.ceil(events / MIX_EVENT_SHARE));
  return { events: n, deliveries: n * mix.fast };
}

/** Publishes `n` events and waits for the receiver to have `expected` deliveries; fails loudly on timeout. */
async function phase(
  receiver: Receiver,
  sut: Sut,
  tag: string,
  n: number,
  rate = 0,
  expected = n,
): Promise<{ stats: ReceiverStats; t0: number; acceptedAt: number }> {
  const { done } = await receiver.expect(tag, expected, sut.secret, TIMEOUT_MS);
  const produced = await sut.produce(tag, n, rate);
  try {
    const stats = await done;
    return { stats, ...produced };
  } catch (err) {
    const s = await receiver.stats().catch(() => null);
    throw new Error(
      `${sut.name}: ${(err as Error).message}; receiver had ${s?.unique ?? '?'} of ${expected} distinct ` +
        `(${s?.total ?? '?'} requests, ${s?.foreign ?? '?'} foreign)`,
      { cause: err },
    );
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** CPU seconds by thread name, summed over the processes of the system under test. */
function threadsOf(pids: number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids)
    for (const [name, sec] of cpuSecondsByThread(pid)) out.set(name, (out.get(name) ?? 0) + sec);
  return out;
}

/** Scratch databases of this harness process (bench/pg.ts names them herald_bench_<prefix>_<pid>_…). */
const ownDb = new RegExp(`herald_bench_[a-z]+_${process.pid}_`);

/** CPU seconds of PostgreSQL processes (backends, autovacuum) serving this harness's scratch databases. */
function benchBackendsCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const [pid, sec] of cpuSecondsByComm('postgres')) {
    try {
      if (ownDb.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) out.set(pid, sec);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function runOnce(s: Scenario, round: number): Promise<RoundResult> {
  const busyBeforePct = await waitForQuiet(QUIET_PCT, QUIET_WAIT_MS);
  const cpuProbeUs = cpuProbeMicros();
  const started = wallNow();
  const receiver = await startReceiver();
  let sut: Sut | null = null;
  try {
    sut = await startSut(s, receiver.url, receiver.slowUrl);
    const warm = sizeOf(s, WARMUP);
    if (WARMUP > 0) await phase(receiver, sut, `warm-${s}-${round}`, warm.events, 0, warm.deliveries);
    const size = sizeOf(s, EVENTS);
    const usesPg = s === 'postgres' || s === 'pgsplit' || s === 'pgboss';
    const pg0 = usesPg ? cpuSecondsByComm('postgres') : new Map<number, number>();
    const own0 = usesPg ? benchBackendsCpu() : new Map<number, number>();
    const h0 = process.cpuUsage();
    const pids = [sut.pid, ...(sut.pids ?? [])];
    const cpu0 = sum(pids.map(cpuSeconds));
    const th0 = threadsOf(pids);
    const rcpu0 = cpuSeconds(receiver.pid);
    const m0 = machineCpu();
    const w0 = wallNow();
    const { stats, t0, acceptedAt } = await phase(
      receiver,
      sut,
      `run-${s}-${round}`,
      size.events,
      RATE,
      size.deliveries,
    );
    const cpu1 = sum(pids.map(cpuSeconds));
    const th1 = threadsOf(pids);
    const rcpu1 = cpuSeconds(receiver.pid);
    const m1 = machineCpu();
    const w1 = wallNow();
    const h1 = process.cpuUsage(h0);
    const pgCpu = usesPg ? cpuDelta(pg0, cpuSecondsByComm('postgres')) : 0;
    const ownPgCpu = usesPg ? cpuDelta(own0, benchBackendsCpu()) : 0;
    const ours = cpu1 - cpu0 + (rcpu1 - rcpu0) + (h1.user + h1.system) / 1e6 + pgCpu;
    const machineSeconds = (m1.busy - m0.busy) / 100;
    const capacity = ((w1 - w0) / 1000) * cpus().length;
    const rss = sum(pids.map(peakRssBytes));
    return {
      scenario: s,
      round,
      deliveriesPerSec: (size.deliveries / (stats.doneAt - t0)) * 1000,
      acceptedPerSec: (size.events / (acceptedAt - t0)) * 1000,
      p50: stats.p50,
      p99: stats.p99,
      peakRssMb: rss / 1024 / 1024,
      cpuMsPer1k: ((cpu1 - cpu0) * 1000 * 1000) / size.deliveries,
      threadMsPer1k: Object.fromEntries(
        [...th1].map(([name, sec]) => [name, ((sec - (th0.get(name) ?? 0)) * 1e6) / size.deliveries]),
      ),
      pgMsPer1k: usesPg ? (ownPgCpu * 1e6) / size.deliveries : null,
      receiverCpuMsPer1k: ((rcpu1 - rcpu0) * 1000 * 1000) / size.deliveries,
      machineBusyPct: ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100,
      foreignPct: Math.max(0, ((machineSeconds - ours) / capacity) * 100),
      duplicates: stats.total - stats.unique,
      signatures: sut.secret ? `${stats.verified}/${stats.verified + stats.badSignatures}` : 'n/a',
      seconds: (wallNow() - started) / 1000,
      cpuProbeUs,
      busyBeforePct,
      tries: 1,
    };
  } finally {
    await sut?.stop();
    await receiver.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (v: number, digits = 0): string =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

const START_LOAD = loadavg();

function machineInfo(pgVersion: string): string[] {
  return [
    `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux; Node ${process.version}; PostgreSQL ${pgVersion}`,
    `- Load average at the start (other work on the machine adds noise): ${START_LOAD.map((l) =>
      l.toFixed(2),
    ).join(' ')}`,
  ];
}

function report(
  results: RoundResult[],
  problems: string[],
  startedAt: Date,
  elapsedS: number,
  pgVersion: string,
): string {
  const cmd = `node bench/run.ts ${process.argv.slice(2).join(' ')}`.trim();
  // Rounds that other work on the machine disturbed (foreign CPU above --max-foreign even after
  // the retries) are left out of the medians whenever a scenario has undisturbed ones.
  const undisturbed = (r: RoundResult): boolean => r.foreignPct <= MAX_FOREIGN;
  const usable = (rs: RoundResult[]): RoundResult[] => (rs.some(undisturbed) ? rs.filter(undisturbed) : rs);
  const of = (s: Scenario): RoundResult[] => results.filter((r) => r.scenario === s);
  const rawMedian = median(usable(of('raw')).map((r) => r.deliveriesPerSec));
  const rawAllMedian = median(of('raw').map((r) => r.deliveriesPerSec));
  const rawByRound = new Map(of('raw').map((r) => [r.round, r]));
  const pct = (v: number): string => (Number.isFinite(v) ? `${fmt(v * 100, 1)} %` : '–');
  const lines: string[] = [
    `# Herald benchmark results`,
    '',
    `- Command: \`${cmd}\` (${EVENTS} events per scenario and round, ${WARMUP} warm-up events, ${ROUNDS} interleaved rounds, ${RATE > 0 ? `submissions paced at ${RATE} events/s` : 'all events submitted as one burst'})`,
    `- Run: ${startedAt.toISOString()}, ${fmt(elapsedS)} s in total; load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    ...machineInfo(pgVersion),
    '',
    `## Medians of undisturbed rounds`,
    '',
    `Rounds where other work took more than ${MAX_FOREIGN} % of the machine (foreign CPU, see below) are left out`,
    'when the scenario has undisturbed ones; the last column says how many rounds were used.',
    ...(RATE > 0
      ? [
          '',
          `Submissions are paced at ${RATE} events/s, so every system that keeps up shows that rate: compare latency`,
          'and CPU here, and throughput in a burst run (without --rate).',
        ]
      : []),
    '',
    '| scenario | deliveries/s | ratio to raw ceiling | per-round ratio (median) | p50 ms | p99 ms | peak RSS MB | accepted/s | CPU ms per 1k deliveries | machine CPU % | rounds used |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of scenarios) {
    const all = of(s);
    if (all.length === 0) {
      const why = problems.find((p) => p.startsWith(`${s}:`)) ?? `${s}: no successful round`;
      const status = why.includes(': skipped: ') ? 'pending' : 'FAILED';
      lines.push(`| ${LABELS[s]} | ${status} | – | – | – | – | – | – | – | – | 0 of ${ROUNDS} |`);
      continue;
    }
    const rs = usable(all);
    const m = (f: (r: RoundResult) => number): number => median(rs.map(f));
    const m0 = (f: (r: RoundResult) => number): string => fmt(m(f));
    const m1 = (f: (r: RoundResult) => number): string => fmt(m(f), 1);
    const tput = m((r) => r.deliveriesPerSec);
    // Same-round ratios, over rounds where neither this scenario nor the raw ceiling was disturbed.
    const pairs = all.flatMap((r) => {
      const raw = rawByRound.get(r.round);
      return raw ? [{ r, raw }] : [];
    });
    const cleanPairs = pairs.filter((p) => undisturbed(p.r) && undisturbed(p.raw));
    const roundRatios = (cleanPairs.length > 0 ? cleanPairs : pairs).map(
      (p) => p.r.deliveriesPerSec / p.raw.deliveriesPerSec,
    );
    const cells = [
      LABELS[s],
      fmt(tput),
      pct(s === 'raw' ? 1 : tput / rawMedian),
      pct(s === 'raw' ? 1 : median(roundRatios)),
      m1((r) => r.p50),
      m1((r) => r.p99),
      m1((r) => r.peakRssMb),
      m0((r) => r.acceptedPerSec),
      m1((r) => r.cpuMsPer1k),
      m0((r) => r.machineBusyPct),
      rs.length === all.length && !all.some(undisturbed) && all.length > 0
        ? `${all.length} of ${ROUNDS}, all disturbed`
        : `${rs.length} of ${ROUNDS}`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    'The same over every completed round, disturbed or not:',
    '',
    '| scenario | deliveries/s | ratio to raw ceiling | p50 ms | p99 ms | rounds |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const s of scenarios) {
    const all = of(s);
    if (all.length === 0) continue;
    const tput = median(all.map((r) => r.deliveriesPerSec));
    lines.push(
      `| ${LABELS[s]} | ${fmt(tput)} | ${pct(s === 'raw' ? 1 : tput / rawAllMedian)} | ${fmt(median(all.map((r) => r.p50)), 1)} | ${fmt(median(all.map((r) => r.p99)), 1)} | ${all.length} of ${ROUNDS} |`,
    );
  }
  lines.push(...slowMixReport(of('fastmix'), of('slowmix'), usable));
  lines.push(...threadReport(scenarios.map((s) => [s, usable(of(s))])));
  if (problems.length > 0) lines.push('', 'Some rounds failed or were skipped: see Problems at the end.');
  lines.push(
    '',
    '## Every round',
    '',
    '| round | scenario | deliveries/s | ratio to raw (same round) | p50 ms | p99 ms | peak RSS MB | accepted/s | CPU ms per 1k | receiver CPU ms per 1k | machine CPU % | duplicates | signatures verified | wall s | CPU probe µs | machine busy before % | foreign CPU % | tries |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    const raw = rawByRound.get(r.round);
    const ratio = raw ? `${fmt((r.deliveriesPerSec / raw.deliveriesPerSec) * 100, 1)} %` : '–';
    lines.push(
      `| ${r.round} | ${r.scenario} | ${fmt(r.deliveriesPerSec)} | ${ratio} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.peakRssMb, 1)} | ${fmt(r.acceptedPerSec)} | ${fmt(r.cpuMsPer1k, 1)} | ${fmt(r.receiverCpuMsPer1k, 1)} | ${fmt(r.machineBusyPct)} | ${r.duplicates} | ${r.signatures} | ${fmt(r.seconds, 1)} | ${fmt(r.cpuProbeUs, 2)} | ${fmt(r.busyBeforePct)} | ${fmt(r.foreignPct)} | ${r.tries} |`,
    );
  }
  lines.push(
    '',
    '- deliveries/s: events ÷ (receiver time of the N-th distinct delivery − submission time of the first event).',
    RATE > 0
      ? `- p50/p99: receiver arrival − \`sentAt\` (when the event was submitted), over all N events, with submissions paced at ${RATE}/s.`
      : '- p50/p99: receiver arrival − `sentAt` (when the event was submitted), over all N events; a burst of N is\n' +
          '  queued at once, so these include queueing behind the backlog (run with --rate for latency under a steady load).',
    '- peak RSS: VmHWM of the process under test (Herald server, pg-boss process, raw client; api + workers: their',
    '  sum); the receiver, PostgreSQL server and the harness are not included. CPU ms per 1k: user+system CPU of',
    '  those processes.',
    '- CPU probe: µs per HMAC-SHA256 in the harness just before the round; the same work, so a higher value means',
    '  the (virtual) CPUs were slower at that moment. Machine busy before: whole-machine CPU in the 0.5 s before',
    `  the round, after waiting up to ${QUIET_WAIT_MS / 1000} s for it to drop below ${QUIET_PCT} % (other work on a shared machine).`,
    '- Foreign CPU: share of the machine during the measured phase used by processes other than the system under test,',
    '  the receiver, the harness and (for the PostgreSQL scenarios) the PostgreSQL server. A run above',
    `  ${MAX_FOREIGN} % is repeated up to ${RETRIES} times and the last try is kept (tries column).`,
    `- pg-boss tuning: ${JSON.stringify(PGBOSS_EFFECTIVE)}, queue ${JSON.stringify(PGBOSS_QUEUE_OPTIONS)}.`,
    `- Herald publish: batches of ${BATCH} events, ${IN_FLIGHT} in flight; extra server env: ${JSON.stringify(HERALD_ENV)}. Raw ceiling: ${CONCURRENCY} requests in flight.`,
  );
  if (problems.length > 0) {
    lines.push('', '## Problems', '');
    // The same failure in several rounds (e.g. a server that does not start) is shown once.
    const seen = new Map<string, string[]>();
    for (const p of problems) {
      const m = /^(\w+): round (\d+) failed: ([\s\S]*)$/.exec(p);
      const key = m ? `${m[1]}: failed: ${m[3]}` : p;
      const rounds = seen.get(key) ?? [];
      if (m) rounds.push(m[2]!);
      seen.set(key, rounds);
    }
    for (const [text, rounds] of seen) {
      const where = rounds.length > 0 ? ` (round${rounds.length > 1 ? 's' : ''} ${rounds.join(', ')})` : '';
      const [first, ...rest] = text.split('\n');
      lines.push(`- ${first}${where}`);
      if (rest.length > 0) lines.push('', '```', ...rest, '```', '');
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The slow-hook mix: the fast hooks' deliveries/s with one hook in ten answering in 1 s, against
 * ten fast hooks in the same run. One slow receiver should not slow the others (target ≥ 90 %).
 */
function slowMixReport(
  fast: RoundResult[],
  slow: RoundResult[],
  usable: (rs: RoundResult[]) => RoundResult[],
): string[] {
  if (fast.length === 0 || slow.length === 0) return [];
  const f = median(usable(fast).map((r) => r.deliveriesPerSec));
  const sl = median(usable(slow).map((r) => r.deliveriesPerSec));
  const byRound = new Map(fast.map((r) => [r.round, r.deliveriesPerSec]));
  const perRound = slow.flatMap((r) => {
    const base = byRound.get(r.round);
    return base ? [r.deliveriesPerSec / base] : [];
  });
  const pct = (v: number): string => (Number.isFinite(v) ? `${fmt(v * 100, 1)} %` : '–');
  return [
    '',
    '## Slow-hook mix',
    '',
    `Herald on SQLite, ${Math.ceil(EVENTS / MIX_EVENT_SHARE)} events per round to 10 hooks; in the mix one hook answers`,
    `in 1 s. Fast-hook deliveries/s of the mix against the all-fast figure (target: at least 90 %):`,
    '',
    '| all fast: deliveries/s | mix: fast-hook deliveries/s | ratio (medians) | ratio per round (median) |',
    '| ---: | ---: | ---: | ---: |',
    `| ${fmt(f)} | ${fmt(sl)} | ${pct(sl / f)} | ${pct(median(perRound))} |`,
  ];
}

/** CPU per 1k deliveries by thread of the system under test (medians), where it went. */
function threadReport(byScenario: Array<[Scenario, RoundResult[]]>): string[] {
  const names = new Set<string>();
  for (const [, rs] of byScenario)
    for (const r of rs) for (const n of Object.keys(r.threadMsPer1k)) names.add(n);
  const cols = [...names].sort();
  if (cols.length === 0) return [];
  const pg = byScenario.some(([, rs]) => rs.some((r) => r.pgMsPer1k !== null));
  const lines = [
    '',
    '## CPU by thread',
    '',
    'CPU ms per 1k deliveries of each thread of the process under test (medians; threads summed by name:',
    '`node` is the main thread, a worker thread carries its own name, `V8 DefaultWorke` are GC helpers;',
    'api + workers: summed over the processes)' +
      (pg
        ? ', and of the PostgreSQL backends and autovacuum workers serving the scenario’s own scratch database\n' +
          '(other databases on the server, and its shared WAL writer and checkpointer, are not counted):'
        : ':'),
    '',
    `| scenario | ${cols.join(' | ')}${pg ? ' | PostgreSQL |' : ' |'}`,
    `| --- | ${cols.map(() => '---:').join(' | ')}${pg ? ' | ---: |' : ' |'}`,
  ];
  for (const [s, rs] of byScenario) {
    if (rs.length === 0) continue;
    const pgCell = (): string => {
      const v = rs.flatMap((r) => (r.pgMsPer1k === null ? [] : [r.pgMsPer1k]));
      return v.length > 0 ? fmt(median(v), 1) : '–';
    };
    lines.push(
      `| ${LABELS[s]} | ${cols.map((c) => fmt(median(rs.map((r) => r.threadMsPer1k[c] ?? 0)), 1)).join(' | ')}${pg ? ` | ${pgCell()} |` : ' |'}`,
    );
  }
  return lines;
}

/** Formats with the repo's prettier config (so `npm run format:check` passes); as is without prettier. */
async function prettyMarkdown(md: string, file: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(md, { ...options, parser: 'markdown' });
  } catch {
    return md;
  }
}

// ---------------------------------------------------------------------------------------------
// Main

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    interrupted = true;
    console.error(`\n${sig}: cleaning up`);
    void dropAllScratchDbs().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const t0 = wallNow();
  const problems: string[] = [];
  const unavailable = new Map<Scenario, string>();
  const herald = heraldMissing();
  const pgVersion = await postgresVersion();
  const pgUp = pgVersion !== null;
  for (const s of scenarios) {
    if ((s === 'sqlite' || s === 'postgres' || s === 'pgsplit') && herald)
      unavailable.set(s, `Herald is not available: ${herald}`);
    else if ((s === 'postgres' || s === 'pgsplit' || s === 'pgboss') && !pgUp)
      unavailable.set(s, 'PostgreSQL on 127.0.0.1:5432 does not answer');
  }
  for (const [s, why] of unavailable) {
    console.error(`skipping ${s}: ${why}`);
    problems.push(`${s}: skipped: ${why}`);
  }

  const results: RoundResult[] = [];
  let failed = false;
  for (let round = 1; round <= ROUNDS && !interrupted; round++) {
    // Interleaved, rotating the order each round so no scenario always runs first or last.
    const order = scenarios.filter((s) => !unavailable.has(s));
    const rotated = order
      .slice((round - 1) % Math.max(1, order.length))
      .concat(order.slice(0, (round - 1) % Math.max(1, order.length)));
    for (const s of rotated) {
      if (interrupted) break;
      if (wallNow() - t0 > BUDGET_MS) {
        failed = true;
        problems.push(
          `${s}: round ${round} failed: not started, the ${BUDGET_MS / 1000} s budget (--budget) is spent`,
        );
        continue;
      }
      process.stderr.write(`round ${round}/${ROUNDS} ${s.padEnd(8)} … `);
      try {
        // A run that other work on the machine disturbed is repeated (bounded); the last try counts.
        let r = await runOnce(s, round);
        for (
          let retry = 1;
          retry <= RETRIES && r.foreignPct > MAX_FOREIGN && !interrupted && wallNow() - t0 < BUDGET_MS;
          retry++
        ) {
          process.stderr.write(
            `${fmt(r.deliveriesPerSec)} deliveries/s, but ${fmt(r.foreignPct)} % of the CPU went to other work; repeating … `,
          );
          r = { ...(await runOnce(s, round)), tries: retry + 1 };
        }
        results.push(r);
        process.stderr.write(
          `${fmt(r.deliveriesPerSec)} deliveries/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, ` +
            `RSS ${fmt(r.peakRssMb, 1)} MB, accepted ${fmt(r.acceptedPerSec)}/s, foreign CPU ${fmt(r.foreignPct)} % ` +
            `(${fmt(r.seconds, 1)} s)\n`,
        );
      } catch (err) {
        failed = true;
        const msg = err instanceof Error ? err.message : String(err);
        process.stderr.write(`FAILED\n${msg}\n`);
        problems.push(`${s}: round ${round} failed: ${msg}`);
      }
    }
  }
  await dropAllScratchDbs();

  const md = report(results, problems, startedAt, (wallNow() - t0) / 1000, pgVersion ?? 'not available');
  console.log('\n' + md);
  const out = args.out ?? join(REPO_ROOT, 'bench', 'results', SMOKE ? 'smoke.md' : 'latest.md');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, await prettyMarkdown(md, out));
  console.error(`wrote ${relative(process.cwd(), out) || out}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err);
    await dropAllScratchDbs();
    process.exit(1);
  },
);
