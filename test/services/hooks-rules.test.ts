import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAllowlist } from '../../src/network/policy.ts';
import { hookProblems, originOf, type HookSettings } from '../../src/services/hook-rules.ts';

const LOOPBACK = parseAllowlist('127.0.0.0/8');
const ok: HookSettings = {
  name: 'sites',
  url: 'https://receiver.example/hook',
  objects: ['site'],
  events: null,
  username: null,
  password: null,
};

describe('hook rules', () => {
  const cases: Array<[string, Partial<HookSettings>, Array<[string, string, string]>]> = [
    ['good settings have no problem', {}, []],
    ['a blank name', { name: '' }, [['name', 'blank', 'VALIDATION_FAILED']]],
    ['a name over 200 characters', { name: 'x'.repeat(201) }, [['name', 'tooLong', 'VALIDATION_FAILED']]],
    ['no URL', { url: '' }, [['url', 'blank', 'INVALID_URL']]],
    ['a relative URL', { url: '/hook' }, [['url', 'invalidUrl', 'INVALID_URL']]],
    ['a private address', { url: 'http://10.0.0.1/x' }, [['url', 'blockedTarget', 'TARGET_BLOCKED']]],
    ['no object', { objects: [] }, [['objects', 'noObjects', 'VALIDATION_FAILED']]],
    ['an unknown object', { objects: ['user'] }, [['objects', 'unknownObject', 'VALIDATION_FAILED']]],
    ['an unknown event', { events: ['site.exploded'] }, [['events', 'unknownEvent', 'UNKNOWN_EVENT_TYPE']]],
    [
      'ping, which is never fanned out',
      { events: ['ping'] },
      [['events', 'unknownEvent', 'UNKNOWN_EVENT_TYPE']],
    ],
    [
      'an event of another object',
      { events: ['project.created'] },
      [['events', 'eventNotOfObjects', 'VALIDATION_FAILED']],
    ],
    [
      'more than 100 events',
      { events: Array.from({ length: 101 }, () => 'site.created') },
      [['events', 'tooMany', 'VALIDATION_FAILED']],
    ],
    ['a username alone', { username: 'u' }, [['password', 'missingPair', 'VALIDATION_FAILED']]],
    ['a password alone', { password: 'p' }, [['username', 'missingPair', 'VALIDATION_FAILED']]],
    [
      'a credential over 256 characters',
      { username: 'u'.repeat(257), password: 'p' },
      [['username', 'tooLong', 'VALIDATION_FAILED']],
    ],
  ];
  for (const [name, over, expected] of cases)
    test(name, () => {
      assert.deepEqual(
        hookProblems({ ...ok, ...over }, LOOPBACK).map((p) => [p.field, p.reason, p.code]),
        expected,
      );
    });

  test('an event is not blamed on the objects when the objects are themselves wrong', () => {
    const problems = hookProblems({ ...ok, objects: ['nonsense'], events: ['site.created'] }, LOOPBACK);
    assert.deepEqual(
      problems.map((p) => p.field),
      ['objects'],
    );
  });

  test("the tenant's own event types need no object; built-in events still do", () => {
    const ownTypes = new Set(['invoice.paid']);
    const reasons = (over: Partial<typeof ok>, own = ownTypes) =>
      hookProblems({ ...ok, ...over }, LOOPBACK, { ownTypes: own }).map((p) => p.reason);
    assert.deepEqual(reasons({ objects: [], events: ['invoice.paid'] }), []);
    assert.deepEqual(reasons({ objects: ['site'], events: ['invoice.paid', 'site.created'] }), []);
    assert.deepEqual(reasons({ objects: [], events: ['site.created'] }), ['eventNotOfObjects']);
    assert.deepEqual(reasons({ objects: [], events: ['invoice.paid'] }, new Set()), ['unknownEvent']);
    assert.deepEqual(reasons({ objects: [], events: null }), ['noObjects']);
  });

  test('a password dropped for a new origin is asked for again by name', () => {
    const [p] = hookProblems({ ...ok, username: 'u' }, LOOPBACK, { passwordDropped: true });
    assert.equal(p?.reason, 'passwordForNewOrigin');
    assert.equal(p?.path, '/password');
  });

  test('an origin is scheme, host and port', () => {
    assert.equal(originOf('https://a.example/x?y'), 'https://a.example');
    assert.equal(originOf('https://a.example:443/'), 'https://a.example');
    assert.notEqual(originOf('http://a.example/'), originOf('https://a.example/'));
    assert.notEqual(originOf('http://a.example:8080/'), originOf('http://a.example/'));
    assert.equal(originOf('not a url'), null);
  });
});
