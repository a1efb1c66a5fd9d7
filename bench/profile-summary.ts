/**
 * Where a Herald server's main thread spends its time, from a V8 CPU profile.
 *
 *   node bench/run.ts --only sqlite --rounds 1 \
 *     --herald-env "NODE_OPTIONS=--cpu-prof --cpu-prof-dir=/tmp/herald-prof"
 *   node bench/profile-summary.ts --deliveries 25000 /tmp/herald-prof/*.cpuprofile
 *
 * (--deliveries: warm-up plus measured deliveries of the profiled run, for µs per delivery; the
 * profiler itself slows the process, so compare profiles with profiles, not with timings.)
 *
 * Each sample goes to the first category (in the order below) that any frame of its stack
 * matches, so "signing" is counted as signing even though it runs inside a delivery.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const CATEGORIES: [string, (f: CallFrame) => boolean][] = [
  ['ids (ulid)', (f) => f.url.includes('/ulid/')],
  ['signing (HMAC)', (f) => /^sign/.test(f.functionName) && f.url.includes('/delivery/')],
  ['metrics (prom-client)', (f) => f.url.includes('prom-client')],
  ['SQLite: record attempts', (f) => f.functionName === 'recordAttempts' && f.url.includes('store/sqlite')],
  ['SQLite: insert events', (f) => f.functionName === 'insertEvents' && f.url.includes('store/sqlite')],
  ['SQLite: claim', (f) => /^(claimDue|loadClaimed)$/.test(f.functionName) && f.url.includes('store/sqlite')],
  ['SQLite: other', (f) => f.url.includes('store/sqlite')],
  ['Postgres store and pg driver', (f) => f.url.includes('store/postgres') || /node_modules\/pg/.test(f.url)],
  ['delivery: undici request (send.ts)', (f) => f.url.endsWith('/delivery/send.ts')],
  ['delivery: worker bookkeeping', (f) => f.url.includes('/delivery/')],
  ['ingest: publish', (f) => f.url.includes('/ingest/')],
  ['API: fastify, JSON, validation', (f) => /fastify|typebox|\/src\/api\//.test(f.url)],
  ['undici: sockets and parsing', (f) => f.url.includes('undici')],
  [
    'start-up: module loading',
    (f) => /loader|compileSourceTextModule|wrapSafe|compileForInternalLoader/.test(f.functionName + f.url),
  ],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
];

/** `deliveries`: how many the profiled process delivered (warm-up included), for µs per delivery. */
function summarize(file: string, deliveries: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const timeByNode = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    timeByNode.set(id, (timeByNode.get(id) ?? 0) + dt);
    total += dt;
  });
  const byCategory = new Map<string, number>();
  for (const [id, t] of timeByNode) {
    const stack: CallFrame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (node) stack.push(node.callFrame);
    }
    const hit = CATEGORIES.find(([, match]) => stack.some(match));
    const name = hit ? hit[0] : 'other';
    byCategory.set(name, (byCategory.get(name) ?? 0) + t);
  }
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  for (const [name, t] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    const perDelivery = deliveries > 0 ? `${(t / deliveries).toFixed(1).padStart(7)} µs per delivery  ` : '';
    console.log(`${((t / total) * 100).toFixed(1).padStart(6)} %  ${perDelivery}${name}`);
  }
}

const argv = process.argv.slice(2);
const at = argv.indexOf('--deliveries');
const deliveries = at >= 0 ? Number(argv.splice(at, 2)[1]) : 0;
if (argv.length === 0 || !Number.isFinite(deliveries)) {
  console.error('usage: node bench/profile-summary.ts [--deliveries N] FILE.cpuprofile...');
  process.exit(2);
}
for (const f of argv) summarize(f, deliveries);
