import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import { unsentOutcome, type SendOutcome } from '../../src/delivery/send.ts';
import {
  DONE_SLOTS,
  JOB_SLOTS,
  readDone,
  readJob,
  writeDone,
  writeJob,
} from '../../src/delivery/sender-wire.ts';
import type { AttemptId } from '../../src/domain/ids.ts';
import type { ClaimedDelivery } from '../../src/domain/types.ts';
import { attemptValues } from '../../src/store/shared/rows.ts';
import { claimedToHook } from '../helpers/claimed.ts';

/** What postMessage does to a message: a structured clone. */
const cross = <T>(v: T): T => deserialize(serialize(v)) as T;

function reporterDelivery(): ClaimedDelivery {
  const c = claimedToHook({ url: 'http://127.0.0.1:9/h', secret: 'whsec_AAAA', eventRowId: 'evt_r' });
  return {
    ...c,
    hook: null,
    delivery: {
      ...c.delivery,
      hookId: null,
      target: {
        url: 'https://ci.example/cb',
        method: 'PUT',
        headers: { 'X-Token': 't' },
        signatureStyle: 'usetrace',
      },
    },
  };
}

test('jobs cross with their delivery fields, hook, target and trace context, and nothing else', () => {
  const hooked = claimedToHook({ url: 'http://127.0.0.1:9/h', secret: 'whsec_AAAA', eventRowId: 'evt_1' });
  const reporter = reporterDelivery();
  const out: unknown[] = [];
  writeJob(out, 1, { ...hooked, traceparent: '00-aa-bb-01' } as ClaimedDelivery, 'hook_test', 64);
  writeJob(out, 2, reporter, 'https://ci.example', 4, 1_800_000_000_000);
  const m = cross(out);
  assert.equal(m.length, 2 * JOB_SLOTS);
  assert.ok(!JSON.stringify(m).includes('"ping"'), 'the payload does not travel with the job');
  const a = readJob(m, 0);
  const b = readJob(m, JOB_SLOTS);
  assert.equal(b.startBy, 1_800_000_000_000, 'a rate-limited job’s start-by time');
  assert.deepEqual(a, {
    id: 1,
    key: 'hook_test',
    cap: 64,
    startBy: null,
    claimed: {
      delivery: {
        id: hooked.delivery.id,
        tenantId: hooked.delivery.tenantId,
        eventRowId: hooked.delivery.eventRowId,
        attempts: hooked.delivery.attempts,
        target: null,
      },
      hook: hooked.hook,
      traceparent: '00-aa-bb-01',
    },
  });
  assert.equal('traceparent' in b.claimed, false);
  assert.equal(b.claimed.hook, null);
  assert.deepEqual(b.claimed.delivery.target, reporter.delivery.target);
  assert.equal(b.cap, 4);
});

test('outcomes cross whole: the attempt as sendOnce made it, headers and body included', () => {
  const c = claimedToHook({ url: 'http://127.0.0.1:9/h', secret: 'whsec_AAAA' });
  const sent: SendOutcome = {
    ok: false,
    retryAfterMs: 30_000,
    attempt: {
      id: 'atmpt_01' as AttemptId,
      deliveryId: c.delivery.id,
      tenantId: c.delivery.tenantId,
      attemptNo: c.delivery.attempts + 1,
      startedAt: 1_765_000_000_123,
      durationMs: 12.34,
      requestUrl: 'http://127.0.0.1:9/h',
      requestHeaders: { 'webhook-id': c.delivery.id, 'x-key': '[redacted]' },
      responseStatus: 503,
      responseHeaders: { 'retry-after': '30', 'content-type': 'text/plain; charset=ü' },
      responseBody: 'busy ✓',
      error: 'HTTP 503',
    },
  };
  const out: unknown[] = [];
  writeDone(out, 7, sent);
  writeDone(out, 8, null);
  writeDone(out, 9, unsentOutcome(c, 'sender thread: payload missing'));
  const m = cross(out);
  assert.equal(m.length, 3 * DONE_SLOTS);
  assert.equal(m[0], 7);
  const back = readDone(m, 0, c)!;
  // The header maps stay JSON until read; read, and as JSON, the attempt is what was sent.
  assert.deepEqual(back.attempt.headersJson, {
    request: JSON.stringify(sent.attempt.requestHeaders),
    response: JSON.stringify(sent.attempt.responseHeaders),
  });
  assert.deepEqual(back.attempt.requestHeaders, sent.attempt.requestHeaders);
  assert.deepEqual(back.attempt.responseHeaders, sent.attempt.responseHeaders);
  assert.deepEqual(JSON.parse(JSON.stringify(back)), sent);
  assert.deepEqual(attemptValues(back.attempt), attemptValues(sent.attempt));
  assert.equal(m[DONE_SLOTS], 8);
  assert.equal(readDone(m, DONE_SLOTS, c), null);
  const unsent = readDone(m, 2 * DONE_SLOTS, c)!;
  assert.equal(unsent.ok, false);
  assert.deepEqual(unsent.attempt.requestHeaders, {});
  assert.equal(unsent.attempt.responseHeaders, null);
  assert.equal(unsent.attempt.error, 'sender thread: payload missing');
});
