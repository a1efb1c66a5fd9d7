import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { idOrUndefined } from '../../domain/ids.ts';
import type { Project } from '../../domain/builds.ts';
import { checkTargetUrl } from '../../network/policy.ts';
import { HeraldError } from '../../domain/errors.ts';
import { badge, time } from '../format.ts';
import { checkbox, errorSummary, textArea, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page } from '../layout.ts';
import { field, redirectWith, sendPage, userOf, viewOf } from '../render.ts';
import { runForm, startFromForm } from './build-run.ts';
import { orNotFound } from './not-found.ts';
import { buildsTable } from './builds.ts';
import { sitesTable } from './sites.ts';
import { tracesTable } from './traces.ts';

type ProjectReq = FastifyRequest<{ Params: { projectID: string } }>;

export async function loadProject(ctx: AppContext, req: FastifyRequest, projectID: string): Promise<Project> {
  const project = await ctx.services.projects.find(userOf(req).tenantId, projectID);
  if (!project)
    throw new HeraldError('PROJECT_NOT_FOUND', 'There is no such project. It may have been deleted.');
  return project;
}

/**
 * An optional absolute http(s) URL the browsers will open. The service checks its shape; the
 * form also applies the network policy now, as a build would, to say so next to the field.
 */
export function baseUrlProblem(ctx: AppContext, url: string): string | null {
  if (url === '') return null;
  const check = checkTargetUrl(url, ctx.config.targetAllowlist);
  if (check.ok) return null;
  return check.code === 'INVALID_URL'
    ? `Enter a full URL such as https://staging.example.com (${check.message})`
    : `Builds may not open this address: ${check.message}`;
}

interface ProjectValues {
  name: string;
  description: string;
  baseUrl: string;
  isDefault: boolean;
}

function projectForm(
  csrf: SafeHtml,
  action: string,
  values: ProjectValues,
  errors: FieldErrors,
  cancel: string,
): SafeHtml {
  return html`${errorSummary(errors, { name: 'project-name', baseUrl: 'project-base-url' })}
    <form method="post" action="${action}" novalidate>
      ${csrf}
      ${textField({ id: 'project-name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 200, error: errors['name'] })}
      ${textArea({ id: 'project-description', name: 'description', label: 'Description', value: values.description, rows: 3 })}
      ${textField({ id: 'project-base-url', name: 'baseUrl', label: 'Base URL', type: 'url', required: false, wide: true, spellcheck: false, value: values.baseUrl, hint: "Where builds run when they name no base URL, such as https://staging.example.com. Traces' relative URLs are opened under it.", error: errors['baseUrl'] })}
      ${checkbox({ id: 'project-default', name: 'defaultItem', label: 'Default project', checked: values.isDefault, hint: 'At most one project is the default; choosing this one takes the flag from the other.' })}
      <div class="actions">
        <button type="submit" class="button">Save project</button>
        <a href="${cancel}">Cancel</a>
      </div>
    </form>`;
}

function validateProject(ctx: AppContext, body: unknown): { values: ProjectValues; errors: FieldErrors } {
  const values = {
    name: field(body, 'name').trim(),
    description: field(body, 'description').trim(),
    baseUrl: field(body, 'baseUrl').trim(),
    isDefault: field(body, 'defaultItem') === '1',
  };
  const errors: FieldErrors = {};
  if (values.name === '') errors['name'] = 'Enter a name for the project';
  else if (values.name.length > 200) errors['name'] = 'The name must be 200 characters or fewer';
  if (values.description.length > 2000)
    errors['description'] = 'The description must be 2000 characters or fewer';
  const urlProblem = baseUrlProblem(ctx, values.baseUrl);
  if (urlProblem) errors['baseUrl'] = urlProblem;
  return { values, errors };
}

function projectsTable(projects: Project[]): SafeHtml {
  return html`<table class="data">
    <caption class="visually-hidden">
      Projects
    </caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Description</th>
        <th scope="col">Base URL</th>
        <th scope="col">Added</th>
      </tr>
    </thead>
    <tbody>
      ${projects.map(
        (p) =>
          html`<tr>
            <th scope="row">
              <a href="/projects/${p.projectID}">${p.name}</a> ${p.defaultItem ? badge('default', 'ok') : ''}
            </th>
            <td>${p.description}</td>
            <td class="url">
              ${p.baseUrl ? html`<code>${p.baseUrl}</code>` : html`<span class="muted">none</span>`}
            </td>
            <td>${time(p.dateAdded)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function projectPages(web: FastifyInstance, ctx: AppContext): void {
  web.get<{ Querystring: { after?: string } }>('/projects', async (req, reply) => {
    const { tenantId } = userOf(req);
    const after = idOrUndefined('project', req.query.after);
    const rows = await ctx.services.projects.list(tenantId, { limit: 51, after });
    const projects = rows.slice(0, 50);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Projects</h1>
      <p class="lede">
        A project groups site monitors and traces (browser tests). Creating, changing or deleting one is
        announced to the hooks that subscribe to <code>project</code>.
      </p>
      <p><a class="button" href="/projects/new">Add a project</a></p>
      ${
        projects.length === 0 && !after
          ? html`<div class="empty">
              <h2>No projects yet</h2>
              <p>Add one to monitor sites and run traces in real browsers.</p>
            </div>`
          : projectsTable(projects)
      }
      ${
        rows.length > 50
          ? html`<nav class="pager" aria-label="Pages of projects">
              <a href="/projects?after=${projects[projects.length - 1]!.id}">Older projects</a>
            </nav>`
          : ''
      }`;
    return sendPage(reply, page(v, { title: 'Projects', section: 'projects', body }));
  });

  const formPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    existing: Project | null,
    values: ProjectValues,
    errors: FieldErrors,
    status = 200,
  ) => {
    const v = viewOf(ctx, req, reply);
    const title = existing ? `Edit ${existing.name}` : 'Add a project';
    const body = html`<h1>${title}</h1>
      ${projectForm(
        csrfInput(v),
        existing ? `/projects/${existing.projectID}/edit` : '/projects/new',
        values,
        errors,
        existing ? `/projects/${existing.projectID}` : '/projects',
      )}`;
    const crumbs = [
      { label: 'Projects', href: '/projects' },
      ...(existing ? [{ label: existing.name, href: `/projects/${existing.projectID}` }] : []),
      { label: existing ? 'Edit' : 'Add a project' },
    ];
    return sendPage(
      reply,
      page(v, { title, section: 'projects', body, crumbs, hasErrors: Object.keys(errors).length > 0 }),
      status,
    );
  };

  web.get('/projects/new', async (req, reply) => {
    const first = await ctx.services.projects.isFirst(userOf(req).tenantId);
    return formPage(req, reply, null, { name: '', description: '', baseUrl: '', isDefault: first }, {});
  });

  web.post('/projects/new', async (req, reply) => {
    const { tenantId } = userOf(req);
    const { values, errors } = validateProject(ctx, req.body);
    if (Object.keys(errors).length > 0) return formPage(req, reply, null, values, errors, 400);
    const project = await ctx.services.projects.create(tenantId, {
      name: values.name,
      description: values.description,
      defaultItem: values.isDefault ? 1 : 0,
      baseUrl: values.baseUrl === '' ? null : values.baseUrl,
    });
    return redirectWith(ctx, req, reply, `/projects/${project.projectID}`, {
      kind: 'success',
      text: `The project "${project.name}" was added.`,
    });
  });

  web.get('/projects/:projectID', async (req: ProjectReq, reply) => {
    const project = await loadProject(ctx, req, req.params.projectID);
    const { tenantId } = project;
    const [sites, traces, builds] = await Promise.all([
      ctx.services.sites.list(tenantId, { limit: 100, projectID: project.projectID }),
      ctx.services.traces.listAll(tenantId, project.projectID),
      ctx.services.builds.list(tenantId, { limit: 10, projectID: project.projectID }),
    ]);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>${project.name}</h1>
      <div class="toolbar">
        <a class="button secondary" href="/projects/${project.projectID}/edit">Edit</a>
        <a class="button danger" href="/projects/${project.projectID}/delete">Delete</a>
      </div>
      <dl class="summary">
        <dt>Description</dt>
        <dd>${project.description || html`<span class="muted">none</span>`}</dd>
        <dt>Default project</dt>
        <dd>${project.defaultItem ? 'Yes' : 'No'}</dd>
        <dt>Base URL</dt>
        <dd>
          ${project.baseUrl ? html`<code>${project.baseUrl}</code>` : html`<span class="muted">none</span>`}
        </dd>
        <dt>projectID</dt>
        <dd><code>${project.projectID}</code></dd>
        <dt>Viewport</dt>
        <dd>${project.apiDefaultViewportWidth} × ${project.apiDefaultViewportHeight}</dd>
        <dt>Added</dt>
        <dd>${time(project.dateAdded)}</dd>
        <dt>Last changed</dt>
        <dd>${time(project.lastmod)}</dd>
      </dl>
      <section aria-labelledby="traces-title">
        <h2 id="traces-title">Traces</h2>
        <p><a class="button secondary" href="/projects/${project.projectID}/traces/new">Add a trace</a></p>
        ${traces.length === 0 ? html`<p class="empty">No traces yet: a trace is a browser test written as steps.</p>` : tracesTable(traces)}
        ${
          traces.length > 0
            ? runForm(v, {
                action: `/projects/${project.projectID}/run`,
                title: 'Run all traces',
                baseUrl: '',
                projectBaseUrl: project.baseUrl,
                withTags: true,
              })
            : ''
        }
      </section>
      <section aria-labelledby="sites-title">
        <h2 id="sites-title">Site monitors</h2>
        <p>
          <a class="button secondary" href="/sites/new?project=${project.projectID}">Add a site monitor</a>
        </p>
        ${sites.length === 0 ? html`<p class="empty">No site monitors in this project.</p>` : sitesTable(sites, null)}
      </section>
      <section aria-labelledby="builds-title">
        <h2 id="builds-title">Recent builds</h2>
        ${
          builds.length === 0
            ? html`<p class="empty">No builds yet.</p>`
            : html`${await buildsTable(ctx, builds, new Map([[project.projectID, project]]))}
                <p><a href="/builds?project=${project.projectID}">All builds of this project</a></p>`
        }
      </section>`;
    return sendPage(
      reply,
      page(v, {
        title: project.name,
        section: 'projects',
        body,
        crumbs: [{ label: 'Projects', href: '/projects' }, { label: project.name }],
      }),
    );
  });

  web.post('/projects/:projectID/run', async (req: ProjectReq, reply) => {
    const project = await loadProject(ctx, req, req.params.projectID);
    return startFromForm(ctx, req, reply, { project, traceId: null });
  });

  web.get('/projects/:projectID/edit', async (req: ProjectReq, reply) => {
    const p = await loadProject(ctx, req, req.params.projectID);
    return formPage(
      req,
      reply,
      p,
      { name: p.name, description: p.description, baseUrl: p.baseUrl ?? '', isDefault: p.defaultItem === 1 },
      {},
    );
  });

  web.post('/projects/:projectID/edit', async (req: ProjectReq, reply) => {
    const existing = await loadProject(ctx, req, req.params.projectID);
    const { values, errors } = validateProject(ctx, req.body);
    if (Object.keys(errors).length > 0) return formPage(req, reply, existing, values, errors, 400);
    await orNotFound(
      ctx.services.projects.update(existing.tenantId, existing.projectID, {
        name: values.name,
        description: values.description,
        baseUrl: values.baseUrl === '' ? null : values.baseUrl,
        defaultItem: values.isDefault ? 1 : 0,
      }),
      'The project was deleted meanwhile.',
    );
    return redirectWith(ctx, req, reply, `/projects/${existing.projectID}`, {
      kind: 'success',
      text: `The project "${values.name}" was saved.`,
    });
  });

  web.get('/projects/:projectID/delete', async (req: ProjectReq, reply) => {
    const project = await loadProject(ctx, req, req.params.projectID);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Delete the project "${project.name}"?</h1>
      <p>
        Its site monitors and traces are deleted with it, and announced as deleted. Its builds stay readable
        under Builds.
      </p>
      <p>This cannot be undone.</p>
      <form method="post" action="/projects/${project.projectID}/delete" class="actions">
        ${csrfInput(v)}
        <button type="submit" class="button danger">Delete project</button>
        <a href="/projects/${project.projectID}">Cancel</a>
      </form>`;
    return sendPage(
      reply,
      page(v, {
        title: `Delete ${project.name}`,
        section: 'projects',
        body,
        crumbs: [
          { label: 'Projects', href: '/projects' },
          { label: project.name, href: `/projects/${project.projectID}` },
          { label: 'Delete' },
        ],
      }),
    );
  });

  web.post('/projects/:projectID/delete', async (req: ProjectReq, reply) => {
    const { tenantId } = userOf(req);
    const deleted = await orNotFound(
      ctx.services.projects.delete(tenantId, req.params.projectID),
      'There is no such project.',
    );
    return redirectWith(ctx, req, reply, '/projects', {
      kind: 'success',
      text: `The project "${deleted.project.name}" was deleted.`,
    });
  });
}
