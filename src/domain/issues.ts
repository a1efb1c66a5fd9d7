/**
 * Issues tracked across a site monitor's slots. An issue is identified by a fingerprint of the
 * rule (Tenon `tID`), the page and the element's signature, so the same problem on the same
 * element of the same page is one issue however many slots find it. What a slot changes is one
 * pure function (`slotTransitions`); what a user changes is another (`manualTransition`).
 */
import { createHash } from 'node:crypto';
import { HeraldError } from './errors.ts';

export type IssueStatus = 'open' | 'fixed' | 'accepted';
export const ISSUE_STATUSES: readonly IssueStatus[] = ['open', 'fixed', 'accepted'];

/** What a slot's run found: one issue on one page. */
export interface FoundIssue {
  issueID: string;
  url: string;
  tID: number;
  errorTitle: string;
  standards: string[];
  xpath: string;
}

export interface TrackedIssue extends FoundIssue {
  status: IssueStatus;
  firstSeen: number;
  lastSeen: number;
  updatedAt: number;
}

/**
 * The page part of a fingerprint: the URL without its fragment (a fragment is the same
 * document), with the parser's normal form (host case, default port, percent-encoding).
 */
export function pageKey(url: string): string {
  const u = URL.parse(url);
  if (!u) return url;
  u.hash = '';
  return u.toString();
}

/** Stable across slots and processes: 32 hex characters of sha256(tID, page, signature). */
export function issueFingerprint(tID: number, url: string, signature: string): string {
  return createHash('sha256')
    .update(`${tID}\n${pageKey(url)}\n${signature}`)
    .digest('hex')
    .slice(0, 32);
}

/** One slot's findings, every page of it. */
export interface SlotFindings {
  /** Pages whose run finished but could not test the page: their issues are left as they are. */
  failedPages: ReadonlySet<string>;
  found: readonly FoundIssue[];
  /** When the slot's pages were tested (firstSeen / lastSeen of what it finds). */
  at: number;
}

export type IssueEvent = 'issue.created' | 'issue.updated' | 'issue.deleted';

export interface IssueTransition {
  issue: TrackedIssue;
  /** Null: only lastSeen and the descriptive fields changed, nothing to announce. */
  event: IssueEvent | null;
}

/**
 * What a complete slot does to the tracked issues:
 * - found, never seen (or fixed before): open, `issue.created` (firstSeen stays the first time);
 * - found, open or accepted: keeps its status, lastSeen moves, nothing announced;
 * - open or accepted, not found, its page tested (or no longer in the slot): fixed, `issue.deleted`;
 * - on a page whose run failed: unchanged (an untested page fixes nothing);
 * - fixed and not found: unchanged.
 * Only changed issues are returned.
 */
export function slotTransitions(current: readonly TrackedIssue[], findings: SlotFindings): IssueTransition[] {
  const byId = new Map(current.map((i) => [i.issueID, i]));
  const foundIds = new Set<string>();
  const out: IssueTransition[] = [];
  const at = findings.at;
  for (const f of findings.found) {
    if (foundIds.has(f.issueID)) continue;
    foundIds.add(f.issueID);
    const was = byId.get(f.issueID);
    if (!was) {
      out.push({
        issue: { ...f, status: 'open', firstSeen: at, lastSeen: at, updatedAt: at },
        event: 'issue.created',
      });
    } else if (was.status === 'fixed') {
      out.push({
        issue: { ...was, ...f, status: 'open', lastSeen: at, updatedAt: at },
        event: 'issue.created',
      });
    } else {
      out.push({ issue: { ...was, ...f, lastSeen: Math.max(was.lastSeen, at) }, event: null });
    }
  }
  for (const was of current) {
    if (foundIds.has(was.issueID) || was.status === 'fixed') continue;
    if (findings.failedPages.has(pageKey(was.url))) continue;
    out.push({ issue: { ...was, status: 'fixed', updatedAt: at }, event: 'issue.deleted' });
  }
  return out;
}

export type IssueAction = 'accept' | 'reopen';

/**
 * A user's change: accept an open issue, reopen an accepted one. Doing it twice changes
 * nothing (null: nothing to store or announce); a fixed issue is neither accepted nor reopened.
 */
export function manualTransition(issue: TrackedIssue, action: IssueAction, now: number): TrackedIssue | null {
  const to: IssueStatus = action === 'accept' ? 'accepted' : 'open';
  if (issue.status === to) return null;
  if (issue.status === 'fixed')
    throw new HeraldError('ISSUE_FIXED', `Issue ${issue.issueID} is fixed: there is nothing to ${action}`);
  return { ...issue, status: to, updatedAt: now };
}
