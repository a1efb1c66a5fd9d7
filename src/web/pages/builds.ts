import { idOrUndefined } from '../../domain/ids.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { buildReport, buildSummary, reportLinks } from '../../builds/report.ts';
import type { Build, BuildRun, Project } from '../../domain/builds.ts';
import { badge, duration, time } from '../format.ts';
import { selectField } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import { sendPage, userOf, viewOf } from '../render.ts';
import { commitLink, failures, reporterTable, resultsMatrix } from './build-detail.ts';
import { BROWSER_LABELS } from './build-run.ts';
import { orNotFound } from './not-found.ts';

/** The list of builds and a build's page (where the `Details:` link of a report leads). */

type IdReq = FastifyRequest<{ Params: { id: string } }>;

function buildState(b: Build, runs: BuildRun[] | null): SafeHtml {
  if (b.status === 'RUNNING') return badge('running', 'wait');
  if (!runs) return badge('finished', 'off');
  const stable = buildReport(b, runs, reportLinks('')).buildStable;
  return stable ? badge('stable', 'ok') : badge('unstable', 'bad');
}

/** A list of builds, each with its state and counts (one query per build for its runs). */
export async function buildsTable(
  ctx: AppContext,
  builds: Build[],
  projects: Map<string, Project>,
): Promise<SafeHtml> {
  const runs = await ctx.services.builds.runsOf(builds);
  return html`<table class="data">
    <caption class="visually-hidden">
      Builds, newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">Build</th>
        <th scope="col">Project</th>
        <th scope="col">State</th>
        <th scope="col">Passed</th>
        <th scope="col">Failed</th>
        <th scope="col">Requested</th>
      </tr>
    </thead>
    <tbody>
      ${builds.map((b, i) => {
        const s = buildSummary(runs[i]!);
        const p = projects.get(b.projectID);
        return html`<tr>
          <th scope="row">
            <a href="/builds/${b.id}"><code>${b.id}</code></a>
          </th>
          <td>
            ${p ? html`<a href="/projects/${p.projectID}">${p.name}</a>` : html`<code>${b.projectID}</code>`}
          </td>
          <td>${buildState(b, runs[i]!)}</td>
          <td>${s.pass} of ${s.request}</td>
          <td>${s.fail}</td>
          <td>${time(b.requestedAt)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
export function buildPages(web: FastifyInstance, ctx: AppContext): void {
  web.get<{ Querystring: { project?: string; after?: string } }>('/builds', async (req, reply) => {
    const { tenantId } = userOf(req);
    const after = idOrUndefined('build', req.query.after);
    const projectID = req.query.project || undefined;
    const [rows, projects] = await Promise.all([
      ctx.services.builds.list(tenantId, { limit: 26, after, ...(projectID && { projectID }) }),
      ctx.services.projects.listAll(tenantId),
    ]);
    const builds = rows.slice(0, 25);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Builds</h1>
      <p class="lede">
        Each build runs traces in real browsers. Start one from a project or a trace, or from CI with the
        Usetrace-compatible API.
      </p>
      <form method="get" action="/builds" class="filter-form">
        ${selectField({ id: 'builds-project', name: 'project', label: 'Project', value: projectID ?? '', options: [{ value: '', label: 'All projects' }, ...projects.map((p) => ({ value: p.projectID, label: p.name }))] })}
        <button type="submit" class="button secondary">Show builds</button>
      </form>
      ${
        builds.length === 0
          ? html`<p class="empty">No builds yet.</p>`
          : await buildsTable(ctx, builds, new Map(projects.map((p) => [p.projectID, p])))
      }
      ${
        rows.length > 25
          ? html`<nav class="pager" aria-label="Pages of builds">
              <a
                href="/builds?${projectID ? `project=${encodeURIComponent(projectID)}&` : ''}after=${builds[builds.length - 1]!.id}"
                >Older builds</a
              >
            </nav>`
          : ''
      }`;
    return sendPage(reply, page(v, { title: 'Builds', section: 'builds', body }));
  });

  // The `Details:` link of every failing test case in a report leads here.
  web.get('/builds/:id', async (req: IdReq, reply) => {
    const { tenantId } = userOf(req);
    const { build, runs, project, trace, report, finishedEvent, deliveries } = await orNotFound(
      ctx.services.builds.detail(tenantId, req.params.id),
      'There is no such build.',
    );
    const v = viewOf(ctx, req, reply);
    const here = `/builds/${build.id}`;
    const body = html`<h1>Build <code>${build.id}</code> ${buildState(build, runs)}</h1>
      ${
        build.status === 'RUNNING'
          ? html`<p class="notice" role="status">
              This build is running: ${buildSummary(runs).finish} of ${runs.length} test cases have finished.
              <a href="${here}">Reload</a> to see more.
            </p>`
          : ''
      }
      <dl class="summary">
        <dt>Project</dt>
        <dd>
          ${project ? html`<a href="/projects/${project.projectID}">${project.name}</a>` : html`<code>${build.projectID}</code>`}
        </dd>
        <dt>Traces</dt>
        <dd>
          ${
            build.traceId
              ? trace
                ? html`<a href="/traces/${trace.id}">${trace.name}</a>`
                : html`<code>${build.traceId}</code>`
              : build.tags.length
                ? html`All traces tagged ${build.tags.map((t) => html`<code>${t}</code> `)}`
                : 'All traces of the project'
          }
        </dd>
        <dt>Base URL</dt>
        <dd><code>${build.baseUrl}</code></dd>
        <dt>Browsers</dt>
        <dd>${build.browsers.map((b) => BROWSER_LABELS[b] ?? b).join(', ')}</dd>
        ${
          build.commit
            ? html`<dt>Commit</dt>
                <dd>${commitLink(build)}</dd>`
            : ''
        }
        <dt>Requested</dt>
        <dd>${time(build.requestedAt)}</dd>
        <dt>Finished</dt>
        <dd>
          ${build.finishedAt ? html`${time(build.finishedAt)} (${duration(build.finishedAt - build.requestedAt)})` : html`<span class="muted">not yet</span>`}
        </dd>
        <dt>Result</dt>
        <dd>
          ${report.tracesPassed} of ${report.traces} traces passed in every browser; ${report.failures} failed
          (${report.errors} with
          errors)${report.bugs ? `; ${report.bugs} known bugs (${report.bugsPassing} passing)` : ''}
        </dd>
      </dl>
      <section aria-labelledby="results-title">
        <h2 id="results-title">Results per trace and browser</h2>
        ${resultsMatrix(build, runs)}
      </section>
      ${failures(runs)}
      <section aria-labelledby="reporters-title">
        <h2 id="reporters-title">Reporter deliveries</h2>
        ${
          build.reporters.length === 0
            ? html`<p class="muted">This build has no webhook reporters.</p>`
            : reporterTable(v, build, deliveries, here)
        }
        ${
          finishedEvent
            ? html`<p>
                The <a href="/events/${finishedEvent.id}"><code>build.finished</code> event</a> went to the
                hooks that subscribe to <code>build</code>.
              </p>`
            : ''
        }
      </section>`;
    return sendPage(
      reply,
      page(v, {
        title: `Build ${build.id}`,
        section: 'builds',
        body,
        crumbs: [{ label: 'Builds', href: '/builds' }, { label: build.id }],
      }),
    );
  });
}
