import { parentPort, workerData } from 'node:worker_threads';
import { InlineSender, type SendBatch, type SendDone, type SenderOptions } from './sender.ts';
import { unsentOutcome } from './send.ts';

/** The sender thread: runs attempts for the main thread's worker and reports each outcome. */
const port = parentPort;
if (!port) throw new Error('sender-thread.ts runs only as a worker thread');
const sender = new InlineSender(workerData as SenderOptions);
let done: SendDone[] = [];
let scheduled = false;

const report = (d: SendDone) => {
  done.push(d);
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

port.on('message', (msg: SendBatch | 'close') => {
  if (msg === 'close') {
    void sender.close().finally(() => port.close());
    return;
  }
  for (const key of msg.drops) payloads.delete(key);
  for (const [key, payload] of msg.payloads) payloads.set(key, payload);
  for (const job of msg.jobs) {
    const payload = payloads.get(job.claimed.delivery.eventRowId);
    const claimed = { ...job.claimed, payload: payload ?? '' };
    if (payload === undefined) {
      // The protocol makes this impossible; failing the attempt beats sending an empty body.
      report({ id: job.id, outcome: unsentOutcome(claimed, 'sender thread: payload missing') });
      continue;
    }
    void sender.send(claimed).then((outcome) => report({ id: job.id, outcome }));
  }
});
