/**
 * The tenant's Tenon test runs (issue 10): a list, filterable by project, site monitor and URL,
 * and one run's page with its request, timings, summary and issues grouped by rule. Snippets
 * are the tested page's own HTML: they are shown as text, escaped like everything else.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { idOrUndefined } from '../../domain/ids.ts';
import type { TestRun } from '../../domain/testruns.ts';
import type { StoredRequest } from '../../tenon/stored.ts';
import type { TenonIssue, TenonResponse, TenonStatus } from '../../tenon/types.ts';
import { badge, duration, plural, time, type Tone } from '../format.ts';
import { selectField, textField } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import { sendPage, userOf, viewOf } from '../render.ts';
import { orNotFound } from './not-found.ts';

const PAGE_SIZE = 25;

type ListReq = FastifyRequest<{
  Querystring: { project?: string; site?: string; url?: string; after?: string };
}>;
type RunReq = FastifyRequest<{ Params: { responseID: string } }>;

const TONES: Record<TestRun['status'], Tone> = { queued: 'wait', running: 'wait', done: 'ok', failed: 'bad' };

export function runBadge(run: TestRun): SafeHtml {
  return badge(run.status, TONES[run.status]);
}

function countOrDash(run: TestRun, n: number | null): string {
  return run.status === 'done' && n !== null ? String(n) : '–';
}

function runsTable(runs: TestRun[]): SafeHtml {
  return html`<table class="data">
    <caption class="visually-hidden">
      Test runs, newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">Test run</th>
        <th scope="col">Status</th>
        <th scope="col">URL</th>
        <th scope="col">Errors</th>
        <th scope="col">Warnings</th>
        <th scope="col">Requested</th>
      </tr>
    </thead>
    <tbody>
      ${runs.map(
        (r) =>
          html`<tr>
            <th scope="row">
              <a href="/test-runs/${r.responseID}"><code>${r.responseID}</code></a>
            </th>
            <td>${runBadge(r)}</td>
            <td>
              ${r.url === null ? html`<span class="muted">page source</span>` : html`<code>${r.url}</code>`}
            </td>
            <td>${countOrDash(r, r.errors)}</td>
            <td>${countOrDash(r, r.warnings)}</td>
            <td>${time(r.createdAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function query(filters: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  return q.toString();
}

async function listPage(ctx: AppContext, req: ListReq): Promise<SafeHtml> {
  const { tenantId } = userOf(req);
  const after = idOrUndefined('run', req.query.after);
  const projectID = req.query.project || undefined;
  const siteKey = req.query.site || undefined;
  const url = req.query.url?.trim() || undefined;
  const [rows, projects, sites] = await Promise.all([
    ctx.services.testRuns.list(tenantId, { limit: PAGE_SIZE + 1, after, projectID, siteKey, url }),
    ctx.services.projects.listAll(tenantId),
    ctx.services.sites.list(tenantId, { limit: 100 }),
  ]);
  const runs = rows.slice(0, PAGE_SIZE);
  // Clients label runs with their own projectIDs: a filter on one Herald does not know stays selectable.
  const projectOptions = projects.map((p) => ({ value: p.projectID, label: p.name }));
  if (projectID && !projects.some((p) => p.projectID === projectID))
    projectOptions.push({ value: projectID, label: projectID });
  const filtered = Boolean(projectID || siteKey || url);
  const older = query({ project: projectID, site: siteKey, url, after: runs[runs.length - 1]?.id });
  return html`<h1>Test runs</h1>
    <p class="lede">
      Each accessibility test of a page, requested through the Tenon-compatible API or by a site monitor.
    </p>
    <form method="get" action="/test-runs" class="filter-form">
      ${selectField({ id: 'runs-project', name: 'project', label: 'Project', value: projectID ?? '', options: [{ value: '', label: 'All projects' }, ...projectOptions] })}
      ${selectField({ id: 'runs-site', name: 'site', label: 'Site monitor', value: siteKey ?? '', options: [{ value: '', label: 'Any or none' }, ...sites.map((s) => ({ value: s.siteKey, label: s.name }))] })}
      ${textField({ id: 'runs-url', name: 'url', label: 'URL', type: 'url', value: url ?? '', required: false, hint: 'The exact address of the tested page.' })}
      <button type="submit" class="button secondary">Show test runs</button>
    </form>
    ${
      runs.length === 0
        ? html`<p class="empty">
            ${filtered || after ? 'No test runs match.' : 'No test runs yet. POST a page to the API root (/api/) to test it.'}
          </p>`
        : runsTable(runs)
    }
    ${
      rows.length > PAGE_SIZE
        ? html`<nav class="pager" aria-label="Pages of test runs">
            <a href="/test-runs?${older}">Older test runs</a>
          </nav>`
        : ''
    }`;
}

interface RuleGroup {
  tID: number;
  title: string;
  standards: string[];
  issues: TenonIssue[];
}

/** Issues by rule (`tID`), the rules with the most issues first. */
export function groupByRule(issues: readonly TenonIssue[]): RuleGroup[] {
  const groups = new Map<number, RuleGroup>();
  for (const issue of issues) {
    let g = groups.get(issue.tID);
    if (!g) {
      g = { tID: issue.tID, title: issue.resultTitle, standards: [], issues: [] };
      groups.set(issue.tID, g);
    }
    for (const s of issue.standards ?? []) if (!g.standards.includes(s)) g.standards.push(s);
    g.issues.push(issue);
  }
  return [...groups.values()].sort((a, b) => b.issues.length - a.issues.length || a.tID - b.tID);
}

function issueItem(i: TenonIssue, n: number, tID: number): SafeHtml {
  const id = `issue-${tID}-${n}`;
  return html`<li class="issue">
    <h4 id="${id}">${i.errorTitle}</h4>
    ${i.errorDescription ? html`<p>${i.errorDescription}</p>` : ''}
    <dl class="summary compact">
      <dt>XPath</dt>
      <dd><code class="xpath">${i.xpath}</code></dd>
      <dt>Position</dt>
      <dd>line ${i.position?.line ?? '–'}, column ${i.position?.column ?? '–'}</dd>
      <dt>Certainty and priority</dt>
      <dd>certainty ${i.certainty}, priority ${i.priority}</dd>
    </dl>
    <p class="snippet-label">Snippet:</p>
    <pre class="code snippet"><code>${i.errorSnippet}</code></pre>
  </li>`;
}

function issuesSection(issues: readonly TenonIssue[]): SafeHtml {
  const groups = groupByRule(issues);
  return html`<section aria-labelledby="issues-title">
    <h2 id="issues-title">Issues by rule (${issues.length})</h2>
    ${
      groups.length === 0
        ? html`<p class="empty">No issues found at this level and these thresholds.</p>`
        : groups.map(
            (g) =>
              html`<section class="rule" aria-labelledby="rule-${g.tID}">
                <h3 id="rule-${g.tID}">
                  ${g.title} <span class="count">(${plural(g.issues.length, 'issue')})</span>
                </h3>
                ${
                  g.standards.length
                    ? html`<ul class="standards" aria-label="Standards of ${g.title}">
                        ${g.standards.map((s) => html`<li>${s}</li>`)}
                      </ul>`
                    : ''
                }
                <ol class="issues">
                  ${g.issues.map((i, n) => issueItem(i, n + 1, g.tID))}
                </ol>
              </section>`,
          )
    }
  </section>`;
}

function outcome(run: TestRun): SafeHtml {
  if (run.status === 'failed') {
    const e = (run.response ?? {}) as Partial<TenonStatus>;
    return html`<div class="flash flash-error" role="alert">
      <p>
        The test failed: Tenon error ${e.status ?? run.httpStatus ?? ''} <code>${e.code ?? 'unknown'}</code>.
        ${e.message ?? ''}
      </p>
      ${e.moreInfo ? html`<p class="muted">${e.moreInfo}</p>` : ''}
    </div>`;
  }
  if (run.status !== 'done')
    return html`<p class="notice" role="status">
      This test run is ${run.status}. <a href="/test-runs/${run.responseID}">Reload</a> to see its result.
    </p>`;
  const res = run.response as TenonResponse;
  const s = res.resultSummary;
  return html`<section aria-labelledby="summary-title">
      <h2 id="summary-title">Summary</h2>
      <dl class="summary">
        <dt>Issues</dt>
        <dd>
          ${plural(s.issues.totalIssues, 'issue')}: ${plural(s.issues.totalErrors, 'error')},
          ${plural(s.issues.totalWarnings, 'warning')}
        </dd>
        <dt>By level</dt>
        <dd>
          A ${s.issuesByLevel.A.count}, AA ${s.issuesByLevel.AA.count}, AAA ${s.issuesByLevel.AAA.count}
        </dd>
        <dt>Tests</dt>
        <dd>${s.tests.failing} failing and ${s.tests.passing} passing of ${s.tests.total}</dd>
        <dt>Density</dt>
        <dd>
          ${s.density.allDensity} (errors ${s.density.errorDensity}, warnings ${s.density.warningDensity})
        </dd>
      </dl>
    </section>
    ${issuesSection(res.resultSet ?? [])}`;
}

function runBody(run: TestRun): SafeHtml {
  const mirror = (run.request as StoredRequest | null)?.mirror;
  const res = run.status === 'done' ? (run.response as TenonResponse) : null;
  const pageTitle = (run.apiLog as { pageTitle?: string } | null)?.pageTitle;
  return html`<h1>Test run <code>${run.responseID}</code> ${runBadge(run)}</h1>
    <dl class="summary">
      <dt>URL</dt>
      <dd>
        ${run.url === null ? html`<span class="muted">page source sent with the request</span>` : html`<code>${run.url}</code>`}
      </dd>
      <dt>Project</dt>
      <dd><code>${run.projectID}</code></dd>
      ${
        run.siteKey
          ? html`<dt>Site monitor</dt>
              <dd><a href="/sites/${run.siteKey}">${run.siteKey}</a></dd>`
          : ''
      }
      <dt>Level and thresholds</dt>
      <dd>
        ${mirror ? `${mirror.level}, certainty at least ${mirror.certainty}, priority at least ${mirror.priority}` : '–'}
      </dd>
      <dt>Viewport</dt>
      <dd>${mirror ? `${mirror.viewport.width} × ${mirror.viewport.height}` : '–'}</dd>
      <dt>Requested</dt>
      <dd>${time(run.createdAt)}</dd>
      <dt>Started</dt>
      <dd>${run.startedAt === null ? html`<span class="muted">not yet</span>` : time(run.startedAt)}</dd>
      <dt>Finished</dt>
      <dd>
        ${run.finishedAt === null ? html`<span class="muted">not yet</span>` : html`${time(run.finishedAt)} (${duration(run.finishedAt - (run.startedAt ?? run.createdAt))})`}
      </dd>
      ${
        pageTitle
          ? html`<dt>Page title</dt>
              <dd>${pageTitle}</dd>`
          : ''
      }
      ${
        res
          ? html`<dt>HTTP code of the page</dt>
              <dd>${res.urlHttpCode}</dd>`
          : ''
      }
      ${
        run.httpStatus !== null
          ? html`<dt>Tenon status</dt>
              <dd>${run.httpStatus}</dd>`
          : ''
      }
    </dl>
    ${outcome(run)}`;
}

export function testRunPages(web: FastifyInstance, ctx: AppContext): void {
  web.get('/test-runs', async (req: ListReq, reply) => {
    const body = await listPage(ctx, req);
    const v = viewOf(ctx, req, reply);
    return sendPage(reply, page(v, { title: 'Test runs', section: 'test-runs', body }));
  });

  web.get('/test-runs/:responseID', async (req: RunReq, reply) => {
    const { tenantId } = userOf(req);
    const run = await orNotFound(
      ctx.services.testRuns.get(tenantId, req.params.responseID),
      'There is no such test run.',
    );
    const v = viewOf(ctx, req, reply);
    return sendPage(
      reply,
      page(v, {
        title: `Test run ${run.responseID}`,
        section: 'test-runs',
        body: runBody(run),
        crumbs: [{ label: 'Test runs', href: '/test-runs' }, { label: run.responseID }],
      }),
    );
  });
}
