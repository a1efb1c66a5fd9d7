/**
 * The monitor page's tracked issues: a list by status (open, accepted, fixed) with an Accept or
 * Reopen button on each, and the baseline button that accepts every open issue. Each button is
 * a small form (POST, CSRF token, then back to the page with a message), so everything works
 * from the keyboard and without script.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { HeraldError } from '../../domain/errors.ts';
import { ISSUE_STATUSES, type IssueStatus, type TrackedIssue } from '../../domain/issues.ts';
import { badge, plural, time, type Tone } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, type View } from '../layout.ts';
import { redirectWith, userOf } from '../render.ts';
import { orNotFound } from './not-found.ts';

export interface TrackedIssues {
  status: IssueStatus;
  issues: TrackedIssue[];
}

const TONE: Record<IssueStatus, Tone> = { open: 'bad', accepted: 'off', fixed: 'ok' };
/** Issues shown per status on the page (the API pages through all of them). */
export const ISSUES_SHOWN = 200;

/** `?issues=accepted` picks the list shown; anything else shows the open ones. */
export function issueStatusOf(raw: unknown): IssueStatus {
  return (ISSUE_STATUSES as readonly unknown[]).includes(raw) ? (raw as IssueStatus) : 'open';
}

function actionButton(v: View, siteKey: string, i: TrackedIssue): SafeHtml {
  if (i.status === 'fixed') return html`<span class="muted">–</span>`;
  const action = i.status === 'open' ? 'accept' : 'reopen';
  return html`<form method="post" action="/sites/${siteKey}/issues/${i.issueID}/${action}">
    ${csrfInput(v)}<button
      type="submit"
      class="button secondary"
      aria-label="${action === 'accept' ? 'Accept' : 'Reopen'}: ${i.errorTitle} on ${i.url}"
    >
      ${action === 'accept' ? 'Accept' : 'Reopen'}
    </button>
  </form>`;
}

export function trackedIssuesSection(v: View, siteKey: string, t: TrackedIssues): SafeHtml {
  const tabs = ISSUE_STATUSES.map((s) =>
    s === t.status
      ? html`<li><a href="/sites/${siteKey}?issues=${s}#issues-title" aria-current="page">${s}</a></li>`
      : html`<li><a href="/sites/${siteKey}?issues=${s}#issues-title">${s}</a></li>`,
  );
  const table =
    t.issues.length === 0
      ? html`<p class="muted">No ${t.status} issues.</p>`
      : html`<table class="data">
          <caption class="visually-hidden">
            ${t.status} issues
          </caption>
          <thead>
            <tr>
              <th scope="col">Issue</th>
              <th scope="col">Page and element</th>
              <th scope="col">First seen</th>
              <th scope="col">Last seen</th>
              <th scope="col">Status</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            ${t.issues.map(
              (i) =>
                html`<tr>
                  <td>${i.errorTitle} <span class="muted">(tID ${i.tID})</span></td>
                  <td><code>${i.url}</code><br /><code>${i.xpath}</code></td>
                  <td>${time(i.firstSeen)}</td>
                  <td>${time(i.lastSeen)}</td>
                  <td>${badge(i.status, TONE[i.status])}</td>
                  <td>${actionButton(v, siteKey, i)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`;
  return html`<section aria-labelledby="issues-title">
    <h2 id="issues-title">Tracked issues</h2>
    <p>
      Issues are tracked across runs by rule, page and element. Accept what you will not fix now; the baseline
      accepts every open issue, so that what is open afterwards is new.
    </p>
    <form method="post" action="/sites/${siteKey}/baseline">
      ${csrfInput(v)}<button type="submit" class="button">Set the baseline: accept all open issues</button>
    </form>
    <nav aria-label="Issues by status">
      <ul class="tabs">
        ${tabs}
      </ul>
    </nav>
    ${table}
  </section>`;
}

type IssueReq = FastifyRequest<{ Params: { siteKey: string; issueID: string } }>;

export function monitorIssueRoutes(web: FastifyInstance, ctx: AppContext): void {
  web.post(
    '/sites/:siteKey/baseline',
    async (req: FastifyRequest<{ Params: { siteKey: string } }>, reply) => {
      const { tenantId } = userOf(req);
      const { accepted } = await orNotFound(
        ctx.services.issues.baseline(tenantId, req.params.siteKey),
        'There is no such site monitor.',
      );
      return redirectWith(ctx, req, reply, `/sites/${req.params.siteKey}?issues=open#issues-title`, {
        kind: 'success',
        text: `Baseline set: ${plural(accepted, 'open issue')} accepted.`,
      });
    },
  );

  for (const action of ['accept', 'reopen'] as const)
    web.post(`/sites/:siteKey/issues/:issueID/${action}`, async (req: IssueReq, reply) => {
      const { tenantId } = userOf(req);
      const back = `/sites/${req.params.siteKey}?issues=${action === 'accept' ? 'open' : 'accepted'}#issues-title`;
      try {
        const issue = await ctx.services.issues.change(
          tenantId,
          req.params.siteKey,
          req.params.issueID,
          action,
        );
        return redirectWith(ctx, req, reply, back, {
          kind: 'success',
          text: `"${issue.errorTitle}" on ${issue.url} is ${issue.status}.`,
        });
      } catch (err) {
        if (!(err instanceof HeraldError) || (err.status === 404 && err.code === 'SITE_NOT_FOUND')) throw err;
        return redirectWith(ctx, req, reply, back, { kind: 'error', text: err.message });
      }
    });
}
