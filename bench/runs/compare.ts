/**
 * Tenon test runs and build runs per minute, this checkout against another (BENCH_HERALD_ROOT
 * of bench/tenon/throughput.ts and bench/builds/throughput.ts), in interleaved rounds whose
 * order alternates, so both see the same machine; prints each round and the medians with the
 * ratio after/before.
 *
 *   node bench/runs/compare.ts --before /work/wt/before [--rounds 6] [--seconds 30] [--only tenon,builds]
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? String(process.argv[i + 1]) : fallback;
}
const BEFORE = arg('before', '');
const ROUNDS = Number(arg('rounds', '6'));
const SECONDS = arg('seconds', '30');
if (!BEFORE) throw new Error('--before <checkout> is required');
const AFTER = fileURLToPath(new URL('../..', import.meta.url));
const BENCHES = { tenon: 'runsPerMinute', builds: 'buildsPerMinute' } as const;
type Bench = keyof typeof BENCHES;
const ONLY = arg('only', 'tenon,builds').split(',') as Bench[];

async function once(
  bench: Bench,
  root: string,
): Promise<{ perMinute: number; p50: number; failures: number }> {
  const script = fileURLToPath(new URL(`../${bench}/throughput.ts`, import.meta.url));
  const { stdout } = await run(
    process.execPath,
    [script, '--seconds', SECONDS, '--clients', '4', '--concurrency', '2'],
    { env: { ...process.env, BENCH_HERALD_ROOT: root }, maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown> & {
    latencyMs: { p50: number };
    failures: number;
  };
  return { perMinute: Number(r[BENCHES[bench]]), p50: r.latencyMs.p50, failures: r.failures };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const results: Record<Bench, { before: number[]; after: number[] }> = {
  tenon: { before: [], after: [] },
  builds: { before: [], after: [] },
};
for (let round = 1; round <= ROUNDS; round++) {
  const order: Array<['before' | 'after', string]> =
    round % 2
      ? [
          ['after', AFTER],
          ['before', BEFORE],
        ]
      : [
          ['before', BEFORE],
          ['after', AFTER],
        ];
  for (const bench of ONLY)
    for (const [side, root] of order) {
      const r = await once(bench, root);
      results[bench][side].push(r.perMinute);
      console.log(JSON.stringify({ round, bench, side, ...r }));
    }
}
for (const bench of ONLY) {
  const before = median(results[bench].before);
  const after = median(results[bench].after);
  console.log(
    `${bench}: median per minute before ${before}, after ${after}, ratio ${(after / before).toFixed(2)} ` +
      `(rounds: before ${results[bench].before.join(' ')}; after ${results[bench].after.join(' ')})`,
  );
}
