/**
 * The CPU cost of issue 17's signing and sealing, per operation, on this machine: a v1 (HMAC)
 * signature beside a v1a (ed25519) one, and sealing and opening a secret (AES-256-GCM), with
 * and without the opened-value cache the claim path uses. Rounds alternate the operations;
 * the report gives medians of CPU µs per operation and the ratios.
 *
 *   node bench/signing.ts [--rounds 7] [--ops 20000] [--payload 300]
 */
import { parseArgs } from 'node:util';
import { generateKey, signWith } from '../src/delivery/signature.ts';
import { newKeyText, parseKey, SecretBox } from '../src/store/sealing/box.ts';

const { values: a } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    ops: { type: 'string', default: '20000' },
    payload: { type: 'string', default: '300' },
  },
});
const ROUNDS = Number(a.rounds);
const OPS = Number(a.ops);
const body = JSON.stringify({
  eventID: 'e',
  event: 'site.created',
  dateAdded: 1,
  data: 'x'.repeat(Number(a.payload)),
});
const hmac = generateKey('hmac-sha256');
const ed = generateKey('ed25519');
const key = parseKey(newKeyText(), 'bench key');
const box = new SecretBox([key]);
const secret = generateKey('hmac-sha256');
const sealed = Array.from({ length: OPS }, () => box.seal(secret));

/**
 * µs of this process's CPU (user + system) per call of `fn(i)`, over OPS calls: on a machine
 * shared with other work, CPU time moves far less than wall time.
 */
function perOp(fn: (i: number) => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < OPS; i++) fn(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / OPS;
}

const cases: Record<string, (i: number) => unknown> = {
  'sign v1 (HMAC-SHA256)': (i) => signWith(hmac, `msg_${i}`, 1_700_000_000, body),
  'sign v1a (ed25519)': (i) => signWith(ed, `msg_${i}`, 1_700_000_000, body),
  'seal a secret': () => box.seal(secret),
  // A box made at the start of each round has an empty cache: every open decrypts.
  'open a secret (first time)': (() => {
    let fresh = box;
    return (i: number) => {
      if (i === 0) fresh = new SecretBox([key]);
      return fresh.open(sealed[i]!);
    };
  })(),
  'open a secret (cached)': (i) => box.open(sealed[i % 64]!),
};
const samples = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  const names = Object.keys(cases);
  // Rotate the order each round, so no case always runs first (or after the same one).
  for (const name of [...names.slice(r % names.length), ...names.slice(0, r % names.length)])
    samples.get(name)!.push(perOp(cases[name]!));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const base = median(samples.get('sign v1 (HMAC-SHA256)')!);
console.log(`| operation | CPU µs (median of ${ROUNDS} rounds of ${OPS}) | × v1 signature |`);
console.log('| --- | ---: | ---: |');
for (const [name, xs] of samples)
  console.log(`| ${name} | ${median(xs).toFixed(2)} | ${(median(xs) / base).toFixed(2)} |`);
