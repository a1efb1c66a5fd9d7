/**
 * The raw ceiling: no queue, no database. An undici keep-alive Pool POSTs each event straight to
 * the receiver with bounded concurrency, building and signing the body exactly as a webhook
 * sender must (the same envelope, size and Standard Webhooks HMAC as Herald). Runs as its own
 * child process; the parent side is `startRaw`.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import {
  boundedFor,
  envelope,
  forkSut,
  newWebhookSecret,
  secretKey,
  serveChild,
  signedHeaders,
  sleepUntil,
  wallNow,
} from './lib.ts';
import type { Sut } from './lib.ts';
import { EVENT_TYPE, eventJson, primePayloads } from './payloads.ts';
import type { PayloadKind } from './payloads.ts';

export interface RawOptions {
  receiverUrl: string;
  /** Requests in flight (and keep-alive connections). */
  concurrency: number;
  produceMs: number;
  /** What each event carries (default the small `site.created`). */
  payload?: PayloadKind;
  /** Events per phase, so payload templates are built before any measured phase. */
  prime?: number;
}

export function startRaw(opts: RawOptions): Promise<Sut> {
  const secret = newWebhookSecret();
  return forkSut(
    'raw',
    fileURLToPath(import.meta.url),
    {
      url: opts.receiverUrl,
      concurrency: opts.concurrency,
      secret,
      payload: opts.payload ?? 'site',
      prime: opts.prime ?? 0,
    },
    { secret, readyMs: 10_000, produceMs: opts.produceMs },
  );
}

if (import.meta.main) {
  let pool: Pool | null = null;
  let key: KeyObject | null = null;
  let concurrency = 64;
  let path = '/';
  let payload: PayloadKind = 'site';
  serveChild({
    async init(msg) {
      const url = new URL(String(msg.url));
      path = url.pathname;
      concurrency = Number(msg.concurrency);
      payload = msg.payload === 'apiLog' ? 'apiLog' : 'site';
      primePayloads(payload, Number(msg.prime ?? 0));
      key = secretKey(String(msg.secret));
      pool = new Pool(url.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
    },
    async produce(tag, n, rate) {
      const p = pool!;
      const t0 = wallNow();
      let failures = 0;
      await boundedFor(n, concurrency, async (i) => {
        if (rate > 0) await sleepUntil(t0 + (i * 1000) / rate);
        // A failed POST is retried at once, at most 3 times; the ceiling should not lose events.
        const msgId = randomUUID();
        const body = envelope(eventJson(payload, tag, i, wallNow()), msgId, Date.now(), EVENT_TYPE[payload]);
        for (let attempt = 0; ; attempt++) {
          try {
            const res = await p.request({
              path,
              method: 'POST',
              headers: signedHeaders(key!, msgId, body),
              body,
            });
            await res.body.dump();
            if (res.statusCode >= 200 && res.statusCode < 300) return;
          } catch {
            // counted below
          }
          if (++failures > 100 || attempt >= 3) throw new Error(`raw: too many failed POSTs (${failures})`);
        }
      });
      return { t0, acceptedAt: wallNow() };
    },
    async stop() {
      await pool?.close();
    },
  });
}
