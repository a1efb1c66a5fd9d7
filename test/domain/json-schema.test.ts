import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import { compileUserSchema } from '../../src/domain/json-schema.ts';

describe('user JSON Schemas', () => {
  it('validates values and names the failing paths', () => {
    const s = compileUserSchema(
      { type: 'object', required: ['event'], properties: { event: { const: 'apiLog.created' } } },
      '/filter',
    );
    assert.deepEqual(s.validate({ event: 'apiLog.created' }), { ok: true });
    assert.deepEqual(s.validate({}), { ok: false, errors: [{ path: '/event', message: 'is required' }] });
    const wrong = s.validate({ event: 'site.created' });
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.errors[0]?.path, '/event');
  });

  it('supports formats and boolean schemas', () => {
    assert.equal(compileUserSchema({ format: 'email' }, '/s').validate('nope').ok, false);
    assert.equal(compileUserSchema(true, '/s').validate(42).ok, true);
    assert.equal(compileUserSchema(false, '/s').validate(42).ok, false);
  });

  it('refuses invalid schemas with INVALID_SCHEMA and the field path', () => {
    for (const bad of [
      { type: 'nonsense' },
      { minLength: -1 },
      [],
      'x',
      null,
      { $ref: 'https://example.com/s.json' },
    ]) {
      assert.throws(
        () => compileUserSchema(bad, '/filter'),
        (err: unknown) => err instanceof HeraldError && err.code === 'INVALID_SCHEMA' && err.status === 400,
        JSON.stringify(bad),
      );
    }
  });

  it('refuses schemas over the size bound', () => {
    const huge = { enum: Array.from({ length: 20000 }, (_, i) => `value-${i}`) };
    assert.throws(() => compileUserSchema(huge, '/schema'), /larger than/);
  });

  it('compiles a schema once, and two schemas with one $id do not clash', () => {
    const a = compileUserSchema({ $id: 'urn:x', type: 'string' }, '/s');
    assert.equal(compileUserSchema({ $id: 'urn:x', type: 'string' }, '/s'), a);
    const b = compileUserSchema({ $id: 'urn:x', type: 'number' }, '/s');
    assert.equal(b.validate(1).ok, true);
    assert.equal(a.validate(1).ok, false);
  });
});
