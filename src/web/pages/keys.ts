import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { ApiKey } from '../../domain/types.ts';
import { keyPrefix } from '../../services/keys.ts';
import { badge, time } from '../format.ts';
import { choiceGroup, errorSummary, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page, settingsNav, type View } from '../layout.ts';
import { field, orMissing, redirectWith, requireAdminUser, sendPage, userOf, viewOf } from '../render.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const ROLE_CHOICES = [
  { value: 'member', label: 'Member', hint: 'Publishes events and manages hooks.' },
  { value: 'admin', label: 'Admin', hint: 'Also creates and revokes API keys.' },
];

function keysTable(keys: ApiKey[], canManage: boolean): SafeHtml {
  if (keys.length === 0) return html`<p class="empty">No API keys yet.</p>`;
  return html`<table class="data">
    <caption class="visually-hidden">
      API keys
    </caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Key starts with</th>
        <th scope="col">Role</th>
        <th scope="col">Created</th>
        <th scope="col">State</th>
        ${canManage ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ''}
      </tr>
    </thead>
    <tbody>
      ${keys.map(
        (k) =>
          html`<tr>
            <th scope="row">${k.name}</th>
            <td><code>${keyPrefix(k.prefix)}…</code></td>
            <td>${k.role}</td>
            <td>${time(k.createdAt)}</td>
            <td>
              ${k.revokedAt === null ? badge('Active', 'ok') : html`${badge('Revoked', 'off')} ${time(k.revokedAt)}`}
            </td>
            ${canManage ? html`<td>${k.revokedAt === null ? html`<a href="/settings/keys/${k.id}/revoke">Revoke<span class="visually-hidden"> ${k.name}</span></a>` : ''}</td>` : ''}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function keyPages(web: FastifyInstance, ctx: AppContext): void {
  const listPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    opts: {
      errors?: FieldErrors;
      values?: { name: string; role: string };
      created?: string;
      status?: number;
    } = {},
  ) => {
    const user = userOf(req);
    const keys = await ctx.services.keys.list(user.tenantId);
    const v = viewOf(ctx, req, reply);
    const errors = opts.errors ?? {};
    const canManage = user.role === 'admin';
    const body = html`${settingsNav('keys')}
      <h1>API Keys</h1>
      <p class="lede">
        Send a key as <code>Authorization: Bearer &lt;key&gt;</code> to use the <a href="/docs">HTTP API</a>.
        Herald stores only a hash of each key, so a key is shown once, when it is created.
      </p>
      ${opts.created ? newKeyNotice(opts.created) : ''} ${keysTable(keys, canManage)}
      ${canManage ? createForm(v, opts.values ?? { name: '', role: 'member' }, errors) : html`<p>Only admins can create or revoke keys.</p>`}`;
    return sendPage(
      reply,
      page(v, {
        title: 'API Keys',
        section: 'settings',
        body,
        crumbs: [{ label: 'Settings', href: '/settings' }, { label: 'API Keys' }],
        hasErrors: Object.keys(errors).length > 0,
      }),
      opts.status ?? 200,
    );
  };

  web.get('/settings/keys', async (req, reply) => listPage(req, reply));

  web.post('/settings/keys', async (req, reply) => {
    const user = requireAdminUser(req);
    const name = field(req.body, 'name').trim();
    const role = field(req.body, 'role');
    const errors: FieldErrors = {};
    if (name === '') errors['name'] = 'Enter a name for the key, such as the system that will use it';
    else if (name.length > 200) errors['name'] = 'The name must be 200 characters or fewer';
    if (role !== 'admin' && role !== 'member') errors['role'] = 'Choose what the key may do';
    if (Object.keys(errors).length > 0)
      return listPage(req, reply, { errors, values: { name, role }, status: 400 });
    const { key } = await ctx.services.keys.create(user.tenantId, { role: role as 'admin' | 'member', name });
    // Shown in this response only; reloading does not show it again (the page is no-store).
    return listPage(req, reply, { created: key, status: 201 });
  });

  web.get('/settings/keys/:id/revoke', async (req: IdReq, reply) => {
    const user = requireAdminUser(req);
    const key = await orMissing(
      ctx.services.keys.get(user.tenantId, req.params.id),
      'KEY_NOT_FOUND',
      'There is no such API key.',
    );
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Revoke the API key "${key.name}"?</h1>
      <p>
        Requests with the key starting <code>${keyPrefix(key.prefix)}…</code> will be refused from now on.
        This cannot be undone.
      </p>
      <form method="post" action="/settings/keys/${key.id}/revoke" class="actions">
        ${csrfInput(v)}
        <button type="submit" class="button danger">Revoke key</button>
        <a href="/settings/keys">Cancel</a>
      </form>`;
    return sendPage(
      reply,
      page(v, {
        title: `Revoke ${key.name}`,
        section: 'settings',
        body,
        crumbs: [
          { label: 'Settings', href: '/settings' },
          { label: 'API Keys', href: '/settings/keys' },
          { label: 'Revoke' },
        ],
      }),
    );
  });

  web.post('/settings/keys/:id/revoke', async (req: IdReq, reply) => {
    const user = requireAdminUser(req);
    await orMissing(
      ctx.services.keys.revoke(user.tenantId, req.params.id),
      'KEY_NOT_FOUND',
      'There is no such API key.',
    );
    // Revocation takes effect now, not when the cache entry ages out.
    ctx.keys.forget();
    return redirectWith(ctx, req, reply, '/settings/keys', { kind: 'success', text: 'The key was revoked.' });
  });
}

function newKeyNotice(key: string): SafeHtml {
  return html`<div class="notice" role="status">
    <h2>Your new API key</h2>
    <p>
      <code id="new-key" class="secret-value">${key}</code>
      <button type="button" class="button secondary small" data-copy="new-key" hidden>Copy key</button>
    </p>
    <p><strong>Copy it now: it will not be shown again.</strong></p>
  </div>`;
}

function createForm(v: View, values: { name: string; role: string }, errors: FieldErrors): SafeHtml {
  return html`<section aria-labelledby="create-key-title">
    <h2 id="create-key-title">Create a key</h2>
    ${errorSummary(errors, { name: 'key-name', role: 'key-role-member' })}
    <form method="post" action="/settings/keys" novalidate>
      ${csrfInput(v)}
      ${textField({ id: 'key-name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 200, hint: 'Who or what uses the key, such as "CI" or "billing service".', error: errors['name'] })}
      ${choiceGroup({ id: 'key-role', name: 'role', legend: 'What may the key do?', type: 'radio', choices: ROLE_CHOICES, selected: [values.role], error: errors['role'] })}
      <button type="submit" class="button">Create key</button>
    </form>
  </section>`;
}
