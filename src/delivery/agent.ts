/**
 * The HTTP agent used for webhook deliveries: an undici `Agent` (keep-alive, one pool per origin)
 * whose connector enforces the SSRF policy of `ssrf.ts` on the address that is actually connected to.
 *
 * How the check is wired:
 *  - IP-literal hosts (`http://127.0.0.1/`, `http://[::1]/`; the WHATWG URL parser has already turned
 *    `0x7f000001`, `127.1`, … into dotted quads) are never looked up by `net.connect`, so the connector
 *    checks them itself before opening a socket.
 *  - Every other host goes through our `lookup` function, which `net.connect` / `tls.connect` call
 *    to resolve the name. It runs `dns.lookup(host, { all: true })` and checks every address. The
 *    socket connects only to addresses returned by that same lookup, so there is no window between
 *    check and use (DNS rebinding cannot swap the address after the check), and every new connection
 *    resolves and checks afresh.
 *
 * Policy for multi-address answers: the connection is refused if ANY resolved address is blocked
 * (rather than connecting to the allowed subset). A public webhook endpoint whose name also points
 * into loopback/private space is either misconfigured or an attack, and failing deterministically is
 * easier to reason about than a result that depends on which record happy-eyeballs tries first.
 * Consequence: `localhost` that resolves to both 127.0.0.1 and ::1 needs both covered by the
 * allowlist.
 *
 * A blocked target fails the request with a {@link TargetBlockedError} (`code` =
 * `'HERALD_TARGET_BLOCKED'`), e.g. "blocked address 127.0.0.1 (loopback)". undici hands connector
 * errors to the request unchanged (`agent.request()` rejects with it; `fetch()` puts it in `cause`).
 */
import dns from 'node:dns';
import net from 'node:net';
import { Agent, buildConnector } from 'undici';
import { checkAddress } from '../network/policy.ts';
import type { Cidr } from '../network/policy.ts';

export const TARGET_BLOCKED_CODE = 'HERALD_TARGET_BLOCKED';

export class TargetBlockedError extends Error {
  readonly code = TARGET_BLOCKED_CODE;
  /** The blocked IP address. */
  readonly address: string;
  /** Its range, as reported by `classifyAddress` (e.g. `loopback`, `private`, `ipv4Mapped`). */
  readonly range: string;
  /** The hostname it was resolved from, or null for an IP-literal target. */
  readonly hostname: string | null;

  constructor(address: string, range: string, hostname: string | null) {
    super(`blocked address ${address} (${range})` + (hostname !== null ? ` resolved from ${hostname}` : ''));
    this.name = 'TargetBlockedError';
    this.address = address;
    this.range = range;
    this.hostname = hostname;
  }
}

export interface DeliveryAgentOptions {
  /** CIDRs that are allowed even though their range is blocked (see ssrf.ts). */
  allowlist: Cidr[];
  /** Maximum concurrent connections per origin (size of each origin's pool). */
  connectionsPerOrigin: number;
  /** TCP (+TLS) connect timeout. */
  connectTimeoutMs: number;
  /** How long an idle keep-alive socket is kept (undici `keepAliveTimeout`; undici's default if omitted). */
  keepAliveTimeoutMs?: number;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `net.LookupFunction` that resolves with `dns.lookup` and refuses (TargetBlockedError) when any
 * resolved address is blocked. Handles both call shapes used by `net.connect`: `all: true` (happy
 * eyeballs / autoSelectFamily, the Node default) and single-address.
 */
export function createGuardedLookup(allowlist: readonly Cidr[]): net.LookupFunction {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    // Called through the module object (not a destructured import) so tests can mock dns.lookup.
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, '');
        return;
      }
      if (addresses.length === 0) {
        const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        notFound.code = 'ENOTFOUND';
        callback(notFound, '');
        return;
      }
      for (const a of addresses) {
        const check = checkAddress(a.address, allowlist);
        if (!check.allowed) {
          callback(new TargetBlockedError(a.address, check.range, hostname), '');
          return;
        }
      }
      if (options.all === true) {
        callback(null, addresses);
      } else {
        const first = addresses[0] as dns.LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}

/** Strip the brackets of an IPv6 literal host (undici already does, this is belt and braces). */
function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

export function createDeliveryAgent(opts: DeliveryAgentOptions): Agent {
  const allowlist = [...opts.allowlist];
  const base = buildConnector({
    timeout: opts.connectTimeoutMs,
    lookup: createGuardedLookup(allowlist),
  });

  const connect: buildConnector.connector = (options, callback) => {
    const host = unbracket(options.hostname);
    if (net.isIP(host) !== 0) {
      const check = checkAddress(host, allowlist);
      if (!check.allowed) {
        const err = new TargetBlockedError(host, check.range, null);
        // Report asynchronously, as a real socket error would be.
        process.nextTick(() => callback(err, null));
        return;
      }
    }
    base(options, callback);
  };

  return new Agent({
    connect,
    connections: opts.connectionsPerOrigin,
    pipelining: 1,
    ...(opts.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: opts.keepAliveTimeoutMs } : {}),
  });
}
