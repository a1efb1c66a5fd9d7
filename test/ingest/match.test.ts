import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hookMatcher, hookMatches, matchingHooks } from '../../src/ingest/match.ts';

/** Fan-out matching, as a table: (hook objects, hook events, event type) → receives it. */
const cases: Array<[string[], string[] | null, string, boolean]> = [
  [['site'], null, 'site.created', true],
  [['site'], [], 'site.created', true],
  [['site'], null, 'project.created', false],
  [['site'], ['site.deleted'], 'site.created', false],
  [['site', 'project'], ['site.deleted', 'project.created'], 'project.created', true],
  // A tenant's own type reaches only hooks that name it; objects do not matter.
  [[], ['invoice.paid'], 'invoice.paid', true],
  [['site'], ['invoice.paid'], 'site.created', false],
  [['site'], null, 'invoice.paid', false],
  [['site'], ['site.created', 'invoice.paid'], 'invoice.paid', true],
  // ping goes only to the hook it was sent to, never through fan-out.
  [['site'], null, 'ping', false],
];

for (const [objects, events, type, expected] of cases)
  test(`objects ${JSON.stringify(objects)}, events ${JSON.stringify(events)}: ${type} → ${expected}`, () => {
    assert.equal(hookMatches({ enabled: true, objects, events }, type), expected);
  });

test('a disabled hook matches nothing', () => {
  assert.equal(hookMatches({ enabled: false, objects: ['site'], events: null }, 'site.created'), false);
});

test('the matcher of a call answers as matchingHooks, once per event type', () => {
  const hooks = cases.map(([objects, events], i) => ({ id: `h${i}`, enabled: i % 5 !== 4, objects, events }));
  const targetsOf = hookMatcher(hooks);
  for (const type of ['site.created', 'project.created', 'invoice.paid', 'ping', 'site.created'])
    assert.deepEqual(targetsOf(type), matchingHooks(hooks, type), type);
  assert.equal(targetsOf('site.created'), targetsOf('site.created'), 'the same list for the same type');
});
