import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import { DEFAULT_TENANT_ID } from '../../src/services/tenants.ts';
import { serviceFixture } from './core-deps.ts';

const rejectsWith = (code: string) => (err: unknown) => err instanceof HeraldError && err.code === code;

describe('TenantService', () => {
  const f = serviceFixture();

  test('a tenant gets a fresh id and a trimmed name, and is listed', async () => {
    const { services } = f();
    const tenant = await services.tenants.create('  Acme  ');
    assert.match(tenant.id, /^ten_/);
    assert.equal(tenant.name, 'Acme');
    assert.deepEqual(await services.tenants.get(tenant.id), tenant);
    assert.ok((await services.tenants.list()).some((t) => t.id === tenant.id));
  });

  test('a blank name is refused', async () => {
    const { services } = f();
    await assert.rejects(services.tenants.create('   '), rejectsWith('VALIDATION_FAILED'));
  });

  test('the default tenant is created once, even when asked for twice at once', async () => {
    const { services } = f();
    const [a, b] = await Promise.all([services.tenants.ensureDefault(), services.tenants.ensureDefault()]);
    assert.equal(a.id, DEFAULT_TENANT_ID);
    assert.deepEqual(a, b);
    assert.equal((await services.tenants.list()).filter((t) => t.id === DEFAULT_TENANT_ID).length, 1);
  });

  test('an unknown tenant is TENANT_NOT_FOUND', async () => {
    const { services } = f();
    await assert.rejects(services.tenants.get('ten_nope'), rejectsWith('TENANT_NOT_FOUND'));
  });
});
