import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import { hashApiKey } from '../../src/services/keys.ts';
import { DEFAULT_TENANT_ID } from '../../src/services/tenants.ts';
import { serviceFixture } from './core-deps.ts';

const rejectsWith = (code: string) => (err: unknown) => err instanceof HeraldError && err.code === code;

describe('KeyService', () => {
  const f = serviceFixture();

  test('a new key is shown once and stored only as its hash, with a prefix to tell it apart', async () => {
    const { services, store } = f();
    const tenant = await services.tenants.create('acme');
    const { key, record } = await services.keys.create(tenant.id, { name: 'ci' });
    assert.match(key, /^hk_[\w-]{43}$/);
    assert.equal(record.hash, hashApiKey(key));
    assert.equal(record.prefix, key.slice(0, 7), 'hk_ and 4 characters');
    assert.equal(record.role, 'member', 'member unless asked');
    assert.deepEqual(await store.findApiKeyByHash(hashApiKey(key)), record);
    assert.ok(!JSON.stringify(await services.keys.list(tenant.id)).includes(key));
  });

  test('a key for a tenant that does not exist is refused', async () => {
    const { services } = f();
    await assert.rejects(services.keys.create('ten_nope'), rejectsWith('TENANT_NOT_FOUND'));
    await assert.rejects(services.keys.listOf('ten_nope'), rejectsWith('TENANT_NOT_FOUND'));
  });

  test('a revoked key is found no more; revoking an unknown key is KEY_NOT_FOUND', async () => {
    const { services } = f();
    const { key, record } = await services.keys.create(DEFAULT_TENANT_ID, { role: 'admin' });
    await services.keys.revoke(DEFAULT_TENANT_ID, record.id);
    assert.equal(await services.keys.findByKey(key), null);
    assert.ok((await services.keys.get(DEFAULT_TENANT_ID, record.id)).revokedAt !== null);
    await assert.rejects(services.keys.revoke(DEFAULT_TENANT_ID, 'key_nope'), rejectsWith('KEY_NOT_FOUND'));
    const other = await services.tenants.create('other');
    const theirs = await services.keys.create(other.id);
    await assert.rejects(
      services.keys.revoke(DEFAULT_TENANT_ID, theirs.record.id),
      rejectsWith('KEY_NOT_FOUND'),
    );
  });

  test('the configured admin key is stored once, as an admin key of the default tenant', async () => {
    const { services } = f();
    const key = 'hk_configured_admin_key_for_the_test';
    await services.keys.ensureAdminKey(key);
    await services.keys.ensureAdminKey(key);
    const found = await services.keys.findByKey(key);
    assert.equal(found?.role, 'admin');
    assert.equal(found?.tenantId, DEFAULT_TENANT_ID);
    const named = (await services.keys.list(DEFAULT_TENANT_ID)).filter((k) => k.name === 'HERALD_ADMIN_KEY');
    assert.equal(named.length, 1);
  });

  test('the first-run key is minted only while the default tenant has no key', async () => {
    const { services } = f();
    // Earlier tests of this file created keys of the default tenant.
    assert.equal(await services.keys.firstRunKey(), null);
  });
});

describe('KeyService on an empty database', () => {
  const f = serviceFixture();

  test('the first run mints one admin key, and only once', async () => {
    const { services } = f();
    const key = await services.keys.firstRunKey();
    assert.ok(key);
    assert.equal((await services.keys.findByKey(key))?.role, 'admin');
    assert.equal(await services.keys.firstRunKey(), null);
  });
});
