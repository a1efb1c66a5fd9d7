import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  admit,
  handoverFits,
  hookMaxHeld,
  planClaim,
  roomToClaim,
  tenantInClaim,
  tenantMaxHeld,
  type Candidate,
  type Holding,
  type Limits,
} from '../../src/delivery/admission.ts';

// batchSize 10: the worker holds at most 40, a tenant 30, a hook beside others max(4, 15) = 15.
const L: Limits = { batchSize: 10, hookMaxInFlight: 4, maxHeldBytes: 1000 };

/** A holding from `{ tenant: { hook: held } }` and the bytes held. */
function holding(by: Record<string, Record<string, number>>, heldBytes = 0): Holding {
  const tenantOf = new Map<string, string>();
  for (const [t, hooks] of Object.entries(by)) for (const k of Object.keys(hooks)) tenantOf.set(k, t);
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return {
    held: Object.values(by).reduce((n, hooks) => n + sum(hooks), 0),
    heldBytes,
    heldBy: (t) => sum(by[t] ?? {}),
    heldByKey: (k) => by[tenantOf.get(k) ?? '']?.[k] ?? 0,
    othersHolding: (k, t = tenantOf.get(k)) =>
      t !== undefined && Object.keys(by[t] ?? {}).some((other) => other !== k),
    holding: () => Object.entries(by).map(([t, hooks]) => [t, sum(hooks)] as [string, number]),
    holdingByKey: () => Object.values(by).flatMap((hooks) => Object.entries(hooks)),
  };
}

const candidate = (c: Partial<Candidate> = {}): Candidate => ({
  tenant: 't1',
  key: 'hook_a',
  toHook: true,
  cost: 10,
  held: false,
  stale: false,
  breakerUntil: null,
  ...c,
});

describe('admission: shares', () => {
  test('a tenant holds ¾ of the worker; a hook beside others half of that', () => {
    assert.equal(tenantMaxHeld(L), 30);
    assert.equal(hookMaxHeld(L, holding({ t1: { hook_a: 5 } }), 'hook_a'), 30, 'alone in its tenant');
    assert.equal(hookMaxHeld(L, holding({ t1: { hook_a: 5, hook_b: 1 } }), 'hook_a'), 15);
    assert.equal(hookMaxHeld(L, holding({}), 'hook_a', 't1', true), 15, 'a handover of several hooks');
    assert.equal(hookMaxHeld({ ...L, hookMaxInFlight: 20 }, holding({ t1: { a: 1, b: 1 } }), 'a'), 20);
  });
});

describe('admission: each claimed delivery', () => {
  const cases: Array<[string, Holding, Partial<Candidate>, string]> = [
    ['room everywhere', holding({}), {}, 'hold'],
    ['held already (its lease lapsed and came back)', holding({}), { held: true, stale: true }, 'skip'],
    ['its hook changed after the read', holding({}), { stale: true, breakerUntil: 5 }, 'hook-changed'],
    ['its breaker is open', holding({}), { breakerUntil: 5 }, 'breaker-open'],
    ['its tenant holds its share', holding({ t1: { hook_b: 30 } }), { key: 'hook_c' }, 'over-tenant-share'],
    ['another tenant at its share does not matter', holding({ t2: { hook_b: 30 } }), {}, 'hold'],
    [
      'its hook, beside another, holds half the share',
      holding({ t1: { hook_a: 15, hook_b: 1 } }),
      {},
      'over-hook-share',
    ],
    ['a hook alone may hold the whole share', holding({ t1: { hook_a: 15 } }), {}, 'hold'],
    [
      'a one-off target has no hook share',
      holding({ t1: { o: 15, hook_b: 1 } }),
      { key: 'o', toHook: false },
      'hold',
    ],
    ['its event would pass the byte cap', holding({ t2: { hook_x: 1 } }, 995), {}, 'over-bytes'],
    ['one event always fits when nothing is held', holding({}, 0), { cost: 5000 }, 'hold'],
    [
      'its event is held already: it costs nothing',
      holding({ t2: { hook_x: 1 } }, 1000),
      { cost: 0 },
      'hold',
    ],
  ];
  for (const [name, h, c, expected] of cases)
    test(name, () => assert.equal(admit(L, h, candidate(c)), expected));
});

describe('admission: claims', () => {
  const cases: Array<
    [string, Holding, number, { limit: number; excludeTenants: string[]; excludeHooks: string[] }]
  > = [
    ['nothing held: a full batch', holding({}), 0, { limit: 10, excludeTenants: [], excludeHooks: [] }],
    [
      'a tenant with less than a batch of room sizes the claim to its room',
      holding({ t1: { hook_a: 21 }, t2: { hook_b: 2 } }),
      0,
      { limit: 9, excludeTenants: [], excludeHooks: [] },
    ],
    [
      'a tenant with less room than a worthwhile claim is left out (and its hook, alone in it)',
      holding({ t1: { hook_a: 29 }, t2: { hook_b: 2 } }),
      0,
      { limit: 9, excludeTenants: ['t1'], excludeHooks: ['hook_a'] },
    ],
    [
      'a hook beside others sizes the claim to the room left of its share',
      holding({ t1: { hook_a: 6, hook_b: 1 } }),
      0,
      { limit: 9, excludeTenants: [], excludeHooks: [] },
    ],
    [
      'a hook beside others with less room than a worthwhile claim is left out',
      holding({ t1: { hook_a: 14, hook_b: 1 } }),
      0,
      { limit: 10, excludeTenants: [], excludeHooks: ['hook_a'] },
    ],
    [
      'the room left bounds the claim',
      holding({ t1: { hook_a: 20 }, t2: { hook_b: 14 } }),
      0,
      {
        limit: 6,
        excludeTenants: [],
        excludeHooks: [],
      },
    ],
    [
      'the bytes a row cost last time bound it',
      holding({ t1: { hook_a: 1 } }, 900),
      25,
      {
        limit: 4,
        excludeTenants: [],
        excludeHooks: [],
      },
    ],
    [
      'full: claim nothing',
      holding({ t1: { hook_a: 20 }, t2: { hook_b: 20 } }),
      0,
      {
        limit: 0,
        excludeTenants: [],
        excludeHooks: [],
      },
    ],
  ];
  for (const [name, h, bytesPerClaimed, expected] of cases)
    test(name, () => assert.deepEqual(planClaim(L, h, bytesPerClaimed), expected));

  test('a finished delivery wakes a claim only when that claim would not leave its tenant and hook out', () => {
    assert.equal(roomToClaim(L, holding({ t1: { hook_a: 9 } }), 't1', 'hook_a'), true, 'under a batch');
    assert.equal(roomToClaim(L, holding({ t1: { hook_a: 20 } }), 't1', 'hook_a'), true);
    assert.equal(
      roomToClaim(L, holding({ t1: { hook_a: 21 } }), 't1', 'hook_a'),
      true,
      'room for a smaller claim',
    );
    assert.equal(roomToClaim(L, holding({ t1: { hook_a: 29 } }), 't1', 'hook_a'), false, 'tenant share');
    assert.equal(
      roomToClaim(L, holding({ t1: { hook_a: 14, hook_b: 4 } }), 't1', 'hook_a'),
      false,
      'hook share',
    );
  });

  test('new due work of a tenant wakes a claim only when the claim would take it', () => {
    assert.equal(tenantInClaim(L, holding({ t1: { hook_a: 20 } }), 't1'), true);
    assert.equal(
      tenantInClaim(L, holding({ t1: { hook_a: 21 } }), 't1'),
      true,
      'less than a batch from its share',
    );
    assert.equal(
      tenantInClaim(L, holding({ t1: { hook_a: 29 } }), 't1'),
      false,
      'a worthwhile claim from its share',
    );
    assert.equal(tenantInClaim(L, holding({ t1: { hook_a: 21 } }), 't2'), true, 'another tenant');
    assert.equal(tenantInClaim(L, holding({ t1: { hook_a: 20 }, t2: { hook_b: 20 } }), 't3'), false, 'full');
  });
});

describe('admission: the publisher’s handover', () => {
  const cases: Array<[string, Holding, number, number, string | undefined, Record<string, number>, boolean]> =
    [
      ['room', holding({}), 10, 100, 't1', { hook_a: 10 }, true],
      ['past what the worker holds', holding({ t2: { hook_b: 35 } }), 6, 0, 't1', {}, false],
      ['past the byte cap', holding({}, 950), 1, 60, 't1', {}, false],
      ['past the tenant’s share', holding({ t1: { hook_a: 25 } }), 6, 0, 't1', {}, false],
      [
        'several hooks: each at most half the share',
        holding({}),
        20,
        0,
        't1',
        { hook_a: 16, hook_b: 4 },
        false,
      ],
      ['one hook alone: the whole share', holding({}), 20, 0, 't1', { hook_a: 20 }, true],
      ['tenants mixed: no tenant share applies', holding({ t1: { hook_a: 25 } }), 6, 0, undefined, {}, true],
    ];
  for (const [name, h, n, bytes, tenant, perHook, expected] of cases)
    test(name, () =>
      assert.equal(handoverFits(L, h, n, bytes, tenant, new Map(Object.entries(perHook))), expected),
    );
});
