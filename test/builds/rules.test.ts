import type { TraceId } from '../../src/domain/ids.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changeKeyOf, outcomesChanged, outcomesOf, shouldReport } from '../../src/builds/rules.ts';
import type { ReporterWhen } from '../../src/domain/builds.ts';

describe('reporter rules', () => {
  const table: Array<[ReporterWhen, boolean, boolean, boolean]> = [
    // when, stable, changed → sends
    ['always', true, false, true],
    ['always', false, true, true],
    ['always', true, true, true],
    ['always', false, false, true],
    ['fails', true, false, false],
    ['fails', true, true, false],
    ['fails', false, false, true],
    ['fails', false, true, true],
    ['changes', true, false, false],
    ['changes', false, false, false],
    ['changes', true, true, true],
    ['changes', false, true, true],
  ];
  for (const [when, stable, changed, sends] of table)
    test(`when "${when}" on a ${stable ? 'stable' : 'unstable'}, ${changed ? 'changed' : 'unchanged'} build ${sends ? 'sends' : 'does not send'}`, () => {
      assert.equal(shouldReport(when, { stable, changed }), sends);
    });

  const o = (...pairs: Array<[string, string, 'passed' | 'failed']>) =>
    outcomesOf(
      pairs.map(([traceId, browser, status]) => ({
        traceId: traceId as TraceId,
        browser: browser as 'chrome',
        status,
      })),
    );

  const changes: Array<[string, ReturnType<typeof o> | null, ReturnType<typeof o>, boolean]> = [
    ['the first build (nothing to compare with)', null, o(['t1', 'chrome', 'passed']), true],
    [
      'the same outcomes',
      o(['t1', 'chrome', 'passed'], ['t1', 'firefox', 'failed']),
      o(['t1', 'firefox', 'failed'], ['t1', 'chrome', 'passed']),
      false,
    ],
    ['a pass becomes a failure', o(['t1', 'chrome', 'passed']), o(['t1', 'chrome', 'failed']), true],
    ['a failure becomes a pass', o(['t1', 'chrome', 'failed']), o(['t1', 'chrome', 'passed']), true],
    [
      'one browser of one trace changes',
      o(['t1', 'chrome', 'passed'], ['t1', 'firefox', 'passed']),
      o(['t1', 'chrome', 'passed'], ['t1', 'firefox', 'failed']),
      true,
    ],
    [
      'a trace is added',
      o(['t1', 'chrome', 'passed']),
      o(['t1', 'chrome', 'passed'], ['t2', 'chrome', 'passed']),
      true,
    ],
    [
      'a browser is dropped',
      o(['t1', 'chrome', 'passed'], ['t1', 'firefox', 'passed']),
      o(['t1', 'chrome', 'passed']),
      true,
    ],
    [
      'a trace is replaced by another with the same result',
      o(['t1', 'chrome', 'passed']),
      o(['t2', 'chrome', 'passed']),
      true,
    ],
  ];
  for (const [what, previous, current, changed] of changes)
    test(`changes: ${what} → ${changed ? 'changed' : 'unchanged'}`, () => {
      assert.equal(outcomesChanged(previous, current), changed);
    });

  test('builds are compared per trace, or per project and set of tags (order and repeats do not matter)', () => {
    assert.equal(changeKeyOf({ traceId: 'trc_1' }), 'trace:trc_1');
    assert.equal(
      changeKeyOf({ projectID: 'p', tags: ['smoke', 'login', 'smoke'] }),
      changeKeyOf({ projectID: 'p', tags: ['login', 'smoke'] }),
    );
    assert.notEqual(
      changeKeyOf({ projectID: 'p', tags: ['smoke'] }),
      changeKeyOf({ projectID: 'p', tags: [] }),
    );
    assert.notEqual(changeKeyOf({ projectID: 'p', tags: [] }), changeKeyOf({ projectID: 'q', tags: [] }));
  });
});
