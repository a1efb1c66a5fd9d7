/**
 * How the browsers are wired to the proxy, checked on the real browsers through the worker's
 * BrowserPool: a made-up name (answered only by the proxy's mocked dns.lookup) loads, so names
 * are resolved by the proxy and never by the browser; Chromium has no debugging port; and
 * WebRTC sends nothing to a blocked address, by UDP or by TCP.
 */
import assert from 'node:assert/strict';
import dns from 'node:dns';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BrowserPool, launchOptions } from '../../src/browsers/pool.ts';
import { parseAllowlist } from '../../src/network/policy.ts';
import type { BrowserName } from '../../src/domain/builds.ts';

const NAME = 'only-the-proxy-knows.herald.invalid';

/** The HTTP status a WebSocket handshake gets (101 when it opens), over a raw socket. */
function handshake(url: string, origin: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.setEncoding('utf8');
    s.once('data', (d: string) => {
      s.destroy();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(d)?.[1] ?? 0));
    });
    s.on('error', reject);
    s.write(
      `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${origin}\r\n\r\n`,
    );
  });
}

describe('the browsers reach the network only through the proxy', () => {
  let pool: BrowserPool;
  let sitePort = 0;
  let udpPackets = 0;
  let tcpConnections = 0;
  let udpPort = 0;
  let tcpPort = 0;
  const closers: Array<() => Promise<unknown>> = [];
  const original = dns.lookup;

  before(async () => {
    // Only this process (the proxy) knows NAME; a browser resolving it itself would fail.
    const fake = (host: string, opts: dns.LookupOptions, cb: (...a: unknown[]) => void) => {
      if (host !== NAME) return (original as (...x: unknown[]) => void)(host, opts, cb);
      const a = { address: '127.0.0.1', family: 4 };
      process.nextTick(() => (opts.all ? cb(null, [a]) : cb(null, a.address, a.family)));
    };
    dns.lookup = fake as unknown as typeof dns.lookup;
    const site = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<title>reached by name</title><p>ok</p>'),
    );
    site.listen(0, '127.0.0.1');
    await once(site, 'listening');
    sitePort = (site.address() as AddressInfo).port;
    closers.push(() => new Promise((r) => site.close(r)));
    const udp = dgram.createSocket('udp4');
    udp.on('message', () => udpPackets++);
    udp.bind(0, '127.0.0.2');
    await once(udp, 'listening');
    udpPort = udp.address().port;
    closers.push(() => new Promise<void>((r) => udp.close(() => r())));
    const tcp = createServer();
    tcp.on('connection', (s) => {
      tcpConnections++;
      s.destroy();
    });
    tcp.listen(0, '127.0.0.2');
    await once(tcp, 'listening');
    tcpPort = (tcp.address() as AddressInfo).port;
    closers.push(() => new Promise((r) => tcp.close(r)));
    pool = new BrowserPool({
      paths: {
        chrome: process.env.HERALD_CHROMIUM_PATH ?? '/usr/bin/chromium',
        firefox: process.env.HERALD_FIREFOX_PATH ?? '/usr/bin/firefox-esr',
      },
      launchTimeoutMs: 30_000,
      allowlist: parseAllowlist('127.0.0.1/32'),
    });
  });

  after(async () => {
    await pool?.close();
    dns.lookup = original;
    for (const c of closers) await c();
  });

  test('Chromium is driven over a pipe; Firefox (no pipe with BiDi) binds its port to loopback', () => {
    const chrome = launchOptions('chrome', '/usr/bin/chromium', 1000, 9);
    assert.equal(chrome.pipe, true);
    assert.ok(chrome.args!.includes('--proxy-bypass-list=<-loopback>'));
    assert.ok(chrome.args!.includes('--proxy-server=http://127.0.0.1:9'));
    const firefox = launchOptions('firefox', '/usr/bin/firefox-esr', 1000, 9);
    assert.equal(firefox.extraPrefsFirefox!['network.proxy.allow_hijacking_localhost'], true);
    assert.equal(firefox.extraPrefsFirefox!['media.peerconnection.enabled'], false);
  });

  for (const name of ['chrome', 'firefox'] as BrowserName[]) {
    test(`${name}: a name only the proxy can resolve loads; WebRTC reaches no blocked address`, async () => {
      const browser = await pool.acquire(name);
      try {
        if (name === 'chrome') assert.throws(() => browser.wsEndpoint() || assert.fail('no endpoint'));
        else {
          assert.match(browser.wsEndpoint(), /^ws:\/\/127\.0\.0\.1:\d+/);
          // What a page's WebSocket would send (it always carries an Origin): the Remote Agent refuses it.
          assert.equal(await handshake(browser.wsEndpoint(), 'http://127.0.0.1:8080'), 400);
        }
        const context = await browser.createBrowserContext();
        const page = await context.newPage();
        const res = await page.goto(`http://${NAME}:${sitePort}/`, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res?.status(), 200);
        assert.equal(await page.title(), 'reached by name');
        const rtc = await page.evaluate(
          async (udp: number, tcp: number) => {
            // Runs in the page: the DOM types are not in this project's lib.
            interface Pc {
              createDataChannel(label: string): unknown;
              createOffer(): Promise<unknown>;
              setLocalDescription(d: unknown): Promise<void>;
              close(): void;
            }
            const Rtc = (globalThis as { RTCPeerConnection?: new (config: object) => Pc }).RTCPeerConnection;
            if (Rtc === undefined) return 'no WebRTC';
            const pc = new Rtc({
              iceServers: [
                { urls: `stun:127.0.0.2:${udp}` },
                { urls: `turn:127.0.0.2:${tcp}?transport=tcp`, username: 'u', credential: 'p' },
              ],
            });
            pc.createDataChannel('x');
            await pc.setLocalDescription(await pc.createOffer());
            await new Promise((r) => setTimeout(r, 1500)); // ICE gathering has no "nothing sent" event
            pc.close();
            return 'gathered';
          },
          udpPort,
          tcpPort,
        );
        assert.ok(rtc === 'gathered' || rtc === 'no WebRTC', rtc);
        if (name === 'firefox') assert.equal(rtc, 'no WebRTC');
        await context.close();
      } finally {
        pool.release(name);
      }
      assert.equal(udpPackets, 0, 'a STUN packet reached 127.0.0.2');
      assert.equal(tcpConnections, 0, 'a TURN connection reached 127.0.0.2');
    });
  }
});
