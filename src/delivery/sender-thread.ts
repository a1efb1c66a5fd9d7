import { parentPort, workerData } from 'node:worker_threads';
import { InlineSender, tooLate, type SendBatch, type SenderOptions } from './sender.ts';
import { unsentOutcome, type SendOutcome } from './send.ts';
import { JOB_SLOTS, readJob, writeDone, type WireJob } from './sender-wire.ts';

/** The sender thread: runs attempts for the main thread's worker and reports each outcome. */
const port = parentPort;
if (!port) throw new Error('sender-thread.ts runs only as a worker thread');
const sender = new InlineSender(workerData as SenderOptions);
/** DONE_SLOTS values per finished job (see sender-wire.ts). */
let done: unknown[] = [];
let scheduled = false;

const report = (id: number, outcome: SendOutcome | null) => {
  writeDone(done, id, outcome);
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    const batch = done;
    done = [];
    port.postMessage(batch);
  });
};

/** Payloads by event row id, kept until the main thread drops them (see SendBatch). */
const payloads = new Map<string, string>();

/** Per key: requests running, and jobs waiting for one of them to end (oldest first). */
interface KeyState {
  running: number;
  cap: number;
  waiting: WireJob[];
  head: number;
}
const keys = new Map<string, KeyState>();

function submit(job: WireJob): void {
  let k = keys.get(job.key);
  if (!k) {
    k = { running: 0, cap: 1, waiting: [], head: 0 };
    keys.set(job.key, k);
  }
  // At least one: a job given to the thread is allowed to start.
  k.cap = Math.max(1, job.cap);
  if (k.running < k.cap) start(job, k);
  else k.waiting.push(job);
}

function start(job: WireJob, k: KeyState): void {
  // Held here past its start-by time (a rate-limited send): back unstarted, for a new slot.
  if (tooLate(job.startBy)) {
    report(job.id, null);
    if (k.running === 0 && k.head >= k.waiting.length) keys.delete(job.key);
    return;
  }
  const payload = payloads.get(job.claimed.delivery.eventRowId);
  const { delivery, hook, traceparent } = job.claimed;
  const claimed = { delivery, hook, traceparent, payload: payload ?? '' };
  if (payload === undefined) {
    // The protocol makes this impossible; failing the attempt beats sending an empty body.
    report(job.id, unsentOutcome(claimed, 'sender thread: payload missing'));
    return;
  }
  k.running++;
  sender.start(claimed, (outcome) => {
    k.running--;
    report(job.id, outcome);
    next(job.key, k);
  });
}

function next(key: string, k: KeyState): void {
  while (k.running < k.cap && k.head < k.waiting.length) start(k.waiting[k.head++]!, k);
  if (k.head === k.waiting.length) {
    k.waiting = [];
    k.head = 0;
    if (k.running === 0) keys.delete(key);
  }
}

/** The waiting jobs of `key` go back unstarted. */
function cancel(key: string, k: KeyState): void {
  for (let i = k.head; i < k.waiting.length; i++) report(k.waiting[i]!.id, null);
  k.waiting = [];
  k.head = 0;
  if (k.running === 0) keys.delete(key);
}

port.on('message', (msg: SendBatch | 'close') => {
  if (msg === 'close') {
    void sender.close().finally(() => port.close());
    return;
  }
  for (const key of msg.drops) payloads.delete(key);
  for (let i = 0; i < msg.payloads.length; i += 2) payloads.set(msg.payloads[i]!, msg.payloads[i + 1]!);
  for (let i = 0; i < msg.jobs.length; i += JOB_SLOTS) submit(readJob(msg.jobs, i));
  for (const key of msg.cancels) {
    if (key === '*') for (const [k, state] of keys) cancel(k, state);
    else {
      const state = keys.get(key);
      if (state) cancel(key, state);
    }
  }
});
