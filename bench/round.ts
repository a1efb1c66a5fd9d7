/**
 * What one scenario-round measures, and the CPU/RSS bookkeeping around a measured phase: CPU of
 * every process of the system under test (and by thread), of the receiver, of the harness and of
 * the PostgreSQL server processes working for the scenario's database, plus whole-machine CPU.
 */
import { cpus } from 'node:os';
import {
  cpuDelta,
  cpuSeconds,
  cpuSecondsByThread,
  cpuSecondsOfPostgres,
  machineCpu,
  median,
  peakRssBytes,
  wallNow,
} from './lib.ts';
import type { Sut } from './lib.ts';
import type { Scenario } from './scenarios.ts';

/** The backlog scenario's own figures (see bench/backlog.ts). */
export interface BacklogFigures {
  /** Deliveries in the backlog, published while no worker ran. */
  backlog: number;
  /** Events published while the backlog drained, and again once the queue was empty. */
  probe: number;
  buildAcceptedPerSec: number;
  /** Accepted/s of the build's first tenth (an empty queue) and its last (nine tenths pending). */
  buildFirstPerSec: number;
  buildLastPerSec: number;
  /** Deliveries/s from the first to the last delivery of the backlog (and of the probe published into it). */
  drainPerSec: number;
  drainSeconds: number;
  /** Accepted/s of the probe published while the backlog existed, and into the empty queue afterwards. */
  busyAcceptedPerSec: number;
  emptyAcceptedPerSec: number;
  /** Deliveries not yet arrived when the probe had been accepted: the backlog it was published into. */
  dueAtProbe: number;
  /** Largest VmRSS sampled (every 250 ms) while draining, VmHWM at the end, and the number of samples. */
  rssMaxSampledMb: number;
  rssSamples: number;
}

export interface RoundResult {
  scenario: string;
  round: number;
  deliveriesPerSec: number;
  acceptedPerSec: number;
  /** Receiver arrival − submission (`sentAt`), ms. */
  p50: number;
  p99: number;
  p999: number;
  /** Receiver arrival − the publisher's 202 for the event's batch, ms (steady scenarios; else NaN). */
  acceptP50: number;
  acceptP99: number;
  acceptP999: number;
  /** VmHWM of the system under test, summed over its processes. */
  peakRssMb: number;
  /** CPU ms the system under test (all its processes) spent per 1000 deliveries in the measured phase. */
  cpuMsPer1k: number;
  /** The PostgreSQL server's CPU for the scenario's database, ms per 1000 deliveries (0 on SQLite). */
  dbCpuMsPer1k: number;
  /** The same by thread name of the system under test (main, sender, GC helpers, …). */
  threadMsPer1k: Record<string, number>;
  /** CPU ms the receiver spent per 1000 deliveries (its requests include duplicates). */
  receiverCpuMsPer1k: number;
  /** Whole-machine CPU utilisation during the measured phase, 0–100 (both cores). */
  machineBusyPct: number;
  /**
   * Share of the machine's CPU during the measured phase that none of the benchmark's processes
   * (system under test, receiver, harness, and the PostgreSQL processes of its database) accounts
   * for: other work on a shared machine, plus some kernel networking time.
   */
  foreignPct: number;
  /** Runs it took to get one that other work disturbed less than --max-foreign (or the last). */
  tries: number;
  /** Requests beyond the distinct (path, eventID) pairs. */
  duplicates: number;
  /** Requests beyond the distinct `webhook-id` headers: one delivery sent more than once. */
  webhookIdDuplicates: number;
  signatures: string;
  /** µs per HMAC in the harness just before the round (see cpuProbeMicros). */
  cpuProbeUs: number;
  /** Whole-machine CPU busy % just before the round, after waiting for quiet. */
  busyBeforePct: number;
  seconds: number;
  backlog?: BacklogFigures;
}

export interface CpuSnapshot {
  sut: number;
  threads: Map<string, number>;
  receiver: number;
  harness: number;
  db: Map<number, number>;
  machine: { busy: number; total: number };
  wall: number;
}

export function pidsOf(sut: Sut): readonly number[] {
  return sut.pids ?? [sut.pid];
}

export function snapshot(sut: Sut, receiverPid: number): CpuSnapshot {
  const threads = new Map<string, number>();
  let cpu = 0;
  for (const pid of pidsOf(sut)) {
    cpu += cpuSeconds(pid);
    for (const [name, sec] of cpuSecondsByThread(pid)) threads.set(name, (threads.get(name) ?? 0) + sec);
  }
  const h = process.cpuUsage();
  return {
    sut: cpu,
    threads,
    receiver: cpuSeconds(receiverPid),
    harness: (h.user + h.system) / 1e6,
    db: sut.dbName ? cpuSecondsOfPostgres([sut.dbName]) : new Map(),
    machine: machineCpu(),
    wall: wallNow(),
  };
}

export type CpuFigures = Pick<
  RoundResult,
  'cpuMsPer1k' | 'dbCpuMsPer1k' | 'threadMsPer1k' | 'receiverCpuMsPer1k' | 'machineBusyPct' | 'foreignPct'
>;

/** CPU figures per 1000 deliveries between two snapshots. */
export function cpuFigures(a: CpuSnapshot, b: CpuSnapshot, deliveries: number): CpuFigures {
  const per1k = (sec: number): number => (sec * 1e6) / deliveries;
  const db = cpuDelta(a.db, b.db);
  const ours = b.sut - a.sut + (b.receiver - a.receiver) + (b.harness - a.harness) + db;
  const machineSeconds = (b.machine.busy - a.machine.busy) / 100;
  const capacity = ((b.wall - a.wall) / 1000) * cpus().length;
  return {
    cpuMsPer1k: per1k(b.sut - a.sut),
    dbCpuMsPer1k: per1k(db),
    threadMsPer1k: Object.fromEntries(
      [...b.threads].map(([name, sec]) => [name, per1k(sec - (a.threads.get(name) ?? 0))]),
    ),
    receiverCpuMsPer1k: per1k(b.receiver - a.receiver),
    machineBusyPct:
      ((b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total)) * 100,
    foreignPct: Math.max(0, ((machineSeconds - ours) / capacity) * 100),
  };
}

/** VmHWM of every process of the system under test, summed, in MB. */
export function peakRssMb(sut: Sut): number {
  return pidsOf(sut).reduce((sum, pid) => sum + peakRssBytes(pid), 0) / 1024 / 1024;
}

// ---------------------------------------------------------------------------------------------
// Reading the rounds of a run

export const fmt = (v: number, digits = 0): string =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

export const pct = (v: number): string => (Number.isFinite(v) ? `${fmt(v * 100, 1)} %` : '–');

/** Rounds of one scenario, and those undisturbed by other work (all of them when none is). */
export class Rounds {
  readonly results: RoundResult[];
  readonly maxForeign: number;
  constructor(results: RoundResult[], maxForeign: number) {
    this.results = results;
    this.maxForeign = maxForeign;
  }
  undisturbed(r: RoundResult): boolean {
    return r.foreignPct <= this.maxForeign;
  }
  of(s: Scenario): RoundResult[] {
    return this.results.filter((r) => r.scenario === s);
  }
  usable(s: Scenario): RoundResult[] {
    const rs = this.of(s);
    return rs.some((r) => this.undisturbed(r)) ? rs.filter((r) => this.undisturbed(r)) : rs;
  }
  /** Median of `f` over the usable rounds of `s`. */
  median(s: Scenario, f: (r: RoundResult) => number): number {
    return median(this.usable(s).map(f));
  }
  /** Median over rounds of a/b in the same round (undisturbed pairs when there are any). */
  sameRound(a: Scenario, b: Scenario, f: (r: RoundResult) => number = (r) => r.deliveriesPerSec): number {
    const bs = new Map(this.of(b).map((r) => [r.round, r]));
    const pairs = this.of(a).flatMap((r) => {
      const o = bs.get(r.round);
      return o ? [{ r, o }] : [];
    });
    const clean = pairs.filter((p) => this.undisturbed(p.r) && this.undisturbed(p.o));
    return median((clean.length > 0 ? clean : pairs).map((p) => f(p.r) / f(p.o)));
  }
}
