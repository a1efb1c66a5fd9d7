import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { errorSummary, textField, type FieldErrors } from '../forms.ts';
import { html } from '../html.ts';
import { csrfInput, page, settingsNav } from '../layout.ts';
import { field, redirectWith, sendPage, userOf, viewOf } from '../render.ts';
import { startSession } from '../session.ts';

/** Your account: change your own password (which signs you out everywhere else). */
export function accountPages(web: FastifyInstance, ctx: AppContext): void {
  const form = (req: FastifyRequest, reply: FastifyReply, errors: FieldErrors, status = 200) => {
    const user = userOf(req);
    const v = viewOf(ctx, req, reply);
    const body = html`${settingsNav('account')}
      <h1>Your account</h1>
      <dl class="summary">
        <dt>Email</dt>
        <dd>${user.email}</dd>
        <dt>Role</dt>
        <dd>${user.role}</dd>
        <dt>Tenant</dt>
        <dd><code>${user.tenantId}</code></dd>
      </dl>
      <section aria-labelledby="password-title">
        <h2 id="password-title">Change your password</h2>
        ${errorSummary(errors, { current: 'current-password', next: 'new-password', confirm: 'confirm-password' })}
        <form method="post" action="/settings/account/password" novalidate>
          ${csrfInput(v)}
          <input type="text" name="username" value="${user.email}" autocomplete="username" hidden />
          ${textField({ id: 'current-password', name: 'current', label: 'Current password', type: 'password', required: true, autocomplete: 'current-password', error: errors['current'] })}
          ${textField({ id: 'new-password', name: 'next', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters.', error: errors['next'] })}
          ${textField({ id: 'confirm-password', name: 'confirm', label: 'New password again', type: 'password', required: true, autocomplete: 'new-password', error: errors['confirm'] })}
          <button type="submit" class="button">Change password</button>
        </form>
      </section>`;
    return sendPage(
      reply,
      page(v, {
        title: 'Your account',
        section: 'settings',
        body,
        crumbs: [{ label: 'Settings', href: '/settings' }, { label: 'Your account' }],
        hasErrors: Object.keys(errors).length > 0,
      }),
      status,
    );
  };

  web.get('/settings/account', async (req, reply) => form(req, reply, {}));

  web.post('/settings/account/password', async (req, reply) => {
    const user = userOf(req);
    const current = field(req.body, 'current');
    const next = field(req.body, 'next');
    const confirm = field(req.body, 'confirm');
    const changed = await ctx.services.users.changePassword(user, { current, next, confirm });
    if (!changed.ok) return form(req, reply, changed.errors, 400);
    // Every other session ended; this browser gets a fresh one.
    await startSession(ctx, req, reply, user);
    return redirectWith(ctx, req, reply, '/settings/account', {
      kind: 'success',
      text: 'Your password was changed. You were signed out everywhere else.',
    });
  });
}
