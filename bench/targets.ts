/**
 * Issue 11's targets, one table each, computed from the rounds of this run: the figure, the
 * target and whether it is met. A target whose scenarios did not run (or all failed) says so.
 *
 * Figures are medians of the usable rounds (see Rounds); a ratio is of the two medians, with the
 * median of same-round ratios next to it. On this machine single figures move by ±15 % between
 * runs, so a figure within a few points of its target can land on either side.
 */
import type { ReportInfo } from './report.ts';
import { fmt, pct } from './round.ts';
import type { RoundResult, Rounds } from './round.ts';
import type { Scenario } from './scenarios.ts';

type Verdict = 'met' | 'not met' | 'no data';

interface Row {
  what: string;
  target: string;
  measured: string;
  verdict: Verdict;
}

const verdict = (ok: boolean, value: number): Verdict =>
  Number.isFinite(value) ? (ok ? 'met' : 'not met') : 'no data';

const tput = (r: RoundResult): number => r.deliveriesPerSec;
/** CPU of the system under test and of the PostgreSQL server processes working for it. */
const totalCpu = (r: RoundResult): number => r.cpuMsPer1k + r.dbCpuMsPer1k;

function table(title: string, intro: string[], rows: Row[]): string[] {
  return [
    '',
    `### ${title}`,
    '',
    ...(intro.length > 0 ? [...intro, ''] : []),
    '| criterion | target | measured | verdict |',
    '| --- | --- | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.target} | ${r.measured} | ${r.verdict === 'met' ? 'met' : `**${r.verdict}**`} |`,
    ),
  ];
}

/** a ÷ b deliveries/s against `min`: ratio of medians, and the same-round median. */
function ratioRow(rounds: Rounds, what: string, a: Scenario, b: Scenario, min: number, asTimes = false): Row {
  const ma = rounds.median(a, tput);
  const mb = rounds.median(b, tput);
  const ratio = ma / mb;
  const show = (v: number): string => (asTimes ? `${fmt(v, 2)}×` : pct(v));
  return {
    what,
    target: asTimes ? `≥ ${fmt(min, 1)}×` : `≥ ${fmt(min * 100)} %`,
    measured: `${show(ratio)} (${fmt(ma)} / ${fmt(mb)}/s; same-round ${show(rounds.sameRound(a, b))})`,
    verdict: verdict(ratio >= min, ratio),
  };
}

function cpuRow(rounds: Rounds, what: string, a: Scenario, peer: Scenario): Row {
  const ca = rounds.median(a, totalCpu);
  const cp = rounds.median(peer, totalCpu);
  const pa = rounds.median(a, (r) => r.cpuMsPer1k);
  const pp = rounds.median(peer, (r) => r.cpuMsPer1k);
  return {
    what,
    target: '≤ pg-boss',
    measured: `${fmt(ca, 1)} vs ${fmt(cp, 1)} ms per 1k (process alone: ${fmt(pa, 1)} vs ${fmt(pp, 1)})`,
    verdict: verdict(ca <= cp, ca - cp),
  };
}

function burst(rounds: Rounds): string[] {
  return table(
    'Target 1: burst to one hook',
    [
      'CPU per delivery counts the process under test and the PostgreSQL server processes working for its',
      "database (pg-boss's queue work happens in the server); the process alone is in brackets.",
    ],
    [
      ratioRow(rounds, 'Herald on SQLite ÷ raw ceiling', 'sqlite', 'raw', 0.7),
      ratioRow(rounds, 'Herald on PostgreSQL ÷ raw ceiling', 'postgres', 'raw', 0.55),
      cpuRow(rounds, 'CPU per delivery, Herald on SQLite vs pg-boss', 'sqlite', 'pgboss'),
      cpuRow(rounds, 'CPU per delivery, Herald on PostgreSQL vs pg-boss', 'postgres', 'pgboss'),
      ratioRow(rounds, 'Herald on SQLite ÷ pg-boss', 'sqlite', 'pgboss', 1.3, true),
      ratioRow(rounds, 'Herald on PostgreSQL ÷ pg-boss', 'postgres', 'pgboss', 1.0, true),
    ],
  );
}

function tenon(rounds: Rounds, info: ReportInfo): string[] {
  const sizes = info.apiLogSizes;
  return table(
    'Target 2: Tenon-sized events',
    [
      `\`apiLog.created\` events${sizes ? ` of ${fmt(sizes.min)}–${fmt(sizes.max)} bytes of data (median ${fmt(sizes.median)})` : ''}, published in`,
      'batches of 1,000, against the raw ceiling sending the same bodies (`raw-tenon`). Against the small-event',
      'ceiling (`raw`) in the last rows, for reference: the issue does not say which ceiling it means.',
    ],
    [
      ratioRow(rounds, 'Herald on SQLite, apiLog ÷ raw ceiling (apiLog)', 'tenon-sqlite', 'raw-tenon', 0.6),
      ratioRow(
        rounds,
        'Herald on PostgreSQL, apiLog ÷ raw ceiling (apiLog)',
        'tenon-postgres',
        'raw-tenon',
        0.5,
      ),
      ratioRow(rounds, 'Herald on SQLite, apiLog ÷ raw ceiling (small events)', 'tenon-sqlite', 'raw', 0.6),
      ratioRow(
        rounds,
        'Herald on PostgreSQL, apiLog ÷ raw ceiling (small events)',
        'tenon-postgres',
        'raw',
        0.5,
      ),
    ],
  );
}

function fanout(rounds: Rounds, info: ReportInfo): string[] {
  return table(
    'Target 3: fan-out to 50 hooks',
    [
      `${Math.ceil(info.cfg.events / 50)} events per round, each to 50 hooks at distinct paths of the receiver`,
      `(${Math.ceil(info.cfg.events / 50) * 50} deliveries), against the single-hook burst of the same run.`,
    ],
    [
      ratioRow(rounds, 'Herald on SQLite: 50-hook ÷ single-hook deliveries/s', 'fanout', 'sqlite', 1.0),
      ratioRow(
        rounds,
        'Herald on PostgreSQL: 50-hook ÷ single-hook deliveries/s',
        'fanout-postgres',
        'postgres',
        1.0,
      ),
    ],
  );
}

function steady(rounds: Rounds, info: ReportInfo): string[] {
  const c = info.cfg.steady;
  const row = (s: Scenario, name: string): Row[] => {
    const p99 = rounds.median(s, (r) => r.acceptP99);
    const rate = rounds.median(s, (r) => r.acceptedPerSec);
    return [
      {
        what: `${name}: p99 from acceptance to 2xx`,
        target: '< 20 ms',
        measured: `${fmt(p99, 1)} ms (p50 ${fmt(
          rounds.median(s, (r) => r.acceptP50),
          1,
        )}, p99.9 ${fmt(
          rounds.median(s, (r) => r.acceptP999),
          1,
        )}; from submission p99 ${fmt(
          rounds.median(s, (r) => r.p99),
          1,
        )})`,
        verdict: verdict(p99 < 20, p99),
      },
      {
        what: `${name}: the offered load was accepted`,
        target: `≥ ${fmt(c.rate * 0.95)} events/s`,
        measured: `${fmt(rate)} events/s`,
        verdict: verdict(rate >= c.rate * 0.95, rate),
      },
    ];
  };
  return table(
    'Target 4: steady load',
    [
      `${fmt(c.rate)} events/s as a batch of ${c.batch} every ${fmt((c.batch * 1000) / c.rate, 1)} ms, ${fmt(c.events)} events per round. Acceptance:`,
      "when the publisher had the 202 of the event's batch; 2xx: when the receiver had the request.",
    ],
    [...row('sqlite-steady', 'Herald on SQLite'), ...row('postgres-steady', 'Herald on PostgreSQL')],
  );
}

function backlog(rounds: Rounds): string[] {
  const ran = (['backlog-sqlite', 'backlog-postgres'] as const).filter((s) => rounds.of(s).length > 0);
  if (ran.length === 0)
    return [
      '',
      '### Target 5: backlog',
      '',
      'Not part of this run: `npm run bench:backlog` builds and drains the backlog (report in',
      '`bench/results/backlog.md`).',
    ];
  const rows: Row[] = [];
  for (const s of ran) {
    const burstOf: Scenario = s === 'backlog-sqlite' ? 'sqlite' : 'postgres';
    const name = s === 'backlog-sqlite' ? 'SQLite' : 'PostgreSQL';
    const b = (f: (x: NonNullable<RoundResult['backlog']>) => number): number =>
      rounds.median(s, (r) => (r.backlog ? f(r.backlog) : Number.NaN));
    const rss = Math.max(
      b((x) => x.rssMaxSampledMb),
      rounds.median(s, (r) => r.peakRssMb),
    );
    const drain = b((x) => x.drainPerSec);
    const burstTput = rounds.median(burstOf, tput);
    const busy = b((x) => x.busyAcceptedPerSec);
    const empty = b((x) => x.emptyAcceptedPerSec);
    rows.push(
      {
        what: `${name}: RSS while draining ${fmt(b((x) => x.backlog))} deliveries`,
        target: '< 300 MB',
        measured: `${fmt(rss, 1)} MB (max of ${fmt(b((x) => x.rssSamples))} samples ${fmt(
          b((x) => x.rssMaxSampledMb),
          1,
        )}, VmHWM ${fmt(
          rounds.median(s, (r) => r.peakRssMb),
          1,
        )})`,
        verdict: verdict(rss < 300, rss),
      },
      {
        what: `${name}: drain rate ÷ burst deliveries/s`,
        target: '≥ 80 %',
        measured: `${pct(drain / burstTput)} (${fmt(drain)} / ${fmt(burstTput)}/s; drained in ${fmt(
          b((x) => x.drainSeconds),
          1,
        )} s)`,
        verdict: verdict(drain / burstTput >= 0.8, drain / burstTput),
      },
      {
        what: `${name}: index health, accepted/s with 90 % of the backlog pending ÷ into an empty queue (API alone)`,
        target: '≥ 100 %',
        measured: `${pct(b((x) => x.buildLastPerSec) / b((x) => x.buildFirstPerSec))} (${fmt(b((x) => x.buildLastPerSec))} / ${fmt(b((x) => x.buildFirstPerSec))}/s, each a tenth of the build)`,
        verdict: verdict(
          b((x) => x.buildLastPerSec) >= b((x) => x.buildFirstPerSec),
          b((x) => x.buildLastPerSec) / b((x) => x.buildFirstPerSec),
        ),
      },
      {
        what: `${name}: accepted/s publishing into the backlog while it drains ÷ into the empty queue`,
        target: '≥ 100 %',
        measured: `${pct(busy / empty)} (${fmt(busy)} / ${fmt(empty)}/s, ${fmt(b((x) => x.probe))} events; ${fmt(b((x) => x.dueAtProbe))} still due when accepted)`,
        verdict: verdict(busy >= empty, busy / empty),
      },
    );
  }
  return table(
    'Target 5: backlog',
    [
      'Built with only `herald api` running (nothing delivers), drained by `herald serve` on the same data. RSS is',
      "sampled every 250 ms while draining and the server's VmHWM read when the drain ended; the burst figure is the",
      'single-hook burst of the same run.',
    ],
    rows,
  );
}

function multi(rounds: Rounds): string[] {
  const dups = rounds.of('postgres-multi').reduce((sum, r) => sum + r.webhookIdDuplicates, 0);
  const n = rounds.of('postgres-multi').length;
  return table(
    'Target 6: several processes on PostgreSQL',
    ['One `herald api` and two `herald worker` processes on one database, against one `herald serve`.'],
    [
      ratioRow(rounds, '1 api + 2 workers ÷ 1 serve, deliveries/s', 'postgres-multi', 'postgres', 1.0),
      {
        what: 'deliveries sent twice (by webhook-id, all rounds)',
        target: '0',
        measured: n > 0 ? `${dups} in ${n} rounds` : '–',
        verdict: n > 0 ? (dups === 0 ? 'met' : 'not met') : 'no data',
      },
    ],
  );
}

function slowMix(rounds: Rounds): string[] {
  return table(
    'Target 7: slow-hook mix',
    ['Fast-hook deliveries/s with one hook in ten answering in 1 s, against ten fast hooks.'],
    [ratioRow(rounds, 'mix ÷ all fast', 'slowmix', 'fastmix', 0.9)],
  );
}

/** Each target with the scenarios it reads; a target none of whose scenarios was selected is left out. */
const TARGETS: Array<{ scenarios: Scenario[]; render: (rounds: Rounds, info: ReportInfo) => string[] }> = [
  { scenarios: ['raw', 'sqlite', 'postgres', 'pgboss'], render: burst },
  { scenarios: ['raw-tenon', 'tenon-sqlite', 'tenon-postgres'], render: tenon },
  { scenarios: ['fanout', 'fanout-postgres'], render: fanout },
  { scenarios: ['sqlite-steady', 'postgres-steady'], render: steady },
  { scenarios: ['backlog-sqlite', 'backlog-postgres'], render: backlog },
  { scenarios: ['postgres-multi'], render: multi },
  { scenarios: ['fastmix', 'slowmix'], render: slowMix },
];

export function targetReport(rounds: Rounds, info: ReportInfo): string[] {
  const shown = TARGETS.filter(
    (t) => t.scenarios.some((s) => info.scenarios.includes(s)) || t.render === backlog,
  );
  return [
    '',
    '## Issue 11 targets',
    '',
    'Each figure comes from this run. Single figures move by about ±15 % between runs on this machine: read',
    'a verdict within a few points of its target as undecided. "no data": a scenario it needs did not run or failed.',
    ...shown.flatMap((t) => t.render(rounds, info)),
  ];
}
