import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FairScheduler, type SchedulerLimits } from '../../src/delivery/scheduler.ts';

interface Case {
  name: string;
  limits: Partial<SchedulerLimits> & { keyCaps?: Record<string, number> };
  /** tenant/key/count, added in this order */
  add: Array<[string, string, number]>;
  /** Starts (nothing finishes): the tenant/key of each start, in order. */
  expect: string[];
}

function scheduler(l: Case['limits']): FairScheduler<number> {
  return new FairScheduler<number>({
    globalCap: l.globalCap ?? 100,
    tenantCap: l.tenantCap ?? 100,
    keyCap: l.keyCap ?? ((key) => l.keyCaps?.[key] ?? 100),
  });
}

function startAll(s: FairScheduler<number>): string[] {
  const out: string[] = [];
  for (let p = s.next(); p; p = s.next()) out.push(`${p.tenant}/${p.key}`);
  return out;
}

const CASES: Case[] = [
  {
    name: 'tenants take turns, whatever their backlog',
    limits: { globalCap: 6 },
    add: [
      ['A', 'a1', 10],
      ['B', 'b1', 10],
    ],
    expect: ['A/a1', 'B/b1', 'A/a1', 'B/b1', 'A/a1', 'B/b1'],
  },
  {
    name: 'a tenant with many hooks gets no more turns than a tenant with one',
    limits: { globalCap: 6 },
    add: [
      ['A', 'a1', 5],
      ['A', 'a2', 5],
      ['A', 'a3', 5],
      ['B', 'b1', 5],
    ],
    expect: ['A/a1', 'B/b1', 'A/a2', 'B/b1', 'A/a3', 'B/b1'],
  },
  {
    name: 'the tenant cap leaves slots for a tenant that arrives later',
    limits: { globalCap: 8, tenantCap: 6 },
    add: [['A', 'a1', 20]],
    expect: ['A/a1', 'A/a1', 'A/a1', 'A/a1', 'A/a1', 'A/a1'],
  },
  {
    name: 'the per-key cap stops one hook; the tenant’s other hooks go on',
    limits: { globalCap: 10, keyCaps: { a1: 2 } },
    add: [
      ['A', 'a1', 5],
      ['A', 'a2', 3],
    ],
    expect: ['A/a1', 'A/a2', 'A/a1', 'A/a2', 'A/a2'],
  },
  {
    name: 'a key at cap 0 (breaker open) starts nothing',
    limits: { keyCaps: { a1: 0 } },
    add: [
      ['A', 'a1', 3],
      ['B', 'b1', 1],
    ],
    expect: ['B/b1'],
  },
  {
    name: 'the global cap bounds everything',
    limits: { globalCap: 3 },
    add: [
      ['A', 'a1', 5],
      ['B', 'b1', 5],
      ['C', 'c1', 5],
      ['D', 'd1', 5],
    ],
    expect: ['A/a1', 'B/b1', 'C/c1'],
  },
];

describe('FairScheduler', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const s = scheduler(c.limits);
      let n = 0;
      for (const [tenant, key, count] of c.add) for (let i = 0; i < count; i++) s.add(tenant, key, n++);
      assert.deepEqual(startAll(s), c.expect);
    });
  }

  test('a finished request frees its slot for the next tenant in turn', () => {
    const s = scheduler({ globalCap: 2 });
    for (let i = 0; i < 3; i++) s.add('A', 'a1', i);
    for (let i = 0; i < 3; i++) s.add('B', 'b1', i);
    assert.deepEqual(startAll(s), ['A/a1', 'B/b1']);
    s.finished('A', 'a1');
    assert.deepEqual(startAll(s), ['A/a1']);
    s.finished('B', 'b1');
    assert.deepEqual(startAll(s), ['B/b1']);
    assert.equal(s.inFlight, 2);
    assert.equal(s.waiting, 2);
  });

  test('items of one key go out in the order they came', () => {
    const s = scheduler({});
    for (let i = 0; i < 5; i++) s.add('A', 'a1', i);
    const order: number[] = [];
    for (let p = s.next(); p; p = s.next()) order.push(p.item);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  });

  test('remove takes out what waits for a key, not what is in flight', () => {
    const s = scheduler({ keyCaps: { a1: 1 } });
    for (let i = 0; i < 4; i++) s.add('A', 'a1', i);
    s.add('A', 'a2', 9);
    assert.deepEqual(startAll(s), ['A/a1', 'A/a2']);
    assert.deepEqual(s.remove('a1'), [1, 2, 3]);
    assert.equal(s.waiting, 0);
    assert.equal(s.heldBy('A'), 2);
    s.finished('A', 'a1');
    s.finished('A', 'a2');
    assert.equal(s.heldBy('A'), 0);
    assert.equal(s.inFlight, 0);
    assert.deepEqual(s.remove('a1'), []);
  });

  test('removeAll empties every queue', () => {
    const s = scheduler({ globalCap: 1 });
    s.add('A', 'a1', 1);
    s.add('B', 'b1', 2);
    s.add('B', 'b2', 3);
    startAll(s);
    assert.deepEqual(s.removeAll().sort(), [2, 3]);
    assert.equal(s.next(), null);
  });

  test('a deep queue stays first in, first out across compaction', () => {
    const s = scheduler({ globalCap: 10_000, tenantCap: 10_000, keyCap: () => 10_000 });
    for (let i = 0; i < 5000; i++) s.add('A', 'a1', i);
    const order: number[] = [];
    for (let p = s.next(); p; p = s.next()) order.push(p.item);
    assert.equal(order.length, 5000);
    assert.ok(order.every((v, i) => v === i));
  });
});
