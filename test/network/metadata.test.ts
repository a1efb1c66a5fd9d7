import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CLOUD_METADATA_ADDRESSES,
  checkAddress,
  checkTargetUrl,
  isCloudMetadataAddress,
  parseAllowlist,
} from '../../src/network/policy.ts';

/** Every range an operator could plausibly open, and then some. */
const WIDE = parseAllowlist(
  '0.0.0.0/0, 169.254.0.0/16, 100.64.0.0/10, 192.0.0.0/24, ::/0, fd00::/8, ::ffff:0:0/96, 64:ff9b::/96, 2002::/16',
);

// [spelling, the metadata address it denotes]
const SPELLINGS: Array<[string, string]> = [
  ['169.254.169.254', '169.254.169.254'],
  ['0xa9fea9fe', '169.254.169.254'],
  ['0xA9FEA9FE', '169.254.169.254'],
  ['2852039166', '169.254.169.254'],
  ['0251.0376.0251.0376', '169.254.169.254'],
  ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
  ['169.254.43518', '169.254.169.254'],
  ['169.16689662', '169.254.169.254'],
  ['::ffff:169.254.169.254', '169.254.169.254'],
  ['::ffff:a9fe:a9fe', '169.254.169.254'],
  ['0:0:0:0:0:ffff:a9fe:a9fe', '169.254.169.254'],
  ['::a9fe:a9fe', '169.254.169.254'],
  ['64:ff9b::a9fe:a9fe', '169.254.169.254'],
  ['64:ff9b::169.254.169.254', '169.254.169.254'],
  ['2002:a9fe:a9fe::1', '169.254.169.254'],
  ['fd00:ec2::254', 'fd00:ec2::254'],
  ['fd00:0ec2:0000:0000:0000:0000:0000:0254', 'fd00:ec2::254'],
  ['FD00:EC2::254', 'fd00:ec2::254'],
  ['fd00:ec2::254%eth0', 'fd00:ec2::254'],
  ['169.254.170.2', '169.254.170.2'],
  ['100.100.100.200', '100.100.100.200'],
  ['0x646464c8', '100.100.100.200'],
  ['::ffff:100.100.100.200', '100.100.100.200'],
  ['192.0.0.192', '192.0.0.192'],
];

describe('cloud metadata addresses under a wide allowlist', () => {
  for (const [spelling, meant] of SPELLINGS) {
    test(`${spelling} (${meant}) is refused although the allowlist covers it`, () => {
      assert.equal(isCloudMetadataAddress(spelling), true);
      const check = checkAddress(spelling, WIDE);
      assert.equal(check.allowed, false);
      assert.equal(check.range, 'cloudMetadata');
    });
  }

  test('the list names the services the issue names', () => {
    for (const a of ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'])
      assert.ok(CLOUD_METADATA_ADDRESSES.includes(a));
  });

  test('neighbours of a metadata address are opened by the allowlist as usual', () => {
    for (const a of ['169.254.169.253', '169.254.169.255', 'fd00:ec2::253', '100.100.100.201', '10.0.0.1']) {
      assert.equal(isCloudMetadataAddress(a), false, a);
      assert.equal(checkAddress(a, WIDE).allowed, true, a);
    }
  });

  test('naming the address itself opens it, and only in that spelling', () => {
    assert.equal(checkAddress('169.254.169.254', parseAllowlist('169.254.169.254')).allowed, true);
    assert.equal(checkAddress('0xa9fea9fe', parseAllowlist('169.254.169.254/32')).allowed, true);
    assert.equal(checkAddress('fd00:ec2::254', parseAllowlist('fd00:ec2::254/128')).allowed, true);
    assert.equal(checkAddress('::ffff:169.254.169.254', parseAllowlist('169.254.169.254')).allowed, false);
    assert.equal(checkAddress('169.254.169.254', parseAllowlist('169.254.169.254/31')).allowed, false);
    assert.equal(checkAddress('100.100.100.200', parseAllowlist('169.254.169.254')).allowed, false);
  });

  test('a hook URL naming a metadata address is refused when saved', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://0xa9fea9fe/',
      'http://[::ffff:169.254.169.254]/',
      'http://[fd00:ec2::254]/',
      'http://100.100.100.200/',
    ]) {
      const r = checkTargetUrl(url, WIDE);
      assert.equal(r.ok, false, url);
      assert.equal(r.ok === false && r.code, 'TARGET_BLOCKED', url);
    }
  });
});
