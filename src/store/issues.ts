/**
 * Storage of the issues site monitors track across slots (migration 013): the issues, the slots
 * already applied, and the outbox of issue.* events. Implemented once over the SQL seam
 * (ops/issues/); test/issues/store-conformance.ts runs one suite against SQLite and PostgreSQL.
 */
import type { IssueEvent, IssueStatus, TrackedIssue } from '../domain/issues.ts';
import type { TestRun } from './testruns.ts';

/** An issue.* event as stored in the outbox, published after the transaction commits. */
export interface IssueOutboxEvent {
  eventId: string;
  tenantId: string;
  event: IssueEvent;
  data: Record<string, unknown>;
  createdAt: number;
}

/** What one transaction writes: the changed issues and the events they announce. */
export interface IssueChanges {
  issues: TrackedIssue[];
  events: IssueOutboxEvent[];
}

export interface IssueStore {
  listIssues(
    tenantId: string,
    siteId: string,
    opts: { status?: IssueStatus | undefined; limit: number; after?: string | undefined },
  ): Promise<TrackedIssue[]>;
  getIssue(tenantId: string, siteId: string, issueID: string): Promise<TrackedIssue | null>;
  /**
   * Applies one slot in one transaction: `compute` is called with the site's tracked issues
   * (read under the site's row lock) and returns what to write. Nothing is written (and null
   * answered) when the slot was applied before or a newer slot already was.
   */
  applySlot(
    tenantId: string,
    siteId: string,
    slot: number,
    now: number,
    compute: (current: TrackedIssue[]) => IssueChanges,
  ): Promise<IssueChanges | null>;
  /** Writes changed issues and their events in one transaction (accept, reopen, baseline). */
  saveChanges(
    tenantId: string,
    siteId: string,
    compute: (current: TrackedIssue[]) => IssueChanges,
  ): Promise<IssueChanges>;
  /** Outbox events not announced yet, oldest first. */
  pendingEvents(limit: number): Promise<IssueOutboxEvent[]>;
  /** Published: removes them from the outbox. */
  markAnnounced(eventIds: readonly string[]): Promise<void>;
  /** The test runs a monitor slot made, one per page. */
  slotRuns(tenantId: string, siteKey: string, slot: number): Promise<TestRun[]>;
}
