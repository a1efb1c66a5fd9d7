/**
 * A site monitor's page: its schedule, how its pages are found (a crawl, or siteUrl + paths)
 * and its sign-in, a failed latest run said first with its reason, charts of errors per run and
 * of open issues per slot (each with its numbers as a table), the pages the latest slot tested,
 * what is new and what is fixed since the previous run (by page and issue `signature`), and the
 * last runs. Pause and resume are buttons (each a site.updated event). The issues tracked across
 * slots, with accept / reopen and the baseline, are in monitor-issues.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import {
  describeInterval,
  issueChanges,
  monitorPages,
  slotResults,
  type MonitorIssue,
  type MonitoredSite,
  type MonitorRun,
  type MonitorSlot,
  type SlotResult,
} from '../../domain/monitors.ts';
import type { MonitorOverview } from '../../services/sites.ts';
import { badge, plural, time } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page, type View } from '../layout.ts';
import { redirectWith, sendPage, userOf, viewOf } from '../render.ts';
import {
  issueStatusOf,
  ISSUES_SHOWN,
  monitorIssueRoutes,
  trackedIssuesSection,
  type TrackedIssues,
} from './monitor-issues.ts';
import { orNotFound } from './not-found.ts';

type SiteReq = FastifyRequest<{ Params: { siteKey: string }; Querystring: { issues?: string } }>;

const W = 720;
const H = 200;
const PAD = { top: 16, right: 16, bottom: 28, left: 44 };

interface BarPoint {
  at: number;
  value: number;
}

/**
 * Bars oldest left, one per slot, as server-side SVG; screen readers get a one-sentence summary
 * (title and desc) and everyone can open the numbers as a table. `id` prefixes the SVG's ids.
 */
function barChart(
  id: string,
  points: readonly BarPoint[],
  text: { title: string; noun: string; column: string; none: string },
): SafeHtml {
  if (points.length === 0) return html`<p class="muted">${text.none}</p>`;
  const max = Math.max(1, ...points.map((p) => p.value));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slotW = plotW / points.length;
  const barW = Math.min(40, Math.max(2, slotW * 0.7));
  const f = (n: number) => n.toFixed(1);
  const first = points[0];
  const last = points[points.length - 1];
  const summary = `${plural(points.length, 'run')}: ${first?.value ?? 0} ${text.noun} in the oldest, ${last?.value ?? 0} in the latest, at most ${max}.`;
  const bars = points.map((p, i) => {
    const h = (p.value / max) * plotH;
    return html`<rect
      class="bar-failed"
      x="${f(PAD.left + i * slotW + (slotW - barW) / 2)}"
      y="${f(PAD.top + plotH - h)}"
      width="${f(barW)}"
      height="${f(h)}"
    />`;
  });
  // A handful of start times (UTC) under the bars, the first and the last among them.
  const every = Math.max(1, Math.ceil(points.length / 6));
  const ticks = points
    .map((p, i) => ({ p, i }))
    .filter(({ i }) => i % every === 0 || i === points.length - 1)
    .map(
      ({ p, i }) =>
        html`<text class="tick" x="${f(PAD.left + i * slotW + slotW / 2)}" y="${H - 8}" text-anchor="middle">
          ${new Date(p.at).toISOString().slice(11, 16)}
        </text>`,
    );
  return html`<figure class="chart">
      <svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-title ${id}-desc">
        <title id="${id}-title">${text.title}</title>
        <desc id="${id}-desc">${summary}</desc>
        <line
          class="axis"
          x1="${PAD.left}"
          y1="${PAD.top + plotH}"
          x2="${PAD.left + plotW}"
          y2="${PAD.top + plotH}"
        />
        <line class="grid" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left + plotW}" y2="${PAD.top}" />
        <text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max}</text>
        <text class="tick" x="${PAD.left - 6}" y="${PAD.top + plotH}" text-anchor="end">0</text>
        ${bars} ${ticks}
      </svg>
      <figcaption><p class="chart-summary">${summary}</p></figcaption>
    </figure>
    <details class="chart-data">
      <summary>Show the numbers as a table</summary>
      <table class="data compact">
        <caption class="visually-hidden">
          ${text.title}
        </caption>
        <thead>
          <tr>
            <th scope="col">Run started</th>
            <th scope="col">${text.column}</th>
          </tr>
        </thead>
        <tbody>
          ${points.map(
            (p) =>
              html`<tr>
                <td>${time(p.at)}</td>
                <td>${p.value}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </details>`;
}

/** Errors per run, oldest left, as bars; the numbers are also a table. */
export function errorsChart(results: readonly SlotResult[]): SafeHtml {
  const points = results
    .filter((r) => r.done)
    .slice(0, 30)
    .reverse()
    .map((r) => ({ at: r.startedAt, value: r.errors }));
  return barChart('errors-chart', points, {
    title: 'Errors found per run (start times in UTC)',
    noun: 'errors',
    column: 'Errors',
    none: 'No finished runs yet: the chart starts with the first.',
  });
}

/** Tracked issues open once each slot was applied, oldest left (the trend a baseline resets). */
export function openIssuesChart(slots: readonly MonitorSlot[]): SafeHtml {
  const points = slots
    .filter((s) => s.openIssues !== null)
    .slice(0, 30)
    .reverse()
    .map((s) => ({ at: s.claimedAt, value: s.openIssues ?? 0 }));
  return barChart('open-chart', points, {
    title: 'Open issues after each run (start times in UTC)',
    noun: 'open issues',
    column: 'Open issues',
    none: 'No run has been compared with the tracked issues yet.',
  });
}

/** The pages the latest slot tested (discovered by its crawl, or siteUrl + paths), with their runs. */
function discoveredPages(runs: readonly MonitorRun[]): SafeHtml {
  const latest = runs.reduce<number | null>((m, r) => (m === null || r.slot > m ? r.slot : m), null);
  const pages = runs.filter((r) => r.slot === latest).sort((a, b) => a.url.localeCompare(b.url));
  if (pages.length === 0) return html`<p class="muted">No pages tested yet.</p>`;
  return html`<table class="data compact">
    <caption class="visually-hidden">
      Pages the latest run tested
    </caption>
    <thead>
      <tr>
        <th scope="col">Page</th>
        <th scope="col">Test run</th>
        <th scope="col">Errors</th>
      </tr>
    </thead>
    <tbody>
      ${pages.map(
        (r) =>
          html`<tr>
            <td class="url"><code>${r.url}</code></td>
            <td>
              <a href="/test-runs/${r.responseID}"
                >${r.status}<span class="visually-hidden"> ${r.url}</span></a
              >
            </td>
            <td>${r.errors === null ? '–' : String(r.errors)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** How the monitor finds its pages: a crawl's settings, or the site URL and its paths. */
function pagesSetting(site: MonitoredSite): SafeHtml {
  const m = site.monitor;
  if (m.crawl === null)
    return html`<ul>
      ${monitorPages(site.siteUrl, m.paths).map((p) => html`<li><code>${p}</code></li>`)}
    </ul>`;
  const c = m.crawl;
  const prefixes = (list: string[] | undefined) =>
    list && list.length > 0
      ? list.map((p) => html`<code>${p}</code> `)
      : html`<span class="muted">none</span>`;
  return html`Crawled from the site URL: up to ${plural(c.maxPages, 'page')}, at most
  ${plural(c.maxDepth, 'link')} deep, honouring robots.txt and reading sitemap.xml. Only:
  ${prefixes(c.include)}. Never: ${prefixes(c.exclude)}.`;
}

function issueList(id: string, title: string, issues: Array<MonitorIssue & { url: string }>, none: string) {
  return html`<section aria-labelledby="${id}">
    <h3 id="${id}">${title} (${issues.length})</h3>
    ${
      issues.length === 0
        ? html`<p class="muted">${none}</p>`
        : html`<ul>
            ${issues.map(
              (i) =>
                html`<li>
                  ${i.errorTitle}
                  <span class="muted"
                    >on <code>${i.url}</code> at <code>${i.xpath}</code>, signature
                    <code>${i.signature}</code></span
                  >
                </li>`,
            )}
          </ul>`
    }
  </section>`;
}

function changes(results: readonly SlotResult[]): SafeHtml {
  const c = issueChanges(results);
  if (!c.latest || !c.previous)
    return html`<p class="muted">
      Two finished runs are needed to compare; ${c.latest ? 'one has' : 'none have'} finished.
    </p>`;
  return html`<p>The run of ${time(c.latest.startedAt)} against the run of ${time(c.previous.startedAt)}.</p>
    ${issueList('new-title', 'New issues', c.added, 'No new issues.')}
    ${issueList('fixed-title', 'Fixed issues', c.fixed, 'Nothing was fixed.')}`;
}

// A slot still unfinished this long after its claim lost its worker between claim and enqueue.
const INTERRUPTED_AFTER_MS = 10 * 60_000;

function slotsTable(slots: MonitorSlot[], results: Map<number, SlotResult>, now: number): SafeHtml {
  if (slots.length === 0) return html`<p class="muted">The monitor has not run yet.</p>`;
  return html`<table class="data">
    <caption class="visually-hidden">
      Last runs, newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">Started</th>
        <th scope="col">Test runs</th>
        <th scope="col">Errors</th>
        <th scope="col">State</th>
      </tr>
    </thead>
    <tbody>
      ${slots.map((s) => {
        const r = results.get(s.slot);
        const state =
          s.status === 'failed'
            ? badge('Failed', 'bad')
            : s.error
              ? badge('Not all queued', 'bad')
              : s.finishedAt === null
                ? now - s.claimedAt > INTERRUPTED_AFTER_MS
                  ? badge('Interrupted', 'bad')
                  : badge('Queuing', 'wait')
                : r?.done
                  ? badge('Finished', 'ok')
                  : badge('Queued', 'wait');
        return html`<tr>
          <td>${time(s.claimedAt)}</td>
          <td>
            ${s.responseIDs.map((id) => html`<a href="/test-runs/${id}"><code>${id}</code></a> `)}${s.error ? html`<p class="muted">${s.error}</p>` : ''}
          </td>
          <td>${r?.done ? String(r.errors) : '–'}</td>
          <td>${state}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** The latest slot failed before testing its pages (its sign-in or crawl): said first, with why. */
function failure(latest: MonitorSlot | undefined): SafeHtml {
  if (!latest || latest.status !== 'failed') return html``;
  return html`<div class="notice flash-error" role="status">
    <h2>The latest run failed</h2>
    <p>${latest.error ?? 'No reason was recorded.'}</p>
  </div>`;
}

function monitorState(site: MonitoredSite): SafeHtml {
  if (site.monitor.intervalSec === null) return badge('Not scheduled', 'off');
  return site.monitor.paused ? badge('Paused', 'off') : badge('Active', 'ok');
}

export function monitorBody(v: View, o: MonitorOverview, tracked?: TrackedIssues): SafeHtml {
  const { site } = o;
  const m = site.monitor;
  const results = slotResults(o.runs);
  const scheduled = m.intervalSec !== null;
  return html`<h1>${site.name}</h1>
    <div class="toolbar">
      <a class="button secondary" href="/sites/${site.siteKey}/edit">Edit</a>
      ${
        scheduled
          ? html`<form method="post" action="/sites/${site.siteKey}/${m.paused ? 'resume' : 'pause'}">
              ${csrfInput(v)}<button type="submit" class="button secondary">
                ${m.paused ? 'Resume' : 'Pause'}
              </button>
            </form>`
          : ''
      }
      <a class="button danger" href="/sites/${site.siteKey}/delete">Delete</a>
    </div>
    <dl class="summary">
      <dt>State</dt>
      <dd>${monitorState(site)}</dd>
      <dt>Schedule</dt>
      <dd>${describeInterval(m.intervalSec)}</dd>
      <dt>Next run</dt>
      <dd>${o.nextRunAt === null ? html`<span class="muted">none</span>` : time(o.nextRunAt)}</dd>
      <dt>Pages</dt>
      <dd>${pagesSetting(site)}</dd>
      <dt>Sign-in</dt>
      <dd>
        ${
          m.loginTraceId === null
            ? html`<span class="muted">none</span>`
            : html`trace <code>${m.loginTraceId}</code>, parameters
                ${Object.keys(m.loginParameters).map((n) => html`<code>${n}</code> `)}`
        }
      </dd>
      <dt>Level and thresholds</dt>
      <dd>${m.level}, certainty at least ${m.certainty}, priority at least ${m.priority}</dd>
      <dt>Project</dt>
      <dd><a href="/projects/${site.projectID}">${site.projectID}</a></dd>
      <dt>siteKey</dt>
      <dd><code>${site.siteKey}</code></dd>
    </dl>
    ${failure(o.slots[0])}
    <section aria-labelledby="chart-title">
      <h2 id="chart-title">Errors over time</h2>
      ${errorsChart(results)}
    </section>
    <section aria-labelledby="open-chart-heading">
      <h2 id="open-chart-heading">Open issues over time</h2>
      ${openIssuesChart(o.slots)}
    </section>
    <section aria-labelledby="pages-title">
      <h2 id="pages-title">Pages tested</h2>
      ${discoveredPages(o.runs)}
    </section>
    <section aria-labelledby="changes-title">
      <h2 id="changes-title">Since the previous run</h2>
      ${changes(results)}
    </section>
    ${tracked ? trackedIssuesSection(v, site.siteKey, tracked) : ''}
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Last runs</h2>
      ${slotsTable(o.slots, new Map(results.map((r) => [r.slot, r])), Date.now())}
    </section>`;
}

export function monitorPagesRoutes(web: FastifyInstance, ctx: AppContext): void {
  web.get('/sites/:siteKey', async (req: SiteReq, reply) => {
    const { tenantId } = userOf(req);
    const o = await orNotFound(
      ctx.services.sites.overview(tenantId, req.params.siteKey),
      'There is no such site monitor.',
    );
    const status = issueStatusOf(req.query.issues);
    const issues = await ctx.services.issues.list(tenantId, req.params.siteKey, {
      status,
      limit: ISSUES_SHOWN,
    });
    const v = viewOf(ctx, req, reply);
    return sendPage(
      reply,
      page(v, {
        title: o.site.name,
        section: 'sites',
        body: monitorBody(v, o, { status, issues }),
        crumbs: [{ label: 'Site monitors', href: '/sites' }, { label: o.site.name }],
      }),
    );
  });

  monitorIssueRoutes(web, ctx);

  for (const action of ['pause', 'resume'] as const) {
    web.post(`/sites/:siteKey/${action}`, async (req: SiteReq, reply) => {
      const { tenantId } = userOf(req);
      const site = await orNotFound(
        ctx.services.sites[action](tenantId, req.params.siteKey),
        'There is no such site monitor.',
      );
      return redirectWith(ctx, req, reply, `/sites/${site.siteKey}`, {
        kind: 'success',
        text: `The site monitor "${site.name}" was ${action === 'pause' ? 'paused' : 'resumed'}.`,
      });
    });
  }
}
