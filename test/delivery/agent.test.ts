// End-to-end tests of the SSRF-guarded delivery agent.
//
// SAFETY: every target below is a loopback spelling (127.0.0.0/8, ::1, ::ffff:127.0.0.1, localhost)
// pointing at receivers that listen on loopback only, so even if the guard were broken every request
// would land on this machine. DNS answers for made-up names come from a mocked dns.lookup that only
// ever returns loopback addresses; nothing here sends a DNS query.
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { Agent } from 'undici';
import { createDeliveryAgent, createGuardedLookup, TargetBlockedError } from '../../src/delivery/agent.ts';
import { checkTargetUrl, parseAllowlist } from '../../src/network/policy.ts';

interface Receiver {
  /** Port on 127.0.0.1. */
  port: number;
  /** Port on 127.0.0.2, or null if that address cannot be bound here. */
  port2: number | null;
  /** Port on ::1, or null if IPv6 loopback is unavailable. */
  port6: number | null;
  connections: number;
  requests: { host: string | undefined; url: string | undefined; localAddress: string | undefined }[];
}

async function listen(
  host: string,
  onReq: http.RequestListener,
  onConn: () => void,
): Promise<http.Server | null> {
  const server = http.createServer(onReq);
  server.on('connection', onConn);
  server.listen(0, host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => {
        throw err;
      }),
    ]);
  } catch {
    server.close();
    return null;
  }
  return server;
}

/** Loopback-only HTTP receivers (127.0.0.1, 127.0.0.2, ::1) that count connections and requests. */
async function startReceiver(t: TestContext): Promise<Receiver> {
  const servers: http.Server[] = [];
  const r: Receiver = { port: 0, port2: null, port6: null, connections: 0, requests: [] };
  const onReq: http.RequestListener = (req, res) => {
    r.requests.push({ host: req.headers.host, url: req.url, localAddress: req.socket.localAddress });
    req.resume();
    req.on('end', () => {
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    });
  };
  const onConn = () => {
    r.connections++;
  };
  t.after(async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
  });
  const v4 = await listen('127.0.0.1', onReq, onConn);
  assert.ok(v4, 'cannot listen on 127.0.0.1');
  servers.push(v4);
  r.port = (v4.address() as AddressInfo).port;
  const v4b = await listen('127.0.0.2', onReq, onConn);
  if (v4b) {
    servers.push(v4b);
    r.port2 = (v4b.address() as AddressInfo).port;
  }
  const v6 = await listen('::1', onReq, onConn);
  if (v6) {
    servers.push(v6);
    r.port6 = (v6.address() as AddressInfo).port;
  }
  return r;
}

function agentFor(t: TestContext, allowlistCsv: string): Agent {
  const agent = createDeliveryAgent({
    allowlist: parseAllowlist(allowlistCsv),
    connectionsPerOrigin: 4,
    connectTimeoutMs: 5000,
    keepAliveTimeoutMs: 10_000,
  });
  t.after(() => agent.destroy());
  return agent;
}

async function post(agent: Agent, origin: string, path = '/hook'): Promise<{ status: number; body: string }> {
  const res = await agent.request({
    origin,
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"hello":"world"}',
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  return { status: res.statusCode, body: await res.body.text() };
}

async function expectBlocked(agent: Agent, origin: string, message: RegExp): Promise<TargetBlockedError> {
  let caught: unknown;
  try {
    await post(agent, origin);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof Error, `request to ${origin} was not refused`);
  assert.equal((caught as { code?: string }).code, 'HERALD_TARGET_BLOCKED', String(caught));
  assert.ok(caught instanceof TargetBlockedError);
  assert.match(caught.message, message);
  return caught;
}

interface Target {
  name: string;
  origin: string;
  message: RegExp;
  /** Goes through the hostname lookup path (rather than the IP-literal check). */
  viaLookup?: boolean;
  /** Is a 127/8 IPv4 target (opened by allowlist 127.0.0.0/8). */
  v4?: boolean;
  https?: boolean;
}

function loopbackTargets(r: Receiver): Target[] {
  const p = r.port;
  const lb = /^blocked by the network policy: address 127\.0\.0\.1 \(loopback\)$/;
  const mapped = /^blocked by the network policy: address ::ffff:7f00:1 \(ipv4Mapped\)$/;
  const targets: Target[] = [
    { name: 'dotted quad', origin: `http://127.0.0.1:${p}`, message: lb, v4: true },
    { name: 'short form 127.1', origin: `http://127.1:${p}`, message: lb, v4: true },
    { name: 'short form 127.0.1', origin: `http://127.0.1:${p}`, message: lb, v4: true },
    { name: 'hex 0x7f000001', origin: `http://0x7f000001:${p}`, message: lb, v4: true },
    { name: 'dotted hex 0x7f.0.0.1', origin: `http://0x7f.0.0.1:${p}`, message: lb, v4: true },
    { name: 'decimal 2130706433', origin: `http://2130706433:${p}`, message: lb, v4: true },
    { name: 'octal 017700000001', origin: `http://017700000001:${p}`, message: lb, v4: true },
    { name: 'dotted octal 0177.0.0.1', origin: `http://0177.0.0.1:${p}`, message: lb, v4: true },
    { name: 'percent-encoded', origin: `http://%31%32%37.0.0.1:${p}`, message: lb, v4: true },
    { name: 'full-width digits', origin: `http://\uff11\uff12\uff17.0.0.1:${p}`, message: lb, v4: true },
    { name: 'trailing dot', origin: `http://127.0.0.1.:${p}`, message: lb, v4: true },
    {
      name: 'localhost (resolved at connect time)',
      origin: `http://localhost:${p}`,
      message: /^blocked by the network policy: localhost resolves to a blocked address \(loopback\)$/,
      viaLookup: true,
      v4: true,
    },
    {
      name: 'LOCALHOST upper case',
      origin: `http://LOCALHOST:${p}`,
      message: /: localhost resolves to a blocked address \(loopback\)$/,
      viaLookup: true,
      v4: true,
    },
    { name: 'IPv4-mapped [::ffff:127.0.0.1]', origin: `http://[::ffff:127.0.0.1]:${p}`, message: mapped },
    { name: 'IPv4-mapped hex [::ffff:7f00:1]', origin: `http://[::ffff:7f00:1]:${p}`, message: mapped },
    { name: 'IPv4-mapped long form', origin: `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}`, message: mapped },
    { name: 'https to IP literal', origin: `https://127.0.0.1:${p}`, message: lb, https: true },
    {
      name: 'https to localhost (TLS connect path uses the lookup too)',
      origin: `https://localhost:${p}`,
      message: /: localhost resolves to a blocked address \(loopback\)$/,
      viaLookup: true,
      https: true,
    },
  ];
  if (r.port2 !== null) {
    targets.push({
      name: '127.0.0.2',
      origin: `http://127.0.0.2:${r.port2}`,
      message: /^blocked by the network policy: address 127\.0\.0\.2 \(loopback\)$/,
      v4: true,
    });
  }
  if (r.port6 !== null) {
    targets.push(
      {
        name: '[::1]',
        origin: `http://[::1]:${r.port6}`,
        message: /^blocked by the network policy: address ::1 \(loopback\)$/,
      },
      {
        name: '[0:0:0:0:0:0:0:1]',
        origin: `http://[0:0:0:0:0:0:0:1]:${r.port6}`,
        message: /address ::1 \(loopback\)$/,
      },
    );
  }
  return targets;
}

describe('delivery agent SSRF guard (loopback receivers only)', () => {
  test('receiver sanity: an unguarded request reaches it', async (t) => {
    const r = await startReceiver(t);
    const res = await fetch(`http://127.0.0.1:${r.port}/sanity`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello');
    assert.equal(r.requests.length, 1);
  });

  test('empty allowlist: every loopback spelling is refused and the receiver sees nothing', async (t) => {
    const r = await startReceiver(t);
    const agent = agentFor(t, '');
    const lookup = t.mock.method(dns, 'lookup');
    const targets = loopbackTargets(r);
    assert.ok(targets.length >= 15, `only ${targets.length} targets`);
    for (const target of targets) {
      await t.test(target.name, async () => {
        const before = lookup.mock.callCount();
        const err = await expectBlocked(agent, target.origin, target.message);
        if (target.viaLookup) {
          assert.equal(lookup.mock.callCount(), before + 1, 'hostname should be resolved by our lookup');
          assert.equal(lookup.mock.calls.at(-1)?.arguments[0], 'localhost');
          assert.equal(err.hostname, 'localhost');
        } else {
          assert.equal(lookup.mock.callCount(), before, 'IP literals must not be looked up');
          assert.equal(err.hostname, null);
        }
      });
    }
    assert.equal(r.connections, 0, 'receiver saw a connection');
    assert.deepEqual(r.requests, []);
    console.log(`# ${targets.length} loopback targets refused, 0 connections`);
  });

  test('allowlist 127.0.0.0/8 lets the 127.x targets through but not mapped or ::1', async (t) => {
    const r = await startReceiver(t);
    const agent = agentFor(t, '127.0.0.0/8');
    const targets = loopbackTargets(r).filter((x) => !x.https);
    let expected = 0;
    for (const target of targets) {
      await t.test(target.name, async () => {
        if (target.v4) {
          const res = await post(agent, target.origin);
          assert.deepEqual(res, { status: 200, body: 'hello' });
          expected++;
        } else {
          await expectBlocked(agent, target.origin, target.message);
        }
      });
    }
    assert.ok(expected >= 12);
    assert.equal(r.requests.length, expected);
    for (const req of r.requests) assert.match(req.localAddress ?? '', /^(::ffff:)?127\.0\.0\.[12]$/);
  });

  test('allowlist with ::1/128 and ::ffff:127.0.0.0/104 opens [::1] and the mapped forms', async (t) => {
    const r = await startReceiver(t);
    const agent = agentFor(t, '::1/128, ::ffff:127.0.0.0/104');
    // a v6 allowlist does not open plain IPv4 loopback
    await expectBlocked(agent, `http://127.0.0.1:${r.port}`, /127\.0\.0\.1 \(loopback\)/);
    assert.deepEqual(await post(agent, `http://[::ffff:127.0.0.1]:${r.port}`), {
      status: 200,
      body: 'hello',
    });
    if (r.port6 !== null) {
      assert.deepEqual(await post(agent, `http://[::1]:${r.port6}`), { status: 200, body: 'hello' });
    } else {
      t.diagnostic('::1 not available; skipped the [::1] leg');
    }
    assert.equal(r.requests.length, r.port6 !== null ? 2 : 1);
  });

  test('keep-alive: sequential requests to one origin reuse the connection', async (t) => {
    const r = await startReceiver(t);
    const agent = createDeliveryAgent({
      allowlist: parseAllowlist('127.0.0.0/8'),
      connectionsPerOrigin: 1,
      connectTimeoutMs: 5000,
    });
    t.after(() => agent.destroy());
    for (let i = 0; i < 5; i++) await post(agent, `http://127.0.0.1:${r.port}`);
    assert.equal(r.requests.length, 5);
    assert.equal(r.connections, 1);
  });

  test('connectionsPerOrigin caps concurrent connections per origin', async (t) => {
    const r = await startReceiver(t);
    const agent = agentFor(t, '127.0.0.0/8'); // 4 per origin
    const results = await Promise.all(
      Array.from({ length: 12 }, () => post(agent, `http://127.0.0.1:${r.port}`)),
    );
    assert.ok(results.every((x) => x.status === 200));
    assert.equal(r.requests.length, 12);
    assert.ok(r.connections >= 1 && r.connections <= 4, `${r.connections} connections`);
  });
});

describe('connect-time DNS checks (mocked resolver answering loopback only)', () => {
  const NAME = 'rebind.herald.invalid';

  /** Mock dns.lookup: NAME resolves to `answer()`, localhost to 127.0.0.1, anything else fails. */
  function mockResolver(t: TestContext, answer: () => dns.LookupAddress[]) {
    const original = dns.lookup;
    const fake = (
      hostname: string,
      options: dns.LookupOptions,
      cb: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
    ) => {
      assert.equal(options.all, true, 'the guarded lookup always asks for all addresses');
      const addrs =
        hostname === NAME ? answer() : hostname === 'localhost' ? [{ address: '127.0.0.1', family: 4 }] : [];
      for (const a of addrs) assert.match(a.address, /^(127\.|::1$)/, 'test answers must be loopback');
      process.nextTick(() => {
        if (addrs.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          cb(err, []);
        } else {
          cb(null, addrs);
        }
      });
    };
    const mock = t.mock.method(dns, 'lookup', fake as unknown as typeof dns.lookup);
    // Guard: never fire a request unless the mock is really in place (no real DNS query possible).
    assert.notEqual(dns.lookup, original);
    return mock;
  }

  test('a name that passes static validation but resolves to loopback is refused at connect time', async (t) => {
    const r = await startReceiver(t);
    const mock = mockResolver(t, () => [{ address: '127.0.0.1', family: 4 }]);
    const url = `http://${NAME}:${r.port}/hook`;
    assert.deepEqual(checkTargetUrl(url, []), { ok: true }, 'hostnames pass static validation');
    const agent = agentFor(t, '');
    const err = await expectBlocked(
      agent,
      new URL(url).origin,
      /^blocked by the network policy: \S+ resolves to a blocked address \(loopback\)$/,
    );
    assert.equal(err.hostname, NAME);
    assert.equal(err.address, '127.0.0.1');
    assert.equal(err.range, 'loopback');
    assert.equal(mock.mock.callCount(), 1);
    assert.equal(r.connections, 0);
  });

  test('refused if ANY resolved address is blocked (mixed answer)', async (t) => {
    const r = await startReceiver(t);
    mockResolver(t, () => [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    const agent = agentFor(t, '127.0.0.0/8'); // 127.0.0.1 allowed, ::1 not
    await expectBlocked(
      agent,
      `http://${NAME}:${r.port}`,
      /^blocked by the network policy: \S+ resolves to a blocked address \(loopback\)$/,
    );
    assert.equal(r.connections, 0);
  });

  test('the socket connects to the address our lookup returned (allowlisted)', async (t) => {
    const r = await startReceiver(t);
    mockResolver(t, () => [{ address: '127.0.0.1', family: 4 }]);
    const agent = agentFor(t, '127.0.0.0/8');
    assert.deepEqual(await post(agent, `http://${NAME}:${r.port}`), { status: 200, body: 'hello' });
    assert.equal(r.requests.length, 1);
    assert.equal(r.requests[0]?.host, `${NAME}:${r.port}`);
  });

  test('rebinding between connections: every new connection re-resolves and re-checks', async (t) => {
    const r = await startReceiver(t);
    let answer: dns.LookupAddress[] = [{ address: '127.0.0.1', family: 4 }];
    const mock = mockResolver(t, () => answer);
    const agent = agentFor(t, '127.0.0.0/8');
    const origin = `http://${NAME}:${r.port}`;
    // First request succeeds; the server closes the connection afterwards.
    assert.deepEqual(await post(agent, origin, '/close'), { status: 200, body: 'hello' });
    // The name now "rebinds" to an address outside the allowlist.
    answer = [{ address: '::1', family: 6 }];
    await expectBlocked(
      agent,
      origin,
      /^blocked by the network policy: \S+ resolves to a blocked address \(loopback\)$/,
    );
    assert.equal(mock.mock.callCount(), 2);
    assert.equal(r.requests.length, 1);
  });

  test('resolution failures are passed through unchanged', async (t) => {
    mockResolver(t, () => []);
    const agent = agentFor(t, '');
    await assert.rejects(
      post(agent, `http://${NAME}:1`),
      (err: NodeJS.ErrnoException) => err.code === 'ENOTFOUND',
    );
  });
});

describe('createGuardedLookup (unit)', () => {
  function fakeDns(t: TestContext, addrs: dns.LookupAddress[]) {
    t.mock.method(dns, 'lookup', ((
      _h: string,
      _o: dns.LookupOptions,
      cb: (e: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void,
    ) => process.nextTick(() => cb(null, addrs))) as unknown as typeof dns.lookup);
  }
  function run(
    lookup: ReturnType<typeof createGuardedLookup>,
    all: boolean,
  ): Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family: unknown }> {
    return new Promise((resolve) =>
      lookup('svc.herald.invalid', { all }, (err, address, family) => resolve({ err, address, family })),
    );
  }

  test('all:true returns every address when all are allowed', async (t) => {
    const addrs = [
      { address: '10.0.0.5', family: 4 },
      { address: 'fd00::5', family: 6 },
    ];
    fakeDns(t, addrs);
    const res = await run(createGuardedLookup(parseAllowlist('10.0.0.0/8, fd00::/8')), true);
    assert.equal(res.err, null);
    assert.deepEqual(res.address, addrs);
  });

  test('all:false returns the first address and its family', async (t) => {
    fakeDns(t, [
      { address: '10.0.0.5', family: 4 },
      { address: '10.0.0.6', family: 4 },
    ]);
    const res = await run(createGuardedLookup(parseAllowlist('10.0.0.0/8')), false);
    assert.equal(res.err, null);
    assert.equal(res.address, '10.0.0.5');
    assert.equal(res.family, 4);
  });

  test('one blocked address in the answer refuses the whole lookup', async (t) => {
    fakeDns(t, [
      { address: '10.0.0.5', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ]);
    const res = await run(createGuardedLookup(parseAllowlist('10.0.0.0/8')), true);
    assert.ok(res.err instanceof TargetBlockedError);
    assert.equal(res.err.code, 'HERALD_TARGET_BLOCKED');
    assert.equal(
      res.err.message,
      'blocked by the network policy: svc.herald.invalid resolves to a blocked address (linkLocal)',
    );
  });

  test('a mapped answer is refused even if its IPv4 is allowlisted', async (t) => {
    fakeDns(t, [{ address: '::ffff:10.0.0.5', family: 6 }]);
    const res = await run(createGuardedLookup(parseAllowlist('10.0.0.0/8')), false);
    assert.ok(res.err instanceof TargetBlockedError);
    assert.equal(res.err.range, 'ipv4Mapped');
  });

  test('an empty answer is ENOTFOUND', async (t) => {
    fakeDns(t, []);
    const res = await run(createGuardedLookup([]), true);
    assert.equal(res.err?.code, 'ENOTFOUND');
  });
});
