/**
 * The HTTP agent used for webhook deliveries: an undici `Agent` (keep-alive, one pool per origin)
 * whose connector enforces the network policy (src/network) on the address that is actually
 * connected to.
 *
 * How the check is wired:
 *  - IP-literal hosts (`http://127.0.0.1/`, `http://[::1]/`; the WHATWG URL parser has already turned
 *    `0x7f000001`, `127.1`, … into dotted quads) are never looked up by `net.connect`, so the connector
 *    checks them itself before opening a socket.
 *  - Every other host goes through the guarded lookup of src/network/lookup.ts (shared with the
 *    browsers' proxy), which `net.connect` / `tls.connect` call to resolve the name: every resolved
 *    address is checked, any blocked one refuses the whole lookup, and every new connection
 *    resolves and checks afresh.
 *
 * A blocked target fails the request with a {@link TargetBlockedError} (`code` =
 * `'HERALD_TARGET_BLOCKED'`), e.g. "blocked by the network policy: address 127.0.0.1 (loopback)",
 * or for a name "blocked by the network policy: db.internal resolves to a blocked address
 * (private)" — never the address a name resolved to. undici hands connector errors to the
 * request unchanged (a dispatch handler gets it in `onResponseError`, `agent.request()` rejects with
 * it, `fetch()` puts it in `cause`).
 */
import { Agent, buildConnector } from 'undici';
import type { Cidr } from '../network/policy.ts';
import { createGuardedLookup, literalRefusal } from '../network/lookup.ts';

export { createGuardedLookup, TARGET_BLOCKED_CODE, TargetBlockedError } from '../network/lookup.ts';

export interface DeliveryAgentOptions {
  /** CIDRs that are allowed even though their range is blocked (see src/network/policy.ts). */
  allowlist: Cidr[];
  /** Maximum concurrent connections per origin (size of each origin's pool). */
  connectionsPerOrigin: number;
  /** TCP (+TLS) connect timeout. */
  connectTimeoutMs: number;
  /** How long an idle keep-alive socket is kept (undici `keepAliveTimeout`; undici's default if omitted). */
  keepAliveTimeoutMs?: number;
}

export function createDeliveryAgent(opts: DeliveryAgentOptions): Agent {
  const allowlist = [...opts.allowlist];
  const base = buildConnector({
    timeout: opts.connectTimeoutMs,
    lookup: createGuardedLookup(allowlist),
  });

  const connect: buildConnector.connector = (options, callback) => {
    const err = literalRefusal(options.hostname, allowlist);
    if (err) {
      // Report asynchronously, as a real socket error would be.
      process.nextTick(() => callback(err, null));
      return;
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
