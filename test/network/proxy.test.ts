/**
 * The browsers' filtering proxy on real sockets: plain HTTP, CONNECT and Upgrade requests to
 * loopback listeners, with the allowlist 127.0.0.1/32 and a listener on 127.0.0.2 that must
 * see no connection. Made-up names get their answers from a mocked dns.lookup.
 */
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test, type TestContext } from 'node:test';
import { parseAllowlist } from '../../src/network/policy.ts';
import { BLOCKED_HEADER, FilteringProxy } from '../../src/network/proxy.ts';

async function listener(host: string) {
  let connections = 0;
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(`ok from ${host}`);
  });
  server.on('connection', () => connections++);
  server.on('upgrade', (_req, socket: net.Socket) => {
    socket.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
  });
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    seen,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

/** Names of the test: `NAME` resolves to the given addresses, anything else as usual. */
function fakeDns(t: TestContext, answers: Record<string, Array<{ address: string; family: number }>>): void {
  const original = dns.lookup;
  const fake = (host: string, opts: dns.LookupOptions, cb: (...a: unknown[]) => void) => {
    const a = answers[host];
    if (!a) return (original as (...x: unknown[]) => void)(host, opts, cb);
    process.nextTick(() => (opts.all ? cb(null, a) : cb(null, a[0]!.address, a[0]!.family)));
  };
  t.mock.method(dns, 'lookup', fake as unknown as typeof dns.lookup);
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function viaProxy(proxy: FilteringProxy, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: url, headers, agent: false });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw request on a fresh socket to the proxy: its whole answer, as text. */
function raw(proxy: FilteringProxy, text: string, thenSend?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxy.port, '127.0.0.1');
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      got += c;
      if (thenSend && got.startsWith('HTTP/1.1 200')) {
        s.write(thenSend);
        thenSend = undefined;
      }
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(text);
  });
}

describe('the filtering proxy', () => {
  let inside: Awaited<ReturnType<typeof listener>>;
  let secret: Awaited<ReturnType<typeof listener>>;
  let proxy: FilteringProxy;
  const refused: string[] = [];

  before(async () => {
    inside = await listener('127.0.0.1');
    secret = await listener('127.0.0.2');
    proxy = await FilteringProxy.start({
      allowlist: parseAllowlist('127.0.0.1/32'),
      onRefused: (_target, reason) => refused.push(reason),
    });
  });
  after(async () => {
    await proxy.close();
    await inside.close();
    await secret.close();
    assert.equal(secret.connections(), 0, 'the listener on 127.0.0.2 was reached');
  });

  test('forwards an allowed plain request, without hop-by-hop or proxy headers', async () => {
    const res = await viaProxy(proxy, `http://127.0.0.1:${inside.port}/x?y=1`, {
      'proxy-authorization': 'Basic c2VjcmV0',
      'x-kept': 'yes',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok from 127.0.0.1');
    const seen = inside.seen.at(-1)!;
    assert.equal(seen['proxy-authorization'], undefined);
    assert.equal(seen['x-kept'], 'yes');
  });

  test('refuses blocked IP literals in every spelling with a 403 the runner recognises', async () => {
    const p = secret.port;
    const before = proxy.refusals;
    for (const url of [
      `http://127.0.0.2:${p}/`,
      `http://0x7f000002:${p}/`,
      `http://2130706434:${p}/`,
      `http://127.0.2:${p}/`,
      `http://[::ffff:127.0.0.2]:${p}/`,
      `http://[::1]:${p}/`,
      `http://169.254.169.254/latest/meta-data/`,
    ]) {
      const res = await viaProxy(proxy, url);
      assert.equal(res.status, 403, url);
      assert.equal(res.headers[BLOCKED_HEADER], '1', url);
      assert.match(res.body, /blocked by the network policy/, url);
    }
    assert.equal(proxy.refusals - before, 7);
  });

  test('resolves names itself and refuses the whole answer if any address is blocked, never telling it', async (t) => {
    fakeDns(t, {
      'internal.herald.invalid': [{ address: '127.0.0.2', family: 4 }],
      'mixed.herald.invalid': [
        { address: '127.0.0.1', family: 4 },
        { address: '127.0.0.2', family: 4 },
      ],
    });
    refused.length = 0;
    for (const name of ['internal.herald.invalid', 'mixed.herald.invalid']) {
      const res = await viaProxy(proxy, `http://${name}:${secret.port}/`);
      assert.equal(res.status, 403, name);
      assert.doesNotMatch(res.body, /127\.0\.0\.2/);
    }
    assert.equal(refused.length, 2);
    for (const r of refused)
      assert.match(r, /^blocked by the network policy: \S+ resolves to a blocked address \(loopback\)$/);
  });

  test('refuses localhost when the allowlist does not cover it', async () => {
    const strict = await FilteringProxy.start({ allowlist: [] });
    try {
      for (const url of [`http://localhost:${inside.port}/`, `http://127.0.0.1:${inside.port}/`]) {
        assert.equal((await viaProxy(strict, url)).status, 403, url);
      }
    } finally {
      await strict.close();
    }
  });

  test('CONNECT tunnels to allowed targets and refuses blocked ones (literals and names)', async (t) => {
    fakeDns(t, { 'internal.herald.invalid': [{ address: '127.0.0.2', family: 4 }] });
    const tunnel = await raw(
      proxy,
      `CONNECT 127.0.0.1:${inside.port} HTTP/1.1\r\nhost: 127.0.0.1:${inside.port}\r\n\r\n`,
      `GET /t HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`,
    );
    assert.match(tunnel, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(tunnel, /ok from 127\.0\.0\.1/);
    for (const target of [
      `127.0.0.2:${secret.port}`,
      `internal.herald.invalid:${secret.port}`,
      `[::1]:443`,
    ]) {
      const answer = await raw(proxy, `CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 403 Forbidden\r\n/, target);
      assert.match(answer, new RegExp(`${BLOCKED_HEADER}: 1`));
    }
  });

  test('an absolute-form Upgrade (plain ws://) is checked like the rest', async () => {
    const upgrade = (host: string, port: number) =>
      raw(
        proxy,
        `GET ws://${host}:${port}/ws HTTP/1.1\r\nhost: ${host}:${port}\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n`,
      );
    assert.match(await upgrade('127.0.0.1', inside.port), /^HTTP\/1\.1 101 /);
    assert.match(await upgrade('127.0.0.2', secret.port), /^HTTP\/1\.1 403 /);
  });

  test("Herald's own ports stay shut on loopback even when the allowlist opens loopback", async () => {
    const res = await viaProxy(proxy, `http://127.0.0.1:${proxy.port}/`);
    assert.equal(res.status, 403);
    const connect = await raw(proxy, `CONNECT 127.0.0.1:${proxy.port} HTTP/1.1\r\n\r\n`);
    assert.match(connect, /^HTTP\/1\.1 403 /);
    proxy.protect(inside.port);
    assert.equal((await viaProxy(proxy, `http://localhost:${inside.port}/`)).status, 403);
  });

  test('an unreachable target is a 502 that names no address', async (t) => {
    fakeDns(t, { 'gone.herald.invalid': [{ address: '127.0.0.1', family: 4 }] });
    const closed = net.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const res = await viaProxy(proxy, `http://gone.herald.invalid:${port}/`);
    assert.equal(res.status, 502);
    assert.doesNotMatch(res.body, /127\.0\.0\.1/);
    assert.match(res.body, /ECONNREFUSED/);
  });
});
