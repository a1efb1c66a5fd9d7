import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';

const PARTIAL = 200;
const SILENT = 50;
const HALF_HEADERS = 50;
/** The server's limits in this test; the production defaults are 10 s / 30 s. */
const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 3000;
/** Well inside the 90 s the issue allows, and far less than the 150 s that sockets lived before. */
const DEADLINE_MS = 20_000;

interface Held {
  socket: Socket;
  closedAt: number | null;
}

async function open(url: URL, first: string | null): Promise<Held> {
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  const held: Held = { socket, closedAt: null };
  socket.on('error', () => {});
  socket.on('data', () => {}); // the 408 the server may send before closing
  socket.once('close', () => (held.closedAt = Date.now()));
  await once(socket, 'connect');
  if (first !== null) socket.write(first);
  return held;
}

async function healthzMs(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/healthz`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  return performance.now() - started;
}

/**
 * Slowloris: clients that send headers and then trickle (or never send) the body, and clients
 * that connect and say nothing, are cut off by the server's own timers, and meanwhile the
 * server keeps answering everyone else.
 */
describe('slow clients cannot hold connections open', () => {
  let herald: TestHerald;
  const held: Held[] = [];

  before(async () => {
    herald = await startHerald('sqlite', {
      HERALD_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HERALD_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HERALD_KEEP_ALIVE_TIMEOUT_MS: '1000',
    });
  });
  after(async () => {
    for (const h of held) h.socket.destroy();
    await herald?.stop();
  });

  test(`${PARTIAL} partial requests, ${SILENT} silent sockets and ${HALF_HEADERS} unfinished headers are closed; /healthz stays fast`, async () => {
    const url = new URL(herald.url);
    const started = Date.now();
    const head = [
      'POST /api/events HTTP/1.1',
      `Host: ${url.host}`,
      `Authorization: Bearer ${herald.adminKey}`,
      'Content-Type: application/json',
      'Content-Length: 1000',
      '',
      '{',
    ].join('\r\n');
    const partial: Held[] = [];
    for (let i = 0; i < PARTIAL; i++) partial.push(await open(url, head));
    const silent: Held[] = [];
    for (let i = 0; i < SILENT; i++) silent.push(await open(url, null));
    // Headers that never end, and carry no key.
    const halfHeaders: Held[] = [];
    for (let i = 0; i < HALF_HEADERS; i++)
      halfHeaders.push(await open(url, `GET /api/hooks HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: `));
    held.push(...partial, ...silent, ...halfHeaders);

    // While all of them are open, other clients are served at once.
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) latencies.push(await healthzMs(herald.url));
    assert.ok(
      partial.filter((h) => h.closedAt === null).length >= PARTIAL * 0.9,
      'the sockets were still open while /healthz was measured',
    );
    assert.ok(Math.max(...latencies) < 200, `/healthz took ${latencies.map(Math.round).join(', ')} ms`);

    // Wait for the closes (events, not sleeps), up to the deadline.
    await Promise.race([
      Promise.all(held.map((h) => (h.closedAt === null ? once(h.socket, 'close') : null))),
      new Promise((resolve) => setTimeout(resolve, DEADLINE_MS).unref()),
    ]);
    const closedInTime = (list: Held[]) =>
      list.filter((h) => h.closedAt !== null && h.closedAt - started <= DEADLINE_MS).length;
    assert.ok(
      closedInTime(partial) >= 190,
      `only ${closedInTime(partial)} of ${PARTIAL} partial requests closed`,
    );
    assert.equal(closedInTime(silent), SILENT, 'every silent socket was closed');
    assert.equal(closedInTime(halfHeaders), HALF_HEADERS, 'every socket with unfinished headers was closed');
    assert.ok((await healthzMs(herald.url)) < 200);
  });
});
