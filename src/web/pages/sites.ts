import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Project } from '../../domain/builds.ts';
import { HeraldError } from '../../domain/errors.ts';
import { DEFAULT_CRAWL } from '../../domain/crawl.ts';
import { DAILY_SEC, describeInterval, HOURLY_SEC, type MonitoredSite } from '../../domain/monitors.ts';
import { isHttpUrl } from '../../services/fields.ts';
import type { MonitorInput } from '../../services/sites.ts';
import { badge, time } from '../format.ts';
import { checkbox, errorSummary, selectField, textArea, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page } from '../layout.ts';
import { field, redirectWith, sendPage, userOf, viewOf } from '../render.ts';
import { monitorPagesRoutes } from './monitor.ts';
import { orNotFound } from './not-found.ts';

type SiteReq = FastifyRequest<{ Params: { siteKey: string } }>;

/** `projects` names each site's project; null when the table sits on its project's page. */
export function sitesTable(sites: MonitoredSite[], projects: Map<string, Project> | null): SafeHtml {
  return html`<table class="data">
    <caption class="visually-hidden">
      Site monitors
    </caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Site URL</th>
        ${projects ? html`<th scope="col">Project</th>` : ''}
        <th scope="col">Schedule</th>
        <th scope="col">siteKey</th>
        <th scope="col">Added</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr>
    </thead>
    <tbody>
      ${sites.map((s) => {
        const project = projects?.get(s.projectID);
        return html`<tr>
          <th scope="row"><a href="/sites/${s.siteKey}">${s.name}</a></th>
          <td class="url"><code>${s.siteUrl}</code></td>
          ${
            projects
              ? html`<td>
                  ${project ? html`<a href="/projects/${project.projectID}">${project.name}</a>` : s.projectID}
                </td>`
              : ''
          }
          <td>
            ${describeInterval(s.monitor.intervalSec)}${s.monitor.paused ? html` ${badge('Paused', 'off')}` : ''}
          </td>
          <td><code>${s.siteKey}</code></td>
          <td>${time(s.createdAt)}</td>
          <td class="row-actions">
            <a href="/sites/${s.siteKey}/edit">Edit<span class="visually-hidden"> ${s.name}</span></a>
            <a href="/sites/${s.siteKey}/delete">Delete<span class="visually-hidden"> ${s.name}</span></a>
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

interface SiteValues {
  name: string;
  siteUrl: string;
  projectID: string;
  intervalSec: string;
  paths: string;
  level: string;
  certainty: string;
  priority: string;
  paused: boolean;
  crawl: boolean;
  maxPages: string;
  maxDepth: string;
  include: string;
  exclude: string;
  loginTraceId: string;
  /** `name=value` lines; empty on an edit keeps the stored values (they are never shown). */
  loginParameters: string;
}

const SCHEDULES: Array<[number, string]> = [
  [300, 'Every 5 minutes'],
  [900, 'Every 15 minutes'],
  [1800, 'Every 30 minutes'],
  [HOURLY_SEC, 'Hourly'],
  [6 * HOURLY_SEC, 'Every 6 hours'],
  [DAILY_SEC, 'Daily'],
];

/** The presets at or above the configured minimum, and the site's own interval if it is another. */
function scheduleOptions(minSec: number, current: string): Array<{ value: string; label: string }> {
  const options = SCHEDULES.filter(([sec]) => sec >= minSec).map(([sec, label]) => ({
    value: String(sec),
    label,
  }));
  if (current !== '' && !options.some((o) => o.value === current))
    options.push({ value: current, label: describeInterval(Number(current)) });
  return [{ value: '', label: 'Not scheduled' }, ...options];
}

function valuesOf(s: MonitoredSite): SiteValues {
  const m = s.monitor;
  return {
    name: s.name,
    siteUrl: s.siteUrl,
    projectID: s.projectID,
    intervalSec: m.intervalSec === null ? '' : String(m.intervalSec),
    paths: m.paths.join('\n'),
    level: m.level,
    certainty: String(m.certainty),
    priority: String(m.priority),
    paused: m.paused,
    crawl: m.crawl !== null,
    maxPages: String(m.crawl?.maxPages ?? DEFAULT_CRAWL.maxPages),
    maxDepth: String(m.crawl?.maxDepth ?? DEFAULT_CRAWL.maxDepth),
    include: (m.crawl?.include ?? []).join('\n'),
    exclude: (m.crawl?.exclude ?? []).join('\n'),
    loginTraceId: m.loginTraceId ?? '',
    loginParameters: '',
  };
}

const NEW_SITE: Omit<SiteValues, 'projectID'> = {
  name: '',
  siteUrl: '',
  intervalSec: '',
  paths: '',
  level: 'AAA',
  certainty: '0',
  priority: '0',
  paused: false,
  crawl: false,
  maxPages: String(DEFAULT_CRAWL.maxPages),
  maxDepth: String(DEFAULT_CRAWL.maxDepth),
  include: '',
  exclude: '',
  loginTraceId: '',
  loginParameters: '',
};

const lines = (raw: string) =>
  raw
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** `name=value` lines as login parameters; null when a line has no `=` (left to the form's errors). */
function parameters(raw: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const line of lines(raw)) {
    const at = line.indexOf('=');
    if (at <= 0) return null;
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** The form's monitor fields as the service takes them; numbers it cannot read are left to its rules. */
function monitorInput(v: SiteValues): MonitorInput {
  const num = (raw: string) => (/^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN);
  const login = parameters(v.loginParameters);
  return {
    crawl: v.crawl
      ? {
          maxPages: num(v.maxPages),
          maxDepth: num(v.maxDepth),
          ...(lines(v.include).length > 0 && { include: lines(v.include) }),
          ...(lines(v.exclude).length > 0 && { exclude: lines(v.exclude) }),
        }
      : null,
    loginTraceId: v.loginTraceId.trim() === '' ? null : v.loginTraceId.trim(),
    // Empty keeps what is stored (it is never shown); without a trace there is nothing to keep.
    ...(v.loginTraceId.trim() === ''
      ? { loginParameters: null }
      : login !== null && Object.keys(login).length > 0 && { loginParameters: login }),
    intervalSec: v.intervalSec === '' ? null : num(v.intervalSec),
    paths: v.paths
      .split('\n')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
    level: v.level,
    certainty: num(v.certainty),
    priority: num(v.priority),
    paused: v.paused,
  };
}

const siteInput = (v: SiteValues) => ({
  name: v.name,
  siteUrl: v.siteUrl,
  projectID: v.projectID,
  ...monitorInput(v),
});

const FIELD_MESSAGES: Record<string, string> = {
  intervalSec: 'Choose how often the site is tested',
  paths: 'Enter each path on its own line, starting with a single /, without spaces (at most 20)',
  level: 'Choose A, AA or AAA',
  certainty: 'Enter a whole number from 0 to 100',
  priority: 'Enter a whole number from 0 to 100',
  crawl: 'Enter up to 500 pages, up to 10 links deep, and path prefixes each starting with /, one per line',
  loginTraceId: 'Enter the ID of a trace of the same project',
  loginParameters: 'Enter each parameter the sign-in trace uses as name=value, one per line',
};

/** A service's VALIDATION_FAILED as form errors, by the field its path names. */
function formErrors(err: unknown): FieldErrors | null {
  if (!(err instanceof HeraldError) || err.code !== 'VALIDATION_FAILED') return null;
  const errors: FieldErrors = {};
  for (const d of (err.details as Array<{ path?: string }> | undefined) ?? []) {
    const name = d.path?.split('/')[1] ?? '';
    if (name in FIELD_MESSAGES) errors[name] = FIELD_MESSAGES[name] ?? '';
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

async function allProjects(ctx: AppContext, tenantId: string): Promise<Project[]> {
  return ctx.services.projects.listAll(tenantId);
}

export function sitePages(web: FastifyInstance, ctx: AppContext): void {
  monitorPagesRoutes(web, ctx);
  web.get('/sites', async (req, reply) => {
    const { tenantId } = userOf(req);
    const [sites, projects] = await Promise.all([
      ctx.services.sites.list(tenantId, { limit: 200 }),
      allProjects(ctx, tenantId),
    ]);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Site monitors</h1>
      <p class="lede">
        The sites your projects watch. Creating, changing or deleting one is announced to the hooks that
        subscribe to
        <code>site</code>.
      </p>
      ${
        projects.length > 0
          ? html`<p><a class="button" href="/sites/new">Add a site monitor</a></p>`
          : html`<p>Add a <a href="/projects/new">project</a> first: every site monitor belongs to one.</p>`
      }
      ${
        sites.length === 0
          ? html`<div class="empty"><h2>No site monitors yet</h2></div>`
          : sitesTable(sites, new Map(projects.map((p) => [p.projectID, p])))
      }`;
    return sendPage(reply, page(v, { title: 'Site monitors', section: 'sites', body }));
  });

  const formPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    existing: MonitoredSite | null,
    values: SiteValues,
    errors: FieldErrors,
    status = 200,
  ) => {
    const projects = await allProjects(ctx, userOf(req).tenantId);
    const v = viewOf(ctx, req, reply);
    const title = existing ? `Edit ${existing.name}` : 'Add a site monitor';
    const body = html`<h1>${title}</h1>
      ${errorSummary(errors, {
        name: 'site-name',
        siteUrl: 'site-url',
        projectID: 'site-project',
        intervalSec: 'site-schedule',
        paths: 'site-paths',
        level: 'site-level',
        certainty: 'site-certainty',
        priority: 'site-priority',
        crawl: 'site-crawl',
        loginTraceId: 'site-login-trace',
        loginParameters: 'site-login-parameters',
      })}
      <form method="post" action="${existing ? `/sites/${existing.siteKey}/edit` : '/sites/new'}" novalidate>
        ${csrfInput(v)}
        ${textField({ id: 'site-name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 200, error: errors['name'] })}
        ${textField({ id: 'site-url', name: 'siteUrl', label: 'Site URL', type: 'url', value: values.siteUrl, required: true, wide: true, spellcheck: false, hint: 'The fully-qualified URL of the site, such as http://www.example.com.', error: errors['siteUrl'] })}
        ${selectField({ id: 'site-project', name: 'projectID', label: 'Project', value: values.projectID, options: projects.map((p) => ({ value: p.projectID, label: p.name })), error: errors['projectID'] })}
        <fieldset class="field">
          <legend>Monitoring</legend>
          ${selectField({ id: 'site-schedule', name: 'intervalSec', label: 'Schedule', value: values.intervalSec, options: scheduleOptions(ctx.config.monitorMinIntervalSec, values.intervalSec), hint: 'How often every page is tested for accessibility. Runs missed while Herald was down run once.', error: errors['intervalSec'] })}
          ${textArea({ id: 'site-paths', name: 'paths', label: 'More pages to test (optional)', value: values.paths, rows: 4, hint: 'The site URL is always tested. Add paths on the same site, one per line, such as /contact.', error: errors['paths'] })}
          ${selectField({ id: 'site-level', name: 'level', label: 'WCAG level', value: values.level, options: ['A', 'AA', 'AAA'].map((l) => ({ value: l, label: l })), error: errors['level'] })}
          ${textField({ id: 'site-certainty', name: 'certainty', label: 'Minimum certainty', type: 'number', value: values.certainty, hint: 'From 0 to 100: issues Tenon is less sure of are left out.', error: errors['certainty'] })}
          ${textField({ id: 'site-priority', name: 'priority', label: 'Minimum priority', type: 'number', value: values.priority, hint: 'From 0 to 100: issues of lower priority are left out.', error: errors['priority'] })}
          ${checkbox({ id: 'site-paused', name: 'paused', label: 'Paused', checked: values.paused, hint: 'A paused monitor keeps its settings but does not run.' })}
        </fieldset>
        <fieldset class="field">
          <legend>Crawl</legend>
          ${checkbox({ id: 'site-crawl', name: 'crawl', label: 'Discover the pages by crawling the site', checked: values.crawl, hint: 'Instead of the site URL and the pages above: same-origin links and sitemap.xml, honouring robots.txt.' })}
          ${errors['crawl'] ? html`<p class="error-text" id="site-crawl-error">${errors['crawl']}</p>` : ''}
          ${textField({ id: 'site-max-pages', name: 'maxPages', label: 'Most pages', type: 'number', value: values.maxPages, hint: 'From 1 to 500.' })}
          ${textField({ id: 'site-max-depth', name: 'maxDepth', label: 'Most links away from the site URL', type: 'number', value: values.maxDepth, hint: 'From 0 to 10.' })}
          ${textArea({ id: 'site-include', name: 'include', label: 'Only paths starting with (optional)', value: values.include, rows: 2, hint: 'One prefix per line, such as /docs/.' })}
          ${textArea({ id: 'site-exclude', name: 'exclude', label: 'Never paths starting with (optional)', value: values.exclude, rows: 2, hint: 'One prefix per line, such as /logout (a crawl that signs in should never sign out).' })}
        </fieldset>
        <fieldset class="field">
          <legend>Sign-in</legend>
          ${textField({ id: 'site-login-trace', name: 'loginTraceId', label: 'Sign-in trace ID (optional)', value: values.loginTraceId, spellcheck: false, hint: 'A trace of the same project, run before the pages are tested; its cookies and storage are used for them.', error: errors['loginTraceId'] })}
          ${textArea({ id: 'site-login-parameters', name: 'loginParameters', label: 'Sign-in parameters', value: values.loginParameters, rows: 3, hint: existing && existing.monitor.loginTraceId !== null ? `The values of the trace's \${name} placeholders, name=value per line. Stored sealed and never shown: leave empty to keep ${Object.keys(existing.monitor.loginParameters).join(', ') || 'none'}.` : "The values of the trace's ${name} placeholders, name=value per line, such as password=…. Stored sealed and never shown again.", error: errors['loginParameters'] })}
        </fieldset>
        <div class="actions">
          <button type="submit" class="button">Save site monitor</button>
          <a href="${existing ? `/projects/${existing.projectID}` : '/sites'}">Cancel</a>
        </div>
      </form>`;
    return sendPage(
      reply,
      page(v, {
        title,
        section: 'sites',
        body,
        crumbs: [
          { label: 'Site monitors', href: '/sites' },
          { label: existing ? 'Edit' : 'Add a site monitor' },
        ],
        hasErrors: Object.keys(errors).length > 0,
      }),
      status,
    );
  };

  const validate = async (req: FastifyRequest): Promise<{ values: SiteValues; errors: FieldErrors }> => {
    const values = {
      name: field(req.body, 'name').trim(),
      siteUrl: field(req.body, 'siteUrl').trim(),
      projectID: field(req.body, 'projectID'),
      intervalSec: field(req.body, 'intervalSec'),
      paths: field(req.body, 'paths'),
      level: field(req.body, 'level'),
      certainty: field(req.body, 'certainty').trim(),
      priority: field(req.body, 'priority').trim(),
      paused: field(req.body, 'paused') === '1',
      crawl: field(req.body, 'crawl') === '1',
      maxPages: field(req.body, 'maxPages').trim(),
      maxDepth: field(req.body, 'maxDepth').trim(),
      include: field(req.body, 'include'),
      exclude: field(req.body, 'exclude'),
      loginTraceId: field(req.body, 'loginTraceId'),
      loginParameters: field(req.body, 'loginParameters'),
    };
    const errors: FieldErrors = {};
    if (values.name === '') errors['name'] = 'Enter a name for the site monitor';
    else if (values.name.length > 200) errors['name'] = 'The name must be 200 characters or fewer';
    if (values.siteUrl === '') errors['siteUrl'] = 'Enter the URL of the site';
    else if (!isHttpUrl(values.siteUrl))
      errors['siteUrl'] = 'Enter a full URL starting with http:// or https://';
    if (!(await ctx.services.projects.find(userOf(req).tenantId, values.projectID)))
      errors['projectID'] = 'Choose the project the site belongs to';
    if (parameters(values.loginParameters) === null)
      errors['loginParameters'] = FIELD_MESSAGES['loginParameters']!;
    return { values, errors };
  };

  const load = async (req: SiteReq): Promise<MonitoredSite> =>
    orNotFound(
      ctx.services.sites.get(userOf(req).tenantId, req.params.siteKey),
      'There is no such site monitor.',
    );

  web.get<{ Querystring: { project?: string } }>('/sites/new', async (req, reply) =>
    formPage(req, reply, null, { ...NEW_SITE, projectID: req.query.project ?? '' }, {}),
  );

  web.post('/sites/new', async (req, reply) => {
    const { tenantId } = userOf(req);
    const { values, errors } = await validate(req);
    if (Object.keys(errors).length > 0) return formPage(req, reply, null, values, errors, 400);
    let site: MonitoredSite;
    try {
      site = await ctx.services.sites.create(tenantId, siteInput(values));
    } catch (err) {
      const invalid = formErrors(err);
      if (invalid) return formPage(req, reply, null, values, invalid, 400);
      throw err;
    }
    return redirectWith(ctx, req, reply, `/projects/${site.projectID}#sites-title`, {
      kind: 'success',
      text: `The site monitor "${site.name}" was added.`,
    });
  });

  web.get('/sites/:siteKey/edit', async (req: SiteReq, reply) => {
    const s = await load(req);
    return formPage(req, reply, s, valuesOf(s), {});
  });

  web.post('/sites/:siteKey/edit', async (req: SiteReq, reply) => {
    const existing = await load(req);
    const { values, errors } = await validate(req);
    if (Object.keys(errors).length > 0) return formPage(req, reply, existing, values, errors, 400);
    let site: MonitoredSite;
    try {
      site = await orNotFound(
        ctx.services.sites.update(existing.tenantId, existing.siteKey, siteInput(values)),
        'The site monitor was deleted meanwhile.',
      );
    } catch (err) {
      const invalid = formErrors(err);
      if (invalid) return formPage(req, reply, existing, values, invalid, 400);
      throw err;
    }
    return redirectWith(ctx, req, reply, `/projects/${site.projectID}#sites-title`, {
      kind: 'success',
      text: `The site monitor "${site.name}" was saved.`,
    });
  });

  web.get('/sites/:siteKey/delete', async (req: SiteReq, reply) => {
    const site = await load(req);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Delete the site monitor "${site.name}"?</h1>
      <p>The hooks that subscribe to <code>site</code> are told it was deleted. This cannot be undone.</p>
      <form method="post" action="/sites/${site.siteKey}/delete" class="actions">
        ${csrfInput(v)}
        <button type="submit" class="button danger">Delete site monitor</button>
        <a href="/projects/${site.projectID}">Cancel</a>
      </form>`;
    return sendPage(
      reply,
      page(v, {
        title: `Delete ${site.name}`,
        section: 'sites',
        body,
        crumbs: [{ label: 'Site monitors', href: '/sites' }, { label: 'Delete' }],
      }),
    );
  });

  web.post('/sites/:siteKey/delete', async (req: SiteReq, reply) => {
    const { tenantId } = userOf(req);
    const site = await orNotFound(
      ctx.services.sites.delete(tenantId, req.params.siteKey),
      'There is no such site monitor.',
    );
    return redirectWith(ctx, req, reply, `/projects/${site.projectID}#sites-title`, {
      kind: 'success',
      text: `The site monitor "${site.name}" was deleted.`,
    });
  });
}
