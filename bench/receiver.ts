/**
 * The trivial receiver every scenario delivers to, run as its own child process (forked, with an
 * IPC channel) so it never shares an event loop with the system under test.
 *
 * It answers 204 to every POST once the body is read, and for the current phase (identified by a tag in
 * `data.projectID`) counts distinct deliveries (path and `eventID`, else `webhook-id`: one event
 * sent to several hooks counts once per hook) and the latency `arrival - sentAt` of each first
 * arrival. A second port (`slowUrl`) answers every request after 1 s and counts nothing: the slow
 * hooks of the slow-hook mix, on their own origin as a slow receiver elsewhere would be (hooks of
 * one origin share its connection pool). When told to expect N, it reports `done` the
 * moment the N-th distinct event arrives; no polling, no sleeps.
 *
 * It also counts distinct `webhook-id` headers (Herald's id of one delivery, the same on every
 * retry), so a delivery sent twice, say by two workers, is counted by the id Herald gave it, not
 * only by what its body says. Optional per
 * phase: a `progress` message when the k-th distinct delivery arrives (`notifyAt`), and the
 * arrival time of each event by `data.seq` (`arrivals`, fetched with `{type:'arrivals'}`), for
 * latencies measured from the moment the publisher had its 202.
 *
 * Parent -> child: {type:'expect', tag, n, secret?, notifyAt?, arrivals?}  {type:'stats'}  {type:'arrivals'}
 * Child -> parent: {type:'ready', port}  {type:'expecting', tag}  {type:'progress', n}  {type:'done', stats}
 *                  {type:'stats', stats}  {type:'arrivals', arrivals: number[]}
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { nextMessage, percentile, reportFatal, terminate, track, wallNow } from './lib.ts';

export interface ReceiverStats {
  tag: string;
  expected: number;
  /** Distinct events of this phase received. */
  unique: number;
  /** Requests of this phase, duplicates included. */
  total: number;
  /** Requests that belonged to another phase (or had no tag). */
  foreign: number;
  /** Wall ms of the first and of the N-th distinct arrival. */
  firstAt: number;
  doneAt: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** Requests of this phase less distinct `webhook-id` headers: deliveries sent more than once. */
  webhookIdDuplicates: number;
  /** Signatures checked with the standardwebhooks library (the first few of the phase). */
  verified: number;
  badSignatures: number;
  parseErrors: number;
}

const VERIFY_FIRST = 20;
/** How long a slow hook of the slow-hook mix takes to answer. */
export const SLOW_ANSWER_MS = 1000;

interface Phase {
  tag: string;
  expected: number;
  seen: Set<string>;
  webhookIds: Set<string>;
  notifyAt: number;
  /** Arrival wall ms by `data.seq`, when asked for; NaN until it arrives. */
  arrivals: Float64Array | null;
  latencies: Float64Array;
  total: number;
  foreign: number;
  firstAt: number;
  doneAt: number;
  reported: boolean;
  webhook: Webhook | null;
  verified: number;
  badSignatures: number;
  parseErrors: number;
}

let phase: Phase = newPhase('', 0, { secret: null });

interface PhaseOptions {
  secret: string | null;
  notifyAt?: number;
  arrivals?: boolean;
}

function newPhase(tag: string, expected: number, o: PhaseOptions): Phase {
  return {
    tag,
    expected,
    seen: new Set(),
    webhookIds: new Set(),
    notifyAt: o.notifyAt ?? 0,
    arrivals: o.arrivals ? new Float64Array(Math.max(expected, 1)).fill(Number.NaN) : null,
    latencies: new Float64Array(Math.max(expected, 1)),
    total: 0,
    foreign: 0,
    firstAt: 0,
    doneAt: 0,
    reported: false,
    webhook: o.secret ? new Webhook(o.secret) : null,
    verified: 0,
    badSignatures: 0,
    parseErrors: 0,
  };
}

function stats(p: Phase): ReceiverStats {
  const n = Math.min(p.seen.size, p.latencies.length);
  const lat = p.latencies.slice(0, n).sort();
  return {
    tag: p.tag,
    expected: p.expected,
    unique: p.seen.size,
    total: p.total,
    foreign: p.foreign,
    firstAt: p.firstAt,
    doneAt: p.doneAt,
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    p99: percentile(lat, 99),
    p999: percentile(lat, 99.9),
    max: n > 0 ? lat[n - 1]! : Number.NaN,
    webhookIdDuplicates: p.total - p.webhookIds.size,
    verified: p.verified,
    badSignatures: p.badSignatures,
    parseErrors: p.parseErrors,
  };
}

interface Body {
  eventID?: unknown;
  sentAt?: unknown;
  projectID?: unknown;
  data?: { sentAt?: unknown; projectID?: unknown; seq?: unknown };
}

function record(req: IncomingMessage, raw: string, now: number): void {
  const p = phase;
  let body: Body;
  try {
    body = JSON.parse(raw) as Body;
  } catch {
    p.parseErrors++;
    return;
  }
  const tag = body.data?.projectID ?? body.projectID;
  if (tag !== p.tag || p.tag === '') {
    p.foreign++;
    return;
  }
  p.total++;
  p.webhookIds.add(String(req.headers['webhook-id'] ?? ''));
  const id = `${req.url ?? ''} ${typeof body.eventID === 'string' ? body.eventID : String(req.headers['webhook-id'] ?? '')}`;
  if (p.seen.has(id)) return;
  const sentAt = Number(body.data?.sentAt ?? body.sentAt);
  const idx = p.seen.size;
  p.seen.add(id);
  if (idx < p.latencies.length) p.latencies[idx] = now - sentAt;
  if (idx === 0) p.firstAt = now;
  const seq = body.data?.seq;
  if (p.arrivals && typeof seq === 'number' && seq >= 0 && seq < p.arrivals.length) p.arrivals[seq] = now;
  if (p.seen.size === p.notifyAt) process.send?.({ type: 'progress', n: p.notifyAt });
  if (p.webhook && p.verified + p.badSignatures < VERIFY_FIRST) {
    try {
      p.webhook.verify(raw, req.headers as Record<string, string>);
      p.verified++;
    } catch {
      p.badSignatures++;
    }
  }
  if (p.seen.size === p.expected && !p.reported) {
    p.doneAt = now;
    p.reported = true;
    process.send?.({ type: 'done', stats: stats(p) });
  }
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const now = wallNow();
    res.writeHead(204).end();
    const raw = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    record(req, raw, now);
  });
}

/** Parent side: forks the receiver and waits until it listens. */
export async function startReceiver(): Promise<Receiver> {
  const child = track(
    fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    const { port, slowPort } = await nextMessage<{ type: 'ready'; port: number; slowPort: number }>(
      child,
      'ready',
      10_000,
      'receiver to listen',
    );
    return new Receiver(child, `http://127.0.0.1:${port}/hook`, `http://127.0.0.1:${slowPort}/slow`);
  } catch (err) {
    await terminate(child);
    throw err;
  }
}

export class Receiver {
  readonly child: ChildProcess;
  readonly url: string;
  /** Answers after SLOW_ANSWER_MS; requests there are not counted. */
  readonly slowUrl: string;
  constructor(child: ChildProcess, url: string, slowUrl: string) {
    this.child = child;
    this.url = url;
    this.slowUrl = slowUrl;
  }

  /**
   * Starts a phase once the receiver acknowledged it; `done` resolves when N distinct events of
   * `tag` arrived, `progress` (with `notifyAt`) when the notifyAt-th did.
   */
  async expect(
    tag: string,
    n: number,
    secret: string | null,
    timeoutMs: number,
    opts: { notifyAt?: number; arrivals?: boolean } = {},
  ): Promise<{ done: Promise<ReceiverStats>; progress: Promise<void> }> {
    const ack = nextMessage(this.child, 'expecting', 5000, 'receiver to start a phase');
    this.child.send({ type: 'expect', tag, n, secret, ...opts });
    await ack;
    const progress = opts.notifyAt
      ? nextMessage(this.child, 'progress', timeoutMs, `receiver to get ${opts.notifyAt} deliveries`).then(
          () => undefined,
        )
      : Promise.resolve();
    progress.catch(() => undefined);
    const done = nextMessage<{ type: 'done'; stats: ReceiverStats }>(
      this.child,
      'done',
      timeoutMs,
      `receiver to get ${n} deliveries`,
    ).then((m) => m.stats);
    done.catch(() => undefined);
    return { done, progress };
  }

  /** Arrival wall ms of each event of the phase by `data.seq` (NaN: not arrived); needs `arrivals`. */
  async arrivals(): Promise<number[]> {
    const reply = nextMessage<{ type: 'arrivals'; arrivals: number[] }>(
      this.child,
      'arrivals',
      10_000,
      'receiver arrivals',
    );
    this.child.send({ type: 'arrivals' });
    return (await reply).arrivals.map((v) => (v < 0 ? Number.NaN : v));
  }

  async stats(): Promise<ReceiverStats> {
    const reply = nextMessage<{ type: 'stats'; stats: ReceiverStats }>(
      this.child,
      'stats',
      5000,
      'receiver stats',
    );
    this.child.send({ type: 'stats' });
    return (await reply).stats;
  }

  get pid(): number {
    return this.child.pid!;
  }

  async stop(): Promise<void> {
    await terminate(this.child);
  }
}

if (import.meta.main) {
  const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 60_000 }, handle);
  server.headersTimeout = 60_000;

  interface Msg {
    type: string;
    tag?: string;
    n?: number;
    secret?: string | null;
    notifyAt?: number;
    arrivals?: boolean;
  }
  process.on('message', (msg: Msg) => {
    if (msg.type === 'expect') {
      phase = newPhase(msg.tag ?? '', msg.n ?? 0, {
        secret: msg.secret ?? null,
        ...(msg.notifyAt ? { notifyAt: msg.notifyAt } : {}),
        ...(msg.arrivals ? { arrivals: true } : {}),
      });
      process.send?.({ type: 'expecting', tag: phase.tag });
    } else if (msg.type === 'stats') {
      process.send?.({ type: 'stats', stats: stats(phase) });
    } else if (msg.type === 'arrivals') {
      // NaN does not survive JSON: -1 stands for "not arrived".
      const a = phase.arrivals ? Array.from(phase.arrivals, (v) => (Number.isNaN(v) ? -1 : v)) : [];
      process.send?.({ type: 'arrivals', arrivals: a });
    }
  });
  // The parent owns this process: when it goes away, so do we.
  process.on('disconnect', () => process.exit(0));

  const slow = createServer({ keepAliveTimeout: 120_000, requestTimeout: 60_000 }, (req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(204).end(), SLOW_ANSWER_MS));
  });
  const portOf = (s: typeof server): number => {
    const addr = s.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  };
  server.on('error', reportFatal);
  slow.on('error', reportFatal);
  slow.listen(0, '127.0.0.1', () => {
    server.listen(0, '127.0.0.1', () => {
      process.send?.({ type: 'ready', port: portOf(server), slowPort: portOf(slow) });
    });
  });
}
