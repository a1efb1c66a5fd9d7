import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { UserError } from '../../auth/users.ts';
import { time } from '../format.ts';
import { choiceGroup, errorSummary, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page, settingsNav, type View } from '../layout.ts';
import { field, redirectWith, requireAdminUser, sendPage, userOf, viewOf } from '../render.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const ROLE_CHOICES = [
  { value: 'member', label: 'Member', hint: 'Manages hooks, projects and builds.' },
  { value: 'admin', label: 'Admin', hint: 'Also manages API keys and users.' },
];

/** Who can sign in to this tenant's console. Admins add and remove users. */
export function userPages(web: FastifyInstance, ctx: AppContext): void {
  const listPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    opts: { errors?: FieldErrors; values?: { email: string; role: string }; status?: number } = {},
  ) => {
    const me = userOf(req);
    const users = await ctx.services.users.list(me.tenantId);
    const v = viewOf(ctx, req, reply);
    const errors = opts.errors ?? {};
    const isAdmin = me.role === 'admin';
    const body = html`${settingsNav('users')}
      <h1>Users</h1>
      <table class="data">
        <caption class="visually-hidden">
          Users who can sign in
        </caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Added</th>
            ${isAdmin ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ''}
          </tr>
        </thead>
        <tbody>
          ${users.map(
            (u) =>
              html`<tr>
                <th scope="row">
                  ${u.email}${u.id === me.id ? html` <span class="muted">(you)</span>` : ''}
                </th>
                <td>${u.role}</td>
                <td>${time(u.createdAt)}</td>
                ${isAdmin ? html`<td>${u.id !== me.id ? html`<a href="/settings/users/${u.id}/delete">Remove<span class="visually-hidden"> ${u.email}</span></a>` : ''}</td>` : ''}
              </tr>`,
          )}
        </tbody>
      </table>
      ${isAdmin ? createForm(v, opts.values ?? { email: '', role: 'member' }, errors) : html`<p>Only admins can add or remove users.</p>`}`;
    return sendPage(
      reply,
      page(v, {
        title: 'Users',
        section: 'settings',
        body,
        crumbs: [{ label: 'Settings', href: '/settings' }, { label: 'Users' }],
        hasErrors: Object.keys(errors).length > 0,
      }),
      opts.status ?? 200,
    );
  };

  web.get('/settings/users', async (req, reply) => listPage(req, reply));

  web.post('/settings/users', async (req, reply) => {
    const me = requireAdminUser(req);
    const email = field(req.body, 'email').trim();
    const password = field(req.body, 'password');
    const role = field(req.body, 'role');
    const values = { email, role };
    if (role !== 'admin' && role !== 'member')
      return listPage(req, reply, { errors: { role: 'Choose a role' }, values, status: 400 });
    try {
      const user = await ctx.services.users.create({ email, password, role, tenantId: me.tenantId });
      return redirectWith(ctx, req, reply, '/settings/users', {
        kind: 'success',
        text: `${user.email} can now sign in.`,
      });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return listPage(req, reply, { errors: { [err.field]: err.message }, values, status: 400 });
    }
  });

  web.get('/settings/users/:id/delete', async (req: IdReq, reply) => {
    const user = await ctx.services.users.removable(requireAdminUser(req), req.params.id);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Remove ${user.email}?</h1>
      <p>They are signed out at once and can no longer sign in.</p>
      <form method="post" action="/settings/users/${user.id}/delete" class="actions">
        ${csrfInput(v)}
        <button type="submit" class="button danger">Remove user</button>
        <a href="/settings/users">Cancel</a>
      </form>`;
    return sendPage(
      reply,
      page(v, {
        title: `Remove ${user.email}`,
        section: 'settings',
        body,
        crumbs: [
          { label: 'Settings', href: '/settings' },
          { label: 'Users', href: '/settings/users' },
          { label: 'Remove' },
        ],
      }),
    );
  });

  web.post('/settings/users/:id/delete', async (req: IdReq, reply) => {
    const user = await ctx.services.users.remove(requireAdminUser(req), req.params.id);
    return redirectWith(ctx, req, reply, '/settings/users', {
      kind: 'success',
      text: `${user.email} was removed.`,
    });
  });
}

function createForm(v: View, values: { email: string; role: string }, errors: FieldErrors): SafeHtml {
  return html`<section aria-labelledby="add-user-title">
    <h2 id="add-user-title">Add a user</h2>
    ${errorSummary(errors, { email: 'user-email', password: 'user-password', role: 'user-role-member' })}
    <form method="post" action="/settings/users" novalidate>
      ${csrfInput(v)}
      ${textField({ id: 'user-email', name: 'email', label: 'Email address', type: 'email', value: values.email, required: true, autocomplete: 'off', spellcheck: false, error: errors['email'] })}
      ${textField({ id: 'user-password', name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters. Tell it to them safely; they can change it under Your account.', error: errors['password'] })}
      ${choiceGroup({ id: 'user-role', name: 'role', legend: 'Role', type: 'radio', choices: ROLE_CHOICES, selected: [values.role], error: errors['role'] })}
      <button type="submit" class="button">Add user</button>
    </form>
  </section>`;
}
