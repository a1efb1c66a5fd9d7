/**
 * The issue tracker's pure parts: the fingerprint, what a complete slot does to the tracked
 * issues (a table of cases), and what a user's accept / reopen does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import {
  issueFingerprint,
  manualTransition,
  slotTransitions,
  type FoundIssue,
  type IssueStatus,
  type TrackedIssue,
} from '../../src/domain/issues.ts';

const HOME = 'http://127.0.0.1:8080/';
const ABOUT = 'http://127.0.0.1:8080/about';

function found(id: string, url = HOME): FoundIssue {
  return {
    issueID: id,
    url,
    tID: 47,
    errorTitle: `issue ${id}`,
    standards: ['1.1.1'],
    xpath: `/html/body/${id}`,
  };
}
function tracked(id: string, status: IssueStatus, url = HOME): TrackedIssue {
  return { ...found(id, url), status, firstSeen: 100, lastSeen: 200, updatedAt: 200 };
}

describe('issueFingerprint', () => {
  test('is the same for the same rule, page and element, whatever the fragment', () => {
    const a = issueFingerprint(47, 'http://127.0.0.1:8080/a#top', 'sig');
    assert.equal(a, issueFingerprint(47, 'http://127.0.0.1:8080/a', 'sig'));
    assert.equal(a, issueFingerprint(47, 'HTTP://127.0.0.1:8080/a', 'sig'));
    assert.match(a, /^[0-9a-f]{32}$/);
  });

  test('differs when the rule, the page, its query or the element differs', () => {
    const base = issueFingerprint(47, 'http://127.0.0.1:8080/a', 'sig');
    for (const other of [
      issueFingerprint(48, 'http://127.0.0.1:8080/a', 'sig'),
      issueFingerprint(47, 'http://127.0.0.1:8080/b', 'sig'),
      issueFingerprint(47, 'http://127.0.0.1:8080/a?page=2', 'sig'),
      issueFingerprint(47, 'http://127.0.0.1:8080/a', 'sig2'),
    ])
      assert.notEqual(other, base);
  });
});

describe('slotTransitions', () => {
  const AT = 1000;
  const cases: Array<{
    name: string;
    current: TrackedIssue[];
    found: FoundIssue[];
    failed?: string[];
    want: Array<[id: string, status: IssueStatus, event: string | null]>;
  }> = [
    { name: 'nothing tracked, nothing found', current: [], found: [], want: [] },
    {
      name: 'a new issue is created open',
      current: [],
      found: [found('a')],
      want: [['a', 'open', 'issue.created']],
    },
    {
      name: 'the same issue twice in a slot counts once',
      current: [],
      found: [found('a'), found('a')],
      want: [['a', 'open', 'issue.created']],
    },
    {
      name: 'an open issue found again stays open, announced nothing',
      current: [tracked('a', 'open')],
      found: [found('a')],
      want: [['a', 'open', null]],
    },
    {
      name: 'an accepted issue found again stays accepted',
      current: [tracked('a', 'accepted')],
      found: [found('a')],
      want: [['a', 'accepted', null]],
    },
    {
      name: 'an open issue not found is fixed',
      current: [tracked('a', 'open')],
      found: [],
      want: [['a', 'fixed', 'issue.deleted']],
    },
    {
      name: 'an accepted issue not found is fixed too',
      current: [tracked('a', 'accepted')],
      found: [],
      want: [['a', 'fixed', 'issue.deleted']],
    },
    {
      name: 'a fixed issue not found is left alone',
      current: [tracked('a', 'fixed')],
      found: [],
      want: [],
    },
    {
      name: 'a fixed issue found again is created again (a regression)',
      current: [tracked('a', 'fixed')],
      found: [found('a')],
      want: [['a', 'open', 'issue.created']],
    },
    {
      name: 'issues on a page whose run failed are left alone',
      current: [tracked('a', 'open', ABOUT), tracked('b', 'open')],
      found: [],
      failed: [ABOUT],
      want: [['b', 'fixed', 'issue.deleted']],
    },
    {
      name: 'one page changed: its old issue is fixed, its new one created, the other page untouched',
      current: [tracked('a', 'open'), tracked('b', 'open', ABOUT)],
      found: [found('c'), found('b', ABOUT)],
      want: [
        ['c', 'open', 'issue.created'],
        ['b', 'open', null],
        ['a', 'fixed', 'issue.deleted'],
      ],
    },
  ];

  for (const c of cases)
    test(c.name, () => {
      const out = slotTransitions(c.current, {
        found: c.found,
        failedPages: new Set(c.failed ?? []),
        at: AT,
      });
      assert.deepEqual(
        out.map((t) => [t.issue.issueID, t.issue.status, t.event]),
        c.want,
      );
    });

  test('firstSeen stays the first time; lastSeen moves to the slot', () => {
    const [again, fresh, regressed] = slotTransitions([tracked('a', 'open'), tracked('r', 'fixed')], {
      found: [found('a'), found('n'), found('r')],
      failedPages: new Set(),
      at: AT,
    });
    assert.deepEqual([again!.issue.firstSeen, again!.issue.lastSeen], [100, AT]);
    assert.deepEqual([fresh!.issue.firstSeen, fresh!.issue.lastSeen], [AT, AT]);
    assert.deepEqual([regressed!.issue.firstSeen, regressed!.issue.lastSeen], [100, AT]);
  });
});

describe('manualTransition', () => {
  const cases: Array<
    [from: IssueStatus, action: 'accept' | 'reopen', to: IssueStatus | null | 'ISSUE_FIXED']
  > = [
    ['open', 'accept', 'accepted'],
    ['accepted', 'accept', null],
    ['accepted', 'reopen', 'open'],
    ['open', 'reopen', null],
    ['fixed', 'accept', 'ISSUE_FIXED'],
    ['fixed', 'reopen', 'ISSUE_FIXED'],
  ];
  for (const [from, action, to] of cases)
    test(`${action} on ${from}: ${to ?? 'nothing changes'}`, () => {
      if (to === 'ISSUE_FIXED') {
        assert.throws(
          () => manualTransition(tracked('a', from), action, 5),
          (e: unknown) => e instanceof HeraldError && e.code === 'ISSUE_FIXED' && e.status === 409,
        );
        return;
      }
      const out = manualTransition(tracked('a', from), action, 5);
      assert.equal(out?.status ?? null, to);
      if (out) assert.equal(out.updatedAt, 5);
    });
});
