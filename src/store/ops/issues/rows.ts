import type { IssueStatus, TrackedIssue } from '../../../domain/issues.ts';
import type { IssueOutboxEvent } from '../../issues.ts';
import type { AnyRow } from '../../shared/rows.ts';

export const ISSUE_COLUMNS = [
  'site_id',
  'issue_id',
  'tenant_id',
  'url',
  't_id',
  'error_title',
  'standards',
  'xpath',
  'status',
  'first_seen',
  'last_seen',
  'updated_at',
] as const;

export const issueValues = (tenantId: string, siteId: string, i: TrackedIssue): unknown[] => [
  siteId,
  i.issueID,
  tenantId,
  i.url,
  i.tID,
  i.errorTitle,
  JSON.stringify(i.standards),
  i.xpath,
  i.status,
  i.firstSeen,
  i.lastSeen,
  i.updatedAt,
];

export const issueFromRow = (r: AnyRow): TrackedIssue => ({
  issueID: String(r['issue_id']),
  url: String(r['url']),
  tID: Number(r['t_id']),
  errorTitle: String(r['error_title']),
  standards: JSON.parse(String(r['standards'])) as string[],
  xpath: String(r['xpath']),
  status: String(r['status']) as IssueStatus,
  firstSeen: Number(r['first_seen']),
  lastSeen: Number(r['last_seen']),
  updatedAt: Number(r['updated_at']),
});

export const outboxFromRow = (r: AnyRow): IssueOutboxEvent => ({
  eventId: String(r['event_id']),
  tenantId: String(r['tenant_id']),
  event: String(r['event']) as IssueOutboxEvent['event'],
  data: JSON.parse(String(r['data'])) as Record<string, unknown>,
  createdAt: Number(r['created_at']),
});
