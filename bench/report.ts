/**
 * The markdown report of a run: medians per scenario, the issue 11 targets (targets.ts), the
 * slow-hook mix, CPU by thread, every round, and the problems.
 */
import { cpus, loadavg } from 'node:os';
import { median } from './lib.ts';
import { Rounds, fmt, pct } from './round.ts';
import type { RoundResult } from './round.ts';
import { SPECS } from './scenarios.ts';
import type { RunConfig, Scenario } from './scenarios.ts';
import { targetReport } from './targets.ts';

export interface ReportInfo {
  cmd: string;
  startedAt: Date;
  elapsedS: number;
  pgVersion: string;
  rounds: number;
  scenarios: readonly Scenario[];
  cfg: RunConfig;
  maxForeign: number;
  retries: number;
  quietPct: number;
  quietWaitMs: number;
  smoke: boolean;
  pgbossNote: string;
  /** Sizes of the apiLog `data` JSON, when a Tenon scenario ran. */
  apiLogSizes: { min: number; median: number; max: number } | null;
}

const START_LOAD = loadavg();

export function report(results: RoundResult[], problems: string[], info: ReportInfo): string {
  const rounds = new Rounds(results, info.maxForeign);
  const lines: string[] = [
    ...header(info),
    ...targetReport(rounds, info),
    ...mediansTable(rounds, problems, info),
    ...allRoundsTable(rounds, info),
    ...latencyTable(rounds, info),
    ...backlogTable(rounds, info),
    ...slowMixReport(rounds, info),
    ...threadReport(rounds, info),
  ];
  if (problems.length > 0) lines.push('', 'Some rounds failed or were skipped: see Problems at the end.');
  lines.push(...everyRound(rounds), ...notes(info), ...problemList(problems));
  return lines.join('\n') + '\n';
}

function header(info: ReportInfo): string[] {
  const c = info.cfg;
  return [
    `# Herald benchmark results`,
    '',
    `- Command: \`${info.cmd}\` (${c.events} events per burst scenario and round, ${c.warmup} warm-up events, ${info.rounds} interleaved rounds, ${c.rate > 0 ? `burst submissions paced at ${c.rate} events/s` : 'burst events submitted at once'}; steady: ${c.steady.events} events at ${c.steady.rate}/s in batches of ${c.steady.batch}; backlog: ${c.deliveries} deliveries)`,
    `- Run: ${info.startedAt.toISOString()}, ${fmt(info.elapsedS)} s in total; load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux; Node ${process.version}; PostgreSQL ${info.pgVersion}`,
    `- Load average at the start (other work on the machine adds noise): ${START_LOAD.map((l) => l.toFixed(2)).join(' ')}`,
    ...(info.smoke
      ? [
          '',
          '**Smoke run**: every scenario once at a small size, to check the harness; the figures are not comparable.',
        ]
      : []),
  ];
}

function mediansTable(rounds: Rounds, problems: string[], info: ReportInfo): string[] {
  const lines = [
    '',
    `## Medians of undisturbed rounds`,
    '',
    `Rounds where other work took more than ${info.maxForeign} % of the machine (foreign CPU, see below) are left out`,
    'when the scenario has undisturbed ones; the last column says how many rounds were used. Ratios are to the',
    'raw ceiling with the same payload (`raw-tenon` for the apiLog scenarios, else `raw`).',
    '',
    '| scenario | deliveries/s | ratio to raw ceiling | per-round ratio (median) | p50 ms | p99 ms | peak RSS MB | accepted/s | CPU ms per 1k deliveries | PostgreSQL server CPU ms per 1k | machine CPU % | rounds used |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of info.scenarios) {
    const all = rounds.of(s);
    if (all.length === 0) {
      const why = problems.find((p) => p.startsWith(`${s}:`)) ?? `${s}: no successful round`;
      const status = why.includes(': skipped: ') ? 'pending' : 'FAILED';
      lines.push(
        `| ${SPECS[s].label} | ${status} | – | – | – | – | – | – | – | – | – | 0 of ${info.rounds} |`,
      );
      continue;
    }
    const rs = rounds.usable(s);
    const m = (f: (r: RoundResult) => number, d = 1): string => fmt(rounds.median(s, f), d);
    const ceiling = ceilingOf(s);
    const tput = rounds.median(s, (r) => r.deliveriesPerSec);
    const isCeiling = s === ceiling;
    // A paced scenario delivers what it is offered: a ratio to the ceiling says nothing.
    const paced = SPECS[s].kind === 'steady' || info.cfg.rate > 0;
    const ratio = (v: number): string => (paced ? '–' : pct(isCeiling ? 1 : v));
    const cells = [
      SPECS[s].label,
      fmt(tput),
      ratio(tput / rounds.median(ceiling, (r) => r.deliveriesPerSec)),
      ratio(rounds.sameRound(s, ceiling)),
      m((r) => r.p50),
      m((r) => r.p99),
      m((r) => r.peakRssMb),
      m((r) => r.acceptedPerSec, 0),
      m((r) => r.cpuMsPer1k),
      m((r) => r.dbCpuMsPer1k),
      m((r) => r.machineBusyPct, 0),
      !all.some((r) => rounds.undisturbed(r))
        ? `${all.length} of ${info.rounds}, all disturbed`
        : `${rs.length} of ${info.rounds}`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

/** The raw ceiling a scenario is compared with: the one sending the same payload. */
export function ceilingOf(s: Scenario): Scenario {
  return SPECS[s].payload === 'apiLog' ? 'raw-tenon' : 'raw';
}

function allRoundsTable(rounds: Rounds, info: ReportInfo): string[] {
  const lines = [
    '',
    'The same over every completed round, disturbed or not:',
    '',
    '| scenario | deliveries/s | ratio to raw ceiling | p50 ms | p99 ms | rounds |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of info.scenarios) {
    const all = rounds.of(s);
    if (all.length === 0) continue;
    const tput = median(all.map((r) => r.deliveriesPerSec));
    const raw = median(rounds.of(ceilingOf(s)).map((r) => r.deliveriesPerSec));
    const ratio = SPECS[s].kind === 'steady' || info.cfg.rate > 0 ? '–' : pct(tput / raw);
    lines.push(
      `| ${SPECS[s].label} | ${fmt(tput)} | ${ratio} | ${fmt(median(all.map((r) => r.p50)), 1)} | ${fmt(median(all.map((r) => r.p99)), 1)} | ${all.length} of ${info.rounds} |`,
    );
  }
  return lines;
}

/** Latency percentiles of the steady scenarios, from submission and from the 202. */
function latencyTable(rounds: Rounds, info: ReportInfo): string[] {
  const steady = info.scenarios.filter((s) => SPECS[s].kind === 'steady' && rounds.of(s).length > 0);
  if (steady.length === 0) return [];
  const c = info.cfg.steady;
  const lines = [
    '',
    '## Latency under a steady load',
    '',
    `${c.events} events per round at ${c.rate} events/s, a batch of ${c.batch} every ${fmt((c.batch * 1000) / c.rate, 1)} ms (up to ${c.inFlight} in flight),`,
    'after a burst of warm-up events. From acceptance: receiver arrival − when the publisher had the 202 of the',
    "event's batch; from submission: − when the batch was sent (adds the publish round trip). Medians over rounds.",
    '',
    '| scenario | accepted/s | from acceptance p50 / p99 / p99.9 ms | from submission p50 / p99 / p99.9 ms | CPU ms per 1k | peak RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of steady) {
    const m = (f: (r: RoundResult) => number, d = 1): string => fmt(rounds.median(s, f), d);
    lines.push(
      `| ${SPECS[s].label} | ${m((r) => r.acceptedPerSec, 0)} | ${m((r) => r.acceptP50)} / ${m((r) => r.acceptP99)} / ${m((r) => r.acceptP999)} | ${m((r) => r.p50)} / ${m((r) => r.p99)} / ${m((r) => r.p999)} | ${m((r) => r.cpuMsPer1k)} | ${m((r) => r.peakRssMb)} |`,
    );
  }
  return lines;
}

/** The backlog scenarios step by step: build, drain with a probe, probe into the empty queue. */
function backlogTable(rounds: Rounds, info: ReportInfo): string[] {
  const ran = info.scenarios.filter((s) => SPECS[s].kind === 'backlog' && rounds.of(s).length > 0);
  if (ran.length === 0) return [];
  const lines = [
    '',
    '## Backlog',
    '',
    'Build: only `herald api` runs, nothing delivers. Drain: `herald serve` on the same data, with a probe',
    'published into the backlog once 5 % had arrived; then the same probe into the empty queue. Every round:',
    '',
    '| round | scenario | backlog | build: accepted/s | build, first tenth | build, last tenth | drain s | drain deliveries/s | probe events | probe into backlog: accepted/s | still due then | probe into empty queue: accepted/s | RSS max sampled MB | samples | VmHWM at drain end MB |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of ran) {
    for (const r of rounds.of(s)) {
      const b = r.backlog;
      if (!b) continue;
      lines.push(
        `| ${r.round} | ${s} | ${fmt(b.backlog)} | ${fmt(b.buildAcceptedPerSec)} | ${fmt(b.buildFirstPerSec)} | ${fmt(b.buildLastPerSec)} | ${fmt(b.drainSeconds, 1)} | ${fmt(b.drainPerSec)} | ${fmt(b.probe)} | ${fmt(b.busyAcceptedPerSec)} | ${fmt(b.dueAtProbe)} | ${fmt(b.emptyAcceptedPerSec)} | ${fmt(b.rssMaxSampledMb, 1)} | ${fmt(b.rssSamples)} | ${fmt(r.peakRssMb, 1)} |`,
      );
    }
  }
  return lines;
}

/**
 * The slow-hook mix: the fast hooks' deliveries/s with one hook in ten answering in 1 s, against
 * ten fast hooks in the same run. One slow receiver should not slow the others (target ≥ 90 %).
 */
function slowMixReport(rounds: Rounds, info: ReportInfo): string[] {
  if (rounds.of('fastmix').length === 0 || rounds.of('slowmix').length === 0) return [];
  const f = rounds.median('fastmix', (r) => r.deliveriesPerSec);
  const sl = rounds.median('slowmix', (r) => r.deliveriesPerSec);
  return [
    '',
    '## Slow-hook mix',
    '',
    `Herald on SQLite, ${Math.ceil(info.cfg.events / 10)} events per round to 10 hooks; in the mix one hook answers`,
    `in 1 s. Fast-hook deliveries/s of the mix against the all-fast figure (target: at least 90 %):`,
    '',
    '| all fast: deliveries/s | mix: fast-hook deliveries/s | ratio (medians) | ratio per round (median) |',
    '| ---: | ---: | ---: | ---: |',
    `| ${fmt(f)} | ${fmt(sl)} | ${pct(sl / f)} | ${pct(rounds.sameRound('slowmix', 'fastmix'))} |`,
  ];
}

/** CPU per 1k deliveries by thread of the system under test (medians), where it went. */
function threadReport(rounds: Rounds, info: ReportInfo): string[] {
  const names = new Set<string>();
  for (const s of info.scenarios)
    for (const r of rounds.usable(s)) for (const n of Object.keys(r.threadMsPer1k)) names.add(n);
  const cols = [...names].sort();
  if (cols.length === 0) return [];
  const lines = [
    '',
    '## CPU by thread',
    '',
    'CPU ms per 1k deliveries of each thread of the process under test (medians; threads summed by name, and over',
    'the processes of a multi-process scenario: `node` is the main thread, a worker thread carries its own name,',
    '`V8 DefaultWorke` are GC helpers):',
    '',
    `| scenario | ${cols.join(' | ')} |`,
    `| --- | ${cols.map(() => '---:').join(' | ')} |`,
  ];
  for (const s of info.scenarios) {
    const rs = rounds.usable(s);
    if (rs.length === 0) continue;
    lines.push(
      `| ${SPECS[s].label} | ${cols.map((c) => fmt(median(rs.map((r) => r.threadMsPer1k[c] ?? 0)), 1)).join(' | ')} |`,
    );
  }
  return lines;
}

function everyRound(rounds: Rounds): string[] {
  const lines = [
    '',
    '## Every round',
    '',
    '| round | scenario | deliveries/s | ratio to raw (same round) | p50 ms | p99 ms | peak RSS MB | accepted/s | CPU ms per 1k | PostgreSQL CPU ms per 1k | receiver CPU ms per 1k | machine CPU % | duplicates | webhook-id duplicates | signatures verified | wall s | CPU probe µs | machine busy before % | foreign CPU % | tries |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rounds.results) {
    const s = r.scenario as Scenario;
    const raw = rounds.of(ceilingOf(s)).find((o) => o.round === r.round);
    const ratio = raw && SPECS[s].kind !== 'steady' ? pct(r.deliveriesPerSec / raw.deliveriesPerSec) : '–';
    lines.push(
      `| ${r.round} | ${r.scenario} | ${fmt(r.deliveriesPerSec)} | ${ratio} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.peakRssMb, 1)} | ${fmt(r.acceptedPerSec)} | ${fmt(r.cpuMsPer1k, 1)} | ${fmt(r.dbCpuMsPer1k, 1)} | ${fmt(r.receiverCpuMsPer1k, 1)} | ${fmt(r.machineBusyPct)} | ${r.duplicates} | ${r.webhookIdDuplicates} | ${r.signatures} | ${fmt(r.seconds, 1)} | ${fmt(r.cpuProbeUs, 2)} | ${fmt(r.busyBeforePct)} | ${fmt(r.foreignPct)} | ${r.tries} |`,
    );
  }
  return lines;
}

function notes(info: ReportInfo): string[] {
  const c = info.cfg;
  return [
    '',
    '- deliveries/s: deliveries ÷ (receiver time of the N-th distinct delivery − submission time of the first event);',
    '  for the backlog, ÷ (last − first arrival) of the drain.',
    c.rate > 0
      ? `- p50/p99: receiver arrival − \`sentAt\` (when the event was submitted), over all N events, with submissions paced at ${c.rate}/s.`
      : '- p50/p99: receiver arrival − `sentAt` (when the event was submitted), over all N events; a burst of N is\n' +
        '  queued at once, so these include queueing behind the backlog (see the steady scenarios for latency under load).',
    '- peak RSS: VmHWM of the process under test (Herald server, pg-boss process, raw client; summed over the',
    '  processes of postgres-multi); the receiver, PostgreSQL server and the harness are not included. CPU ms per 1k:',
    '  user+system CPU of that process (or processes). PostgreSQL server CPU: the server processes of the',
    "  scenario's scratch database (its backends) and the server's background processes (WAL writer, checkpointer).",
    '- duplicates: requests beyond distinct (path, eventID); webhook-id duplicates: requests beyond distinct',
    '  `webhook-id` headers (Herald: one id per delivery, kept across retries).',
    '- CPU probe: µs per HMAC-SHA256 in the harness just before the round; the same work, so a higher value means',
    '  the (virtual) CPUs were slower at that moment. Machine busy before: whole-machine CPU in the 0.5 s (without waiting: 0.1 s) before',
    `  the round, after waiting up to ${info.quietWaitMs / 1000} s for it to drop below ${info.quietPct} % (other work on a shared machine).`,
    '- Foreign CPU: share of the machine during the measured phase used by processes other than the system under test,',
    '  the receiver, the harness and the PostgreSQL processes of its database. A run above',
    `  ${info.maxForeign} % is repeated up to ${info.retries} times and the last try is kept (tries column; the backlog is not repeated).`,
    `- ${info.pgbossNote}`,
    `- Herald publish: batches of ${c.batch} events (apiLog: 1,000), ${c.batchesInFlight} in flight; extra server env: ${JSON.stringify(c.heraldEnv)}. Raw ceiling: ${c.concurrency} requests in flight.`,
  ];
}

function problemList(problems: string[]): string[] {
  if (problems.length === 0) return [];
  const lines = ['', '## Problems', ''];
  // The same failure in several rounds (e.g. a server that does not start) is shown once.
  const seen = new Map<string, string[]>();
  for (const p of problems) {
    const m = /^([\w-]+): round (\d+) failed: ([\s\S]*)$/.exec(p);
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
  return lines;
}
