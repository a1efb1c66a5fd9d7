/**
 * The browsers a worker drives: Debian's Chromium (`chrome`) over CDP and Firefox ESR
 * (`firefox`) over WebDriver BiDi, both through puppeteer-core. Nothing is downloaded.
 *
 * One browser process per kind is shared by the worker's runs; each run gets its own browser
 * context (fresh cookies and storage), which is far cheaper than a process per run (Firefox
 * takes seconds to start). A browser that disconnects is relaunched on next use, and one left
 * idle is closed.
 *
 * The network boundary: both browsers send every request through the pool's FilteringProxy
 * (src/network/proxy.ts), which applies the deliveries' connect-time policy; the flags and
 * prefs below close the ways around it (loopback bypass, QUIC, WebRTC's UDP, DNS prefetch,
 * background services). Chromium is driven over a pipe (no debugging port at all). Firefox
 * cannot be: puppeteer-core refuses `pipe` with WebDriver BiDi ("Pipe connections are not
 * supported with Firefox and WebDriver BiDi"), so its Remote Agent listens on an ephemeral
 * port on loopback; that port is protected in the proxy (a page cannot reach it) and the
 * Remote Agent itself refuses WebSocket handshakes that carry an Origin, as every page's does.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import puppeteer from 'puppeteer-core';
import type { Browser, LaunchOptions } from 'puppeteer-core';
import type { BrowserName } from '../domain/builds.ts';
import type { Cidr } from '../network/policy.ts';
import { FilteringProxy } from '../network/proxy.ts';

/** A clear reason a test case could not get its browser; the run fails with it as an error. */
export class BrowserUnavailableError extends Error {}

export interface BrowserPaths {
  chrome: string;
  firefox: string;
}

/**
 * Chromium's background traffic, found with strace and a net-log and switched off: the network
 * time tracker (clients2.google.com), the component updater (update.googleapis.com, pointed at a
 * closed loopback port) and the sign-in cookie check (accounts.google.com, likewise). The GAIA
 * override only moves Chromium's own sign-in calls: pages can still use Google sign-in.
 */
const CHROME_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--component-updater=url-source=http://127.0.0.1:9/',
  '--gaia-url=http://127.0.0.1:9',
  '--disable-sync',
  '--disable-domain-reliability',
  '--disable-breakpad',
  '--no-pings',
  '--disable-features=' +
    [
      'NetworkTimeServiceQuerying',
      'Translate',
      'OptimizationHints',
      'MediaRouter',
      'AutofillServerCommunication',
      'CertificateTransparencyComponentUpdater',
    ].join(','),
  '--metrics-recording-only',
  // Nothing may leave but through the proxy (see chromeProxyArgs).
  '--disable-quic',
  '--dns-prefetch-disable',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
];

/**
 * Chromium bypasses a proxy for loopback unless told `<-loopback>`; `--host-resolver-rules`
 * makes its own resolver answer nothing (only the proxy resolves names), so even a path we do
 * not know of cannot look up an internal name.
 */
export function chromeProxyArgs(proxyPort: number): string[] {
  return [
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
    '--proxy-bypass-list=<-loopback>',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ];
}

/** Firefox's proxy prefs: everything, loopback too, over the proxy; no WebRTC; no own DNS. */
export function firefoxProxyPrefs(proxyPort: number): Record<string, unknown> {
  return {
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': proxyPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': proxyPort,
    'network.proxy.share_proxy_settings': true,
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.no_proxies_on': '',
    'network.proxy.socks_remote_dns': true,
    'network.proxy.failover_direct': false,
    'network.http.http3.enable': false,
    'media.peerconnection.enabled': false,
    'media.peerconnection.ice.proxy_only': true,
    'network.dns.disablePrefetch': true,
    'network.dns.disablePrefetchFromHTTPS': true,
  };
}

/**
 * Preferences that keep Firefox from talking to anything but the pages under test: updates,
 * telemetry, captive-portal and connectivity checks, Safe Browsing lists, Remote Settings (with
 * MOZ_REMOTE_SETTINGS_DEVTOOLS, see launchOptions), push, DNS-over-HTTPS and prefetching.
 * (puppeteer-core sets many of these too; these are explicit.)
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.update.service.enabled': false,
  'app.update.staging.enabled': false,
  'app.normandy.enabled': false,
  'app.normandy.api_url': '',
  'app.shield.optoutstudies.enabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': 'data:,',
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'network.captive-portal-service.enabled': false,
  'captivedetect.canonicalURL': '',
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.provider.google.updateURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'extensions.blocklist.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'browser.discovery.enabled': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.search.update': false,
  'browser.topsites.contile.enabled': false,
  'identity.fxaccounts.enabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  'network.trr.mode': 5,
  'doh-rollout.disable-heuristics': true,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'geo.enabled': false,
  'dom.push.enabled': false,
  'dom.push.serverURL': '',
  'network.predictor.enabled': false,
  'browser.urlbar.speculativeConnect.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.pocket.enabled': false,
  'signon.management.page.breach-alerts.enabled': false,
};

export function launchOptions(
  name: BrowserName,
  executablePath: string,
  timeoutMs: number,
  proxyPort: number,
): LaunchOptions {
  const common: LaunchOptions = {
    executablePath,
    headless: true,
    timeout: timeoutMs,
    // Herald handles its own signals and closes the browsers when it stops.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  };
  if (name === 'chrome')
    return {
      ...common,
      browser: 'chrome',
      pipe: true,
      args: [...CHROME_ARGS, ...chromeProxyArgs(proxyPort)],
    };
  return {
    ...common,
    browser: 'firefox',
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...firefoxProxyPrefs(proxyPort) },
    // Release builds ignore services.settings.server unless this is set: without it Firefox
    // syncs Remote Settings from firefox.settings.services.mozilla.com at start.
    env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
  };
}

/** Fails fast, with the path, when the browser is not installed: no launch, no waiting. */
export async function checkInstalled(name: BrowserName, path: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    const pkg = name === 'chrome' ? 'chromium' : 'firefox-esr';
    const variable = name === 'chrome' ? 'HERALD_CHROMIUM_PATH' : 'HERALD_FIREFOX_PATH';
    throw new BrowserUnavailableError(
      `Browser "${name}" is not installed on this Herald worker: ${path} is missing or not executable ` +
        `(install the Debian package ${pkg}, or set ${variable})`,
    );
  }
}

interface Slot {
  browser: Promise<Browser>;
  users: number;
  idleTimer: NodeJS.Timeout | null;
}

export class BrowserPool {
  readonly #paths: BrowserPaths;
  readonly #launchTimeoutMs: number;
  readonly #idleMs: number;
  readonly #slots = new Map<BrowserName, Slot>();
  readonly #allowlist: readonly Cidr[];
  readonly #onRefused: ((target: string, reason: string) => void) | undefined;
  #proxy: Promise<FilteringProxy> | null = null;
  #closed = false;

  constructor(opts: {
    paths: BrowserPaths;
    launchTimeoutMs: number;
    allowlist: readonly Cidr[];
    idleMs?: number;
    onRefused?: (target: string, reason: string) => void;
  }) {
    this.#paths = opts.paths;
    this.#allowlist = opts.allowlist;
    this.#onRefused = opts.onRefused;
    this.#launchTimeoutMs = opts.launchTimeoutMs;
    this.#idleMs = opts.idleMs ?? 60_000;
  }

  /** A connected browser of this kind; call release() when the run is done with it. */
  async acquire(name: BrowserName): Promise<Browser> {
    if (this.#closed) throw new BrowserUnavailableError('Herald is stopping');
    let slot = this.#slots.get(name);
    if (slot) {
      const browser = await slot.browser.catch(() => null);
      if (!browser || !browser.connected) {
        if (this.#slots.get(name) === slot) this.#slots.delete(name);
        slot = undefined;
      }
    }
    if (!slot) {
      slot = { browser: this.#launch(name), users: 0, idleTimer: null };
      this.#slots.set(name, slot);
      // A failed launch is not kept: the next run tries again.
      const s = slot;
      s.browser.catch(() => {
        if (this.#slots.get(name) === s) this.#slots.delete(name);
      });
    }
    slot.users++;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    try {
      return await slot.browser;
    } catch (err) {
      slot.users--;
      throw err;
    }
  }

  release(name: BrowserName): void {
    const slot = this.#slots.get(name);
    if (!slot) return;
    slot.users = Math.max(0, slot.users - 1);
    if (slot.users > 0 || this.#closed) return;
    slot.idleTimer = setTimeout(() => {
      if (this.#slots.get(name) !== slot || slot.users > 0) return;
      this.#slots.delete(name);
      void slot.browser.then((b) => closeBrowser(b)).catch(() => undefined);
    }, this.#idleMs);
    slot.idleTimer.unref();
  }

  /** The proxy the browsers go through, started with the first browser. */
  proxy(): Promise<FilteringProxy> {
    this.#proxy ??= FilteringProxy.start({
      allowlist: this.#allowlist,
      ...(this.#onRefused ? { onRefused: this.#onRefused } : {}),
    });
    return this.#proxy;
  }

  async #launch(name: BrowserName): Promise<Browser> {
    const path = this.#paths[name];
    await checkInstalled(name, path);
    const proxy = await this.proxy();
    try {
      const browser = await puppeteer.launch(launchOptions(name, path, this.#launchTimeoutMs, proxy.port));
      // Firefox's Remote Agent port (Chromium has none: it is driven over a pipe).
      let endpoint = '';
      try {
        endpoint = browser.wsEndpoint();
      } catch {
        // A pipe has no endpoint.
      }
      const port = URL.parse(endpoint)?.port;
      if (port) proxy.protect(Number(port));
      return browser;
    } catch (err) {
      const reason = ((err as Error).message ?? String(err)).split('\n')[0];
      throw new BrowserUnavailableError(`Browser "${name}" (${path}) could not be started: ${reason}`);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    await Promise.all(
      slots.map(async (s) => {
        if (s.idleTimer) clearTimeout(s.idleTimer);
        const b = await s.browser.catch(() => null);
        if (b) await closeBrowser(b);
      }),
    );
    const proxy = await this.#proxy?.catch(() => null);
    this.#proxy = null;
    await proxy?.close();
  }
}

/** Closes politely, then kills the process if it does not go within a few seconds. */
export async function closeBrowser(browser: Browser): Promise<void> {
  const proc = browser.process();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 5000);
  });
  const result = await Promise.race([
    browser.close().then(
      () => 'closed' as const,
      () => 'failed' as const,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  if (result !== 'closed' && proc && proc.exitCode === null) proc.kill('SIGKILL');
}
