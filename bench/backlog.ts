/**
 * The backlog scenario (issue 11 target 5): --deliveries due deliveries, built the way an outage
 * of the workers builds them, then drained.
 *
 * 1. Build: only `herald api` runs (no worker), one hook at the receiver; the events are published
 *    and committed, nothing is delivered. (On SQLite the API and a worker cannot share a data dir
 *    at once: src/store/sqlite/lock.ts. Stopping the API before the worker starts is the outage.)
 * 2. Drain: `herald serve` starts on the same data; every delivery is due. The harness samples the
 *    server's RSS every 250 ms. When 5 % of the backlog has arrived, it publishes a probe of
 *    events (same tag: they count as part of the drain) and times how fast they are accepted.
 * 3. Empty queue: once everything arrived, the same probe again into the now empty queue.
 *
 * Drain rate = (backlog + probe) ÷ (last − first arrival). Targets: RSS under 300 MB throughout
 * the drain (the largest sample, and VmHWM when it ended), drain rate at least 80 % of the burst figure of the same run, and the
 * probe accepted at least as fast with the backlog as into the empty queue.
 */
import { prepareHerald } from './herald.ts';
import type { HeraldDeployment, PublishOptions } from './herald.ts';
import { cpuProbeMicros, peakRssBytes, rssBytes, waitForQuiet, wallNow } from './lib.ts';
import type { Sut } from './lib.ts';
import { cpuFigures, snapshot } from './round.ts';
import type { BacklogFigures, RoundResult } from './round.ts';
import { SPECS } from './scenarios.ts';
import type { RunConfig, Scenario } from './scenarios.ts';
import { startReceiver } from './receiver.ts';
import type { Receiver, ReceiverStats } from './receiver.ts';

const RSS_SAMPLE_MS = 250;
/** Events per publish batch while building: the API's largest, as a backlog builds fastest so. */
const BUILD_BATCH = 1000;

/** Probe size: a tenth of the backlog, between 100 and 20,000 events. */
export function probeSize(deliveries: number): number {
  return Math.min(20_000, Math.max(100, Math.round(deliveries / 10)));
}

/** Samples VmRSS of `pid` until stopped; `max` in bytes. */
function rssSampler(pid: number): { stop(): { max: number; samples: number } } {
  let max = 0;
  let samples = 0;
  const take = (): void => {
    const v = rssBytes(pid);
    if (Number.isFinite(v)) {
      max = Math.max(max, v);
      samples++;
    }
  };
  take();
  const timer = setInterval(take, RSS_SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { max, samples };
    },
  };
}

export async function runBacklog(
  s: Scenario,
  cfg: RunConfig,
  round: number,
  quiet: { pct: number; waitMs: number },
): Promise<RoundResult> {
  const busyBeforePct = await waitForQuiet(quiet.pct, quiet.waitMs);
  const cpuProbeUs = cpuProbeMicros();
  const started = wallNow();
  const spec = SPECS[s];
  const receiver = await startReceiver();
  // Bounds, not expectations: at least 1,000 deliveries/s, on top of the usual phase limit.
  const longMs = cfg.timeoutMs + cfg.deliveries;
  const dep = await prepareHerald(spec.backend ?? 'sqlite', cfg.heraldEnv, cfg.batchesInFlight + 1);
  try {
    const publish: PublishOptions = {
      batchSize: cfg.batch,
      batchesInFlight: cfg.batchesInFlight,
      payload: 'site',
      produceMs: longMs,
    };
    const built = await build(dep, receiver, s, round, cfg, { ...publish, batchSize: BUILD_BATCH });
    const drained = await drain(dep, receiver, `backlog-${s}-${round}`, built.secret, cfg, publish, longMs);
    const empty = await emptyProbe(dep, receiver, `empty-${s}-${round}`, built.secret, cfg, publish);
    const figures: BacklogFigures = {
      ...drained.figures,
      buildAcceptedPerSec: built.acceptedPerSec,
      buildFirstPerSec: built.firstPerSec,
      buildLastPerSec: built.lastPerSec,
      emptyAcceptedPerSec: empty.acceptedPerSec,
    };
    return {
      scenario: s,
      round,
      deliveriesPerSec: figures.drainPerSec,
      acceptedPerSec: figures.busyAcceptedPerSec,
      // Latency from submission means nothing here: the backlog waited for the worker on purpose.
      p50: Number.NaN,
      p99: Number.NaN,
      p999: Number.NaN,
      acceptP50: Number.NaN,
      acceptP99: Number.NaN,
      acceptP999: Number.NaN,
      // VmHWM when the drain ended, before the empty-queue probe.
      peakRssMb: drained.peakRssMb,
      ...drained.cpu,
      duplicates: drained.stats.total - drained.stats.unique,
      webhookIdDuplicates: drained.stats.webhookIdDuplicates,
      signatures: built.secret
        ? `${drained.stats.verified}/${drained.stats.verified + drained.stats.badSignatures}`
        : 'n/a',
      seconds: (wallNow() - started) / 1000,
      cpuProbeUs,
      busyBeforePct,
      tries: 1,
      backlog: figures,
    };
  } finally {
    await dep.close();
    await receiver.stop();
  }
}

/**
 * Step 1: the API alone accepts `deliveries` events for one hook, in ten equal parts one after
 * another; then it stops. The first part goes into an empty queue, the last into one holding
 * nine tenths of the backlog: their accept rates, with no worker running, show whether
 * inserting slows as the pending rows grow (index health).
 */
async function build(
  dep: HeraldDeployment,
  receiver: Receiver,
  s: Scenario,
  round: number,
  cfg: RunConfig,
  publish: PublishOptions,
): Promise<{ secret: string | null; acceptedPerSec: number; firstPerSec: number; lastPerSec: number }> {
  const api = await dep.spawn('api', 30_000);
  const secret = await dep.createHooks([receiver.url], 'site');
  const parts = 10;
  const rates: number[] = [];
  let t0 = Number.NaN;
  let acceptedAt = Number.NaN;
  for (let i = 0; i < parts; i++) {
    const n = Math.floor(cfg.deliveries / parts) + (i < cfg.deliveries % parts ? 1 : 0);
    const p = await dep.publish(`backlog-${s}-${round}`, n, 0, publish);
    if (i === 0) t0 = p.t0;
    acceptedAt = p.acceptedAt;
    rates.push((n / (p.acceptedAt - p.t0)) * 1000);
  }
  await api.stop();
  return {
    secret,
    acceptedPerSec: (cfg.deliveries / (acceptedAt - t0)) * 1000,
    firstPerSec: rates[0]!,
    lastPerSec: rates[parts - 1]!,
  };
}

/** Step 2: `serve` drains the backlog; a probe is published into it once 5 % has arrived. */
async function drain(
  dep: HeraldDeployment,
  receiver: Receiver,
  tag: string,
  secret: string | null,
  cfg: RunConfig,
  publish: PublishOptions,
  longMs: number,
): Promise<{
  stats: ReceiverStats;
  peakRssMb: number;
  cpu: ReturnType<typeof cpuFigures>;
  figures: Omit<
    BacklogFigures,
    'buildAcceptedPerSec' | 'buildFirstPerSec' | 'buildLastPerSec' | 'emptyAcceptedPerSec'
  >;
}> {
  const probe = probeSize(cfg.deliveries);
  const total = cfg.deliveries + probe;
  const notifyAt = Math.max(1, Math.floor(cfg.deliveries / 20));
  const { done, progress } = await receiver.expect(tag, total, secret, longMs, { notifyAt });
  const serve = await dep.spawn('serve', 60_000);
  const rss = rssSampler(serve.pid);
  try {
    const sut: Sut = {
      name: 'herald-serve',
      pid: serve.pid,
      secret,
      ...(dep.dbName ? { dbName: dep.dbName } : {}),
      produce: () => Promise.reject(new Error('not used')),
      stop: () => serve.stop(),
    };
    const before = snapshot(sut, receiver.pid);
    await progress;
    const p = await dep.publish(tag, probe, 0, publish);
    const arrived = await receiver.stats();
    const stats = await withProgress(done, receiver, total);
    const after = snapshot(sut, receiver.pid);
    const sampled = rss.stop();
    return {
      stats,
      peakRssMb: peakRssBytes(serve.pid) / 1024 / 1024,
      cpu: cpuFigures(before, after, total),
      figures: {
        backlog: cfg.deliveries,
        probe,
        drainPerSec: ((total - 1) / Math.max(1, stats.doneAt - stats.firstAt)) * 1000,
        drainSeconds: (stats.doneAt - stats.firstAt) / 1000,
        busyAcceptedPerSec: (probe / (p.acceptedAt - p.t0)) * 1000,
        dueAtProbe: total - arrived.unique,
        rssMaxSampledMb: sampled.max / 1024 / 1024,
        rssSamples: sampled.samples,
      },
    };
  } finally {
    rss.stop();
  }
}

/** Step 3: the probe again into the empty queue; waits for its deliveries. */
async function emptyProbe(
  dep: HeraldDeployment,
  receiver: Receiver,
  tag: string,
  secret: string | null,
  cfg: RunConfig,
  publish: PublishOptions,
): Promise<{ acceptedPerSec: number }> {
  const probe = probeSize(cfg.deliveries);
  const { done } = await receiver.expect(tag, probe, secret, cfg.timeoutMs);
  const p = await dep.publish(tag, probe, 0, { ...publish, produceMs: cfg.timeoutMs });
  await withProgress(done, receiver, probe);
  return { acceptedPerSec: (probe / (p.acceptedAt - p.t0)) * 1000 };
}

/** `done`, with the receiver's counts in the error when it times out. */
async function withProgress(
  done: Promise<ReceiverStats>,
  receiver: Receiver,
  expected: number,
): Promise<ReceiverStats> {
  try {
    return await done;
  } catch (err) {
    const s = await receiver.stats().catch(() => null);
    throw new Error(
      `${(err as Error).message}; receiver had ${s?.unique ?? '?'} of ${expected} distinct ` +
        `(${s?.total ?? '?'} requests, ${s?.foreign ?? '?'} foreign)`,
      { cause: err },
    );
  }
}
