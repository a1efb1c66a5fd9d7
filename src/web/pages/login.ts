import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { normalizeEmail } from '../../auth/users.ts';
import { errorSummary, textField, type FieldErrors } from '../forms.ts';
import { html } from '../html.ts';
import { csrfInput, page } from '../layout.ts';
import { field, redirectWith, safeNext, sendPage, viewOf } from '../render.ts';
import { endSession, startSession } from '../session.ts';
import { LoginThrottle } from '../throttle.ts';

export function loginPages(web: FastifyInstance, ctx: AppContext): void {
  const throttle = new LoginThrottle();

  const form = (
    req: FastifyRequest,
    reply: FastifyReply,
    values: { email: string; next: string },
    errors: FieldErrors,
    status = 200,
  ) => {
    const v = viewOf(ctx, req, reply);
    const body = html`<div class="narrow">
      <h1>Sign in to Herald</h1>
      ${errorSummary(errors, { email: 'login-email', password: 'login-password' })}
      <form method="post" action="/login" novalidate>
        ${csrfInput(v)}
        <input type="hidden" name="next" value="${values.next}" />
        ${textField({ id: 'login-email', name: 'email', label: 'Email address', type: 'email', value: values.email, autocomplete: 'username', required: true, error: errors['email'], spellcheck: false })}
        ${textField({ id: 'login-password', name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true, error: errors['password'] })}
        <button type="submit" class="button">Sign in</button>
      </form>
      <p class="hint">
        No account yet? An administrator creates users on the Users page, or with
        <code>herald users create</code>.
      </p>
    </div>`;
    return sendPage(
      reply,
      page(v, { title: 'Sign in', section: null, body, hasErrors: Object.keys(errors).length > 0 }),
      status,
    );
  };

  web.get<{ Querystring: { next?: string } }>('/login', { config: { public: true } }, async (req, reply) => {
    const next = safeNext(req.query.next);
    if (req.consoleUser) return reply.redirect(next, 303);
    return form(req, reply, { email: '', next }, {});
  });

  web.post('/login', { config: { public: true } }, async (req, reply) => {
    const email = normalizeEmail(field(req.body, 'email'));
    const password = field(req.body, 'password');
    const next = safeNext(field(req.body, 'next'));
    const errors: FieldErrors = {};
    if (email === '') errors['email'] = 'Enter your email address';
    if (password === '') errors['password'] = 'Enter your password';
    if (errors['email'] || errors['password']) return form(req, reply, { email, next }, errors, 400);

    // Counted before the password is checked, so concurrent guesses cannot overtake the count.
    const attempt = throttle.reserve(email, req.ip);
    if (attempt.waitMs > 0) {
      const minutes = Math.ceil(attempt.waitMs / 60_000);
      errors['email'] =
        `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
      return form(req, reply, { email, next }, errors, 429);
    }
    const user = await ctx.services.users.authenticate(email, password);
    if (!user) {
      // One message for both cases, so the form does not reveal which emails have accounts.
      errors['email'] = 'The email address or the password is not right';
      return form(req, reply, { email, next }, errors, 401);
    }
    throttle.succeeded(email, req.ip, attempt.at);
    // A fresh token at every sign-in: a session id planted before sign-in is worthless.
    if (req.consoleSession) await endSession(ctx, req, reply);
    await startSession(ctx, req, reply, user);
    return reply.redirect(next, 303);
  });

  web.post('/logout', async (req, reply) => {
    await endSession(ctx, req, reply);
    return redirectWith(ctx, req, reply, '/login', { kind: 'success', text: 'You have signed out.' });
  });
}
