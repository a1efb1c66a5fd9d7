import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { InlineSender, ThreadSender, type Sender, type SenderOptions } from '../../src/delivery/sender.ts';
import { generateSecret } from '../../src/delivery/signature.ts';
import type { ClaimedDelivery } from '../../src/domain/types.ts';
import { claimedToHook } from '../helpers/claimed.ts';
import { Receiver } from '../helpers/receiver.ts';

const options = (allowlist: string): SenderOptions => ({
  allowlist,
  connectionsPerOrigin: 4,
  connectTimeoutMs: 2000,
  timeoutMs: 2000,
});

function claimed(url: string, secret: string): ClaimedDelivery {
  return claimedToHook({ url, secret });
}

const kinds: Array<[string, (o: SenderOptions) => Promise<Sender>]> = [
  ['inline', async (o) => new InlineSender(o)],
  ['thread', (o) => ThreadSender.start(o)],
];

for (const [kind, make] of kinds) {
  describe(`${kind} sender`, () => {
    let rx: Receiver;
    before(async () => {
      rx = await Receiver.start();
    });
    after(async () => rx?.close());

    test('sends a signed request and reports the response', async () => {
      const sender = await make(options('127.0.0.0/8'));
      try {
        const secret = generateSecret();
        const c = claimed(`${rx.url}/${kind}`, secret);
        const outcome = await sender.send(c);
        assert.equal(outcome.ok, true);
        assert.equal(outcome.attempt.responseStatus, 204);
        const [got] = await rx.waitFor(1, (r) => r.path === `/${kind}`);
        new Webhook(secret).verify(got!.body, got!.headers as Record<string, string>);
      } finally {
        await sender.close();
      }
    });

    test('the SSRF guard applies on this sender too', async () => {
      const sender = await make(options(''));
      try {
        const outcome = await sender.send(claimed(`${rx.url}/blocked-${kind}`, generateSecret()));
        assert.equal(outcome.ok, false);
        assert.match(String(outcome.attempt.error), /blocked by the network policy: address 127\.0\.0\.1/);
        assert.equal(rx.requests.filter((r) => r.path === `/blocked-${kind}`).length, 0);
      } finally {
        await sender.close();
      }
    });
  });
}

test('a closed thread sender reports an unsent attempt instead of hanging', async () => {
  const sender = await ThreadSender.start(options('127.0.0.0/8'));
  await sender.close();
  const outcome = await sender.send(claimed('http://127.0.0.1:9/x', generateSecret()));
  assert.equal(outcome.ok, false);
  assert.equal(outcome.attempt.responseStatus, null);
  assert.match(String(outcome.attempt.error), /sender closed/);
});
