import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Project, Site } from '../../domain/builds.ts';
import { isHttpUrl } from '../../services/fields.ts';
import { time } from '../format.ts';
import { errorSummary, selectField, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page } from '../layout.ts';
import { field, redirectWith, sendPage, userOf, viewOf } from '../render.ts';
import { orNotFound } from './not-found.ts';

type SiteReq = FastifyRequest<{ Params: { siteKey: string } }>;

/** `projects` names each site's project; null when the table sits on its project's page. */
export function sitesTable(sites: Site[], projects: Map<string, Project> | null): SafeHtml {
  return html`<table class="data">
    <caption class="visually-hidden">
      Site monitors
    </caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Site URL</th>
        ${projects ? html`<th scope="col">Project</th>` : ''}
        <th scope="col">siteKey</th>
        <th scope="col">Added</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr>
    </thead>
    <tbody>
      ${sites.map((s) => {
        const project = projects?.get(s.projectID);
        return html`<tr>
          <th scope="row">${s.name}</th>
          <td class="url"><code>${s.siteUrl}</code></td>
          ${
            projects
              ? html`<td>
                  ${project ? html`<a href="/projects/${project.projectID}">${project.name}</a>` : s.projectID}
                </td>`
              : ''
          }
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
}

async function allProjects(ctx: AppContext, tenantId: string): Promise<Project[]> {
  return ctx.services.projects.listAll(tenantId);
}

export function sitePages(web: FastifyInstance, ctx: AppContext): void {
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
    existing: Site | null,
    values: SiteValues,
    errors: FieldErrors,
    status = 200,
  ) => {
    const projects = await allProjects(ctx, userOf(req).tenantId);
    const v = viewOf(ctx, req, reply);
    const title = existing ? `Edit ${existing.name}` : 'Add a site monitor';
    const body = html`<h1>${title}</h1>
      ${errorSummary(errors, { name: 'site-name', siteUrl: 'site-url', projectID: 'site-project' })}
      <form method="post" action="${existing ? `/sites/${existing.siteKey}/edit` : '/sites/new'}" novalidate>
        ${csrfInput(v)}
        ${textField({ id: 'site-name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 200, error: errors['name'] })}
        ${textField({ id: 'site-url', name: 'siteUrl', label: 'Site URL', type: 'url', value: values.siteUrl, required: true, wide: true, spellcheck: false, hint: 'The fully-qualified URL of the site, such as http://www.example.com.', error: errors['siteUrl'] })}
        ${selectField({ id: 'site-project', name: 'projectID', label: 'Project', value: values.projectID, options: projects.map((p) => ({ value: p.projectID, label: p.name })), error: errors['projectID'] })}
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
    };
    const errors: FieldErrors = {};
    if (values.name === '') errors['name'] = 'Enter a name for the site monitor';
    else if (values.name.length > 200) errors['name'] = 'The name must be 200 characters or fewer';
    if (values.siteUrl === '') errors['siteUrl'] = 'Enter the URL of the site';
    else if (!isHttpUrl(values.siteUrl))
      errors['siteUrl'] = 'Enter a full URL starting with http:// or https://';
    if (!(await ctx.services.projects.find(userOf(req).tenantId, values.projectID)))
      errors['projectID'] = 'Choose the project the site belongs to';
    return { values, errors };
  };

  const load = async (req: SiteReq): Promise<Site> =>
    orNotFound(
      ctx.services.sites.get(userOf(req).tenantId, req.params.siteKey),
      'There is no such site monitor.',
    );

  web.get<{ Querystring: { project?: string } }>('/sites/new', async (req, reply) =>
    formPage(req, reply, null, { name: '', siteUrl: '', projectID: req.query.project ?? '' }, {}),
  );

  web.post('/sites/new', async (req, reply) => {
    const { tenantId } = userOf(req);
    const { values, errors } = await validate(req);
    if (Object.keys(errors).length > 0) return formPage(req, reply, null, values, errors, 400);
    const site = await ctx.services.sites.create(tenantId, values);
    return redirectWith(ctx, req, reply, `/projects/${site.projectID}#sites-title`, {
      kind: 'success',
      text: `The site monitor "${site.name}" was added.`,
    });
  });

  web.get('/sites/:siteKey/edit', async (req: SiteReq, reply) => {
    const s = await load(req);
    return formPage(req, reply, s, { name: s.name, siteUrl: s.siteUrl, projectID: s.projectID }, {});
  });

  web.post('/sites/:siteKey/edit', async (req: SiteReq, reply) => {
    const existing = await load(req);
    const { values, errors } = await validate(req);
    if (Object.keys(errors).length > 0) return formPage(req, reply, existing, values, errors, 400);
    const site = await orNotFound(
      ctx.services.sites.update(existing.tenantId, existing.siteKey, values),
      'The site monitor was deleted meanwhile.',
    );
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
