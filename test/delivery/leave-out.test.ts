import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClaimPlan } from '../../src/delivery/admission.ts';
import { LEAVE_OUT_RESCAN, LeaveOutGate } from '../../src/delivery/leave-out.ts';

const POLL = 1000;
const plan = (excludeTenants: string[] = [], excludeHooks: string[] = []): ClaimPlan => ({
  limit: 256,
  excludeTenants,
  excludeHooks,
});

test('a claim that leaves no one out is always made', () => {
  const g = new LeaveOutGate(POLL);
  g.started(0);
  for (let i = 0; i < 3; i++) assert.equal(g.claim(plan(), i), true);
});

test('a claim that leaves someone out: made after a signal, not after room freed for whom it leaves out', () => {
  const cases: Array<{ name: string; before: (g: LeaveOutGate) => void; at: number; made: boolean }> = [
    { name: 'nothing since the last claim', before: () => {}, at: 10, made: false },
    { name: 'a wake that may bring work', before: (g) => g.signalled(), at: 10, made: true },
    {
      name: 'room freed for the tenant it leaves out',
      before: (g) => g.roomFreed('hook_a', 'ten_a'),
      at: 10,
      made: false,
    },
    {
      name: 'room freed for the hook it leaves out',
      before: (g) => g.roomFreed('hook_b', 'ten_b'),
      at: 10,
      made: false,
    },
    {
      name: 'room freed for a tenant and hook it takes',
      before: (g) => g.roomFreed('hook_c', 'ten_c'),
      at: 10,
      made: true,
    },
    {
      name: 'the rescan, LEAVE_OUT_RESCAN polls later',
      before: () => {},
      at: POLL * LEAVE_OUT_RESCAN,
      made: true,
    },
  ];
  for (const c of cases) {
    const g = new LeaveOutGate(POLL);
    g.started(0);
    // The first claim after the start is made (anything may be due), and counts as made.
    assert.equal(g.claim(plan(['ten_a'], ['hook_b']), 0), true, c.name);
    c.before(g);
    assert.equal(g.claim(plan(['ten_a'], ['hook_b']), c.at), c.made, c.name);
  }
});

test('a claim made clears what was signalled', () => {
  const g = new LeaveOutGate(POLL);
  g.started(0);
  g.signalled();
  g.roomFreed('hook_c', 'ten_c');
  assert.equal(g.claim(plan(['ten_a']), 1), true);
  assert.equal(g.claim(plan(['ten_a']), 2), false);
});
