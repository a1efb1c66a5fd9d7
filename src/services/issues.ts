/**
 * Issues tracked across a site monitor's slots: listing, accepting and reopening them, the
 * baseline, and applying a complete slot's results. Every change is stored with its issue.*
 * events in one transaction (an outbox), then published with the events' fixed ids and removed
 * from the outbox; `announcePending` publishes what a crash left in the outbox, and publishing twice
 * commits nothing new.
 */
import { randomUUID } from 'node:crypto';
import { HeraldError } from '../domain/errors.ts';
import type { Site } from '../domain/builds.ts';
import {
  issueFingerprint,
  manualTransition,
  pageKey,
  slotTransitions,
  type FoundIssue,
  type IssueAction,
  type IssueEvent,
  type IssueStatus,
  type TrackedIssue,
} from '../domain/issues.ts';
import { reportPageOf } from '../reports/model.ts';
import type { IssueChanges, IssueOutboxEvent } from '../store/issues.ts';
import type { TestRun } from '../store/testruns.ts';
import type { ServiceDeps } from './deps.ts';

/** An issue as the API lists it. */
export const issueView = (i: TrackedIssue) => ({
  issueID: i.issueID,
  url: i.url,
  tID: i.tID,
  errorTitle: i.errorTitle,
  standards: i.standards,
  xpath: i.xpath,
  firstSeen: i.firstSeen,
  lastSeen: i.lastSeen,
  status: i.status,
});

export type SlotApplyOutcome =
  | { applied: true; created: number; deleted: number; seen: number }
  | { applied: false; reason: 'no-runs' | 'incomplete' | 'already-applied' };

/** A slot's runs as findings; null while any page's run is still queued or running. */
export function findingsOf(runs: readonly TestRun[], at: number) {
  if (runs.some((r) => r.status !== 'done' && r.status !== 'failed')) return null;
  const failedPages = new Set<string>();
  const found: FoundIssue[] = [];
  for (const run of runs) {
    const page = reportPageOf(run);
    if (run.status === 'failed') {
      failedPages.add(pageKey(page.url));
      continue;
    }
    for (const i of page.issues)
      found.push({
        issueID: issueFingerprint(i.tID, page.url, i.signature),
        url: page.url,
        tID: i.tID,
        errorTitle: i.errorTitle,
        standards: i.standards,
        xpath: i.xpath,
      });
  }
  return { failedPages, found, at };
}

/** How many outbox events one announcing pass publishes. */
const ANNOUNCE_BATCH = 200;

export class IssueService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  async list(
    tenantId: string,
    siteKey: string,
    opts: { status?: IssueStatus | undefined; limit: number; after?: string | undefined },
  ): Promise<TrackedIssue[]> {
    const site = await this.#site(tenantId, siteKey);
    return this.deps.store.issues.listIssues(tenantId, site.id, opts);
  }

  /** Accepts an open issue or reopens an accepted one (issue.updated); twice changes nothing. */
  async change(
    tenantId: string,
    siteKey: string,
    issueID: string,
    action: IssueAction,
  ): Promise<TrackedIssue> {
    const site = await this.#site(tenantId, siteKey);
    let result: TrackedIssue | null = null;
    await this.#save(site, (current) => {
      const issue = current.find((i) => i.issueID === issueID);
      if (!issue) throw new HeraldError('ISSUE_NOT_FOUND', `No issue ${issueID} on site monitor ${siteKey}`);
      const changed = manualTransition(issue, action, Date.now());
      result = changed ?? issue;
      return changed ? this.#changes(site, [{ issue: changed, event: 'issue.updated' }]) : EMPTY;
    });
    return result!;
  }

  /** Accepts every open issue (issue.updated each), so what is open afterwards is new. */
  async baseline(tenantId: string, siteKey: string): Promise<{ accepted: number }> {
    const site = await this.#site(tenantId, siteKey);
    const now = Date.now();
    const changes = await this.#save(site, (current) =>
      this.#changes(
        site,
        current
          .filter((i) => i.status === 'open')
          .map((i) => ({
            issue: { ...i, status: 'accepted' as const, updatedAt: now },
            event: 'issue.updated' as const,
          })),
      ),
    );
    return { accepted: changes.issues.length };
  }

  /**
   * The entry point for a slot's execute step, once every page of the slot has finished:
   * compares the slot's findings with the tracked issues and stores the changes and their
   * events in one transaction, then announces them. Idempotent: a slot applied before (or
   * older than one applied before) changes and announces nothing.
   */
  async applySlot(tenantId: string, siteKey: string, slot: number): Promise<SlotApplyOutcome> {
    const site = await this.#site(tenantId, siteKey);
    const runs = await this.deps.store.issues.slotRuns(tenantId, siteKey, slot);
    if (runs.length === 0) return { applied: false, reason: 'no-runs' };
    const at = Math.max(...runs.map((r) => r.finishedAt ?? 0));
    const findings = findingsOf(runs, at);
    if (!findings) return { applied: false, reason: 'incomplete' };
    const changes = await this.deps.store.issues.applySlot(tenantId, site.id, slot, Date.now(), (current) =>
      this.#changes(site, slotTransitions(current, findings)),
    );
    if (!changes) return { applied: false, reason: 'already-applied' };
    await this.#announceAfterCommit(site, changes);
    const count = (e: IssueEvent) => changes.events.filter((x) => x.event === e).length;
    return {
      applied: true,
      created: count('issue.created'),
      deleted: count('issue.deleted'),
      seen: findings.found.length,
    };
  }

  /** Publishes the outbox (after a commit, and after a crash between commit and publish). */
  async announcePending(): Promise<number> {
    let total = 0;
    for (;;) {
      const pending = await this.deps.store.issues.pendingEvents(ANNOUNCE_BATCH);
      for (const e of pending)
        await this.deps.publisher.publish(
          e.tenantId,
          [{ event: e.event, data: e.data, eventID: e.eventId }],
          {
            internal: true,
          },
        );
      await this.deps.store.issues.markAnnounced(pending.map((e) => e.eventId));
      total += pending.length;
      if (pending.length < ANNOUNCE_BATCH) return total;
    }
  }

  async #save(site: Site, compute: (current: TrackedIssue[]) => IssueChanges): Promise<IssueChanges> {
    const changes = await this.deps.store.issues.saveChanges(site.tenantId, site.id, compute);
    await this.#announceAfterCommit(site, changes);
    return changes;
  }

  /** The change is committed: a failure to publish is logged, and the outbox keeps the events. */
  async #announceAfterCommit(site: Site, changes: IssueChanges): Promise<void> {
    if (changes.events.length === 0) return;
    await this.announcePending().catch((err: unknown) =>
      this.deps.log.error(
        { err, siteKey: site.siteKey },
        'announcing issue changes failed; the outbox keeps them',
      ),
    );
  }

  #changes(site: Site, transitions: Array<{ issue: TrackedIssue; event: IssueEvent | null }>): IssueChanges {
    const now = Date.now();
    return {
      issues: transitions.map((t) => t.issue),
      events: transitions.flatMap((t): IssueOutboxEvent[] =>
        t.event === null
          ? []
          : [
              {
                eventId: randomUUID(),
                tenantId: site.tenantId,
                event: t.event,
                data: { ...issueView(t.issue), siteKey: site.siteKey, projectID: site.projectID },
                createdAt: now,
              },
            ],
      ),
    };
  }

  async #site(tenantId: string, siteKey: string): Promise<Site> {
    const site = await this.deps.store.builds.getSite(tenantId, siteKey);
    if (!site) throw new HeraldError('SITE_NOT_FOUND', `No site monitor ${siteKey}`);
    return site;
  }
}

const EMPTY: IssueChanges = { issues: [], events: [] };
