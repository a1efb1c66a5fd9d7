import { Worker as Thread } from 'node:worker_threads';
import type { Agent } from 'undici';
import type { ClaimedDelivery } from '../domain/types.ts';
import { createDeliveryAgent, type DeliveryAgentOptions } from './agent.ts';
import { parseAllowlist } from '../network/policy.ts';
import { BodyCache } from './body-cache.ts';
import { releasedPayload } from './reclaim.ts';
import { startAttempt, unsentOutcome, type Sendable, type SendOutcome } from './send.ts';
import { DONE_SLOTS, readDone, writeJob } from './sender-wire.ts';

/**
 * A claimed delivery as the worker hands it over: with its attempt's trace context when tracing,
 * and, for a rate-limited hook, the time (epoch ms) after which it must not start any more
 * (rate-limit.ts LATE_START_MS): then it comes back unstarted, as a cancelled job does.
 */
export type Outgoing = ClaimedDelivery & Pick<Sendable, 'traceparent'> & { startBy?: number | undefined };

/** Whether a job that must start by `startBy` is too late to start now. */
export const tooLate = (startBy: number | null | undefined): boolean =>
  startBy !== undefined && startBy !== null && Date.now() > startBy;

/** Makes attempts. The worker decides what to send; a Sender only sends. */
export interface Sender {
  /**
   * How many times a key's cap of jobs the sender takes at once: beyond the cap it queues them
   * itself and starts each as one of the key's requests ends (1: it queues nothing).
   */
  readonly depth: number;
  /** Sends one attempt of `c` now. */
  send(c: ClaimedDelivery): Promise<SendOutcome>;
  /**
   * Sends one attempt of `c`, at most `cap` at once for `key` (the hook, or a reporter's
   * origin). Resolves null when the job was given back unstarted (cancelQueued): no attempt
   * was made.
   */
  submit(c: Outgoing, key: string, cap: number): Promise<SendOutcome | null>;
  /** Gives back the queued, unstarted jobs of `key` (of every key: null). */
  cancelQueued(key: string | null): void;
  close(): Promise<void>;
}

export interface SenderOptions {
  allowlist: string;
  connectionsPerOrigin: number;
  connectTimeoutMs: number;
  timeoutMs: number;
}

function agentOptions(o: SenderOptions): DeliveryAgentOptions {
  return {
    allowlist: parseAllowlist(o.allowlist),
    connectionsPerOrigin: o.connectionsPerOrigin,
    connectTimeoutMs: o.connectTimeoutMs,
  };
}

/** Sends on the calling thread. */
export class InlineSender implements Sender {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(o: SenderOptions) {
    this.agent = createDeliveryAgent(agentOptions(o));
    this.timeoutMs = o.timeoutMs;
  }

  readonly #bodies = new BodyCache();
  readonly depth = 1;

  cancelQueued(): void {
    // Nothing is queued: every job starts when it is given.
  }

  submit(c: Outgoing): Promise<SendOutcome | null> {
    return tooLate(c.startBy) ? Promise.resolve(null) : this.send(c);
  }

  send(c: Sendable): Promise<SendOutcome> {
    return new Promise((resolve) => this.start(c, resolve));
  }

  /** Starts one attempt of `c`; `done` gets its outcome, never before this returns. */
  start(c: Sendable, done: (o: SendOutcome) => void): void {
    const key = c.delivery.eventRowId;
    const body = this.#bodies.acquire(key, c.payload);
    startAttempt(this.agent, c, this.timeoutMs, body, (o) => {
      this.#bodies.release(key);
      done(o);
    });
  }

  /** Event bodies held by attempts in flight: their count and bytes. */
  get heldBodies(): { events: number; bytes: number } {
    return { events: this.#bodies.size, bytes: this.#bodies.bytes };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/**
 * One message to the sender thread. The thread keeps each event's payload while jobs of that
 * event may still come: the main thread sends it with the first job and tells the thread to
 * forget it (`drops`, applied first) once no job of that event is in flight any more.
 */
export interface SendBatch {
  drops: string[];
  /** Event row id, then payload, per event. */
  payloads: string[];
  /** JOB_SLOTS values per job (see sender-wire.ts). */
  jobs: unknown[];
  /** Keys whose waiting jobs go back unstarted, applied after `jobs` ('*': every key). */
  cancels: string[];
}

/**
 * Jobs the sender thread takes per key, in multiples of the key's cap. The main thread runs
 * the database on the same thread as the API: while it commits, the thread keeps the key's
 * connections busy with what it queued (it ran dry in most of a burst with none queued).
 */
export const THREAD_DEPTH = 3;

/** The sender thread's young generation (three semi-spaces of 16 MiB). */
const YOUNG_GENERATION_MB = 48;

/**
 * Sends on a worker thread, so signing and HTTP use the second core while the main thread
 * serves the API and the database. Jobs and outcomes cross in batches, one message per tick,
 * and a payload crosses once per event, not once per delivery or attempt: structured clone
 * copies every string it is given.
 */
export class ThreadSender implements Sender {
  private readonly thread: Thread;
  private readonly pending = new Map<
    number,
    { claimed: ClaimedDelivery; resolve: (o: SendOutcome | null) => void }
  >();
  /** Jobs in flight per event whose payload the thread holds. */
  private readonly threadHolds = new Map<string, number>();
  private outbox: SendBatch = { drops: [], payloads: [], jobs: [], cancels: [] };
  readonly depth = THREAD_DEPTH;
  private nextId = 1;
  private scheduled = false;
  private failure: Error | null = null;

  private constructor(thread: Thread) {
    this.thread = thread;
    // DONE_SLOTS values per finished job (see sender-wire.ts).
    thread.on('message', (done: unknown[]) => {
      for (let i = 0; i < done.length; i += DONE_SLOTS) {
        const id = done[i] as number;
        const job = this.pending.get(id);
        if (!job) continue;
        this.pending.delete(id);
        this.unhold(job.claimed.delivery.eventRowId, job.claimed.payload.length);
        job.resolve(readDone(done, i, job.claimed));
      }
    });
    thread.on('error', (err) => this.fail(err));
    thread.on('exit', (code) => this.fail(new Error(`sender thread exited with code ${code}`)));
  }

  static async start(o: SenderOptions): Promise<ThreadSender> {
    const thread = new Thread(new URL('./sender-thread.ts', import.meta.url), {
      workerData: o,
      // V8 grows a young generation to 64 MiB semi-spaces under a burst and keeps them: a
      // 48 MiB young generation (16 MiB semi-spaces) took a backlog drain from 613 to 430 MB
      // RSS at no measured cost in throughput. (The main thread gets the same from
      // --max-semi-space-size=16, set where Herald is started: package.json, the bin.)
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    await new Promise<void>((resolve, reject) => {
      thread.once('online', resolve);
      thread.once('error', reject);
    });
    return new ThreadSender(thread);
  }

  send(claimed: ClaimedDelivery): Promise<SendOutcome> {
    return this.submit(claimed, claimed.delivery.hookId ?? claimed.delivery.id, Number.MAX_SAFE_INTEGER).then(
      (o) => o ?? unsentOutcome(claimed, 'cancelled before it started'),
    );
  }

  submit(claimed: Outgoing, limitKey: string, cap: number): Promise<SendOutcome | null> {
    if (this.failure) return Promise.resolve(unsentOutcome(claimed, this.failure.message));
    const id = this.nextId++;
    const { payload } = claimed;
    const key = claimed.delivery.eventRowId;
    const holds = this.threadHolds.get(key) ?? 0;
    if (holds === 0) this.outbox.payloads.push(key, payload);
    this.threadHolds.set(key, holds + 1);
    writeJob(this.outbox.jobs, id, claimed, limitKey, cap, claimed.startBy ?? null);
    this.schedule();
    return new Promise((resolve) => this.pending.set(id, { claimed, resolve }));
  }

  /**
   * Posted at once, with whatever this tick had for the thread before it: a hook change is
   * answered right after this returns, and the thread must not start a queued job under the
   * old settings while the cancel waits for the next tick.
   */
  cancelQueued(key: string | null): void {
    if (this.failure) return;
    this.outbox.cancels.push(key ?? '*');
    this.post();
  }

  /** Number of events whose payload the sender thread holds now. */
  get threadPayloads(): number {
    return this.threadHolds.size;
  }

  private unhold(key: string, payloadLength: number): void {
    const holds = (this.threadHolds.get(key) ?? 1) - 1;
    if (holds > 0) {
      this.threadHolds.set(key, holds);
      return;
    }
    this.threadHolds.delete(key);
    // Whatever this thread still holds of a large event (the request body it was parsed from,
    // its copies) is garbage once no attempt of it is in flight.
    releasedPayload(payloadLength);
    this.outbox.drops.push(key);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.post();
    });
  }

  private post(): void {
    const batch = this.outbox;
    if (batch.jobs.length + batch.drops.length + batch.payloads.length + batch.cancels.length === 0) return;
    this.outbox = { drops: [], payloads: [], jobs: [], cancels: [] };
    if (this.failure) return;
    this.thread.postMessage(batch);
  }

  /** A dead thread fails what it held: the worker records those as failed attempts and retries. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const { claimed, resolve } of this.pending.values()) resolve(unsentOutcome(claimed, err.message));
    this.pending.clear();
    this.threadHolds.clear();
  }

  async close(): Promise<void> {
    this.failure ??= new Error('sender closed');
    const exited = new Promise((resolve) => this.thread.once('exit', resolve));
    this.thread.postMessage('close');
    await exited;
  }
}

export async function createSender(o: SenderOptions & { threads: boolean }): Promise<Sender> {
  return o.threads ? ThreadSender.start(o) : new InlineSender(o);
}
