/**
 * SSRF guard: which target addresses Herald is willing to deliver to.
 *
 * Two layers use this module:
 *  - `checkTargetUrl` runs when a hook is created/updated (static validation of the URL; IP-literal
 *    and `localhost` hosts are checked here so obviously-internal targets are rejected early).
 *  - `agent.ts` calls `checkAddress` on the address that is actually connected to (IP literals
 *    directly, hostnames after DNS resolution at connect time), which is the authoritative check and
 *    the one that defeats DNS rebinding.
 *
 * Policy: only addresses whose ipaddr.js range is `unicast` are allowed, and for IPv6 additionally only
 * the global unicast block 2000::/3 (everything else in IPv6 is either special-purpose or unassigned,
 * e.g. the deprecated IPv4-compatible block ::/96, which ipaddr.js reports as `unicast`).
 * IPv4-mapped IPv6 addresses (::ffff:0:0/96) are always blocked, even when the embedded IPv4
 * address is public: a mapped address is never needed to reach a public host (use the IPv4 form),
 * and allowing it would let v4 policy be bypassed through the v6 stack.
 *
 * An operator allowlist (CIDRs) can open blocked ranges, e.g. `10.0.0.0/8` for an internal network.
 * CIDRs only match addresses of the same family, so an IPv4 CIDR such as 127.0.0.0/8 does NOT open
 * ::ffff:127.0.0.1 — opening a mapped address needs an IPv6 CIDR like ::ffff:127.0.0.0/104.
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';

type IP = ipaddr.IPv4 | ipaddr.IPv6;

/** One parsed allowlist entry. `text` is the normalised `address/prefix` form. */
export interface Cidr {
  readonly kind: 'ipv4' | 'ipv6';
  readonly address: IP;
  readonly prefix: number;
  readonly text: string;
}

export interface AddressClassification {
  /** Whether the policy (without allowlist) permits connecting to the address. */
  allowed: boolean;
  /**
   * ipaddr.js range name (`unicast`, `loopback`, `private`, `linkLocal`, `carrierGradeNat`,
   * `ipv4Mapped`, `rfc6052`, `6to4`, `teredo`, `uniqueLocal`, `deprecatedSiteLocal`, `reserved`, …),
   * or one of Herald's additions: `invalid` (unparseable), `ipv4Compatible` (::/96 minus :: and ::1),
   * `reserved` (IPv6 outside 2000::/3 that ipaddr.js calls unicast).
   */
  range: string;
}

/** ::/96 prefix test (IPv4-compatible, deprecated by RFC 4291). */
function isIPv4Compatible(addr: ipaddr.IPv6): boolean {
  return addr.parts.slice(0, 6).every((p) => p === 0);
}

/** 2000::/3: the only IPv6 block IANA currently allocates for global unicast. */
function isGlobalUnicastV6(addr: ipaddr.IPv6): boolean {
  const first = addr.parts[0] ?? 0;
  return (first & 0xe000) === 0x2000;
}

/**
 * Parse an address string into an ipaddr.js object without the ambiguities of ipaddr.js' own parser.
 *
 * - IPv6 (contains ':'): must be accepted by the platform's inet_pton (`net.isIPv6`); a zone id
 *   (`%eth0`) is discarded; the text is then canonicalised through the WHATWG URL parser before being
 *   handed to ipaddr.js, because ipaddr.js misreads `::127.0.0.1` (IPv4-compatible, ::7f00:1) as the
 *   IPv4-mapped ::ffff:7f00:1.
 * - IPv4: ipaddr.js accepts the same legacy spellings as inet_aton and the WHATWG URL parser
 *   (`127.1`, `0x7f000001`, `2130706433`, `017700000001`, `0177.0.0.1`) and interprets them the same
 *   way, so they are classified by the address they really denote.
 */
export function parseAddress(ip: string): IP | null {
  if (typeof ip !== 'string' || ip.length === 0 || ip.length > 100) return null;
  if (ip.includes(':')) {
    const pct = ip.indexOf('%');
    const bare = pct === -1 ? ip : ip.slice(0, pct);
    if (!net.isIPv6(bare)) return null;
    let canonical: string;
    try {
      const host = new URL(`http://[${bare}]/`).hostname;
      if (!host.startsWith('[') || !host.endsWith(']')) return null;
      canonical = host.slice(1, -1);
    } catch {
      return null;
    }
    try {
      return ipaddr.IPv6.parse(canonical);
    } catch {
      return null;
    }
  }
  if (!/^[0-9a-fA-FxX.]+$/.test(ip)) return null;
  try {
    return ipaddr.IPv4.parse(ip);
  } catch {
    return null;
  }
}

function classifyParsed(addr: IP): AddressClassification {
  if (addr.kind() === 'ipv4') {
    const range = (addr as ipaddr.IPv4).range();
    return { allowed: range === 'unicast', range };
  }
  const v6 = addr as ipaddr.IPv6;
  const range: string = v6.range();
  if (range !== 'unicast') return { allowed: false, range };
  if (isIPv4Compatible(v6)) return { allowed: false, range: 'ipv4Compatible' };
  if (!isGlobalUnicastV6(v6)) return { allowed: false, range: 'reserved' };
  return { allowed: true, range };
}

/**
 * Classify an IP address (IPv4 or IPv6, no brackets, no port). Pure: no DNS, no sockets.
 * Only globally routable unicast addresses are allowed; unparseable input gives
 * `{ allowed: false, range: 'invalid' }`.
 */
export function classifyAddress(ip: string): AddressClassification {
  const addr = parseAddress(ip);
  if (!addr) return { allowed: false, range: 'invalid' };
  return classifyParsed(addr);
}

/**
 * Parse a comma-separated allowlist such as `10.0.0.0/8, fd00::/8, 192.168.1.20`.
 * Whitespace around entries and empty entries are ignored (so `''` is an empty allowlist).
 * A bare address means a single host (/32 or /128). The address part must be a standard IPv4
 * dotted quad or IPv6 text (no legacy spellings); host bits below the prefix are ignored.
 * Throws an Error naming the offending entry.
 */
export function parseAllowlist(csv: string): Cidr[] {
  const out: Cidr[] = [];
  for (const raw of csv.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    const addrText = slash === -1 ? entry : entry.slice(0, slash);
    const prefixText = slash === -1 ? null : entry.slice(slash + 1);
    const family = net.isIP(addrText);
    if (family === 0) {
      throw new Error(`Invalid allowlist entry "${entry}": "${addrText}" is not an IPv4 or IPv6 address`);
    }
    if (addrText.includes('%')) {
      throw new Error(`Invalid allowlist entry "${entry}": zone ids are not allowed`);
    }
    const max = family === 4 ? 32 : 128;
    let prefix = max;
    if (prefixText !== null) {
      if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
        throw new Error(
          `Invalid allowlist entry "${entry}": prefix length must be an integer from 0 to ${max}`,
        );
      }
      prefix = Number(prefixText);
    }
    const address = parseAddress(addrText);
    if (!address) {
      throw new Error(`Invalid allowlist entry "${entry}": cannot parse address`);
    }
    const kind = address.kind();
    out.push({ kind, address, prefix, text: `${address.toString()}/${prefix}` });
  }
  return out;
}

function inAllowlist(addr: IP, allowlist: readonly Cidr[]): boolean {
  const kind = addr.kind();
  for (const cidr of allowlist) {
    if (cidr.kind !== kind) continue;
    if (kind === 'ipv4' && (addr as ipaddr.IPv4).match(cidr.address as ipaddr.IPv4, cidr.prefix)) return true;
    if (kind === 'ipv6' && (addr as ipaddr.IPv6).match(cidr.address as ipaddr.IPv6, cidr.prefix)) return true;
  }
  return false;
}

export interface AddressCheck extends AddressClassification {
  /** True when the address was let through only because an allowlist CIDR covers it. */
  allowlisted: boolean;
}

/**
 * Classify an address taking the operator allowlist into account. An address covered by an
 * allowlist CIDR of the same family is allowed whatever its range; `range` still reports the
 * real range (useful for logs and error messages).
 */
export function checkAddress(ip: string, allowlist: readonly Cidr[]): AddressCheck {
  const addr = parseAddress(ip);
  if (!addr) return { allowed: false, range: 'invalid', allowlisted: false };
  const cls = classifyParsed(addr);
  if (cls.allowed) return { ...cls, allowlisted: false };
  const metadata = metadataAddressOf(addr);
  if (metadata !== null) {
    // A wide allowlist (10.0.0.0/8, 169.254.0.0/16, ::/0) must not open the cloud's credential
    // service by accident: only an entry naming the address itself does.
    // The very spelling that is connected to: naming 169.254.169.254 does not open ::ffff:a9fe:a9fe.
    const exact = allowlist.some(
      (c) =>
        c.kind === addr.kind() &&
        c.prefix === (c.kind === 'ipv4' ? 32 : 128) &&
        c.address.toString() === addr.toString(),
    );
    if (exact) return { allowed: true, range: 'cloudMetadata', allowlisted: true };
    // Refused: say why the allowlist did not help, or else report the plain range as usual.
    return {
      allowed: false,
      range: inAllowlist(addr, allowlist) ? 'cloudMetadata' : cls.range,
      allowlisted: false,
    };
  }
  if (inAllowlist(addr, allowlist)) return { allowed: true, range: cls.range, allowlisted: true };
  return { ...cls, allowlisted: false };
}

/**
 * Cloud instance-metadata services, which hand out credentials to whoever can reach them:
 * AWS/Azure/GCP/OpenStack 169.254.169.254, AWS ECS task metadata 169.254.170.2, AWS IPv6
 * fd00:ec2::254, Alibaba 100.100.100.200, Oracle 192.0.0.192.
 */
export const CLOUD_METADATA_ADDRESSES: readonly string[] = Object.freeze([
  '169.254.169.254',
  '169.254.170.2',
  'fd00:ec2::254',
  '100.100.100.200',
  '192.0.0.192',
]);
const METADATA = new Set(CLOUD_METADATA_ADDRESSES.map((a) => parseAddress(a)!.toString()));

/**
 * The IPv4 address an IPv6 address carries, for the forms that route to it: IPv4-mapped
 * (::ffff:0:0/96), IPv4-compatible (::/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = v6.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && (p[5] === 0xffff || p[5] === 0)) return v4(p[6]!, p[7]!);
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return v4(p[6]!, p[7]!);
  if (p[0] === 0x2002) return v4(p[1]!, p[2]!);
  return null;
}

/** The canonical metadata address `addr` denotes (in any spelling or embedding), or null. */
function metadataAddressOf(addr: IP): string | null {
  const text = addr.toString();
  if (METADATA.has(text)) return text;
  if (addr.kind() !== 'ipv6') return null;
  const v4 = embeddedIPv4(addr as ipaddr.IPv6)?.toString();
  return v4 !== undefined && METADATA.has(v4) ? v4 : null;
}

/** Whether `ip` (any spelling) is one of {@link CLOUD_METADATA_ADDRESSES}. */
export function isCloudMetadataAddress(ip: string): boolean {
  const addr = parseAddress(ip);
  return addr !== null && metadataAddressOf(addr) !== null;
}

/** Boolean form of {@link checkAddress}. */
export function isAllowed(ip: string, allowlist: readonly Cidr[]): boolean {
  return checkAddress(ip, allowlist).allowed;
}

export const MAX_TARGET_URL_LENGTH = 2048;

export type TargetUrlCheck =
  { ok: true } | { ok: false; code: 'INVALID_URL' | 'TARGET_BLOCKED'; message: string };

/** `localhost`, `*.localhost` (RFC 6761), with or without a trailing dot. */
export function isLocalhostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/**
 * Static validation of a hook target URL (at hook creation). Checks:
 *  - absolute `http:`/`https:` URL, at most 2048 characters (both as given and once normalised);
 *  - no credentials (`user:pass@`) in the URL;
 *  - if the host is an IP literal — after WHATWG normalisation, which turns `0x7f000001`, `127.1`,
 *    `%31%32%37.0.0.1`, … into 127.0.0.1 — it must pass {@link checkAddress};
 *  - `localhost` / `*.localhost` is treated as loopback (127.0.0.1 and ::1) and passes only if the
 *    allowlist covers one of those.
 * Other hostnames pass here: their addresses are checked at connect time by the delivery agent.
 */
export function checkTargetUrl(url: string, allowlist: readonly Cidr[]): TargetUrlCheck {
  if (typeof url !== 'string' || url.length === 0) {
    return { ok: false, code: 'INVALID_URL', message: 'URL must be a non-empty string' };
  }
  if (url.length > MAX_TARGET_URL_LENGTH) {
    return {
      ok: false,
      code: 'INVALID_URL',
      message: `URL is longer than ${MAX_TARGET_URL_LENGTH} characters`,
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, code: 'INVALID_URL', message: 'URL must be an absolute http(s) URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return {
      ok: false,
      code: 'INVALID_URL',
      message: `URL scheme must be http or https, not ${parsed.protocol.replace(/:$/, '')}`,
    };
  }
  if (parsed.href.length > MAX_TARGET_URL_LENGTH) {
    return {
      ok: false,
      code: 'INVALID_URL',
      message: `URL is longer than ${MAX_TARGET_URL_LENGTH} characters once normalised`,
    };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, code: 'INVALID_URL', message: 'URL must not contain credentials (user:password@)' };
  }
  const host = parsed.hostname;
  if (host === '') {
    return { ok: false, code: 'INVALID_URL', message: 'URL must have a host' };
  }
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIP(literal) !== 0) {
    const check = checkAddress(literal, allowlist);
    if (!check.allowed) {
      return {
        ok: false,
        code: 'TARGET_BLOCKED',
        message: `Target address ${literal} is not allowed (${check.range})`,
      };
    }
    return { ok: true };
  }
  if (isLocalhostName(host)) {
    if (isAllowed('127.0.0.1', allowlist) || isAllowed('::1', allowlist)) return { ok: true };
    return { ok: false, code: 'TARGET_BLOCKED', message: `Target host ${host} is not allowed (loopback)` };
  }
  return { ok: true };
}
