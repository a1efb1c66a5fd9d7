import { Worker as Thread } from 'node:worker_threads';
import type { Agent } from 'undici';
import type { ClaimedDelivery } from '../domain/types.ts';
import { createDeliveryAgent, type DeliveryAgentOptions } from './agent.ts';
import { parseAllowlist } from '../network/policy.ts';
import { sendOnce, unsentOutcome, type SendOutcome } from './send.ts';

/** Makes attempts. The worker decides what to send; a Sender only sends. */
export interface Sender {
  send(c: ClaimedDelivery): Promise<SendOutcome>;
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

  send(c: ClaimedDelivery): Promise<SendOutcome> {
    return sendOnce(this.agent, c, this.timeoutMs);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export interface SendJob {
  id: number;
  claimed: ClaimedDelivery;
}

export interface SendDone {
  id: number;
  outcome: SendOutcome;
}

/**
 * Sends on a worker thread, so signing and HTTP use the second core while the main thread
 * serves the API and the database. Jobs and outcomes cross in batches, one message per tick.
 */
export class ThreadSender implements Sender {
  private readonly thread: Thread;
  private readonly pending = new Map<
    number,
    { claimed: ClaimedDelivery; resolve: (o: SendOutcome) => void }
  >();
  private outbox: SendJob[] = [];
  private nextId = 1;
  private scheduled = false;
  private failure: Error | null = null;

  private constructor(thread: Thread) {
    this.thread = thread;
    thread.on('message', (done: SendDone[]) => {
      for (const d of done) {
        const job = this.pending.get(d.id);
        this.pending.delete(d.id);
        job?.resolve(d.outcome);
      }
    });
    thread.on('error', (err) => this.fail(err));
    thread.on('exit', (code) => this.fail(new Error(`sender thread exited with code ${code}`)));
  }

  static async start(o: SenderOptions): Promise<ThreadSender> {
    const thread = new Thread(new URL('./sender-thread.ts', import.meta.url), { workerData: o });
    await new Promise<void>((resolve, reject) => {
      thread.once('online', resolve);
      thread.once('error', reject);
    });
    return new ThreadSender(thread);
  }

  send(claimed: ClaimedDelivery): Promise<SendOutcome> {
    if (this.failure) return Promise.resolve(unsentOutcome(claimed, this.failure.message));
    const id = this.nextId++;
    this.outbox.push({ id, claimed });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const jobs = this.outbox;
        this.outbox = [];
        this.thread.postMessage(jobs);
      });
    }
    return new Promise((resolve) => this.pending.set(id, { claimed, resolve }));
  }

  /** A dead thread fails what it held: the worker records those as failed attempts and retries. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const { claimed, resolve } of this.pending.values()) resolve(unsentOutcome(claimed, err.message));
    this.pending.clear();
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
