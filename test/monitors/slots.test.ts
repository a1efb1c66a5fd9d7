import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_MONITOR,
  describeInterval,
  issueChanges,
  monitorPages,
  nextRunAt,
  slotOf,
  slotResults,
  slotToClaim,
  type MonitorRun,
} from '../../src/domain/monitors.ts';

const MIN = 60_000;

describe('slot arithmetic', () => {
  test('a slot is floor(now / interval) from the epoch', () => {
    const cases: Array<[number, number, number]> = [
      [0, 60, 0],
      [MIN - 1, 60, 0],
      [MIN, 60, 1],
      [10 * MIN + 59_999, 60, 10],
      [7_200_000, 3600, 2],
      [86_400_000 * 3 - 1, 86_400, 2],
    ];
    for (const [now, sec, slot] of cases) assert.equal(slotOf(now, sec), slot, `${now} / ${sec}`);
  });

  test('only the current slot is claimed: none twice, and after downtime the missed ones once', () => {
    const cases: Array<[string, number, number | null, number | null]> = [
      ['never ran', 10 * MIN + 5, null, 10],
      ['ran this slot', 10 * MIN + 5, 10, null],
      ['ran the slot before', 10 * MIN + 5, 9, 10],
      ['down for 50 slots: the latest only', 60 * MIN + 5, 10, 60],
      ['a clock behind the last claim', 9 * MIN, 10, null],
    ];
    for (const [name, now, last, want] of cases) assert.equal(slotToClaim(now, 60, last), want, name);
  });

  test('the next run: now while the slot is open, the next slot start after it ran, none when paused', () => {
    const m = { ...DEFAULT_MONITOR, intervalSec: 60 };
    assert.equal(nextRunAt(10 * MIN + 5, m, 9), 10 * MIN + 5);
    assert.equal(nextRunAt(10 * MIN + 5, m, 10), 11 * MIN);
    assert.equal(nextRunAt(10 * MIN + 5, { ...m, paused: true }, 9), null);
    assert.equal(nextRunAt(10 * MIN + 5, DEFAULT_MONITOR, null), null);
  });

  test('schedules read as people say them', () => {
    const cases: Array<[number | null, string]> = [
      [null, 'not scheduled'],
      [3600, 'hourly'],
      [86_400, 'daily'],
      [300, 'every 5 minutes'],
      [60, 'every minute'],
      [7200, 'every 2 hours'],
      [90, 'every 90 seconds'],
    ];
    for (const [sec, text] of cases) assert.equal(describeInterval(sec), text);
  });

  test('the pages of a run: the site URL, then each path on it, without duplicates', () => {
    assert.deepEqual(monitorPages('http://a.test/app/', ['/b', '/c?x=1', '/b']), [
      'http://a.test/app/',
      'http://a.test/b',
      'http://a.test/c?x=1',
    ]);
  });
});

describe('new and fixed issues', () => {
  const run = (slot: number, url: string, signatures: string[], status = 'done'): MonitorRun => ({
    responseID: `${slot}${url}`,
    url,
    slot,
    startedAt: slot * 1000,
    status,
    errors: signatures.length,
    warnings: 0,
    issues: signatures.map((signature) => ({ signature, errorTitle: `t ${signature}`, xpath: '/html' })),
  });

  test('by page and signature, the latest finished slot against the one before it', () => {
    const results = slotResults([
      run(3, 'http://a/', ['s9'], 'running'),
      run(2, 'http://a/', ['s1', 's3']),
      run(2, 'http://a/b', ['s1']),
      run(1, 'http://a/', ['s1', 's2']),
      run(1, 'http://a/b', []),
    ]);
    assert.deepEqual(
      results.map((r) => [r.slot, r.errors, r.done]),
      [
        [3, 1, false],
        [2, 3, true],
        [1, 2, true],
      ],
    );
    const { latest, previous, added, fixed } = issueChanges(results);
    assert.equal(latest?.slot, 2);
    assert.equal(previous?.slot, 1);
    assert.deepEqual(
      added.map((i) => `${i.url} ${i.signature}`),
      ['http://a/ s3', 'http://a/b s1'],
    );
    assert.deepEqual(
      fixed.map((i) => `${i.url} ${i.signature}`),
      ['http://a/ s2'],
    );
  });

  test('with fewer than two finished slots nothing is new or fixed', () => {
    assert.deepEqual(issueChanges(slotResults([run(1, 'http://a/', ['s1'])])).added, []);
    assert.deepEqual(issueChanges([]).latest, null);
  });
});
