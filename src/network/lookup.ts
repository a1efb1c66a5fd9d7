/**
 * The connect-time half of the network policy: a DNS lookup that refuses a name when any address
 * it resolves to is blocked, and the error both ways out of Herald report. The delivery agent
 * (src/delivery/agent.ts) and the browsers' filtering proxy (proxy.ts) connect through it, so a
 * webhook and a trace step are held to the same rule.
 *
 * Policy for multi-address answers: the connection is refused if ANY resolved address is blocked
 * (rather than connecting to the allowed subset). A public name that also points into
 * loopback/private space is either misconfigured or an attack, and failing deterministically is
 * easier to reason about than a result that depends on which record happy-eyeballs tries first.
 * The socket connects only to addresses returned by that same lookup, so DNS rebinding cannot swap
 * the address between check and use.
 */
import dns from 'node:dns';
import net from 'node:net';
import { checkAddress, type Cidr } from './policy.ts';

export const TARGET_BLOCKED_CODE = 'HERALD_TARGET_BLOCKED';

/** What every refusal says first: deliveries' attempt errors and trace steps alike. */
export const BLOCKED_BY_POLICY = 'blocked by the network policy';

/**
 * A target the network policy refuses. The message never carries the address a NAME resolved to
 * (it would tell a tenant what an internal name points at): only the name and the range. An IP
 * literal is repeated, since the tenant wrote it. `address` stays on the error for the logs.
 */
export class TargetBlockedError extends Error {
  readonly code = TARGET_BLOCKED_CODE;
  /** The blocked IP address (for logs, never for messages a tenant sees). */
  readonly address: string;
  /** Its range, as reported by `checkAddress` (e.g. `loopback`, `private`, `cloudMetadata`). */
  readonly range: string;
  /** The hostname it was resolved from, or null for an IP-literal target. */
  readonly hostname: string | null;

  constructor(address: string, range: string, hostname: string | null) {
    super(
      hostname === null
        ? `${BLOCKED_BY_POLICY}: address ${address} (${range})`
        : `${BLOCKED_BY_POLICY}: ${hostname} resolves to a blocked address (${range})`,
    );
    this.name = 'TargetBlockedError';
    this.address = address;
    this.range = range;
    this.hostname = hostname;
  }
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

/** Strip the brackets of an IPv6 literal host. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * The check for a host that `net.connect` will not look up (an IP literal): the error to refuse
 * it with, or null when it may be connected to (names are checked by the guarded lookup).
 */
export function literalRefusal(host: string, allowlist: readonly Cidr[]): TargetBlockedError | null {
  const bare = unbracket(host);
  if (net.isIP(bare) === 0) return null;
  const check = checkAddress(bare, allowlist);
  return check.allowed ? null : new TargetBlockedError(bare, check.range, null);
}
