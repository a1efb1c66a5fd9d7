import { parentPort, workerData } from 'node:worker_threads';
import { InlineSender, type SendDone, type SendJob, type SenderOptions } from './sender.ts';

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

port.on('message', (msg: SendJob[] | 'close') => {
  if (msg === 'close') {
    void sender.close().finally(() => port.close());
    return;
  }
  for (const job of msg) void sender.send(job.claimed).then((outcome) => report({ id: job.id, outcome }));
});
