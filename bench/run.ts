/**
 * Herald benchmark: deliveries per second from accepted event to receiver 2xx, latency, CPU and
 * peak RSS for the raw ceiling, Herald on SQLite and PostgreSQL in the scenarios of issue 11
 * (see bench/scenarios.ts) and a pg-boss peer, in interleaved rounds on this machine. Prints a
 * markdown report with one table per target and writes bench/results/latest.md.
 *
 * `npm run bench` runs every scenario but the backlog; `npm run bench:backlog` runs the backlog
 * (--deliveries, default 1,000,000) with the single-hook bursts it is compared with.
 *
 * `--smoke`: a short check that every scenario runs, the backlog included (1,000 events, 100 warm-up,
 * 500 steady, a backlog of 2,000, 1 round, no quiet waits or repeats, report to
 * bench/results/smoke.md); CI runs it. Options given explicitly override those sizes.
 * Its figures are not comparable.
 *
 *   node bench/run.ts [--smoke] [--events 20000] [--rounds 5] [--warmup 5000] [--only raw,sqlite,...]
 *                     [--steady-events 10000] [--steady-rate 1000] [--steady-batch 10] [--steady-in-flight 16]
 *                     [--deliveries 1000000] [--rate 0] [--concurrency 64] [--batch 200] [--batches-in-flight 4]
 *                     [--timeout 120] [--budget 900] [--pgboss-tuning '{"batchSize":200}'] [--herald-env KEY=VALUE]...
 *                     [--otlp-sink] [--out bench/results/latest.md]
 *
 * `--otlp-sink`: tracing on (OTEL_EXPORTER_OTLP_ENDPOINT) with spans exported to a loopback
 * OTLP/HTTP sink in the bench process (bench/otlp-sink.ts), which decodes and counts them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { runBacklog } from './backlog.ts';
import { REPO_ROOT, heraldMissing } from './herald.ts';
import { cpuProbeMicros, percentile, waitForQuiet, wallNow } from './lib.ts';
import type { Produced, Sut } from './lib.ts';
import { OtlpSink } from './otlp-sink.ts';
import { payloadSizes, primePayloads } from './payloads.ts';
import { PGBOSS_QUEUE_OPTIONS, PGBOSS_TUNING } from './pgboss.ts';
import type { PgBossTuning } from './pgboss.ts';
import { dropAllScratchDbs, postgresVersion } from './pg.ts';
import { startReceiver } from './receiver.ts';
import type { Receiver, ReceiverStats } from './receiver.ts';
import { report } from './report.ts';
import { cpuFigures, fmt, peakRssMb, snapshot } from './round.ts';
import type { RoundResult } from './round.ts';
import { DEFAULT_SCENARIOS, SCENARIOS, SPECS, sizeOf, startSut, usesPostgres } from './scenarios.ts';
import type { RunConfig, Scenario } from './scenarios.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5000' },
    // 5,000 warm-up events, so the JIT has mostly settled before the measured phase: after 1,000,
    // V8's helper threads (optimising compiler, GC) still took 42 ms of CPU per 1k deliveries of
    // Herald's, after 10,000 27 ms. Every scenario, the peer's too, gets the same warm-up.
    only: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    batch: { type: 'string', default: '200' },
    'batches-in-flight': { type: 'string', default: '4' },
    'steady-events': { type: 'string', default: '10000' },
    'steady-rate': { type: 'string', default: '1000' },
    'steady-batch': { type: 'string', default: '10' },
    'steady-in-flight': { type: 'string', default: '16' },
    deliveries: { type: 'string', default: '1000000' },
    timeout: { type: 'string', default: '120' },
    rate: { type: 'string', default: '0' },
    budget: { type: 'string', default: '900' },
    'quiet-pct': { type: 'string', default: '25' },
    'quiet-wait': { type: 'string', default: '10' },
    'max-foreign': { type: 'string', default: '15' },
    retries: { type: 'string', default: '2' },
    'pgboss-tuning': { type: 'string', default: '{}' },
    'herald-env': { type: 'string', multiple: true, default: [] },
    // Tracing on: Herald exports its spans to a loopback OTLP/HTTP sink in this process.
    'otlp-sink': { type: 'boolean', default: false },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const SMOKE = args.smoke ?? false;

if (args.help) {
  console.log(
    `node bench/run.ts [--smoke] [--events N] [--rounds R] [--warmup W] [--only ${SCENARIOS.join(',')}]\n` +
      '                  [--steady-events N] [--steady-rate EVENTS_PER_SEC] [--steady-batch B] [--steady-in-flight F]\n' +
      '                  [--deliveries BACKLOG] [--rate EVENTS_PER_SEC] [--concurrency C] [--batch B] [--batches-in-flight F]\n' +
      '                  [--timeout SECONDS_PER_PHASE] [--budget SECONDS_IN_ALL] [--quiet-pct 25] [--quiet-wait 10]\n' +
      '                  [--max-foreign 15] [--retries 2] [--out FILE]\n' +
      '                  [--pgboss-tuning \'{"batchSize":200,"localConcurrency":4}\'] [--herald-env KEY=VALUE]...\n' +
      `default scenarios: ${DEFAULT_SCENARIOS.join(',')}`,
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

/** An option the smoke sets itself unless it was given. */
function smokeArg(name: keyof typeof args, smoke: number, min: number): number {
  const given = process.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return SMOKE && !given ? smoke : intArg(name, args[name] as string | undefined, min);
}

const ROUNDS = smokeArg('rounds', 1, 1);
/** Before each run, wait up to QUIET_WAIT_MS for the machine to be less than QUIET_PCT % busy. */
const QUIET_PCT = intArg('quiet-pct', args['quiet-pct'], 1);
const QUIET_WAIT_MS = smokeArg('quiet-wait', 0, 0) * 1000;
/** A run where other work took more than MAX_FOREIGN % of the machine is repeated, up to RETRIES times. */
const MAX_FOREIGN = intArg('max-foreign', args['max-foreign'], 0);
const RETRIES = smokeArg('retries', 0, 0);
/** No new scenario run starts once the whole benchmark has run this long (seconds). */
const BUDGET_MS = intArg('budget', args.budget, 1) * 1000;

const selected = (args.only ?? (SMOKE ? SCENARIOS : DEFAULT_SCENARIOS).join(','))
  .split(',')
  .map((s) => s.trim()) as Scenario[];
for (const s of selected) {
  if (!SCENARIOS.includes(s)) {
    console.error(`unknown scenario "${s}"; choose from ${SCENARIOS.join(',')}`);
    process.exit(2);
  }
}
const scenarios = SCENARIOS.filter((s) => selected.includes(s));

const HERALD_ENV: Record<string, string> = {};
for (const kv of args['herald-env'] ?? []) {
  const eq = kv.indexOf('=');
  if (eq < 1) {
    console.error(`--herald-env takes KEY=VALUE, got "${kv}"`);
    process.exit(2);
  }
  HERALD_ENV[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const OTLP_SINK = args['otlp-sink'] ? await OtlpSink.start({ keep: false }) : null;
if (OTLP_SINK) HERALD_ENV['OTEL_EXPORTER_OTLP_ENDPOINT'] = OTLP_SINK.url;
const BATCH = intArg('batch', args.batch, 1);
const IN_FLIGHT = intArg('batches-in-flight', args['batches-in-flight'], 1);
const PGBOSS_OVERRIDES = JSON.parse(args['pgboss-tuning'] ?? '{}') as Partial<PgBossTuning>;
// The peer enqueues in the same batches as Herald is published to, unless told otherwise.
const PGBOSS_EFFECTIVE: PgBossTuning = {
  ...PGBOSS_TUNING,
  insertBatch: BATCH,
  insertInFlight: IN_FLIGHT,
  ...PGBOSS_OVERRIDES,
};

const CFG: RunConfig = {
  events: smokeArg('events', 1000, 1),
  warmup: smokeArg('warmup', 100, 0),
  concurrency: intArg('concurrency', args.concurrency, 1),
  batch: BATCH,
  batchesInFlight: IN_FLIGHT,
  timeoutMs: intArg('timeout', args.timeout, 1) * 1000,
  rate: intArg('rate', args.rate, 0),
  steady: {
    events: smokeArg('steady-events', 500, 1),
    rate: intArg('steady-rate', args['steady-rate'], 1),
    batch: intArg('steady-batch', args['steady-batch'], 1),
    inFlight: intArg('steady-in-flight', args['steady-in-flight'], 1),
  },
  deliveries: smokeArg('deliveries', 2000, 1),
  heraldEnv: HERALD_ENV,
  pgboss: PGBOSS_EFFECTIVE,
};

/** Publishes `n` events and waits for the receiver to have `expected` deliveries; fails loudly on timeout. */
async function phase(
  receiver: Receiver,
  sut: Sut,
  tag: string,
  n: number,
  rate: number,
  expected: number,
  arrivals = false,
): Promise<{ stats: ReceiverStats } & Produced> {
  const { done } = await receiver.expect(tag, expected, sut.secret, CFG.timeoutMs, { arrivals });
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

/** p50/p99/p99.9 of receiver arrival − the 202 of each event's batch (NaN when not recorded). */
async function acceptLatency(
  receiver: Receiver,
  accepted: Float64Array | undefined,
): Promise<{ p50: number; p99: number; p999: number }> {
  if (!accepted) return { p50: Number.NaN, p99: Number.NaN, p999: Number.NaN };
  const arrivals = await receiver.arrivals();
  const lat = Float64Array.from(arrivals, (a, i) => a - (accepted[i] ?? Number.NaN))
    .filter((v) => Number.isFinite(v))
    .sort();
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), p999: percentile(lat, 99.9) };
}

async function runOnce(s: Scenario, round: number): Promise<RoundResult> {
  if (SPECS[s].kind === 'backlog')
    return runBacklog(s, CFG, round, { pct: QUIET_PCT, waitMs: QUIET_WAIT_MS });
  const busyBeforePct = await waitForQuiet(QUIET_PCT, QUIET_WAIT_MS);
  const cpuProbeUs = cpuProbeMicros();
  const started = wallNow();
  const receiver = await startReceiver();
  let sut: Sut | null = null;
  try {
    sut = await startSut(s, CFG, receiver);
    const warm = sizeOf(s, CFG.warmup);
    if (CFG.warmup > 0) await phase(receiver, sut, `warm-${s}-${round}`, warm.events, 0, warm.deliveries);
    const steady = SPECS[s].kind === 'steady';
    const size = steady
      ? { events: CFG.steady.events, deliveries: CFG.steady.events }
      : sizeOf(s, CFG.events);
    const before = snapshot(sut, receiver.pid);
    const p = await phase(
      receiver,
      sut,
      `run-${s}-${round}`,
      size.events,
      steady ? CFG.steady.rate : CFG.rate,
      size.deliveries,
      steady,
    );
    const after = snapshot(sut, receiver.pid);
    const accept = await acceptLatency(receiver, steady ? p.acceptedAtBySeq : undefined);
    return {
      scenario: s,
      round,
      deliveriesPerSec: (size.deliveries / (p.stats.doneAt - p.t0)) * 1000,
      acceptedPerSec: (size.events / (p.acceptedAt - p.t0)) * 1000,
      p50: p.stats.p50,
      p99: p.stats.p99,
      p999: p.stats.p999,
      acceptP50: accept.p50,
      acceptP99: accept.p99,
      acceptP999: accept.p999,
      peakRssMb: peakRssMb(sut),
      ...cpuFigures(before, after, size.deliveries),
      duplicates: p.stats.total - p.stats.unique,
      webhookIdDuplicates: p.stats.webhookIdDuplicates,
      signatures: sut.secret ? `${p.stats.verified}/${p.stats.verified + p.stats.badSignatures}` : 'n/a',
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

/** Runs `s` once, repeated (bounded) while other work on the machine disturbed it; the last try counts. */
async function runWithRetries(s: Scenario, round: number, t0: number): Promise<RoundResult> {
  let r = await runOnce(s, round);
  const retries = SPECS[s].kind === 'backlog' ? 0 : RETRIES;
  for (
    let retry = 1;
    retry <= retries && r.foreignPct > MAX_FOREIGN && !interrupted && wallNow() - t0 < BUDGET_MS;
    retry++
  ) {
    process.stderr.write(
      `${fmt(r.deliveriesPerSec)} deliveries/s, but ${fmt(r.foreignPct)} % of the CPU went to other work; repeating … `,
    );
    r = { ...(await runOnce(s, round)), tries: retry + 1 };
  }
  return r;
}

function progressLine(r: RoundResult): string {
  const b = r.backlog;
  const extra = b
    ? `drained ${fmt(b.backlog)} + ${fmt(b.probe)} in ${fmt(b.drainSeconds, 1)} s, RSS max ${fmt(b.rssMaxSampledMb, 1)} MB, ` +
      `probe accepted ${fmt(b.busyAcceptedPerSec)}/s with the backlog, ${fmt(b.emptyAcceptedPerSec)}/s without`
    : `p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms` +
      (Number.isFinite(r.acceptP99)
        ? ` (from 202: p99 ${fmt(r.acceptP99, 1)}, p99.9 ${fmt(r.acceptP999, 1)})`
        : '') +
      `, RSS ${fmt(r.peakRssMb, 1)} MB, accepted ${fmt(r.acceptedPerSec)}/s`;
  return `${fmt(r.deliveriesPerSec)} deliveries/s, ${extra}, foreign CPU ${fmt(r.foreignPct)} % (${fmt(r.seconds, 1)} s)\n`;
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

function unavailableScenarios(pgUp: boolean): Map<Scenario, string> {
  const unavailable = new Map<Scenario, string>();
  const herald = heraldMissing();
  for (const s of scenarios) {
    if (SPECS[s].system === 'herald' && herald) unavailable.set(s, `Herald is not available: ${herald}`);
    else if (usesPostgres(s) && !pgUp) unavailable.set(s, 'PostgreSQL on 127.0.0.1:5432 does not answer');
  }
  return unavailable;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const t0 = wallNow();
  const problems: string[] = [];
  const pgVersion = await postgresVersion();
  const unavailable = unavailableScenarios(pgVersion !== null);
  for (const [s, why] of unavailable) {
    console.error(`skipping ${s}: ${why}`);
    problems.push(`${s}: skipped: ${why}`);
  }
  const tenon = scenarios.some((s) => SPECS[s].payload === 'apiLog');
  // apiLog bodies are built once here, outside every measured phase (the harness publishes them).
  if (tenon) primePayloads('apiLog', Math.max(CFG.events, CFG.warmup));

  const results: RoundResult[] = [];
  let failed = false;
  for (let round = 1; round <= ROUNDS && !interrupted; round++) {
    // Interleaved, rotating the order each round so no scenario always runs first or last.
    const order = scenarios.filter((s) => !unavailable.has(s));
    const k = (round - 1) % Math.max(1, order.length);
    for (const s of order.slice(k).concat(order.slice(0, k))) {
      if (interrupted) break;
      if (wallNow() - t0 > BUDGET_MS) {
        failed = true;
        problems.push(
          `${s}: round ${round} failed: not started, the ${BUDGET_MS / 1000} s budget (--budget) is spent`,
        );
        continue;
      }
      process.stderr.write(`round ${round}/${ROUNDS} ${s.padEnd(16)} … `);
      try {
        const r = await runWithRetries(s, round, t0);
        results.push(r);
        process.stderr.write(progressLine(r));
      } catch (err) {
        failed = true;
        const msg = err instanceof Error ? err.message : String(err);
        process.stderr.write(`FAILED\n${msg}\n`);
        problems.push(`${s}: round ${round} failed: ${msg}`);
      }
    }
  }
  await dropAllScratchDbs();

  const md = report(results, problems, {
    cmd: `node bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt,
    elapsedS: (wallNow() - t0) / 1000,
    pgVersion: pgVersion ?? 'not available',
    rounds: ROUNDS,
    scenarios,
    cfg: CFG,
    maxForeign: MAX_FOREIGN,
    retries: RETRIES,
    quietPct: QUIET_PCT,
    quietWaitMs: QUIET_WAIT_MS,
    smoke: SMOKE,
    pgbossNote: `pg-boss tuning: ${JSON.stringify(PGBOSS_EFFECTIVE)}, queue ${JSON.stringify(PGBOSS_QUEUE_OPTIONS)}.`,
    apiLogSizes: tenon ? payloadSizes('apiLog', Math.max(CFG.events, 1)) : null,
  });
  console.log('\n' + md);
  const out = args.out ?? join(REPO_ROOT, 'bench', 'results', SMOKE ? 'smoke.md' : 'latest.md');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, await prettyMarkdown(md, out));
  console.error(`wrote ${relative(process.cwd(), out) || out}`);
  if (OTLP_SINK) {
    console.error(`OTLP sink: ${OTLP_SINK.received} spans in ${OTLP_SINK.exports} exports`);
    await OTLP_SINK.close();
  }
  return failed ? 1 : 0;
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

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err);
    await dropAllScratchDbs();
    process.exit(1);
  },
);
