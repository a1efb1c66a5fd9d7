// Pure tests of the SSRF policy: no sockets, no DNS. Addresses below are only ever classified.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkAddress,
  checkTargetUrl,
  classifyAddress,
  isAllowed,
  isLocalhostName,
  parseAllowlist,
} from '../../src/network/policy.ts';

// [input, allowed, range]
const CLASSIFY_CASES: [string, boolean, string][] = [
  // --- IPv4: unspecified / this network 0.0.0.0/8
  ['0.0.0.0', false, 'unspecified'],
  ['0.1.2.3', false, 'unspecified'],
  // --- loopback 127/8
  ['127.0.0.1', false, 'loopback'],
  ['127.0.0.2', false, 'loopback'],
  ['127.255.255.254', false, 'loopback'],
  // --- RFC 1918 private
  ['10.0.0.1', false, 'private'],
  ['10.255.255.255', false, 'private'],
  ['172.16.0.1', false, 'private'],
  ['172.31.255.255', false, 'private'],
  ['172.15.255.255', true, 'unicast'], // just below 172.16/12
  ['172.32.0.0', true, 'unicast'], // just above 172.16/12
  ['192.168.0.1', false, 'private'],
  ['192.168.255.255', false, 'private'],
  // --- link-local (incl. cloud metadata)
  ['169.254.0.1', false, 'linkLocal'],
  ['169.254.169.254', false, 'linkLocal'],
  // --- CGNAT 100.64/10
  ['100.64.0.1', false, 'carrierGradeNat'],
  ['100.127.255.255', false, 'carrierGradeNat'],
  ['100.63.255.255', true, 'unicast'],
  ['100.128.0.0', true, 'unicast'],
  // --- multicast, broadcast, reserved, documentation, benchmarking, special purpose
  ['224.0.0.1', false, 'multicast'],
  ['239.255.255.250', false, 'multicast'],
  ['255.255.255.255', false, 'broadcast'],
  ['240.0.0.1', false, 'reserved'],
  ['254.255.255.255', false, 'reserved'],
  ['192.0.0.170', false, 'reserved'], // IETF protocol assignments (NAT64 discovery)
  ['192.0.2.1', false, 'reserved'], // TEST-NET-1
  ['198.51.100.7', false, 'reserved'], // TEST-NET-2
  ['203.0.113.9', false, 'reserved'], // TEST-NET-3
  ['198.18.0.1', false, 'reserved'], // benchmarking 198.18/15
  ['198.19.255.255', false, 'reserved'],
  ['192.88.99.1', false, 'reserved'], // 6to4 relay anycast
  ['192.175.48.1', false, 'as112'],
  ['192.52.193.1', false, 'amt'],
  // --- public IPv4
  ['8.8.8.8', true, 'unicast'],
  ['1.1.1.1', true, 'unicast'],
  ['93.184.215.14', true, 'unicast'],
  // --- legacy IPv4 spellings are classified by the address they denote (as inet_aton / WHATWG do)
  ['127.1', false, 'loopback'],
  ['127.0.1', false, 'loopback'],
  ['0x7f000001', false, 'loopback'],
  ['0X7F000001', false, 'loopback'],
  ['2130706433', false, 'loopback'],
  ['017700000001', false, 'loopback'],
  ['0177.0.0.1', false, 'loopback'],
  ['0x7f.0.0.1', false, 'loopback'],
  ['10.1', false, 'private'],
  ['0xa9fea9fe', false, 'linkLocal'], // 169.254.169.254
  ['0', false, 'unspecified'],
  ['0127.0.0.1', true, 'unicast'], // octal 0127 = 87 → 87.0.0.1, public
  // --- IPv6 special ranges
  ['::', false, 'unspecified'],
  ['0:0:0:0:0:0:0:0', false, 'unspecified'],
  ['::1', false, 'loopback'],
  ['0:0:0:0:0:0:0:1', false, 'loopback'],
  ['fe80::1', false, 'linkLocal'],
  ['fe80::1%eth0', false, 'linkLocal'],
  ['febf:ffff::1', false, 'linkLocal'],
  ['fc00::1', false, 'uniqueLocal'],
  ['fd12:3456:789a::1', false, 'uniqueLocal'],
  ['fec0::1', false, 'deprecatedSiteLocal'],
  ['ff02::1', false, 'multicast'],
  ['ff05::1:3', false, 'multicast'],
  ['100::1', false, 'discard'],
  // --- IPv4-mapped ::ffff:0:0/96 — always blocked, in every spelling, even for public v4
  ['::ffff:127.0.0.1', false, 'ipv4Mapped'],
  ['::ffff:7f00:1', false, 'ipv4Mapped'],
  ['::FFFF:127.0.0.1', false, 'ipv4Mapped'],
  ['0:0:0:0:0:ffff:7f00:1', false, 'ipv4Mapped'],
  ['0:0:0:0:0:ffff:127.0.0.1', false, 'ipv4Mapped'],
  ['0000:0000:0000:0000:0000:ffff:0a00:0001', false, 'ipv4Mapped'],
  ['::ffff:169.254.169.254', false, 'ipv4Mapped'],
  ['::ffff:8.8.8.8', false, 'ipv4Mapped'],
  ['::ffff:127.0.0.1%1', false, 'ipv4Mapped'],
  ['::ffff:0:127.0.0.1', false, 'rfc6145'], // IPv4-translated
  // --- IPv4-compatible ::/96 (deprecated): ipaddr.js calls it unicast / misreads it as mapped
  ['::127.0.0.1', false, 'ipv4Compatible'],
  ['::7f00:1', false, 'ipv4Compatible'],
  ['::8.8.8.8', false, 'ipv4Compatible'],
  // --- NAT64 / 6to4 / Teredo: they embed IPv4 addresses
  ['64:ff9b::7f00:1', false, 'rfc6052'],
  ['64:ff9b::127.0.0.1', false, 'rfc6052'],
  ['64:ff9b::8.8.8.8', false, 'rfc6052'],
  ['64:ff9b:1::a00:1', false, 'rfc6052'],
  ['2002:7f00:1::1', false, '6to4'],
  ['2002:0808:0808::1', false, '6to4'],
  ['2001::1', false, 'teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false, 'teredo'],
  // --- documentation, benchmarking, other IETF special purpose
  ['2001:db8::1', false, 'reserved'],
  ['3fff::1', false, 'reserved'],
  ['2001:2::1', false, 'benchmarking'],
  ['2001:3::1', false, 'amt'],
  ['2001:4:112::1', false, 'as112v6'],
  ['2001:10::1', false, 'deprecatedOrchid'],
  ['2001:20::1', false, 'orchid2'],
  ['5f00::1', false, 'segmentRouting'],
  // --- IPv6 outside 2000::/3 (unallocated) is not global unicast
  ['4000::1', false, 'reserved'],
  ['e000::1', false, 'reserved'],
  ['1::1', false, 'reserved'],
  // --- public IPv6
  ['2606:4700:4700::1111', true, 'unicast'],
  ['2001:4860:4860::8888', true, 'unicast'],
  ['2a00:1450:4001:830::200e', true, 'unicast'],
  // --- not addresses
  ['', false, 'invalid'],
  ['localhost', false, 'invalid'],
  ['example.com', false, 'invalid'],
  ['[::1]', false, 'invalid'],
  ['1.2.3.4.5', false, 'invalid'],
  ['256.0.0.1', false, 'invalid'],
  ['08.1.1.1', false, 'invalid'],
  [' 8.8.8.8', false, 'invalid'],
  ['8.8.8.8 ', false, 'invalid'],
  ['127.0.0.1:80', false, 'invalid'],
  ['1.1.1.1/32', false, 'invalid'],
  ['::1::1', false, 'invalid'],
  ['gggg::1', false, 'invalid'],
  ['::1]@evil.example/[', false, 'invalid'],
];

describe('classifyAddress', () => {
  test(`table has at least 40 rows (${CLASSIFY_CASES.length})`, () => {
    assert.ok(CLASSIFY_CASES.length >= 40);
  });
  for (const [input, allowed, range] of CLASSIFY_CASES) {
    test(`${JSON.stringify(input)} → ${allowed ? 'allowed' : 'blocked'} (${range})`, () => {
      assert.deepEqual(classifyAddress(input), { allowed, range });
    });
  }

  test('non-string input is invalid', () => {
    assert.deepEqual(classifyAddress(undefined as unknown as string), { allowed: false, range: 'invalid' });
    assert.deepEqual(classifyAddress(2130706433 as unknown as string), { allowed: false, range: 'invalid' });
  });
});

/** The host the WHATWG URL parser (hence undici) would use, brackets removed. */
function hostOf(url: string): string {
  const h = new URL(url).hostname;
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

// Odd spellings normalised by the URL parser, then classified. [url, normalised host, range]
const URL_SPELLINGS: [string, string, string][] = [
  ['http://127.1/', '127.0.0.1', 'loopback'],
  ['http://127.0.1/', '127.0.0.1', 'loopback'],
  ['http://0x7f000001/', '127.0.0.1', 'loopback'],
  ['http://2130706433/', '127.0.0.1', 'loopback'],
  ['http://017700000001/', '127.0.0.1', 'loopback'],
  ['http://0177.0.0.1/', '127.0.0.1', 'loopback'],
  ['http://0x7f.1/', '127.0.0.1', 'loopback'],
  ['http://127.0.0.1./', '127.0.0.1', 'loopback'],
  ['http://%31%32%37.0.0.1/', '127.0.0.1', 'loopback'],
  ['http://\uff11\uff12\uff17.0.0.1/', '127.0.0.1', 'loopback'], // full-width digits
  ['http://0/', '0.0.0.0', 'unspecified'],
  ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254', 'linkLocal'],
  ['http://10.1/', '10.0.0.1', 'private'],
  ['http://[::1]/', '::1', 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', '::1', 'loopback'],
  ['http://[::]/', '::', 'unspecified'],
  ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1', 'ipv4Mapped'],
  ['http://[0:0:0:0:0:ffff:127.0.0.1]/', '::ffff:7f00:1', 'ipv4Mapped'],
  ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe', 'ipv4Mapped'],
  ['http://[::ffff:8.8.8.8]/', '::ffff:808:808', 'ipv4Mapped'],
  ['http://[::127.0.0.1]/', '::7f00:1', 'ipv4Compatible'],
  ['http://[64:ff9b::127.0.0.1]/', '64:ff9b::7f00:1', 'rfc6052'],
  ['http://[FE80::1]/', 'fe80::1', 'linkLocal'],
];

describe('odd spellings through the URL parser', () => {
  for (const [url, host, range] of URL_SPELLINGS) {
    test(`${url} → ${host} (${range})`, () => {
      assert.equal(hostOf(url), host);
      assert.deepEqual(classifyAddress(host), { allowed: false, range });
      const res = checkTargetUrl(url, []);
      assert.equal(res.ok, false);
      assert.ok(!res.ok && res.code === 'TARGET_BLOCKED', JSON.stringify(res));
    });
  }
});

describe('parseAllowlist', () => {
  test('empty and whitespace-only lists are empty', () => {
    assert.deepEqual(parseAllowlist(''), []);
    assert.deepEqual(parseAllowlist('  , ,'), []);
  });

  test('parses v4, v6 and bare addresses', () => {
    const list = parseAllowlist(' 10.0.0.0/8 , fd00::/8,192.168.1.20, ::1 ,::ffff:127.0.0.0/104');
    assert.deepEqual(
      list.map((c) => [c.kind, c.text, c.prefix]),
      [
        ['ipv4', '10.0.0.0/8', 8],
        ['ipv6', 'fd00::/8', 8],
        ['ipv4', '192.168.1.20/32', 32],
        ['ipv6', '::1/128', 128],
        ['ipv6', '::ffff:7f00:0/104', 104],
      ],
    );
  });

  const BAD = [
    'foo',
    'localhost/8',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '10.0.0.0/ 8',
    '10.0.0.0/8.5',
    '::/129',
    '0x7f000001/8',
    '127.1/8',
    '2130706433',
    'fe80::1%eth0/64',
    '10.0.0.0.0/8',
  ];
  for (const bad of BAD) {
    test(`rejects ${JSON.stringify(bad)} naming the entry`, () => {
      assert.throws(
        () => parseAllowlist(`10.0.0.0/8, ${bad}`),
        (err: Error) => err instanceof Error && err.message.includes(`"${bad.trim()}"`),
      );
    });
  }
});

describe('isAllowed / checkAddress', () => {
  // [ip, allowlist csv, expected]
  const CASES: [string, string, boolean][] = [
    ['127.0.0.1', '', false],
    ['127.0.0.1', '127.0.0.0/8', true],
    ['127.0.0.2', '127.0.0.1/32', false],
    ['127.0.0.2', '127.0.0.1', false],
    ['10.1.2.3', '10.0.0.0/8', true],
    ['10.1.2.3', '10.1.2.0/24, 192.168.0.0/16', true],
    ['172.16.5.5', '10.0.0.0/8', false],
    ['192.168.1.20', '192.168.1.20', true],
    ['192.168.1.21', '192.168.1.20', false],
    ['169.254.169.254', '10.0.0.0/8', false],
    ['8.8.8.8', '', true], // public needs no allowlist
    ['fd00::1', 'fd00::/8', true],
    ['fe80::1', 'fd00::/8', false],
    ['::1', '127.0.0.0/8', false],
    ['::1', '::1/128', true],
    ['127.0.0.1', '::/0', false], // a v6 CIDR never covers a v4 address
    ['10.0.0.1', '0.0.0.0/0', true],
    // IPv4-mapped: a v4 CIDR does NOT open the mapped form, only a v6 CIDR does
    ['::ffff:127.0.0.1', '127.0.0.0/8', false],
    ['::ffff:127.0.0.1', '0.0.0.0/0', false],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.0/104', true],
    ['::ffff:7f00:1', '::ffff:0:0/96', true],
    ['::ffff:8.8.8.8', '', false],
    ['::ffff:10.0.0.1', '10.0.0.0/8', false],
    ['::ffff:10.0.0.1', '::/0', true],
    ['garbage', '0.0.0.0/0, ::/0', false],
    ['', '0.0.0.0/0', false],
  ];
  for (const [ip, csv, expected] of CASES) {
    test(`${ip || '""'} with [${csv}] → ${expected}`, () => {
      assert.equal(isAllowed(ip, parseAllowlist(csv)), expected);
    });
  }

  test('checkAddress reports the real range and whether the allowlist opened it', () => {
    assert.deepEqual(checkAddress('127.0.0.1', parseAllowlist('127.0.0.0/8')), {
      allowed: true,
      range: 'loopback',
      allowlisted: true,
    });
    assert.deepEqual(checkAddress('8.8.8.8', parseAllowlist('127.0.0.0/8')), {
      allowed: true,
      range: 'unicast',
      allowlisted: false,
    });
    assert.deepEqual(checkAddress('::ffff:127.0.0.1', parseAllowlist('127.0.0.0/8')), {
      allowed: false,
      range: 'ipv4Mapped',
      allowlisted: false,
    });
  });
});

describe('isLocalhostName', () => {
  for (const [name, expected] of [
    ['localhost', true],
    ['LOCALHOST', true],
    ['localhost.', true],
    ['foo.localhost', true],
    ['a.b.localhost.', true],
    ['localhost.example.com', false],
    ['notlocalhost', false],
    ['example.com', false],
  ] as const) {
    test(`${name} → ${expected}`, () => assert.equal(isLocalhostName(name), expected));
  }
});

describe('checkTargetUrl', () => {
  const OK: [string, string][] = [
    ['https://example.com/hook', ''],
    ['http://example.com:8080/x?y=1#frag', ''],
    ['https://8.8.8.8/', ''],
    ['https://[2606:4700:4700::1111]/hook', ''],
    ['HTTPS://EXAMPLE.COM/', ''],
    ['https://localhost.example.com/', ''], // a real domain; resolved and checked at connect time
    ['http://127.0.0.1:3000/hook', '127.0.0.0/8'],
    ['http://0x7f000001/', '127.0.0.0/8'],
    ['http://localhost:3000/', '127.0.0.0/8'],
    ['http://localhost/', '::1/128'],
    ['http://[::1]/', '::1/128'],
    ['http://10.2.3.4/', '10.0.0.0/8'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:127.0.0.0/104'],
  ];
  for (const [url, csv] of OK) {
    test(`accepts ${url} with [${csv}]`, () => {
      assert.deepEqual(checkTargetUrl(url, parseAllowlist(csv)), { ok: true });
    });
  }

  const INVALID: [string, RegExp][] = [
    ['', /non-empty/],
    ['example.com/hook', /absolute/],
    ['/relative/path', /absolute/],
    ['//example.com/hook', /absolute/],
    ['http://', /absolute/],
    ['http://exa mple.com/', /absolute/],
    ['ftp://example.com/', /scheme/],
    ['ws://example.com/', /scheme/],
    ['javascript:alert(1)', /scheme/],
    ['file:///etc/passwd', /scheme/],
    ['data:text/plain,hi', /scheme/],
    ['https://user:pass@example.com/', /credentials/],
    ['https://user@example.com/', /credentials/],
    ['https://:secret@example.com/', /credentials/],
    ['https://example.com/' + 'a'.repeat(2048), /2048/],
  ];
  for (const [url, re] of INVALID) {
    test(`INVALID_URL: ${url.slice(0, 60)}`, () => {
      const res = checkTargetUrl(url, []);
      assert.equal(res.ok, false);
      assert.ok(!res.ok);
      assert.equal(res.code, 'INVALID_URL');
      assert.match(res.message, re);
    });
  }

  test('2048 characters is the limit (inclusive)', () => {
    const base = 'https://example.com/';
    const exact = base + 'a'.repeat(2048 - base.length);
    assert.equal(exact.length, 2048);
    assert.deepEqual(checkTargetUrl(exact, []), { ok: true });
    const res = checkTargetUrl(exact + 'a', []);
    assert.ok(!res.ok && res.code === 'INVALID_URL');
  });

  test('length is also checked after normalisation (percent-encoding can grow the URL)', () => {
    const base = 'https://example.com/';
    const url = base + '\u00e9'.repeat(1000); // 1 char each, 6 once percent-encoded
    assert.ok(url.length <= 2048);
    const res = checkTargetUrl(url, []);
    assert.ok(!res.ok && res.code === 'INVALID_URL' && /normalised/.test(res.message));
  });

  const BLOCKED: [string, string, RegExp][] = [
    ['http://127.0.0.1/', '', /127\.0\.0\.1 is not allowed \(loopback\)/],
    ['http://127.0.0.1:3000/hook', '10.0.0.0/8', /loopback/],
    ['http://localhost/', '', /localhost is not allowed \(loopback\)/],
    ['http://LOCALHOST:3000/', '', /loopback/],
    ['http://localhost./', '', /loopback/],
    ['http://foo.localhost/', '', /loopback/],
    ['http://localhost/', '10.0.0.0/8', /loopback/],
    ['http://10.0.0.1/', '', /private/],
    ['http://192.168.1.1/', '', /private/],
    ['http://169.254.169.254/latest/meta-data/', '', /linkLocal/],
    ['http://100.64.0.1/', '', /carrierGradeNat/],
    ['http://[::1]/', '', /loopback/],
    ['http://[::1]/', '127.0.0.0/8', /loopback/],
    ['http://[fd00::1]/', '', /uniqueLocal/],
    ['http://[fe80::1]/', '', /linkLocal/],
    ['http://[::ffff:8.8.8.8]/', '', /ipv4Mapped/],
    ['http://[::ffff:127.0.0.1]/', '127.0.0.0/8', /ipv4Mapped/],
    ['http://[64:ff9b::a00:1]/', '', /rfc6052/],
    ['http://[2002:7f00:1::]/', '', /6to4/],
    ['https://0x7f000001:8443/', '', /127\.0\.0\.1.*loopback/],
    ['http://224.0.0.1/', '', /multicast/],
    ['http://255.255.255.255/', '', /broadcast/],
  ];
  for (const [url, csv, re] of BLOCKED) {
    test(`TARGET_BLOCKED: ${url} with [${csv}]`, () => {
      const res = checkTargetUrl(url, parseAllowlist(csv));
      assert.equal(res.ok, false);
      assert.ok(!res.ok);
      assert.equal(res.code, 'TARGET_BLOCKED');
      assert.match(res.message, re);
    });
  }
});
